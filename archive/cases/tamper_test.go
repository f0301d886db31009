package cases_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

// A byte flipped in the stored content of a material of a case that is
// not archived yet: the download never delivers the whole file (its last
// byte is withheld and the read fails), the mismatch is audited, and
// `dossier verify` names the case and the object.
func TestTamperedMaterialNotServed(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	auditLog, err := audit.OpenAuditLog(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer auditLog.Close()
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Audit: auditLog})
	clerk := servicetest.Clerk
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	content := "%PDF-1.7\n" + strings.Repeat("申请表 ", 20000) + "\n%%EOF\n" // several buffers long
	m, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "scan.pdf", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	read := func() ([]byte, error) {
		rc, _, err := svc.OpenMaterial(ctx, clerk, v.ID, m.ID)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	if got, err := read(); err != nil || string(got) != content {
		t.Fatalf("untouched material: %d bytes, %v", len(got), err)
	}
	if rep, err := fixity.Verify(ctx, store, nil); err != nil || rep.Failures() != 0 {
		t.Fatalf("verify before tampering: %v %+v", err, rep)
	}

	path := filepath.Join(sp.Dir, "store", "objects", filepath.FromSlash(archive.BlobKey(m.SHA256)))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	got, err := read()
	if archive.ErrorCode(err) != archive.EINTERNAL || !strings.Contains(archive.ErrorMessage(err), "does not match its recorded SHA-256") {
		t.Fatalf("reading the tampered material: err %v", err)
	}
	if len(got) >= len(content) || !bytes.Equal(got, data[:len(got)]) {
		t.Fatalf("the tampered material was served whole (%d of %d bytes)", len(got), len(content))
	}
	entries, _, err := auditLog.Query(ctx, audit.AuditFilter{Action: "content.hash_mismatch"}, "", 10)
	if err != nil || len(entries) != 1 || entries[0].Target != "case/"+v.ID || !strings.Contains(entries[0].Detail, m.ID) {
		t.Fatalf("audit of the mismatch: %+v %v", entries, err)
	}
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range rep.Problems {
		if p.CaseID == v.ID && p.Object == archive.BlobKey(m.SHA256) && p.Item == fixity.ItemContentHash {
			found = true
		}
	}
	if !found {
		t.Fatalf("verify did not name the tampered material of case %s: %+v", v.ID, rep.Problems)
	}
}
