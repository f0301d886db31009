package packages_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/packages"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive/diskstore"
	"dossier/archive/storetest"
)

// archivedCases files n cases with two materials each (the second is the
// same content in every case, so cases share a blob), refuses them and
// archives them; the first gets a legal hold, an event after archiving.
func archivedCases(t testing.TB, svc *service.Service, n int) []*archive.ArchiveRecord {
	t.Helper()
	ctx := context.Background()
	var recs []*archive.ArchiveRecord
	for i := 0; i < n; i++ {
		v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, content := range []string{"%PDF-1.4 身份证 " + v.ID + "\n%%EOF\n", "%PDF-1.4 shared form\n%%EOF\n"} {
			if _, err := svc.AddMaterial(ctx, servicetest.Clerk, v.ID, "id_card", "身份证.pdf", strings.NewReader(content)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
			t.Fatal(err)
		}
		rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if _, err := svc.PlaceHold(ctx, servicetest.Archivist, recs[0].ArchiveNo, "诉讼保全"); err != nil {
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

func importBytes(ctx context.Context, s archive.ObjectStore, pkg []byte) (*packages.PackageReport, error) {
	return packages.ImportPackages(ctx, s, bytes.NewReader(pkg), int64(len(pkg)), packages.PackageOptions{})
}

// Export then import into an empty store and data dir reproduces the
// archive object for object (same keys, same hashes), the target passes
// the fixity check and shows the cases after reconciling; importing again
// changes nothing; a package with one altered member is rejected naming
// it, with nothing written.
func TestPackageRoundTrip(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			src := sp.Open(t)
			svc, _ := servicetest.NewService(t, src, filepath.Join(sp.Dir, "src.db"))
			recs := archivedCases(t, svc, 3)
			// An open case is not exported.
			if _, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
				Applicant: archive.Applicant{Name: "未归档", IDNumber: "11010519491231002X"}}); err != nil {
				t.Fatal(err)
			}
			var pkg bytes.Buffer
			var stages []string
			rep, err := packages.ExportPackages(ctx, src, packages.PackageSelection{Year: recs[0].Year}, &pkg,
				packages.PackageOptions{Progress: func(stage string, done, total int) {
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

			dst := servicetest.NewStoreSpec(t, kind)
			target := dst.Open(t)
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
			// The import is audited (as Service.Import does), which
			// vouches for the events it brought in.
			svc2, db2 := servicetest.NewService(t, target, filepath.Join(dst.Dir, "dst.db"))
			if err := svc2.RecordTransfer(ctx, servicetest.Archivist, "archive.import", irep, "package.zip"); err != nil {
				t.Fatal(err)
			}
			fix, err := fixity.Verify(ctx, target, nil)
			if err != nil || len(fix.Problems) != 0 || fix.ArchivedCases != 3 {
				t.Fatalf("fixity of the target: %+v, %v", fix, err)
			}
			// The projection shows the cases once reconciled.
			if _, err := svc2.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := db2.Case(ctx, recs[0].CaseID)
			if err != nil || c.Status != archive.StatusArchived || len(c.Holds) != 1 || len(c.Materials) != 2 {
				t.Fatalf("imported case: %+v, %v", c, err)
			}
			if r, err := svc2.Archive(ctx, servicetest.Archivist, recs[2].ArchiveNo); err != nil || r.CaseID != recs[2].CaseID {
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
				empty := servicetest.NewStoreSpec(t, kind).Open(t)
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
			other := servicetest.NewStoreSpec(t, kind).Open(t)
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

// smallPackage exports two archived cases of a fresh embedded store.
func smallPackage(t testing.TB) ([]byte, []*archive.ArchiveRecord) {
	t.Helper()
	sp := servicetest.StoreSpec{Kind: "disk", Dir: t.TempDir()}
	store := sp.Open(t)
	svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "src.db"))
	recs := archivedCases(t, svc, 2)
	var pkg bytes.Buffer
	if _, err := packages.ExportPackages(context.Background(), store, packages.PackageSelection{Year: recs[0].Year}, &pkg, packages.PackageOptions{}); err != nil {
		t.Fatal(err)
	}
	return pkg.Bytes(), recs
}

// addMember appends a member to a package as is.
func addMember(t testing.TB, pkg []byte, name string, content []byte) []byte {
	t.Helper()
	out := rewriteZip(t, pkg, func(_ string, b []byte) []byte { return b })
	zr, _ := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		zw.Copy(f)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	zw.Close()
	return buf.Bytes()
}

// inflated replaces a member's data with much more than its header
// declares (a zip bomb), keeping the declared size and CRC.
func inflated(t testing.TB, pkg []byte, name string, n int) []byte {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name != name {
			zw.Copy(f)
			continue
		}
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(make([]byte, n))
		fw.Close()
		h := f.FileHeader
		h.Method = zip.Deflate
		h.CompressedSize64 = uint64(comp.Len())
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	zw.Close()
	return buf.Bytes()
}

// onlyCatalogue is a zip with an index.csv and nothing else.
func onlyCatalogue(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(packages.PackageCatalogueName)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("档号\r\n"))
	zw.Close()
	return buf.Bytes()
}

// Packages that are not what dossier writes are refused before anything
// is written, and the error names the offending member.
func TestImportRefusesUnsafePackages(t *testing.T) {
	ctx := context.Background()
	pkg, recs := smallPackage(t)
	dir := strings.ReplaceAll(recs[0].ArchiveNo, "·", ".")
	var material string
	zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, dir+"/materials/") {
			material = f.Name
		}
	}
	index := func(edit func(string) string) []byte {
		return rewriteZip(t, pkg, func(n string, b []byte) []byte {
			if n == packages.PackageIndexName {
				return []byte(edit(string(b)))
			}
			return b
		})
	}
	for _, tc := range []struct {
		name, want string
		pkg        []byte
	}{
		{"not a zip", "not a readable zip", []byte("PK\x03\x04 nonsense")},
		{"absolute path", `absolute path "/etc/passwd"`, addMember(t, pkg, "/etc/passwd", []byte("x"))},
		{"dot dot", `"../evil"`, addMember(t, pkg, "../evil", []byte("x"))},
		{"dot dot inside", `"` + dir + `/../../evil"`, addMember(t, pkg, dir+"/../../evil", []byte("x"))},
		{"duplicate", "twice", addMember(t, pkg, material, []byte("x"))},
		{"unknown", `unknown member "readme.txt"`, addMember(t, pkg, "readme.txt", []byte("x"))},
		{"unlisted", "does not list", addMember(t, pkg, dir+"/materials/"+strings.Repeat("0", 64), []byte("x"))},
		{"no index", "has no dossier-package.json", onlyCatalogue(t)},
		{"zip bomb", material, inflated(t, pkg, material, 8<<20)},
		{"wrong version", "version 2", index(func(s string) string { return strings.Replace(s, `"version": 1`, `"version": 2`, 1) })},
		{"unknown field", "not a valid package index", index(func(s string) string { return strings.Replace(s, `"version": 1`, `"version": 1, "extra": 1`, 1) })},
		{"catalogue altered", "index.csv does not match", rewriteZip(t, pkg, func(n string, b []byte) []byte {
			if n == packages.PackageCatalogueName {
				return append(b, "伪造\r\n"...)
			}
			return b
		})},
		{"size lie", material, index(func(s string) string {
			var idx packages.PackageIndex
			json.Unmarshal([]byte(s), &idx)
			for i, m := range idx.Archives[0].Members {
				if m.Name == material {
					idx.Archives[0].Members[i].Size--
				}
			}
			b, _ := json.Marshal(idx)
			return string(b)
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := diskstore.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			_, err = importBytes(ctx, store, tc.pkg)
			t.Log(err)
			if archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an EINVALID error naming %q", err, tc.want)
			}
			if n := countObjects(t, store); n != 0 {
				t.Fatalf("a refused package wrote %d objects", n)
			}
		})
	}
}

// The package reader never panics and refuses bad input with EINVALID or
// ETOOLARGE.
func FuzzOpenPackage(f *testing.F) {
	pkg, recs := smallPackage(f)
	f.Add(pkg)
	f.Add(addMember(f, pkg, "../evil", []byte("x")))
	f.Add(inflated(f, pkg, strings.ReplaceAll(recs[1].ArchiveNo, "·", ".")+"/manifest.json", 1<<16))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := packages.OpenPackage(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			err = p.Verify(context.Background(), nil)
		}
		if err != nil && archive.ErrorCode(err) != archive.EINVALID && archive.ErrorCode(err) != archive.ETOOLARGE {
			t.Fatalf("error code %s: %v", archive.ErrorCode(err), err)
		}
	})
}

// BenchmarkPackageExportImport exports 20 archived cases with a 2 MiB
// material each to a file and imports it into an empty store, on each back
// end; MB/s counts material bytes.
func BenchmarkPackageExportImport(b *testing.B) {
	for _, kind := range servicetest.Backends {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			newSpec := func() servicetest.StoreSpec {
				sp := servicetest.StoreSpec{Kind: kind, Dir: b.TempDir()}
				if kind == "minio" {
					m := storetest.SharedMinIO(b)
					sp.Endpoint, sp.Access, sp.Secret, sp.Bucket = m.Endpoint, m.AccessKey, m.SecretKey, storetest.NewBucketName()
				}
				return sp
			}
			sp := newSpec()
			src := sp.Open(b)
			svc, _ := servicetest.NewService(b, src, filepath.Join(sp.Dir, "src.db"))
			const nCases, size = 20, 2 << 20
			rng := rand.New(rand.NewPCG(1, 2))
			year := 0
			for i := 0; i < nCases; i++ {
				v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
					Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
				if err != nil {
					b.Fatal(err)
				}
				content := make([]byte, size)
				for j := range content {
					content[j] = byte(rng.Uint32())
				}
				copy(content, "%PDF-1.4 ")
				if _, err := svc.AddMaterial(ctx, servicetest.Clerk, v.ID, "id_card", "scan.pdf", bytes.NewReader(content)); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
					b.Fatal(err)
				}
				rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, v.ID)
				if err != nil {
					b.Fatal(err)
				}
				year = rec.Year
			}
			b.SetBytes(nCases * size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, err := os.Create(filepath.Join(b.TempDir(), "p.zip"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := packages.ExportPackages(ctx, src, packages.PackageSelection{Year: year}, f, packages.PackageOptions{}); err != nil {
					b.Fatal(err)
				}
				st, _ := f.Stat()
				if _, err := packages.ImportPackages(ctx, newSpec().Open(b), f, st.Size(), packages.PackageOptions{}); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}
