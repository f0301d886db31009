package main

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive/boltdb"
	"dossier/archive/storetest"
)

// plainStore hides a store's Retainer: the service then archives as if
// the bucket had no Object Lock.
type plainStore struct{ archive.ObjectStore }

// `dossier retain` puts the objects of cases archived without retention
// under Object Lock; on the embedded store, or with a bad mode, it says
// why it cannot.
func TestRetainCommand(t *testing.T) {
	ctx := context.Background()
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	t.Cleanup(m.Stop)
	dir := t.TempDir()
	bucket := storetest.NewBucketName()
	s3 := []string{"--data-dir", dir, "--s3-endpoint", m.Endpoint, "--s3-access-key", m.AccessKey,
		"--s3-secret-key", m.SecretKey, "--s3-bucket", bucket}
	store, err := openStore(ctx, config{DataDir: dir, S3Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: bucket, ObjectLock: true, WORMMode: "COMPLIANCE"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: plainStore{store}, Projection: db, Users: db})
	clerk := archive.Actor{UserID: "c1", Roles: []string{archive.RoleClerk}}
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_claim",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		t.Fatal(err)
	}
	rec, err := svc.ArchiveCase(ctx, archive.Actor{UserID: "a1", Roles: []string{archive.RoleArchivist}}, v.ID)
	if err != nil || rec.WORM.Enabled {
		t.Fatalf("archived without retention: %+v, %v", rec, err)
	}
	db.Close()

	out, err := runApp(t, "", append([]string{"retain"}, s3...)...)
	if err != nil || !strings.Contains(out, "1 archived cases, 7 objects retained") {
		t.Fatalf("retain: %v\n%s", err, out)
	}
	if err := store.Delete(ctx, rec.ManifestKey); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("delete the manifest after retain: %v", err)
	}
	if out, err := runApp(t, "", append([]string{"retain"}, s3...)...); err != nil || !strings.Contains(out, "7 objects retained") {
		t.Fatalf("retain again: %v\n%s", err, out)
	}

	// A package imported into another Object Lock bucket is retained there too.
	pkg := filepath.Join(t.TempDir(), "p.zip")
	if out, err := runApp(t, "", append([]string{"export", "--archive-no", rec.ArchiveNo, "--out", pkg}, s3...)...); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	dir2, bucket2 := t.TempDir(), storetest.NewBucketName()
	store2, err := openStore(ctx, config{DataDir: dir2, S3Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: bucket2, ObjectLock: true, WORMMode: "COMPLIANCE"})
	if err != nil {
		t.Fatal(err)
	}
	out, err = runApp(t, "", "import", "--data-dir", dir2, "--s3-endpoint", m.Endpoint, "--s3-access-key", m.AccessKey,
		"--s3-secret-key", m.SecretKey, "--s3-bucket", bucket2, pkg)
	if err != nil || !strings.Contains(out, "under COMPLIANCE retention") {
		t.Fatalf("import into a lock bucket: %v\n%s", err, out)
	}
	for _, key := range []string{rec.ManifestKey, archive.EventKey(v.ID, 1)} {
		if err := store2.Delete(ctx, key); archive.ErrorCode(err) != archive.EFORBIDDEN {
			t.Fatalf("delete imported %s: %v", key, err)
		}
	}

	embedded := t.TempDir()
	if _, err := openStore(ctx, config{DataDir: embedded}); err != nil {
		t.Fatal(err)
	}
	if _, err := runApp(t, "", "retain", "--data-dir", embedded); err == nil || !strings.Contains(err.Error(), "WORM is off") {
		t.Fatalf("retain on the embedded store: %v", err)
	}
	if _, err := runApp(t, "", append([]string{"retain", "--worm-mode", "forever"}, s3...)...); err == nil || !strings.Contains(err.Error(), "DOSSIER_WORM_MODE") {
		t.Fatalf("bad mode: %v", err)
	}
}
