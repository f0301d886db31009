package archiving_test

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/archiving"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// packageKeys lists, independently of the service, the objects WORM
// retention must cover: the manifest's objects, the manifest, the
// archived event (the case's last), the 档号 pointer and the 件号 claim.
func packageKeys(t *testing.T, store archive.ObjectStore, rec *archive.ArchiveRecord, lastSeq uint64) []string {
	t.Helper()
	data, err := archive.ReadAll(context.Background(), store, rec.ManifestKey)
	if err != nil {
		t.Fatal(err)
	}
	var m archive.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	keys := []string{rec.ManifestKey, archive.EventKey(rec.CaseID, lastSeq),
		"archives/" + strings.ReplaceAll(rec.ArchiveNo, "·", ".")}
	// The store holds one archived case: its claim is the only one.
	claims, err := store.List(context.Background(), "archive-numbers/", "", 100)
	if err != nil || len(claims.Objects) != 1 {
		t.Fatalf("item claims: %+v, %v", claims, err)
	}
	keys = append(keys, claims.Objects[0].Key)
	for _, o := range m.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

// On a bucket with Object Lock every object of an archived case is
// retained: it can be neither deleted nor overwritten, and the record and
// the service say WORM is on. On a plain bucket and on the embedded store
// WORM is reported off and nothing is retained.
func TestArchiveWORM(t *testing.T) {
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	tests := []struct {
		name     string
		open     func(t *testing.T) archive.ObjectStore
		wantMode string // empty: WORM off
	}{
		{"disk", func(t *testing.T) archive.ObjectStore { return servicetest.NewStoreSpec(t, "disk").Open(t) }, ""},
		{"plain bucket", func(t *testing.T) archive.ObjectStore { return servicetest.OpenBucket(t, false, "") }, ""},
		{"lock compliance", func(t *testing.T) archive.ObjectStore { return servicetest.OpenBucket(t, true, "") }, "COMPLIANCE"},
		{"lock governance", func(t *testing.T) archive.ObjectStore { return servicetest.OpenBucket(t, true, "governance") }, "GOVERNANCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := tc.open(t)
			svc, db := servicetest.NewService(t, store, filepath.Join(t.TempDir(), "live.db"))
			st, err := svc.WORM(ctx)
			if err != nil || st.Enabled != (tc.wantMode != "") || st.Mode != tc.wantMode || st.Detail == "" {
				t.Fatalf("WORM status %+v, %v; want mode %q", st, err, tc.wantMode)
			}
			id := servicetest.DecidedCase(t, svc, "pension_enrolment", pdf)
			rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.Archive(ctx, servicetest.Archivist, rec.ArchiveNo)
			if err != nil {
				t.Fatal(err)
			}
			w := got.WORM
			if w == nil || w.Enabled != st.Enabled || w.Mode != tc.wantMode {
				t.Fatalf("record's WORM %+v, want enabled=%v mode %q", w, st.Enabled, tc.wantMode)
			}
			c, err := db.Case(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			keys := packageKeys(t, store, rec, c.Seq)
			if len(keys) != 4+4 { // + created, material_added, acceptance, the material
				t.Fatalf("package keys %v", keys)
			}
			if rep, err := fixity.Verify(ctx, store, nil); err != nil || len(rep.Problems) > 0 {
				t.Fatalf("verify: %+v, %v", rep, err)
			}
			if tc.wantMode == "" {
				if w.RetainUntil != nil || w.Detail == "" {
					t.Fatalf("WORM off but record %+v", w)
				}
				// Nothing protects the objects: the manifest can be deleted.
				if err := store.Delete(ctx, rec.ManifestKey); err != nil {
					t.Fatalf("delete on a store without WORM: %v", err)
				}
				return
			}
			if w.RetainUntil == nil || !w.RetainUntil.Equal(*rec.RetainUntil) {
				t.Fatalf("record's WORM retain_until %v, want the end of retention %v", w.RetainUntil, rec.RetainUntil)
			}
			client := store.(*s3store.Store).Client()
			bucket := store.(*s3store.Store).Bucket()
			for _, k := range keys {
				mode, until, err := client.GetObjectRetention(ctx, bucket, k, "")
				if err != nil || string(*mode) != tc.wantMode || !until.Equal(rec.RetainUntil.UTC()) {
					t.Errorf("%s: retention %v until %v, %v; want %s until %v", k, mode, until, err, tc.wantMode, rec.RetainUntil)
				}
				if err := store.Delete(ctx, k); archive.ErrorCode(err) != archive.EFORBIDDEN {
					t.Errorf("delete %s: %v, want forbidden", k, err)
				}
				if err := store.Create(ctx, k, []byte("{}")); archive.ErrorCode(err) != archive.ECONFLICT {
					t.Errorf("overwrite %s: %v, want conflict", k, err)
				}
			}
			// Still all there and unchanged.
			if rep, err := fixity.Verify(ctx, store, nil); err != nil || len(rep.Problems) > 0 || rep.Objects != 4 {
				t.Fatalf("verify after the attempts: %+v, %v", rep, err)
			}
		})
	}
}

// 永久 is retained permanently (until 9999-12-31); a blob shared with a
// D10 case keeps the longer retention whichever is archived last.
func TestArchiveWORMPermanentShared(t *testing.T) {
	ctx := context.Background()
	store := servicetest.OpenBucket(t, true, "")
	svc, _ := servicetest.NewService(t, store, filepath.Join(t.TempDir(), "live.db"))
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\nshared material\n%%EOF\n")
	forever := servicetest.DecidedCase(t, svc, "pension_claim", pdf) // Y
	short := servicetest.DecidedCase(t, svc, "medical_reimbursement", pdf)
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, forever)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Retention != "Y" || rec.WORM == nil || !rec.WORM.Enabled || rec.WORM.RetainUntil != nil {
		t.Fatalf("永久 record %+v worm %+v", rec, rec.WORM)
	}
	rec2, err := svc.ArchiveCase(ctx, servicetest.Archivist, short)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.WORM.RetainUntil == nil || rec2.WORM.RetainUntil.Year() > 3000 {
		t.Fatalf("定期 record's worm %+v", rec2.WORM)
	}
	var m archive.Manifest
	data, _ := archive.ReadAll(ctx, store, rec.ManifestKey)
	json.Unmarshal(data, &m)
	blob := m.Objects[len(m.Objects)-1]
	if blob.Kind != "material" {
		t.Fatalf("last manifest entry %+v", blob)
	}
	for _, k := range []string{blob.Key, rec.ManifestKey} {
		_, until, err := store.Client().GetObjectRetention(ctx, store.Bucket(), k, "")
		if err != nil || !until.Equal(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%s retained until %v, %v; want 9999-12-31", k, until, err)
		}
	}
	_, until, err := store.Client().GetObjectRetention(ctx, store.Bucket(), rec2.ManifestKey, "")
	if err != nil || !until.Equal(rec2.RetainUntil.UTC()) {
		t.Fatalf("定期 manifest retained until %v, %v", until, err)
	}
}

// failingRetainer refuses to retain keys with a prefix, like a store that
// fails half-way.
type failingRetainer struct {
	*s3store.Store
	prefix string
}

func (f failingRetainer) Retain(ctx context.Context, key string, until time.Time) error {
	if strings.HasPrefix(key, f.prefix) {
		return archive.Errorf(archive.EUNAVAILABLE, "object store unavailable")
	}
	return f.Store.Retain(ctx, key, until)
}

// A retention that fails after the case was archived is not lost: the
// archivist is told which objects and how to repair, and `dossier retain`
// (RetainArchives) applies it.
func TestArchiveWORMRetainFailureRepaired(t *testing.T) {
	ctx := context.Background()
	real := servicetest.OpenBucket(t, true, "")
	svc, db := servicetest.NewService(t, failingRetainer{real, "archives/"}, filepath.Join(t.TempDir(), "live.db"))
	id := servicetest.DecidedCase(t, svc, "pension_enrolment", nil)
	_, err := svc.ArchiveCase(ctx, servicetest.Archivist, id)
	msg := archive.ErrorMessage(err)
	if archive.ErrorCode(err) != archive.EUNAVAILABLE || !strings.Contains(msg, "dossier retain") || !strings.Contains(msg, "archives/Z109-SB.") {
		t.Fatalf("archiving with a failing retention: %v", err)
	}
	c, err := db.Case(ctx, id)
	if err != nil || c.Status != archive.StatusArchived || c.Archive == nil || !c.Archive.WORM.Enabled {
		t.Fatalf("the case is archived all the same: %+v, %v", c, err)
	}
	pointer := "archives/" + strings.ReplaceAll(c.Archive.ArchiveNo, "·", ".")
	if _, _, err := real.Client().GetObjectRetention(ctx, real.Bucket(), pointer, ""); minio.ToErrorResponse(err).Code != "NoSuchObjectLockConfiguration" {
		t.Fatalf("pointer retention before the repair: %v", err)
	}
	// A repair through a store that still fails reports the object.
	rep, err := archiving.RetainArchives(ctx, failingRetainer{real, "archives/"}, time.Now(), nil, nil)
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Object != pointer {
		t.Fatalf("repair while failing: %+v, %v", rep, err)
	}
	rep, err = archiving.RetainArchives(ctx, real, time.Now(), nil, nil)
	if err != nil || rep.ArchivedCases != 1 || rep.Objects != 7 || len(rep.Problems) != 0 {
		t.Fatalf("repair: %+v, %v", rep, err)
	}
	if err := real.Delete(ctx, pointer); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("delete the pointer after the repair: %v", err)
	}
	// Without WORM there is nothing to apply.
	if _, err := archiving.RetainArchives(ctx, servicetest.NewStoreSpec(t, "disk").Open(t), time.Now(), nil, nil); archive.ErrorCode(err) != archive.EUNSUPPORTED {
		t.Fatalf("retain on the embedded store: %v", err)
	}
}

// BenchmarkArchiveCase measures archiving one case with one material on a
// plain bucket and on one with Object Lock, where every object of the
// package is retained as well.
func BenchmarkArchiveCase(b *testing.B) {
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	for _, lock := range []bool{false, true} {
		name := "plain"
		if lock {
			name = "object-lock"
		}
		b.Run(name, func(b *testing.B) {
			m := storetest.SharedMinIO(b)
			store, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
				Bucket: storetest.NewBucketName(), TempDir: b.TempDir(), ObjectLock: lock})
			if err != nil {
				b.Fatal(err)
			}
			svc, _ := servicetest.NewService(b, store, filepath.Join(b.TempDir(), "live.db"))
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
					Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.AddMaterial(ctx, servicetest.Clerk, v.ID, "id_card", "id.pdf", bytes.NewReader(append(pdf, v.ID...))); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, v.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A case whose retention period had already ended when it was archived
// (decided long ago) is archived without retention, and the record says
// why; `dossier retain` leaves it alone too.
func TestArchiveWORMRetentionOver(t *testing.T) {
	ctx := context.Background()
	store := servicetest.OpenBucket(t, true, "")
	now := time.Date(2010, 3, 1, 10, 0, 0, 0, time.UTC)
	svc := service.New(service.Options{Store: store, Projection: servicetest.OpenDB(t, filepath.Join(t.TempDir(), "live.db")),
		Now: func() time.Time { return now }})
	id := servicetest.DecidedCase(t, svc, "medical_reimbursement", nil) // D10, decided in 2010: kept until 1 Jan 2021
	now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.WORM.Enabled || !strings.Contains(rec.WORM.Detail, "2021-01-01") {
		t.Fatalf("worm %+v", rec.WORM)
	}
	if err := store.Delete(ctx, archive.EventKey(id, 1)); err != nil {
		t.Fatalf("an unretained event cannot be deleted: %v", err)
	}
	rep, err := archiving.RetainArchives(ctx, store, now, nil, nil)
	if err != nil || rep.ArchivedCases != 1 || rep.Objects != 0 || len(rep.Problems) != 0 {
		t.Fatalf("retain: %+v, %v", rep, err)
	}
}

// A service whose clock is in the past (the demo writes history) archiving
// a case whose retention ended before today's date by the wall clock: the
// store cannot retain until a date gone by (S3 checks on its own clock),
// so nothing is retained and the record says why; archiving succeeds.
func TestArchiveWORMRetentionOverOnTheStoreClock(t *testing.T) {
	ctx := context.Background()
	store := servicetest.OpenBucket(t, true, "")
	now := time.Date(2010, 3, 1, 10, 0, 0, 0, time.UTC)
	svc := service.New(service.Options{Store: store, Projection: servicetest.OpenDB(t, filepath.Join(t.TempDir(), "live.db")),
		Now: func() time.Time { return now }})
	id := servicetest.DecidedCase(t, svc, "medical_reimbursement", nil) // D10, decided in 2010: kept until 1 Jan 2021
	now = time.Date(2010, 3, 2, 10, 0, 0, 0, time.UTC)
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, id)
	if err != nil {
		t.Fatalf("archiving in the past on a lock bucket: %v", err)
	}
	if rec.WORM.Enabled || !strings.Contains(rec.WORM.Detail, "2021-01-01") {
		t.Fatalf("worm %+v", rec.WORM)
	}
	// Nothing is left to retain, so the check does not ask for
	// `dossier retain` (which would do nothing).
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		if w.CaseID == id {
			t.Fatalf("warning about a record whose retention is over: %+v", w)
		}
	}
}
