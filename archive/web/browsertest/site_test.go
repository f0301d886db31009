package browsertest

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/service"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	dhttp "dossier/archive/http"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/web"
	"dossier/demo"
	"dossier/render"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is a real dossier server on port 0 over a real MinIO bucket,
// BoltDB and Bleve in a temp dir, seeded with the demo data set.
type site struct {
	t     *testing.T
	url   string
	svc   *service.Service
	stack *servicetest.Stack
	font  *render.Font
	res   *demo.Result
}

const maxUpload = 8 << 20

func newSite(t *testing.T, cases int) *site {
	t.Helper()
	st := servicetest.New(t, maxUpload)
	svc := st.Service(nil)
	st.RunIndexer(t, svc)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Now()
	defer func() { t.Logf("site seeded and indexed in %s", time.Since(start).Round(time.Millisecond)) }()
	res, err := demo.Seed(context.Background(), demo.Options{Font: st.Font, Cases: cases, Now: time.Now(), Seed: 7,
		NewService: st.Service})
	if err != nil {
		t.Fatal(err)
	}
	api := dhttp.NewServer(svc, quiet, dhttp.Config{MaxUpload: maxUpload, IndexLag: st.DB.IndexLag})
	web.Mount(api, svc, quiet, web.Config{})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	s := &site{t: t, url: srv.URL, svc: svc, stack: st, font: st.Font, res: res}
	s.settle()
	return s
}

// settle waits until the search index has caught up.
func (s *site) settle() {
	s.t.Helper()
	s.stack.WaitIndexed(s.t, 2*time.Minute)
}

// actor is a demo user as the Service knows them, for reading what the
// pages should show.
func (s *site) actor(name string) archive.Actor {
	s.t.Helper()
	a, err := s.svc.AuthenticatePassword(context.Background(), name, demo.DefaultPassword)
	if err != nil {
		s.t.Fatalf("demo user %s: %v", name, err)
	}
	return a
}

// pdfFile writes a one-page PDF form with a text layer and returns its path.
func (s *site) pdfFile(name, title string, rows ...[]string) string {
	s.t.Helper()
	var buf bytes.Buffer
	err := render.RenderTable(&buf, s.font, render.TableMeta{Title: title, Agency: "测试", Generated: time.Now()},
		[]render.Column{{Title: "项目", Width: 50}, {Title: "内容", Width: 200}},
		func(yield func([]string) bool) error {
			for _, r := range rows {
				yield(r)
			}
			return nil
		})
	if err != nil {
		s.t.Fatal(err)
	}
	p := filepath.Join(s.t.TempDir(), name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// chromium finds the browser `make test` installs. Its absence fails the
// test: the web pages are part of the product.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install the Debian package chromium (make test does: scripts/install-test-deps.sh)")
	return ""
}

// startBrowser starts headless Chromium with its own profile directory;
// each user then gets a browser context of their own (separate cookies).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes can still write there
	// for a moment after the browser stops, and a failed removal would
	// fail the test.
	profile, err := os.MkdirTemp("", "dossier-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(profile),
		// Root in a container has no user namespace for the sandbox.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "zh-CN"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// artefacts is where screenshots go: $DOSSIER_ARTEFACTS, else
// test-artefacts/browser at the top of the module.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DOSSIER_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "test-artefacts", "browser")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
