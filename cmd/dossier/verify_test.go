package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/storetest"
)

// Tampering with the store — one byte of one blob, one deleted object, one
// edited event — makes `dossier verify` fail and name case, check and
// object; an untouched store passes.
func TestVerifyCommandFindsTampering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := openStore(ctx, config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
	clerk := archive.Actor{UserID: "c1", Name: "clerk", Roles: []string{archive.RoleClerk}}
	archivist := archive.Actor{UserID: "a1", Name: "archivist", Roles: []string{archive.RoleArchivist}}
	var recs []*archive.ArchiveRecord
	var blobs []string
	for i := 0; i < 3; i++ {
		v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "id.pdf", strings.NewReader("%PDF-1.4 case "+v.ID+"\nstartxref\n0\n%%EOF\n"))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, archive.BlobKey(m.SHA256))
		if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
			t.Fatal(err)
		}
		rec, err := svc.ArchiveCase(ctx, archivist, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	audit.Close()
	db.Close()
	out, err := runApp(t, "", "verify", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "all checks passed") || !strings.Contains(out, "(3 archived)") {
		t.Fatalf("untouched store: %v\n%s", err, out)
	}

	// One byte of case 0's material.
	b, _ := archive.ReadAll(ctx, store, blobs[0])
	b = bytes.Clone(b)
	b[len(b)-1] ^= 1
	store.Delete(ctx, blobs[0])
	if err := store.Create(ctx, blobs[0], b); err != nil {
		t.Fatal(err)
	}
	// Case 1's manifest deleted.
	store.Delete(ctx, recs[1].ManifestKey)
	// Case 2's first event edited.
	ev := archive.EventKey(recs[2].CaseID, 1)
	e, _ := archive.ReadAll(ctx, store, ev)
	store.Delete(ctx, ev)
	if err := store.Create(ctx, ev, bytes.Replace(e, []byte("测试"), []byte("篡改"), 1)); err != nil {
		t.Fatal(err)
	}
	out, err = runApp(t, "", "verify", "--data-dir", dir)
	if err == nil {
		t.Fatalf("verify passed a tampered store:\n%s", out)
	}
	for _, want := range []string{
		"case " + recs[0].CaseID, blobs[0], "内容的哈希",
		"case " + recs[1].CaseID, recs[1].ManifestKey, "归档包清单缺失",
		"case " + recs[2].CaseID, archive.EventKey(recs[2].CaseID, 2), "的哈希链接不符",
		ev, "记录之后被改动过", "events_audited",
		recs[0].ArchiveNo, "content_hash", "package_objects", "event_chain", "FAIL 真实性", "FAIL 完整性",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not name %q:\n%s", want, out)
		}
	}

	// --json and --pdf write the same report to files; each run is
	// stored in the object store.
	jsonPath, pdfPath := filepath.Join(dir, "fixity.json"), filepath.Join(dir, "fixity.pdf")
	if out, err = runApp(t, "", "verify", "--data-dir", dir, "--json", jsonPath, "--pdf", pdfPath); err == nil {
		t.Fatalf("verify passed a tampered store:\n%s", out)
	}
	var rep fixity.FixityReport
	data, _ := os.ReadFile(jsonPath)
	// Five: the edited event is found by its chain and by its audit entry.
	if err := json.Unmarshal(data, &rep); err != nil || rep.Result != fixity.ResultFail || rep.Failures() != 5 || len(rep.Properties) != 4 {
		t.Fatalf("--json: %v\n%s", err, data)
	}
	text, err := exec.Command("pdftotext", "-enc", "UTF-8", pdfPath, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, text)
	}
	flat := strings.Join(strings.Fields(string(text)), "")
	for _, want := range []string{"档案四性检测报告", "真实性", "内容哈希校验", "不通过", recs[0].ArchiveNo, blobs[0]} {
		if !strings.Contains(flat, want) {
			t.Errorf("--pdf lacks %q:\n%s", want, text)
		}
	}
	stored, _, err := fixity.LastFixityReport(ctx, store)
	if err != nil || !stored.StartedAt.Equal(rep.StartedAt) {
		t.Fatalf("the last stored report: %v %v", stored, err)
	}
}

// verify, export and retain check a store that exists: a mistyped data
// dir or bucket fails naming it, and creates nothing (an empty store made
// on the spot would pass every check).
func TestReadingCommandsNeedAnExistingStore(t *testing.T) {
	t.Setenv("DOSSIER_S3_ENDPOINT", "")
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{
		{"verify", "--data-dir", missing},
		{"export", "--data-dir", missing, "--year", "2026", "--out", filepath.Join(t.TempDir(), "x.zip")},
		{"retain", "--data-dir", missing},
	} {
		_, err := runApp(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "no object store in "+filepath.Join(missing, "store")) {
			t.Errorf("%s on a missing data dir: %v", args[0], err)
		}
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s created %s: %v", args[0], missing, err)
		}
	}

	// An output file that cannot be written fails before the check runs
	// (and so before a report is stored), not after it.
	dir := t.TempDir()
	store, err := openStore(context.Background(), config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--json", "--pdf"} {
		_, err := runApp(t, "", "verify", "--data-dir", dir, flag, filepath.Join(dir, "no-such-dir", "report"))
		if err == nil || !strings.Contains(err.Error(), flag+":") {
			t.Fatalf("verify %s into a missing directory: %v", flag, err)
		}
	}
	stored := 0
	store.Walk(context.Background(), "reports/", func(archive.ObjectInfo) error { stored++; return nil })
	if stored != 0 {
		t.Fatalf("a check with an unwritable output ran and stored %d reports", stored)
	}

	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	t.Cleanup(m.Stop)
	bucket := storetest.NewBucketName()
	_, err = runApp(t, "", "verify", "--data-dir", t.TempDir(), "--s3-endpoint", m.Endpoint, "--s3-access-key", m.AccessKey,
		"--s3-secret-key", m.SecretKey, "--s3-bucket", bucket)
	if err == nil || !strings.Contains(err.Error(), "bucket "+bucket+" does not exist") {
		t.Fatalf("verify on a missing bucket: %v", err)
	}
	// The bucket was not created: opening it as a reader still fails.
	if _, err := openExistingStore(context.Background(), config{DataDir: t.TempDir(), S3Endpoint: m.Endpoint,
		AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: bucket}); err == nil {
		t.Fatal("verify created the bucket")
	}
}
