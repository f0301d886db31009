package http_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/users"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	dhttp "dossier/archive/http"
)

// /readyz and the archive record API say whether archived objects are
// kept write-once: on with its mode for a bucket with Object Lock, off
// with the reason for a plain bucket and the embedded store.
func TestWORMReported(t *testing.T) {
	bucket := func(lock bool, mode string) func(t *testing.T) archive.ObjectStore {
		return func(t *testing.T) archive.ObjectStore { return servicetest.OpenBucket(t, lock, mode) }
	}
	tests := []struct {
		name string
		open func(t *testing.T) archive.ObjectStore
		mode string // empty: off
	}{
		{"embedded store", func(t *testing.T) archive.ObjectStore {
			s, err := diskstore.Open(filepath.Join(t.TempDir(), "store"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, ""},
		{"plain bucket", bucket(false, ""), ""},
		{"object lock", bucket(true, ""), "COMPLIANCE"},
		{"object lock governance", bucket(true, "governance"), "GOVERNANCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := tc.open(t)
			db, err := boltdb.Open(filepath.Join(t.TempDir(), "db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			svc := service.New(service.Options{Store: store, Projection: db, Users: db})
			srv := httptest.NewServer(dhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), dhttp.Config{}).Handler())
			defer srv.Close()
			_, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "archivist", Roles: []string{archive.RoleArchivist}}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			type worm struct {
				Enabled     bool       `json:"enabled"`
				Mode        string     `json:"mode"`
				RetainUntil *time.Time `json:"retain_until"`
				Detail      string     `json:"detail"`
			}
			var body struct {
				Status      string     `json:"status"`
				WORM        *worm      `json:"worm"`
				ArchiveNo   string     `json:"archive_no"`
				RetainUntil *time.Time `json:"retain_until"`
			}
			call := func(method, path string, want int) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body.WORM = nil
				if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != want {
					t.Fatalf("%s %s: %d, %v; want %d", method, path, res.StatusCode, err, want)
				}
			}
			call("GET", "/readyz", http.StatusOK)
			if body.Status != "ready" || body.WORM == nil || body.WORM.Enabled != (tc.mode != "") || body.WORM.Mode != tc.mode || body.WORM.Detail == "" {
				t.Fatalf("readyz worm %+v, want mode %q", body.WORM, tc.mode)
			}

			clerk := archive.Actor{UserID: "u-clerk", Roles: []string{archive.RoleClerk}}
			v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
				Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
				t.Fatal(err)
			}
			call("POST", "/api/v1/cases/"+v.ID+"/archive", http.StatusCreated)
			call("GET", "/api/v1/archives/"+url.PathEscape(body.ArchiveNo), http.StatusOK)
			w := body.WORM
			if w == nil || w.Enabled != (tc.mode != "") || w.Mode != tc.mode {
				t.Fatalf("archive record worm %+v, want mode %q", w, tc.mode)
			}
			if tc.mode != "" && (w.RetainUntil == nil || !w.RetainUntil.Equal(*body.RetainUntil)) {
				t.Fatalf("worm retain_until %v, want the end of retention %v", w.RetainUntil, body.RetainUntil)
			}
			if tc.mode == "" && (w.RetainUntil != nil || w.Detail == "") {
				t.Fatalf("worm off: %+v", w)
			}
		})
	}
}
