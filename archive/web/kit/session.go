package kit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
)

// Web sessions are shared by every server on the same store, so that no
// sticky routing is needed: a signed-in session is the object
// sessions/<sha256 of its id>/session.json (the cookie holds only the
// random id, 256 bits; the store never holds it), cached in each server's
// memory. Signing out removes the object, and the other servers drop it
// from their caches as the store's journal tells them (archive/follow),
// within a second; while a server cannot read the journal it asks the
// store again at most a second after it last did. Use is marked by
// sessions/<hash>/seen-<five-minute slot>, so that the idle limit holds
// whichever server the browser reaches. Anonymous sessions (the CSRF
// token of a sign-in form) are not stored: the id carries its time, and
// the token is an HMAC of it under a key all servers share
// (config/session-key), so any server can check a form another served.

const (
	sessionCookie = "dossier_session"
	flashCookie   = "dossier_flash"
	// sessionIdle ends a session nobody used for this long.
	sessionIdle = 30 * time.Minute
	// sessionMax ends every session this long after sign-in.
	sessionMax = 12 * time.Hour
	// anonMax bounds how long a login form stays usable.
	anonMax = 30 * time.Minute
	// maxSessions bounds the memory the cache can take.
	maxSessions = 100000
	// seenSlot is how finely use is marked in the store.
	seenSlot = 5 * time.Minute
	// recheck is how long a cached session is trusted without asking the
	// store while the journal cannot be read.
	recheck = time.Second
)

// SessionPrefix is where signed-in sessions are kept.
const SessionPrefix = "sessions/"

// sessionKeyObject holds the key of the anonymous sessions' CSRF tokens.
const sessionKeyObject = "config/session-key"

// session is one browser's state. A session without an actor is
// anonymous: it carries only the CSRF token of the login forms and is
// never promoted to a signed-in one (a new id is issued at sign-in).
type session struct {
	id   string
	hash string
	csrf string
	// who is the signed-in actor, nil for an anonymous session; it is
	// refreshed on every staff page, so it is read and written atomically.
	who      atomic.Pointer[archive.Actor]
	created  time.Time
	lastSeen time.Time
	// checked is when the store last confirmed the session; marked the
	// last slot of use written to the store.
	checked time.Time
	marked  int64
}

func (ss *session) actor() *archive.Actor { return ss.who.Load() }

func (ss *session) expired(now time.Time) bool {
	if ss.actor() == nil {
		return now.Sub(ss.created) > anonMax
	}
	return now.Sub(ss.lastSeen) > sessionIdle || now.Sub(ss.created) > sessionMax
}

// storedSession is a signed-in session as the store keeps it: who (the
// actor's fields a session needs; the password fingerprint, from the
// hash the bucket holds anyway, so that a new password ends it), its
// CSRF token and when it began.
type storedSession struct {
	CSRF        string    `json:"csrf"`
	Created     time.Time `json:"created"`
	UserID      string    `json:"user_id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name,omitempty"`
	Roles       []string  `json:"roles"`
	Case        string    `json:"case,omitempty"`
	Credential  string    `json:"credential,omitempty"`
}

func (r storedSession) actor() *archive.Actor {
	return &archive.Actor{UserID: r.UserID, Name: r.Name, DisplayName: r.DisplayName, Roles: r.Roles, Case: r.Case, Credential: r.Credential}
}

type sessionStore struct {
	mu    sync.Mutex
	byID  map[string]*session
	now   func() time.Time
	swept time.Time
	// store keeps signed-in sessions for every server; nil keeps them in
	// this process only (unit tests).
	store archive.ObjectStore
	// fresh reports whether the cache is told of removals (the follower
	// reads the journal); nil means it is not.
	fresh func() bool
	key   []byte
	log   func(msg string, args ...any)
}

func newSessionStore(store archive.ObjectStore) *sessionStore {
	return &sessionStore{byID: map[string]*session{}, now: time.Now, store: store, log: func(string, ...any) {}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func sessionObject(hash string) string { return SessionPrefix + hash + "/session.json" }

func seenObject(hash string, slot int64) string {
	return fmt.Sprintf("%s%s/seen-%012d", SessionPrefix, hash, slot)
}

// hmacKey returns the key anonymous sessions' tokens are made with: the
// store's, made by the first server that needs it; a key of this
// process's own while the store cannot be reached (forms then work only
// where they were served).
func (st *sessionStore) hmacKey(ctx context.Context) []byte {
	st.mu.Lock()
	key := st.key
	st.mu.Unlock()
	if key != nil {
		return key
	}
	if st.store == nil {
		key = []byte(randomToken())
		st.mu.Lock()
		st.key = key
		st.mu.Unlock()
		return key
	}
	data, err := archive.ReadAll(ctx, st.store, sessionKeyObject)
	if archive.IsCode(err, archive.ENOTFOUND) {
		fresh := []byte(randomToken())
		err = st.store.Create(ctx, sessionKeyObject, fresh)
		if err == nil {
			data = fresh
		} else if archive.IsCode(err, archive.ECONFLICT) {
			data, err = archive.ReadAll(ctx, st.store, sessionKeyObject)
		}
	}
	if err != nil || len(data) < 32 {
		return []byte("unshared:" + randomToken())
	}
	st.mu.Lock()
	st.key = data
	st.mu.Unlock()
	return data
}

func (st *sessionStore) anonToken(ctx context.Context, id string) string {
	m := hmac.New(sha256.New, st.hmacKey(ctx))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// anonID is an anonymous session's id: "a.", its time, ".", 128 random
// bits.
func anonID(now time.Time) string {
	b := make([]byte, 16)
	rand.Read(b)
	return "a." + strconv.FormatInt(now.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(b)
}

func anonTime(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, "a.")
	stamp, random, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(random) != 22 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// get returns the live session with this id, touching it, or nil.
func (st *sessionStore) get(ctx context.Context, id string) *session {
	if id == "" || len(id) > 100 {
		return nil
	}
	now := st.now()
	st.mu.Lock()
	ss := st.byID[id]
	st.mu.Unlock()
	if ss == nil {
		ss = st.load(ctx, id, now)
		if ss == nil {
			return nil
		}
	}
	if ss.actor() != nil && st.store != nil {
		if !st.confirmed(ctx, ss, now) {
			st.forget(id)
			return nil
		}
	}
	if ss.expired(now) {
		st.forget(id)
		return nil
	}
	st.mu.Lock()
	ss.lastSeen = now
	st.mu.Unlock()
	st.markSeen(ctx, ss, now)
	return ss
}

// load finds a session this server has not cached: an anonymous one from
// its id, a signed-in one in the store.
func (st *sessionStore) load(ctx context.Context, id string, now time.Time) *session {
	var ss *session
	if created, ok := anonTime(id); ok {
		if now.Sub(created) > anonMax || created.After(now.Add(time.Minute)) {
			return nil
		}
		ss = &session{id: id, csrf: st.anonToken(ctx, id), created: created, lastSeen: now}
	} else {
		if st.store == nil {
			return nil
		}
		h := sessionHash(id)
		data, err := archive.ReadAll(ctx, st.store, sessionObject(h))
		if err != nil {
			if !archive.IsCode(err, archive.ENOTFOUND) {
				st.log("reading a web session from the object store", "err", archive.ErrorMessage(err))
			}
			return nil
		}
		var rec storedSession
		if json.Unmarshal(data, &rec) != nil || rec.UserID == "" {
			return nil
		}
		ss = &session{id: id, hash: h, csrf: rec.CSRF, created: rec.Created, lastSeen: st.lastUse(ctx, h, rec.Created), checked: now}
		ss.who.Store(rec.actor())
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if cur := st.byID[id]; cur != nil {
		return cur
	}
	st.sweep(now)
	st.byID[id] = ss
	return ss
}

// lastUse is the latest use of a session the store has a mark of, or
// since when created.
func (st *sessionStore) lastUse(ctx context.Context, h string, since time.Time) time.Time {
	last := since
	page, err := st.store.List(ctx, SessionPrefix+h+"/seen-", "", 1000)
	if err != nil {
		return last
	}
	for _, oi := range page.Objects {
		n, err := strconv.ParseInt(strings.TrimPrefix(oi.Key, SessionPrefix+h+"/seen-"), 10, 64)
		if t := time.Unix(n*int64(seenSlot/time.Second), 0); err == nil && t.After(last) {
			last = t
		}
	}
	return last
}

// confirmed checks a cached signed-in session against the store when
// the cache may have missed its removal, and against the other servers'
// marks of use when it looks idle here.
func (st *sessionStore) confirmed(ctx context.Context, ss *session, now time.Time) bool {
	st.mu.Lock()
	stale := (st.fresh == nil || !st.fresh()) && now.Sub(ss.checked) > recheck
	idle := now.Sub(ss.lastSeen) > sessionIdle
	st.mu.Unlock()
	if stale {
		if _, err := st.store.Stat(ctx, sessionObject(ss.hash)); archive.IsCode(err, archive.ENOTFOUND) {
			return false
		}
		st.mu.Lock()
		ss.checked = now
		st.mu.Unlock()
	}
	if idle {
		last := st.lastUse(ctx, ss.hash, ss.created)
		st.mu.Lock()
		if last.After(ss.lastSeen) {
			ss.lastSeen = last
		}
		st.mu.Unlock()
	}
	return true
}

// markSeen writes the session's mark of use for this slot, once.
func (st *sessionStore) markSeen(ctx context.Context, ss *session, now time.Time) {
	if ss.actor() == nil || st.store == nil {
		return
	}
	slot := now.Unix() / int64(seenSlot/time.Second)
	st.mu.Lock()
	done := ss.marked == slot
	ss.marked = slot
	st.mu.Unlock()
	if !done {
		if err := st.store.Create(ctx, seenObject(ss.hash, slot), nil); err != nil && !archive.IsCode(err, archive.ECONFLICT) {
			st.log("marking a web session's use in the object store", "err", archive.ErrorMessage(err))
		}
	}
}

// sweep drops expired sessions from the cache, at most once a minute or
// when it is full. Called with mu held.
func (st *sessionStore) sweep(now time.Time) {
	if len(st.byID) < maxSessions && now.Sub(st.swept) <= time.Minute {
		return
	}
	st.swept = now
	for id, ss := range st.byID {
		if ss.expired(now) {
			delete(st.byID, id)
		}
	}
	// Still full: drop anonymous sessions (they come back from their
	// ids), then any (they come back from the store).
	for id := range st.byID {
		if len(st.byID) < maxSessions {
			break
		}
		delete(st.byID, id)
	}
}

// create starts a session with a fresh id and CSRF token: an anonymous
// one for nil, else a signed-in one, stored for every server. Errors:
// those of the store.
func (st *sessionStore) create(ctx context.Context, a *archive.Actor) (*session, error) {
	now := st.now()
	var ss *session
	if a == nil {
		id := anonID(now)
		ss = &session{id: id, csrf: st.anonToken(ctx, id), created: now, lastSeen: now}
	} else {
		id := randomToken()
		ss = &session{id: id, hash: sessionHash(id), csrf: randomToken(), created: now, lastSeen: now, checked: now}
		ss.who.Store(a)
		if st.store != nil {
			data, err := json.Marshal(storedSession{CSRF: ss.csrf, Created: now, UserID: a.UserID, Name: a.Name, DisplayName: a.DisplayName,
				Roles: a.Roles, Case: a.Case, Credential: a.Credential})
			if err != nil {
				return nil, archive.E("kit.session", archive.EINTERNAL, err)
			}
			if err := st.store.Create(ctx, sessionObject(ss.hash), data); err != nil {
				return nil, err
			}
			st.markSeen(ctx, ss, now)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep(now)
	st.byID[ss.id] = ss
	return ss, nil
}

// destroy ends a session on every server. Errors: those of the store
// (the session then still works elsewhere).
func (st *sessionStore) destroy(ctx context.Context, id string) error {
	st.forget(id)
	if _, anon := anonTime(id); anon || st.store == nil || id == "" {
		return nil
	}
	h := sessionHash(id)
	if err := st.store.Delete(ctx, sessionObject(h)); err != nil {
		return err
	}
	// The marks of use go too; one left behind is harmless.
	if page, err := st.store.List(ctx, SessionPrefix+h+"/", "", 1000); err == nil {
		for _, oi := range page.Objects {
			st.store.Delete(ctx, oi.Key)
		}
	}
	return nil
}

// forget drops a session from this server's cache.
func (st *sessionStore) forget(id string) {
	st.mu.Lock()
	delete(st.byID, id)
	st.mu.Unlock()
}

// removed drops the sessions whose stored objects another server
// removed (the journal's report).
func (st *sessionStore) removed(hashes map[string]bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, ss := range st.byID {
		if ss.hash != "" && hashes[ss.hash] {
			delete(st.byID, id)
		}
	}
}

// reset drops every signed-in session from the cache: removals may have
// been missed.
func (st *sessionStore) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, ss := range st.byID {
		if ss.actor() != nil {
			delete(st.byID, id)
		}
	}
}

// setActor refreshes the signed-in actor (roles may have changed).
func (st *sessionStore) setActor(ss *session, a *archive.Actor) { ss.who.Store(a) }

// setFlash keeps msg for the next page the browser asks for, in a
// cookie, so that whichever server answers shows it.
func (k *Kit) setFlash(c *gin.Context, msg string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", MaxAge: 120,
		HttpOnly: true, Secure: k.secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns and clears the browser's one-time message.
func (k *Kit) takeFlash(c *gin.Context) string {
	v, err := c.Cookie(flashCookie)
	if err != nil || v == "" {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: k.secure, SameSite: http.SameSiteLaxMode})
	msg, err := url.QueryUnescape(v)
	if err != nil || len(msg) > 2000 {
		return ""
	}
	return msg
}

// setSessionCookie sends the session id: HttpOnly, SameSite=Lax (so a
// link from elsewhere still opens the worklist, while cross-site posts
// carry no cookie), Secure when so configured.
func (k *Kit) setSessionCookie(c *gin.Context, id string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: k.secure, SameSite: http.SameSiteLaxMode})
}

// currentSession returns the browser's live session or nil.
func (k *Kit) currentSession(c *gin.Context) *session {
	id, err := c.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return k.sessions.get(c.Request.Context(), id)
}

// anonSession returns the browser's session, creating an anonymous one
// (for the CSRF token of a login form) when it has none.
func (k *Kit) anonSession(c *gin.Context) *session {
	if ss := k.currentSession(c); ss != nil {
		return ss
	}
	ss, _ := k.sessions.create(c.Request.Context(), nil) // anonymous: nothing stored
	k.setSessionCookie(c, ss.id, 0)
	return ss
}

// checkCSRF refuses a state-changing request whose form token does not
// match the session's, or whose Origin or Referer names another site.
func (k *Kit) checkCSRF(c *gin.Context, ss *session, token string) bool {
	if ss == nil || token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(ss.csrf)) != 1 {
		return false
	}
	return sameOrigin(c.Request, k.publicHost)
}

// sameOrigin checks Origin, else Referer, when the browser sent one,
// against the request's own host or the public URL's.
func sameOrigin(r *http.Request, publicHost string) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true
	}
	if src == "null" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host) || publicHost != "" && strings.EqualFold(u.Host, publicHost)
}
