package kit

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
)

// Web sessions are kept in this process's memory: a restart signs
// everyone out, and several server processes behind one address would
// each need sticky routing. The cookie holds only a random id (256 bits);
// everything else stays on the server.

const (
	sessionCookie = "dossier_session"
	// sessionIdle ends a session nobody used for this long.
	sessionIdle = 30 * time.Minute
	// sessionMax ends every session this long after sign-in.
	sessionMax = 12 * time.Hour
	// anonMax bounds how long a login form stays usable.
	anonMax = 30 * time.Minute
	// maxSessions bounds the memory anonymous visitors can take.
	maxSessions = 100000
)

// session is one browser's state. A session without an actor is
// anonymous: it carries only the CSRF token of the login forms and is
// never promoted to a signed-in one (a new id is issued at sign-in).
type session struct {
	id   string
	csrf string
	// who is the signed-in actor, nil for an anonymous session; it is
	// refreshed on every staff page, so it is read and written atomically.
	who      atomic.Pointer[archive.Actor]
	created  time.Time
	lastSeen time.Time
	flash    string
}

func (ss *session) actor() *archive.Actor { return ss.who.Load() }

func (ss *session) expired(now time.Time) bool {
	if ss.actor() == nil {
		return now.Sub(ss.created) > anonMax
	}
	return now.Sub(ss.lastSeen) > sessionIdle || now.Sub(ss.created) > sessionMax
}

type sessionStore struct {
	mu    sync.Mutex
	byID  map[string]*session
	now   func() time.Time
	swept time.Time
}

func newSessionStore() *sessionStore {
	return &sessionStore{byID: map[string]*session{}, now: time.Now}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the live session with this id, touching it, or nil.
func (st *sessionStore) get(id string) *session {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ss := st.byID[id]
	if ss == nil {
		return nil
	}
	now := st.now()
	if ss.expired(now) {
		delete(st.byID, id)
		return nil
	}
	ss.lastSeen = now
	return ss
}

// create stores a new session with fresh id and CSRF token.
func (st *sessionStore) create(a *archive.Actor) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	if len(st.byID) >= maxSessions || now.Sub(st.swept) > time.Minute {
		st.swept = now
		for id, ss := range st.byID {
			if ss.expired(now) {
				delete(st.byID, id)
			}
		}
		// Still full: drop anonymous sessions, oldest first is not worth
		// the sort; any anonymous one will do.
		for id, ss := range st.byID {
			if len(st.byID) < maxSessions {
				break
			}
			if ss.actor() == nil {
				delete(st.byID, id)
			}
		}
	}
	ss := &session{id: randomToken(), csrf: randomToken(), created: now, lastSeen: now}
	if a != nil {
		ss.who.Store(a)
	}
	st.byID[ss.id] = ss
	return ss
}

func (st *sessionStore) destroy(id string) {
	st.mu.Lock()
	delete(st.byID, id)
	st.mu.Unlock()
}

// takeFlash returns and clears the session's one-time message.
func (st *sessionStore) takeFlash(ss *session) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	f := ss.flash
	ss.flash = ""
	return f
}

func (st *sessionStore) setFlash(ss *session, msg string) {
	st.mu.Lock()
	ss.flash = msg
	st.mu.Unlock()
}

// setActor refreshes the signed-in actor (roles may have changed).
func (st *sessionStore) setActor(ss *session, a *archive.Actor) { ss.who.Store(a) }

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
	return k.sessions.get(id)
}

// anonSession returns the browser's session, creating an anonymous one
// (for the CSRF token of a login form) when it has none.
func (k *Kit) anonSession(c *gin.Context) *session {
	if ss := k.currentSession(c); ss != nil {
		return ss
	}
	ss := k.sessions.create(nil)
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

// limiter counts failed sign-ins per key (an address, a user name, a case
// number) in a sliding window.
type limiter struct {
	mu     sync.Mutex
	fails  map[string][]time.Time
	max    int
	window time.Duration
	now    func() time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{fails: map[string][]time.Time{}, max: max, window: window, now: time.Now}
}

// attempt counts an attempt against each key before it is checked, so
// that concurrent guesses cannot all slip in under the limit, and reports
// whether it may go ahead: false, counting nothing, when a key has used
// up its failures. A success, or an attempt that could not be checked,
// is taken back with undo.
func (l *limiter) attempt(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		if len(l.recent(k, now)) >= l.max {
			return false
		}
	}
	if len(l.fails) > maxSessions {
		for k := range l.fails {
			l.recent(k, now)
		}
	}
	for _, k := range keys {
		l.fails[k] = append(l.recent(k, now), now)
	}
	return true
}

func (l *limiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = ts
	}
	return ts
}

// undo takes back the attempt last counted against each key; after a
// success, forget also forgets every failure of its keys.
func (l *limiter) undo(forget []string, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if ts := l.fails[k]; len(ts) > 0 {
			l.fails[k] = ts[:len(ts)-1]
		}
	}
	for _, k := range forget {
		delete(l.fails, k)
	}
}
