package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
	"dossier/archive/s3store"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/users"
	"dossier/archive/web"
)

// replica is one dossier server of several sharing a bucket: its own
// store client (as another process has), BoltDB, follower and pages.
type replica struct {
	svc *service.Service
	srv *httptest.Server
}

func newReplica(t *testing.T, m *storetest.MinIO, bucket string) replica {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: bucket, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := servicetest.Following(t, store, filepath.Join(dir, "dossier.db"))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := dhttp.NewServer(svc, quiet, dhttp.Config{})
	web.Mount(api, svc, quiet, web.Config{})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return replica{svc: svc, srv: srv}
}

func (r replica) browser(t *testing.T) *apitest.Browser {
	e := &apitest.Env{T: t, Srv: r.srv}
	return e.Browser()
}

// within polls cond until it holds and returns how long that took; the
// test fails after 10 s (the periodic catch-up is ten minutes away, so
// only the journal can have brought the change).
func within(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not within 10 s", what)
	return 0
}

// Two servers on one bucket, no sticky routing: a sign-in on A is valid
// on B, a sign-in form served by A is accepted by B, a sign-out on B
// refuses the session on A, and a token revoked on A is refused by B.
func TestSessionsSharedAcrossServers(t *testing.T) {
	ctx := context.Background()
	m := storetest.SharedMinIO(t)
	bucket := storetest.NewBucketName()
	a, b := newReplica(t, m, bucket), newReplica(t, m, bucket)
	cli := archive.Actor{UserID: archive.ByCommandLine + ":test", Remote: "localhost"}
	u, token, err := a.svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: "clerk", DisplayName: "王𠮷😀", Roles: []string{archive.RoleClerk}, Password: apitest.TestPassword})
	if err != nil {
		t.Fatal(err)
	}
	// B hears of the new user through the journal.
	within(t, "the user reaching B", func() bool {
		_, err := b.svc.AuthenticatePassword(ctx, "clerk", apitest.TestPassword)
		return err == nil
	})

	// Signed in on A; the same cookie on B is signed in.
	onA := a.browser(t)
	onA.Login("clerk", apitest.TestPassword)
	if p := onA.Get("/"); p.Status != http.StatusOK {
		t.Fatalf("home on A: %d", p.Status)
	}
	onB := b.browser(t)
	onB.SetCookie(onA.Cookie())
	home := onB.Get("/")
	if home.Status != http.StatusOK {
		t.Fatalf("A's session on B: %d → %s", home.Status, home.Loc)
	}

	// A sign-in form served by A, posted to B.
	form := a.browser(t)
	tok := apitest.CSRF(t, form.Get("/login"))
	other := b.browser(t)
	other.SetCookie(form.Cookie())
	if p := other.Post("/login", url.Values{"csrf": {tok}, "name": {"clerk"}, "password": {apitest.TestPassword}}); p.Status != http.StatusSeeOther || p.Loc != "/" {
		t.Fatalf("A's sign-in form posted to B: %d → %s %.300s", p.Status, p.Loc, p.Body)
	}

	// Sign out on B: A refuses the session.
	sid := onA.Cookie()
	if p := onB.Post("/logout", url.Values{"csrf": {apitest.CSRF(t, home)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("sign-out on B: %d %.300s", p.Status, p.Body)
	}
	d := within(t, "A refusing a session signed out on B", func() bool {
		fresh := a.browser(t)
		fresh.SetCookie(sid)
		p := fresh.Get("/")
		return p.Status == http.StatusSeeOther && p.Loc == "/login"
	})
	t.Logf("sign-out on B refused on A after %s", d)

	// A token works on B; revoked on A, B refuses it.
	get := func(r replica) int {
		req, _ := http.NewRequest(http.MethodGet, r.srv.URL+"/api/v1/cases", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := get(b); s != http.StatusOK {
		t.Fatalf("the token on B: %d", s)
	}
	if _, _, err := a.svc.RevokeTokensByCommandLine(ctx, cli, u.Name); err != nil {
		t.Fatal(err)
	}
	d = within(t, "B refusing a token revoked on A", func() bool { return get(b) == http.StatusUnauthorized })
	t.Logf("token revoked on A refused on B after %s", d)
}

// The sign-in limit holds across servers: five wrong passwords spread
// over two servers use it up on both; the servers do not multiply it.
func TestSignInLimitAcrossServers(t *testing.T) {
	m := storetest.SharedMinIO(t)
	bucket := storetest.NewBucketName()
	servers := []replica{newReplica(t, m, bucket), newReplica(t, m, bucket)}
	wrong := func(r replica) int {
		b := r.browser(t)
		tok := apitest.CSRF(t, b.Get("/login"))
		return b.Post("/login", url.Values{"csrf": {tok}, "name": {"ghost"}, "password": {"wrong-password"}}).Status
	}
	for i := 0; i < 5; i++ {
		if s := wrong(servers[i%2]); s != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, s)
		}
	}
	for _, r := range servers {
		if s := wrong(r); s != http.StatusTooManyRequests {
			t.Fatalf("a sixth wrong password: %d, want 429", s)
		}
	}
}
