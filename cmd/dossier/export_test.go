package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/packages"
	"dossier/archive/service"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
)

// archivedDataDir fills a data dir with n archived cases (one material
// each) and returns their records.
func archivedDataDir(t *testing.T, dir string, n int) []*archive.ArchiveRecord {
	t.Helper()
	ctx := context.Background()
	store, err := openStore(ctx, config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
	clerk := archive.Actor{UserID: "c1", Name: "clerk", Roles: []string{archive.RoleClerk}}
	archivist := archive.Actor{UserID: "a1", Name: "archivist", Roles: []string{archive.RoleArchivist}}
	var recs []*archive.ArchiveRecord
	for i := 0; i < n; i++ {
		v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "导出测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "身份证.pdf", strings.NewReader("%PDF-1.4 case "+v.ID+"\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
			t.Fatal(err)
		}
		rec, err := svc.ArchiveCase(ctx, archivist, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// archiveHashes maps every archive object of a data dir's store (not the
// audit log) to its SHA-256.
func archiveHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	store, err := openStore(ctx, config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, prefix := range []string{"cases/", "blobs/", "archives/", "archive-numbers/"} {
		err := store.Walk(ctx, prefix, func(oi archive.ObjectInfo) error {
			b, err := archive.ReadAll(ctx, store, oi.Key)
			h := sha256.Sum256(b)
			out[oi.Key] = hex.EncodeToString(h[:])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// `dossier export` then `dossier import` into an empty data dir gives the
// same objects with the same hashes, a store that passes `dossier verify`
// and cases the projection shows; a package with one altered byte is
// refused, naming the member, and the target is left empty.
func TestExportImportCommands(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	recs := archivedDataDir(t, src, 3)
	if _, err := runApp(t, "", "export", "--data-dir", src); err == nil || !strings.Contains(err.Error(), "--archive-no") {
		t.Fatalf("export without a selection: %v", err)
	}
	if _, err := runApp(t, "", "export", "--data-dir", src, "--archive-no", "Z109-SB·1999-D30-YL-0001", "--out", filepath.Join(t.TempDir(), "x.zip")); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Fatalf("export of an unknown archive: %v", err)
	}
	one := filepath.Join(t.TempDir(), "one.zip")
	dotted := strings.ReplaceAll(recs[0].ArchiveNo, "·", ".")
	if out, err := runApp(t, "", "export", "--data-dir", src, "--archive-no", dotted, "--out", one); err != nil || !strings.Contains(out, "exported 1 archives") {
		t.Fatalf("export of %s: %v\n%s", dotted, err, out)
	}
	pkg := filepath.Join(t.TempDir(), "p.zip")
	out, err := runApp(t, "", "export", "--data-dir", src, "--year", fmt.Sprint(recs[0].Year), "--out", pkg)
	if err != nil || !strings.Contains(out, "exported 3 archives") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	// The package has its readable index, in Chinese, with masked numbers.
	zr, err := zip.OpenReader(pkg)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(packages.PackageCatalogueName)
	if err != nil {
		t.Fatal(err)
	}
	catalogue, _ := io.ReadAll(rc)
	zr.Close()
	for _, want := range []string{"档号", recs[1].ArchiveNo, "养老", "导出测试", "110105********002X", "身份证.pdf", "100年"} {
		if !strings.Contains(string(catalogue), want) {
			t.Errorf("index.csv lacks %q:\n%s", want, catalogue)
		}
	}
	if strings.Contains(string(catalogue), "11010519491231002X") {
		t.Errorf("index.csv shows an unmasked identity number")
	}

	out, err = runApp(t, "", "import", "--data-dir", dst, pkg)
	if err != nil || !strings.Contains(out, "imported 3 archives") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	want, got := archiveHashes(t, src), archiveHashes(t, dst)
	if len(got) != len(want) {
		t.Fatalf("target has %d archive objects, source %d", len(got), len(want))
	}
	for k, h := range want {
		if got[k] != h {
			t.Errorf("%s: target %q, source %q", k, got[k], h)
		}
	}
	if out, err := runApp(t, "", "verify", "--data-dir", dst); err != nil || !strings.Contains(out, "(3 archived)") {
		t.Fatalf("verify after import: %v\n%s", err, out)
	}
	db, err := boltdb.Open(filepath.Join(dst, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Case(context.Background(), recs[2].CaseID)
	lag, _ := db.IndexLag(context.Background())
	db.Close()
	if err != nil || c.Status != archive.StatusArchived || c.Archive.ArchiveNo != recs[2].ArchiveNo || lag != 0 {
		t.Fatalf("imported case in the projection: %+v, %v; index lag %d", c, err, lag)
	}
	out, err = runApp(t, "", "import", "--data-dir", dst, pkg)
	if err != nil || !strings.Contains(out, "0 objects written") {
		t.Fatalf("second import: %v\n%s", err, out)
	}

	// One byte of case 1's material, rewritten into a valid zip.
	data, err := os.ReadFile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	zr2, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	bad := ""
	for _, f := range zr2.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		if bad == "" && strings.HasPrefix(f.Name, strings.ReplaceAll(recs[1].ArchiveNo, "·", ".")+"/materials/") {
			bad = f.Name
			b[3] ^= 1
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	tampered := filepath.Join(t.TempDir(), "bad.zip")
	os.WriteFile(tampered, buf.Bytes(), 0o600)
	empty := t.TempDir()
	_, err = runApp(t, "", "import", "--data-dir", empty, tampered)
	if err == nil || bad == "" || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "was not imported") {
		t.Fatalf("tampered package (%s): %v", bad, err)
	}
	if n := len(archiveHashes(t, empty)); n != 0 {
		t.Fatalf("a refused package left %d objects", n)
	}
}
