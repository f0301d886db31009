package cases

import (
	"context"
	"crypto/subtle"
	"dossier/archive"
	"strings"
)

// PortalActorPrefix starts the user id of an applicant-portal actor; user
// ids of accounts never contain a colon.
const PortalActorPrefix = "portal:"

// errPortalSignIn is the one answer to every wrong combination, so that
// a guess learns nothing about which part was wrong.
var errPortalSignIn = archive.Errorf(archive.EUNAUTHORIZED, "case number, verification code or identity number do not match")

// PortalSignIn signs an applicant in to the one case whose number, the
// verification code of one of its notices (the acceptance notice, or the
// correction notice that asks for materials before acceptance) and the
// last six characters of the identity number are given, and returns an actor scoped to that case
// (Actor.Case). The caller limits the rate of attempts. Errors:
// EUNAUTHORIZED with one message for any mismatch; EUNAVAILABLE.
func (s *Service) PortalSignIn(ctx context.Context, number, verifyCode, idTail, remote string) (archive.Actor, error) {
	number = strings.TrimSpace(number)
	idTail = strings.ToUpper(strings.TrimSpace(idTail))
	code, err := archive.NormalizeVerifyCode(verifyCode)
	if err != nil || number == "" || len(idTail) != 6 {
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
	idn := strings.ToUpper(strings.TrimSpace(c.Applicant.IDNumber))
	tail := ""
	if len(idn) >= 6 {
		tail = idn[len(idn)-6:]
	}
	ok := subtle.ConstantTimeCompare([]byte(tail), []byte(idTail)) == 1
	if !issued || !ok || c.Number != number {
		return archive.Actor{}, errPortalSignIn
	}
	a := archive.Actor{UserID: PortalActorPrefix + c.ID, Name: archive.MaskName(c.Applicant.Name), Roles: []string{archive.RoleApplicant}, Remote: remote, Case: c.ID}
	if err := s.Record(ctx, a, "portal.sign_in", "case/"+c.ID, "signed in with case number and verification code"); err != nil {
		return archive.Actor{}, err
	}
	return a, nil
}
