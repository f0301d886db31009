// Package servicetest builds the whole service stack for tests from real
// parts: a fresh bucket on the shared test MinIO, BoltDB and a search index
// in a temporary directory, the audit log, and the notice and report
// renderers with the system fonts.
package servicetest

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/service"
	"dossier/render/registers"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
	"dossier/render"
	"dossier/search"
)

// Stack is what a Service runs on.
type Stack struct {
	Store archive.ObjectStore
	DB    *boltdb.DB
	Audit *audit.AuditLog
	Font  *render.Font
	Index *search.Index
	// Options wires a Service over the stack (without a clock).
	Options service.Options
}

// New opens a stack; everything is closed when the test ends. The test
// binary's TestMain must run storetest.Main.
func New(t testing.TB, maxUpload int64) *Stack {
	t.Helper()
	m := storetest.SharedMinIO(t)
	ctx := context.Background()
	dir := t.TempDir()
	store, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	font, notices := Notices(t)
	idx, _, err := search.Open(filepath.Join(dir, "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return &Stack{Store: store, DB: db, Audit: audit, Font: font, Index: idx,
		Options: service.Options{Store: store, Projection: db, Users: db, Audit: audit, MaxUpload: maxUpload,
			Renderer: notices, Reports: registers.NewReports(font), Index: idx}}
}

// Service returns a service over the stack; now, if not nil, is its clock.
func (s *Stack) Service(now func() time.Time) *service.Service {
	o := s.Options
	o.Now = now
	return service.New(o)
}

// WaitIndexed waits until the search index has caught up with the cases
// written; it fails the test when that takes longer than d.
func (s *Stack) WaitIndexed(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := archive.SystemClock().Add(d)
	for archive.SystemClock().Before(deadline) {
		if n, err := s.DB.IndexLag(context.Background()); err == nil && n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the search index did not catch up in %s", d)
}

// RunIndexer keeps the search index following the cases svc writes until
// the test ends.
func (s *Stack) RunIndexer(t testing.TB, svc *service.Service) {
	ctx, stop := context.WithCancel(context.Background())
	indexer := svc.NewIndexer(s.DB, s.Index, search.Extract, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() { indexer.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
}

// Notices is the real notice renderer on the system fonts (or
// DOSSIER_FONT_DIR), and the font it uses.
func Notices(t testing.TB) (*render.Font, *render.Notices) {
	t.Helper()
	font, err := render.LoadFont(os.Getenv("DOSSIER_FONT_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := render.NewNotices(font, render.NoticeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return font, n
}
