package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
)

// archivedCases files n cases with two materials each (the second is the
// same content in every case, so cases share a blob), refuses them and
// archives them; the first gets a legal hold, an event after archiving.
func archivedCases(t testing.TB, svc *archive.Service, n int) []*archive.ArchiveRecord {
	t.Helper()
	ctx := context.Background()
	var recs []*archive.ArchiveRecord
	for i := 0; i < n; i++ {
		v, err := svc.CreateCase(ctx, archClerk, archive.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, content := range []string{"%PDF-1.4 身份证 " + v.ID, "%PDF-1.4 shared form"} {
			if _, err := svc.AddMaterial(ctx, archClerk, v.ID, "id_card", "身份证.pdf", strings.NewReader(content)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Acceptance(ctx, archClerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
			t.Fatal(err)
		}
		rec, err := svc.ArchiveCase(ctx, archArchivist, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if _, err := svc.PlaceHold(ctx, archArchivist, recs[0].ArchiveNo, "诉讼保全"); err != nil {
		t.Fatal(err)
	}
	return recs
}

// storeHashes maps every key in the store to the SHA-256 of its bytes.
func storeHashes(t testing.TB, s archive.ObjectStore) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, prefix := range []string{"cases/", "blobs/", "archives/", "archive-numbers/"} {
		err := s.Walk(ctx, prefix, func(oi archive.ObjectInfo) error {
			b, err := archive.ReadAll(ctx, s, oi.Key)
			if err != nil {
				return err
			}
			h := sha256.Sum256(b)
			out[oi.Key] = hex.EncodeToString(h[:])
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// countObjects counts every object in a store.
func countObjects(t testing.TB, s archive.ObjectStore) int {
	t.Helper()
	n := 0
	for _, prefix := range []string{"cases/", "blobs/", "archives/", "archive-numbers/", "audit/"} {
		if err := s.Walk(context.Background(), prefix, func(archive.ObjectInfo) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// rewriteZip copies a package, passing each member's bytes through edit.
func rewriteZip(t testing.TB, pkg []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(edit(f.Name, b))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func importBytes(ctx context.Context, s archive.ObjectStore, pkg []byte) (*archive.PackageReport, error) {
	return archive.ImportPackages(ctx, s, bytes.NewReader(pkg), int64(len(pkg)), archive.PackageOptions{})
}

// Export then import into an empty store and data dir reproduces the
// archive object for object (same keys, same hashes), the target passes
// the fixity check and shows the cases after reconciling; importing again
// changes nothing; a package with one altered member is rejected naming
// it, with nothing written.
func TestPackageRoundTrip(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			src := sp.open(t)
			svc, _ := newService(t, src, filepath.Join(sp.dir, "src.db"))
			recs := archivedCases(t, svc, 3)
			// An open case is not exported.
			if _, err := svc.CreateCase(ctx, archClerk, archive.NewCase{BusinessType: "pension_enrolment",
				Applicant: archive.Applicant{Name: "未归档", IDNumber: "11010519491231002X"}}); err != nil {
				t.Fatal(err)
			}
			var pkg bytes.Buffer
			var stages []string
			rep, err := archive.ExportPackages(ctx, src, archive.PackageSelection{Year: recs[0].Year}, &pkg,
				archive.PackageOptions{Progress: func(stage string, done, total int) {
					if done == total {
						stages = append(stages, stage)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Archives != 3 || strings.Join(stages, ",") != "scan,export" {
				t.Fatalf("export report %+v, stages %v", rep, stages)
			}
			want := storeHashes(t, src)
			for k := range want {
				if strings.HasPrefix(k, "cases/") && !strings.HasPrefix(k, "cases/"+recs[0].CaseID) &&
					!strings.HasPrefix(k, "cases/"+recs[1].CaseID) && !strings.HasPrefix(k, "cases/"+recs[2].CaseID) {
					delete(want, k) // the open case
				}
			}

			dst := newStoreSpec(t, kind)
			target := dst.open(t)
			irep, err := importBytes(ctx, target, pkg.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got := storeHashes(t, target)
			if len(got) != len(want) {
				t.Fatalf("target has %d objects, source archive %d", len(got), len(want))
			}
			for k, h := range want {
				if got[k] != h {
					t.Errorf("%s: target hash %q, source %q", k, got[k], h)
				}
			}
			// The shared blob is in every archive, written once.
			if irep.Written != len(want) || irep.Existing != 2 || irep.Objects != irep.Written+irep.Existing {
				t.Fatalf("import report %+v, want %d written", irep, len(want))
			}
			fix, err := archive.Verify(ctx, target, nil)
			if err != nil || len(fix.Problems) != 0 || fix.ArchivedCases != 3 {
				t.Fatalf("fixity of the target: %+v, %v", fix, err)
			}
			// The projection shows the cases once reconciled.
			svc2, db2 := newService(t, target, filepath.Join(dst.dir, "dst.db"))
			if _, err := svc2.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := db2.Case(ctx, recs[0].CaseID)
			if err != nil || c.Status != archive.StatusArchived || len(c.Holds) != 1 || len(c.Materials) != 2 {
				t.Fatalf("imported case: %+v, %v", c, err)
			}
			if r, err := svc2.Archive(ctx, archArchivist, recs[2].ArchiveNo); err != nil || r.CaseID != recs[2].CaseID {
				t.Fatalf("archive %s after import: %+v, %v", recs[2].ArchiveNo, r, err)
			}

			// Again: a no-op.
			irep, err = importBytes(ctx, target, pkg.Bytes())
			if err != nil || irep.Written != 0 || irep.Existing != irep.Objects {
				t.Fatalf("second import: %+v, %v", irep, err)
			}

			// One byte of one material, of one event: rejected, naming the
			// member; the empty target stays empty.
			c1, err := db2.Case(ctx, recs[1].CaseID)
			if err != nil {
				t.Fatal(err)
			}
			material := strings.ReplaceAll(recs[1].ArchiveNo, "·", ".") + "/materials/" + c1.Materials[0].SHA256
			event := strings.ReplaceAll(recs[2].ArchiveNo, "·", ".") + "/events/0000000002.json"
			for _, name := range []string{material, event} {
				bad := rewriteZip(t, pkg.Bytes(), func(n string, b []byte) []byte {
					if n == name {
						b = bytes.Clone(b)
						b[len(b)/2] ^= 1
					}
					return b
				})
				empty := newStoreSpec(t, kind).open(t)
				_, err := importBytes(ctx, empty, bad)
				t.Logf("altered %s: %v", name, err)
				if archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(err.Error(), name) {
					t.Fatalf("altered %s: %v", name, err)
				}
				if n := countObjects(t, empty); n != 0 {
					t.Fatalf("a rejected import wrote %d objects", n)
				}
			}

			// A store holding other content under a package key: conflict,
			// naming the key, nothing written.
			other := newStoreSpec(t, kind).open(t)
			claim := fmt.Sprintf("archive-numbers/%s/%d/%s/%08d", recs[2].Fonds, recs[2].Year, recs[2].Retention, recs[2].Item)
			if err := other.Create(ctx, claim, []byte(`{"case_id":"someone-else"}`)); err != nil {
				t.Fatal(err)
			}
			_, err = importBytes(ctx, other, pkg.Bytes())
			if archive.ErrorCode(err) != archive.ECONFLICT || !strings.Contains(err.Error(), claim) {
				t.Fatalf("conflicting claim: %v", err)
			}
			if n := countObjects(t, other); n != 1 {
				t.Fatalf("a conflicting import wrote %d objects", n-1)
			}
		})
	}
}
