package kit

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dossier/archive"
	dhttp "dossier/archive/http"
)

func TestSessionTimeouts(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := newSessionStore(nil)
	ctx := context.Background()
	st.now = func() time.Time { return now }
	a := &archive.Actor{UserID: "u1", Name: "clerk", Roles: []string{archive.RoleClerk}}
	ss, _ := st.create(ctx, a)
	if len(ss.id) < 43 || ss.id == ss.csrf {
		t.Fatalf("session id %q (want 256 random bits) and CSRF token %q", ss.id, ss.csrf)
	}
	// Used every 20 minutes it lives until the absolute limit.
	for i := 0; i < 35; i++ {
		now = now.Add(20 * time.Minute)
		if st.get(ctx, ss.id) == nil {
			t.Fatalf("session ended after %v of use", time.Duration(i+1)*20*time.Minute)
		}
	}
	now = now.Add(21 * time.Minute) // past 12h in total
	if st.get(ctx, ss.id) != nil {
		t.Fatal("session outlived the absolute limit")
	}
	// Idle for more than 30 minutes: gone.
	ss, _ = st.create(ctx, a)
	now = now.Add(31 * time.Minute)
	if st.get(ctx, ss.id) != nil {
		t.Fatal("session outlived the idle limit")
	}
	// Anonymous (login form) sessions last 30 minutes from creation.
	anon, _ := st.create(ctx, nil)
	now = now.Add(20 * time.Minute)
	if st.get(ctx, anon.id) == nil {
		t.Fatal("anonymous session ended early")
	}
	now = now.Add(11 * time.Minute)
	if st.get(ctx, anon.id) != nil {
		t.Fatal("anonymous session outlived 30 minutes")
	}
	if st.get(ctx, "") != nil || st.get(ctx, "unknown") != nil {
		t.Fatal("an unknown id found a session")
	}
}

func TestLimiterWindow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLimiter(5, 5*time.Minute, nil)
	l.now = func() time.Time { return now }
	try := func(keys ...string) *ticket {
		tk, err := l.attempt(ctx, keys...)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	for i := 0; i < 4; i++ {
		if try("ip:1", "user:a") == nil {
			t.Fatalf("attempt %d refused", i+1)
		}
		now = now.Add(time.Minute)
	}
	if try("ip:2", "user:a") == nil {
		t.Fatal("the fifth attempt refused")
	}
	if try("ip:3", "user:a") != nil {
		t.Fatal("per-key counting is wrong: a sixth attempt for user:a")
	}
	tk := try("ip:2", "user:b")
	if tk == nil {
		t.Fatal("per-key counting is wrong: user:b refused")
	}
	l.undo(ctx, tk)
	now = now.Add(2 * time.Minute) // the first attempt leaves the window
	tk = try("user:a")
	if tk == nil {
		t.Fatal("attempts older than the window still count")
	}
	l.undo(ctx, tk, "user:a")
	for i := 0; i < 5; i++ {
		if try("user:a") == nil {
			t.Fatal("reset did not clear")
		}
	}
}

// Forty concurrent wrong guesses for one account: each attempt is counted
// before it is checked, so exactly the limit gets through to the check.
func TestLimiterConcurrentGuesses(t *testing.T) {
	l := newLimiter(5, 5*time.Minute, nil)
	var through atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tk, _ := l.attempt(context.Background(), "ip:x", "user:admin"); tk != nil {
				time.Sleep(10 * time.Millisecond) // the password hash takes time
				through.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := through.Load(); n != 5 {
		t.Fatalf("%d of 40 concurrent guesses were checked, want 5", n)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		origin, referer string
		want            bool
	}{
		{"", "", true},
		{"http://dossier.example", "", true},
		{"https://public.example", "", true},
		{"https://evil.example", "", false},
		{"null", "", false},
		{"", "http://dossier.example/cases/x", true},
		{"", "https://evil.example/x", false},
		{"https://evil.example", "http://dossier.example/", false},
	} {
		r := httptest.NewRequest("POST", "http://dossier.example/login", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if c.referer != "" {
			r.Header.Set("Referer", c.referer)
		}
		if got := sameOrigin(r, "public.example"); got != c.want {
			t.Errorf("Origin %q Referer %q: %v, want %v", c.origin, c.referer, got, c.want)
		}
	}
}

func TestSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		api := dhttp.NewServer(nil, log, dhttp.Config{})
		api.Mount(New(api, nil, log, Config{SecureCookies: secure}))
		h := api.Handler()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
		sc := rec.Header().Get("Set-Cookie")
		if rec.Code != 200 || !strings.Contains(sc, "HttpOnly") || strings.Contains(sc, "Secure") != secure {
			t.Errorf("secure=%v: %d, Set-Cookie %q", secure, rec.Code, sc)
		}
		if hsts := rec.Header().Get("Strict-Transport-Security"); (hsts != "") != secure {
			t.Errorf("secure=%v: HSTS %q", secure, hsts)
		}
	}
}
