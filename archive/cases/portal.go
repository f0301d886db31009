package cases

import (
	"context"
	"crypto/subtle"
	"dossier/archive"
	"errors"
	"strings"
	"sync"
	"time"
)

// PortalActorPrefix starts the user id of an applicant-portal actor; user
// ids of accounts never contain a colon.
const PortalActorPrefix = "portal:"

// errPortalSignIn is the one answer to every wrong combination, so that
// a guess learns nothing about which part was wrong.
var errPortalSignIn = archive.Errorf(archive.EUNAUTHORIZED, "case number, verification code or identity number do not match")

// lockedOut is the format of PortalSignIn's refusal of a case number
// that is locked out (the Errorf there spells it out for the catalogue of
// translations; TestPortalLocksOutProgressively holds the two equal).
const lockedOut = "too many wrong attempts for case %s; try again after %s"

// IsLockedOut reports whether err is PortalSignIn's refusal of a case
// number that is locked out after too many wrong attempts (and not a
// mismatch of what was given).
func IsLockedOut(err error) bool {
	var e *archive.Error
	return errors.As(err, &e) && e.Format == lockedOut
}

// PortalSignIn signs an applicant in to the one case whose number, the
// verification code of one of its notices (the acceptance notice, or the
// correction notice that asks for materials before acceptance) and the
// eight digits of the identity number that notices print masked (the date
// of birth, characters 7 to 14) are given, and returns an actor scoped to
// that case (Actor.Case). A notice's holder thus still needs what the
// notice does not show. Attempts are counted per case number before they
// are checked, and after five wrong ones the number is locked out for a
// minute, doubling with each further wrong one (at most a day). Errors:
// EUNAUTHORIZED with one message for any mismatch, another while locked
// out; EUNAVAILABLE.
func (s *Service) PortalSignIn(ctx context.Context, number, verifyCode, birth, remote string) (archive.Actor, error) {
	number = strings.TrimSpace(number)
	birth = strings.TrimSpace(birth)
	now := s.Now()
	if until, locked := s.portal.attempt(number, now); locked {
		return archive.Actor{}, archive.Errorf(archive.EUNAUTHORIZED, "too many wrong attempts for case %s; try again after %s", number, until.In(archive.Zone).Format("2006-01-02 15:04"))
	}
	code, err := archive.NormalizeVerifyCode(verifyCode)
	if err != nil || number == "" || len(birth) != 8 {
		return archive.Actor{}, errPortalSignIn
	}
	id, err := archive.ReadCasePointer(ctx, s.Store, archive.VerifyKey(code), errPortalSignIn)
	if archive.IsCode(err, archive.EINTERNAL) || err == errPortalSignIn {
		return archive.Actor{}, errPortalSignIn
	}
	if err != nil {
		return archive.Actor{}, err
	}
	c, err := s.proj.Case(ctx, id)
	if archive.IsCode(err, archive.ENOTFOUND) {
		return archive.Actor{}, errPortalSignIn
	}
	if err != nil {
		return archive.Actor{}, err
	}
	issued := false
	for _, n := range c.Notices {
		if n.VerifyCode == code {
			issued = true
		}
	}
	idn := strings.TrimSpace(c.Applicant.IDNumber)
	masked := ""
	if len(idn) == 18 {
		masked = idn[6:14]
	}
	ok := subtle.ConstantTimeCompare([]byte(masked), []byte(birth)) == 1
	if !issued || !ok || c.Number != number {
		return archive.Actor{}, errPortalSignIn
	}
	s.portal.succeeded(number)
	a := archive.Actor{UserID: PortalActorPrefix + c.ID, Name: archive.MaskName(c.Applicant.Name), Roles: []string{archive.RoleApplicant}, Remote: remote, Case: c.ID}
	if err := s.Record(ctx, a, "portal.sign_in", "case/"+c.ID, "signed in with case number and verification code"); err != nil {
		return archive.Actor{}, err
	}
	return a, nil
}

// portalGuard counts wrong portal sign-ins per case number and locks a
// number out progressively. It is kept per process: what holds across
// servers is the web's limit counted in the store (archive/web/kit,
// five attempts per case number and per address in five minutes),
// which every portal sign-in passes first; this lock only lengthens
// the wait on a server that saw the guesses itself.
type portalGuard struct {
	mu    sync.Mutex
	fails map[string]*portalFails
}

type portalFails struct {
	n           int
	until, last time.Time
}

// Portal lockout: free attempts, then a lock that doubles from the first
// up to the longest.
const (
	portalFreeAttempts = 5
	portalFirstLock    = time.Minute
	portalLongestLock  = 24 * time.Hour
	// portalMaxTracked is how many case numbers are counted before those
	// not locked out are forgotten.
	portalMaxTracked = 10000
)

// attempt counts an attempt for number before it is checked and says
// whether the number is locked out, and until when.
func (g *portalGuard) attempt(number string, now time.Time) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fails == nil {
		g.fails = map[string]*portalFails{}
	}
	if len(g.fails) >= portalMaxTracked {
		// Guesses at many numbers must not grow the map without end:
		// forget the numbers left alone for a day, and if that is not
		// enough, those not locked out now.
		for k, f := range g.fails {
			if now.Sub(f.last) > portalLongestLock {
				delete(g.fails, k)
			}
		}
		for k, f := range g.fails {
			if len(g.fails) < portalMaxTracked {
				break
			}
			if !now.Before(f.until) {
				delete(g.fails, k)
			}
		}
	}
	f := g.fails[number]
	if f == nil {
		f = &portalFails{}
		g.fails[number] = f
	}
	if now.Before(f.until) {
		return f.until, true
	}
	f.n, f.last = f.n+1, now
	if f.n > portalFreeAttempts {
		lock := portalFirstLock << min(f.n-portalFreeAttempts-1, 20)
		f.until = now.Add(min(lock, portalLongestLock))
	}
	return time.Time{}, false
}

// succeeded forgets the wrong attempts of number.
func (g *portalGuard) succeeded(number string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, number)
}
