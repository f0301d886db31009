package s3store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"dossier/archive"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

func openLocked(t testing.TB, mode string) *s3store.Store {
	t.Helper()
	m := storetest.SharedMinIO(t)
	s, err := s3store.Open(context.Background(), s3store.Config{
		Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), Region: "us-east-1", TempDir: t.TempDir(), ObjectLock: true, WORMMode: mode,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every put, conditional create and delete works the same on a bucket with
// Object Lock (versioned): the conformance suite passes there too.
func TestConformanceObjectLock(t *testing.T) {
	storetest.Test(t, func(t *testing.T) archive.ObjectStore { return openLocked(t, "") })
}

func TestWORMStatus(t *testing.T) {
	days := minio.Days
	gov := minio.Governance
	var thirty uint = 30
	tests := []struct {
		name      string
		open      func(t *testing.T) *s3store.Store
		enabled   bool
		mode      string
		detailHas string
	}{
		{"plain bucket", func(t *testing.T) *s3store.Store { return open(t) }, false, "", "未开启对象锁定"},
		{"lock, default mode", func(t *testing.T) *s3store.Store { return openLocked(t, "") }, true, "COMPLIANCE", "以 COMPLIANCE 模式"},
		{"lock, governance", func(t *testing.T) *s3store.Store { return openLocked(t, "Governance") }, true, "GOVERNANCE", "以 GOVERNANCE 模式"},
		{"lock with a default rule", func(t *testing.T) *s3store.Store {
			s := openLocked(t, "")
			ctx := context.Background()
			if err := s.Client().SetObjectLockConfig(ctx, s.Bucket(), &gov, &thirty, &days); err != nil {
				t.Fatal(err)
			}
			// Puts to a bucket whose default retention locks them need a
			// content checksum (S3 once required Content-MD5); both kinds
			// of put carry one and succeed, and are then locked.
			info, err := s.PutBlob(ctx, bytes.NewReader([]byte("default rule")), archive.BlobOptions{})
			if err != nil {
				t.Fatalf("put blob under a default rule: %v", err)
			}
			if err := s.Create(ctx, "a/b", []byte("{}")); err != nil {
				t.Fatalf("create under a default rule: %v", err)
			}
			if err := s.Delete(ctx, info.Key); archive.ErrorCode(err) != archive.EFORBIDDEN {
				t.Fatalf("delete under a default rule: %v", err)
			}
			return s
		}, true, "COMPLIANCE", "默认保留规则（GOVERNANCE 30 DAYS）"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.open(t).WORM(context.Background())
			if err != nil || st.Enabled != tc.enabled || st.Mode != tc.mode || !strings.Contains(st.Detail, tc.detailHas) {
				t.Fatalf("WORM() = %+v, %v; want enabled=%v mode %q detail with %q", st, err, tc.enabled, tc.mode, tc.detailHas)
			}
		})
	}
	m := storetest.SharedMinIO(t)
	_, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), WORMMode: "forever"})
	if archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("open with WORM mode forever: %v", err)
	}
}

// Retain only extends; a retained object can be neither deleted (every
// version stays) nor overwritten through the store.
func TestRetain(t *testing.T) {
	ctx := context.Background()
	s := openLocked(t, "")
	c := s.Client()
	retention := func(key string) (string, time.Time) {
		t.Helper()
		mode, until, err := c.GetObjectRetention(ctx, s.Bucket(), key, "")
		if err != nil {
			t.Fatalf("retention of %s: %v", key, err)
		}
		return string(*mode), *until
	}
	if err := s.Create(ctx, "a/retained", []byte("1")); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	steps := []struct {
		name      string
		until     time.Time
		wantUntil time.Time
	}{
		{"retain", until, until},
		{"shorter is a no-op", until.Add(-time.Hour), until},
		{"equal is a no-op", until, until},
		{"longer extends", until.Add(24 * time.Hour), until.Add(24 * time.Hour)},
		{"zero is permanent", time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"nothing is longer than permanent", until.Add(1000 * 24 * time.Hour), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, st := range steps {
		if err := s.Retain(ctx, "a/retained", st.until); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if mode, got := retention("a/retained"); mode != "COMPLIANCE" || !got.Equal(st.wantUntil) {
			t.Fatalf("%s: %s until %v, want COMPLIANCE until %v", st.name, mode, got, st.wantUntil)
		}
	}
	if err := s.Delete(ctx, "a/retained"); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("delete retained: %v", err)
	}
	if err := s.Create(ctx, "a/retained", []byte("2")); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Fatalf("overwrite retained: %v", err)
	}
	if got, err := archive.ReadAll(ctx, s, "a/retained"); err != nil || string(got) != "1" {
		t.Fatalf("content after the attempts %q, %v", got, err)
	}
	// A client going around dossier can stack a new version or a delete
	// marker on top (Object Lock protects versions, not names), but the
	// retained version itself stays and cannot be removed.
	st, err := c.StatObject(ctx, s.Bucket(), "a/retained", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, s.Bucket(), "a/retained", minio.RemoveObjectOptions{VersionID: st.VersionID}); err == nil {
		t.Fatal("the retained version was removed by id")
	}
	if err := c.RemoveObject(ctx, s.Bucket(), "a/retained", minio.RemoveObjectOptions{VersionID: st.VersionID, GovernanceBypass: true}); err == nil {
		t.Fatal("the COMPLIANCE version was removed with governance bypass")
	}

	// Not found, and retention on a bucket without Object Lock.
	if err := s.Retain(ctx, "a/missing", until); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Fatalf("retain missing: %v", err)
	}
	plain := open(t)
	if err := plain.Create(ctx, "a/b", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := plain.Retain(ctx, "a/b", until); archive.ErrorCode(err) != archive.EUNSUPPORTED {
		t.Fatalf("retain on a plain bucket: %v", err)
	}

	// An unretained object on a locked bucket is deleted for good: no
	// version or delete marker is left behind, and its name is free again.
	info, err := s.PutBlob(ctx, bytes.NewReader([]byte("free")), archive.BlobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, info.Key); err != nil {
		t.Fatalf("delete unretained: %v", err)
	}
	for oi := range c.ListObjectsIter(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: info.Key, WithVersions: true}) {
		t.Fatalf("left behind: %+v", oi)
	}
	if again, err := s.PutBlob(ctx, bytes.NewReader([]byte("free")), archive.BlobOptions{}); err != nil || again.Existed {
		t.Fatalf("put after delete: %+v, %v", again, err)
	}
}

// GOVERNANCE retention is raised to COMPLIANCE when the store is in
// COMPLIANCE mode; COMPLIANCE is never lowered by a GOVERNANCE store.
func TestRetainModes(t *testing.T) {
	ctx := context.Background()
	gov := openLocked(t, "governance")
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if err := gov.Create(ctx, "k", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := gov.Retain(ctx, "k", until); err != nil {
		t.Fatal(err)
	}
	mode, _, _ := gov.Client().GetObjectRetention(ctx, gov.Bucket(), "k", "")
	if *mode != minio.Governance {
		t.Fatalf("mode %s", *mode)
	}
	// The same bucket opened in COMPLIANCE mode.
	m := storetest.SharedMinIO(t)
	comp, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: gov.Bucket(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := comp.Retain(ctx, "k", until.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if mode, got, _ := gov.Client().GetObjectRetention(ctx, gov.Bucket(), "k", ""); *mode != minio.Compliance || !got.Equal(until.Add(time.Hour)) {
		t.Fatalf("after COMPLIANCE extension: %s until %v", *mode, got)
	}
	if err := gov.Retain(ctx, "k", until.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if mode, got, _ := gov.Client().GetObjectRetention(ctx, gov.Bucket(), "k", ""); *mode != minio.Compliance || !got.Equal(until.Add(2*time.Hour)) {
		t.Fatalf("after GOVERNANCE extension: %s until %v", *mode, got)
	}
}
