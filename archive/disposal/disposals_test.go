package disposal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/disposal"
	"dossier/archive/loans"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

var archArchivist2 = archive.Actor{UserID: "u-arch2", Name: "archivist2", Roles: []string{archive.RoleArchivist}}

// clock is a settable time for the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// faultyStore fails deletes of contents on demand: EUNAVAILABLE while
// down (a crash half way; the first content's delete still works),
// EFORBIDDEN for keys under WORM retention. Other deletes (the blob
// guard's leases) pass.
type faultyStore struct {
	archive.ObjectStore
	mu       sync.Mutex
	down     bool
	retained map[string]bool
	deletes  int
}

func (f *faultyStore) Delete(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, archive.BlobPrefix) {
		return f.ObjectStore.Delete(ctx, key)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && f.deletes > 0 {
		return archive.Errorf(archive.EUNAVAILABLE, "store down")
	}
	f.deletes++
	if f.retained[key] {
		return archive.Errorf(archive.EFORBIDDEN, "object %s is under retention", key)
	}
	return f.ObjectStore.Delete(ctx, key)
}

type disposalEnv struct {
	t     testing.TB
	ctx   context.Context
	store *faultyStore
	svc   *service.Service
	clk   *clock
	dir   string
	spec  servicetest.StoreSpec
}

func newDisposalEnv(t testing.TB, kind string) *disposalEnv {
	sp := servicetest.NewStoreSpec(t, kind)
	e := &disposalEnv{t: t, ctx: context.Background(), store: &faultyStore{ObjectStore: sp.Open(t), retained: map[string]bool{}},
		clk: &clock{t: time.Date(2015, 3, 2, 10, 0, 0, 0, time.UTC)}, dir: sp.Dir, spec: sp}
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	e.svc = service.New(service.Options{Store: e.store, Projection: db, Now: e.clk.now})
	return e
}

// archived files a case of business type bt with one material of the
// given content, refuses it at acceptance and archives it; it returns the
// case id and 档号.
func (e *disposalEnv) archived(bt, content string) (string, string) {
	e.t.Helper()
	v, err := e.svc.CreateCase(e.ctx, servicetest.Clerk, cases.NewCase{BusinessType: bt,
		Applicant: archive.Applicant{Name: "王小明", IDNumber: "11010519491231002X"}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.AddMaterial(e.ctx, servicetest.Clerk, v.ID, "id_card", "id.pdf", strings.NewReader(pdfWith(content))); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Acceptance(e.ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		e.t.Fatal(err)
	}
	rec, err := e.svc.ArchiveCase(e.ctx, servicetest.Archivist, v.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID, rec.ArchiveNo
}

func pdfWith(s string) string { return "%PDF-1.4\n% " + s + "\n%%EOF\n" }

func blobKeyOf(content string) string {
	h := sha256.Sum256([]byte(pdfWith(content)))
	return archive.BlobKey(hex.EncodeToString(h[:]))
}

func (e *disposalEnv) exists(key string) bool {
	e.t.Helper()
	_, err := e.store.Stat(e.ctx, key)
	if err != nil && !archive.IsCode(err, archive.ENOTFOUND) {
		e.t.Fatal(err)
	}
	return err == nil
}

func itemOf(t *testing.T, d *disposal.Disposal, no string) disposal.DisposalItem {
	t.Helper()
	for _, it := range d.Items {
		if it.ArchiveNo == no {
			return it
		}
	}
	t.Fatalf("%s is not on disposal %s: %+v", no, d.ID, d.Items)
	return disposal.DisposalItem{}
}

// A disposal lists only expired, unheld, non-永久 records, needs a second
// archivist, destroys contents but keeps shared ones, the record, the
// events and the manifest, skips a record held after listing, and
// survives a rebuild.
func TestDisposal(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			e := newDisposalEnv(t, kind)
			ctx := e.ctx
			// Formed in 2015: D10 kept until 1 Jan 2026; D100 and 永久 far longer.
			idA, noA := e.archived("unemployment_benefit", "A only")
			idB, noB := e.archived("maternity_allowance", "shared")
			_, noC := e.archived("pension_enrolment", "shared") // D100, uses B's content
			_, noH := e.archived("unemployment_benefit", "held")
			_, noP := e.archived("pension_claim", "permanent")
			idL, noL := e.archived("maternity_allowance", "held later")
			e.clk.set(time.Date(2020, 5, 1, 10, 0, 0, 0, time.UTC))
			_, noR := e.archived("unemployment_benefit", "recent") // kept until 2031
			if _, err := e.svc.PlaceHold(ctx, servicetest.Archivist, noH, "诉讼证据保全"); err != nil {
				t.Fatal(err)
			}
			e.clk.set(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))

			appraisal := "经鉴定，下列档案保管期限已满，无继续保存价值，同意销毁。"
			// Rules at proposal.
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Clerk, disposal.NewDisposal{Appraisal: appraisal}); archive.ErrorCode(err) != archive.EFORBIDDEN {
				t.Fatalf("a clerk proposes: %v", err)
			}
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{}); archive.ErrorCode(err) != archive.EINVALID {
				t.Fatalf("no appraisal: %v", err)
			}
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal, AsOf: "2040-01-01"}); archive.ErrorCode(err) != archive.EINVALID {
				t.Fatalf("as_of in the future: %v", err)
			}
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal, AsOf: "2025-12-31"}); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("nothing expired by 2025-12-31: %v", err)
			}
			_, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal, ArchiveNos: []string{noA, noH, noP, noR}})
			if archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("explicit list with held, 永久 and unexpired records: %v", err)
			}
			for _, want := range []string{noH + ": under a legal hold", noP + ": kept permanently (永久)", noR + ": retention runs until 2031-01-01"} {
				if !strings.Contains(archive.ErrorMessage(err), want) {
					t.Fatalf("the refusal does not say %q: %s", want, archive.ErrorMessage(err))
				}
			}
			if strings.Contains(archive.ErrorMessage(err), noA) {
				t.Fatalf("the refusal names the qualifying %s: %s", noA, archive.ErrorMessage(err))
			}

			d, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal})
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, it := range d.Items {
				listed = append(listed, it.ArchiveNo)
			}
			want := []string{noA, noB, noL}
			sort.Strings(want)
			if strings.Join(listed, " ") != strings.Join(want, " ") || d.Status != disposal.DisposalPending || d.AsOf != "2026-06-01" {
				t.Fatalf("disposal %+v lists %v, want %v %v %v (not %s held, %s 永久, %s D100, %s recent)", d, listed, noA, noB, noL, noH, noP, noC, noR)
			}
			if it := itemOf(t, d, noA); !strings.HasPrefix(it.Title, "王**失业保险金申领（") || strings.Contains(it.Title, "王小明") || it.Retention != "D10" || it.Year != 2015 {
				t.Fatalf("item %+v", it)
			}
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal}); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("a second list while the first is open: %v", err)
			}
			// Held after listing.
			if _, err := e.svc.PlaceHold(ctx, servicetest.Archivist, noL, "信访调查"); err != nil {
				t.Fatal(err)
			}

			// A second archivist approves.
			for _, a := range []archive.Actor{servicetest.Archivist, servicetest.Clerk} {
				if _, err := e.svc.DecideDisposal(ctx, a, d.ID, disposal.DisposalDecision{}); archive.ErrorCode(err) != archive.EFORBIDDEN {
					t.Fatalf("%s approves: %v", a.Name, err)
				}
			}
			if _, err := e.svc.ExecuteDisposal(ctx, servicetest.Archivist, d.ID); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("executing before approval: %v", err)
			}
			d, err = e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{Opinion: "同意"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != disposal.DisposalExecuted || d.DecidedBy != archArchivist2.UserID || d.Executed == nil {
				t.Fatalf("after approval: %+v", d)
			}
			if _, err := e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("approving twice: %v", err)
			}
			a, b, l := itemOf(t, d, noA), itemOf(t, d, noB), itemOf(t, d, noL)
			if a.Result != disposal.ItemDestroyed || len(a.Deleted) != 1 || a.Deleted[0] != blobKeyOf("A only") || e.exists(blobKeyOf("A only")) {
				t.Fatalf("A: %+v", a)
			}
			if b.Result != disposal.ItemDestroyed || len(b.Shared) != 1 || len(b.Deleted) != 0 || !e.exists(blobKeyOf("shared")) {
				t.Fatalf("B, whose content case C uses too: %+v", b)
			}
			if l.Result != disposal.ItemHeld || !e.exists(blobKeyOf("held later")) {
				t.Fatalf("L, held after listing: %+v", l)
			}
			// The case keeps its record, events, manifest and pointer; its
			// contents are refused with a clear message.
			ca, err := e.svc.GetCase(ctx, servicetest.Archivist, idA, false)
			if err != nil || ca.Status != archive.StatusDisposed || ca.Stage != archive.StageArchived || ca.ArchiveNo != noA || len(ca.Materials) != 1 {
				t.Fatalf("disposed case: %+v %v", ca, err)
			}
			_, _, err = e.svc.OpenMaterial(ctx, servicetest.Archivist, idA, ca.Materials[0].ID)
			if archive.ErrorCode(err) != archive.ENOTFOUND || !strings.Contains(archive.ErrorMessage(err), d.ID) {
				t.Fatalf("material of a disposed case: %v", err)
			}
			rec, err := e.svc.Archive(ctx, servicetest.Archivist, noA)
			if err != nil || !e.exists(rec.ManifestKey) || len(servicetest.EventSeqs(t, e.store, idA)) != 5 {
				t.Fatalf("archive record %+v %v, or manifest/events gone", rec, err)
			}
			if cl, err := e.svc.GetCase(ctx, servicetest.Archivist, idL, false); err != nil || cl.Status != archive.StatusArchived {
				t.Fatalf("held case: %+v %v", cl, err)
			}
			if _, err := e.svc.PlaceHold(ctx, servicetest.Archivist, noA, "too late"); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("a hold on a disposed record: %v", err)
			}
			// Executing again changes nothing.
			again, err := e.svc.ExecuteDisposal(ctx, servicetest.Archivist, d.ID)
			if err != nil || again.Seq != d.Seq {
				t.Fatalf("re-execution: %+v %v", again, err)
			}
			if _, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal, ArchiveNos: []string{noA}}); archive.ErrorCode(err) != archive.ECONFLICT ||
				!strings.Contains(archive.ErrorMessage(err), "disposed of already") {
				t.Fatalf("disposing twice: %v", err)
			}
			// The disposal and the disposed cases survive a rebuild.
			db2 := servicetest.OpenDB(t, filepath.Join(t.TempDir(), "rebuilt.db"))
			svc2 := service.New(service.Options{Store: e.store, Projection: db2, Now: e.clk.now})
			if _, err := svc2.Rebuild(ctx, nil); err != nil {
				t.Fatal(err)
			}
			got, err := svc2.GetDisposal(ctx, servicetest.Archivist, d.ID)
			if err != nil || got.Status != disposal.DisposalExecuted || len(got.Items) != 3 || itemOf(t, got, noB).Result != disposal.ItemDestroyed {
				t.Fatalf("rebuilt disposal: %+v %v", got, err)
			}
			if c, err := db2.Case(ctx, idB); err != nil || c.Status != archive.StatusDisposed || c.DisposalID != d.ID {
				t.Fatalf("rebuilt case B: %+v %v", c, err)
			}
			all, err := svc2.Disposals(ctx, archive.Actor{UserID: "aud", Roles: []string{archive.RoleAuditor}})
			if err != nil || len(all) != 1 {
				t.Fatalf("list: %v %v", all, err)
			}
			if _, err := svc2.Disposals(ctx, servicetest.Clerk); archive.ErrorCode(err) != archive.EFORBIDDEN {
				t.Fatalf("a clerk lists disposals: %v", err)
			}
		})
	}
}

// An execution interrupted half way (the store fails) finishes when run
// again; objects under WORM retention are kept and reported; a rejected
// disposal destroys nothing and frees its records.
func TestDisposalResumes(t *testing.T) {
	e := newDisposalEnv(t, "disk")
	ctx := e.ctx
	_, no1 := e.archived("unemployment_benefit", "one")
	_, no2 := e.archived("unemployment_benefit", "two")
	_, no3 := e.archived("unemployment_benefit", "three")
	e.clk.set(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	appraisal := "保管期限已满，同意销毁"

	d, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal, ArchiveNos: []string{no1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{Decision: "reject"}); archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("a rejection without an opinion: %v", err)
	}
	d, err = e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{Decision: "reject", Opinion: "需再次鉴定"})
	if err != nil || d.Status != disposal.DisposalRejected || !e.exists(blobKeyOf("one")) {
		t.Fatalf("rejected: %+v %v", d, err)
	}

	d, err = e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: appraisal})
	if err != nil || len(d.Items) != 3 {
		t.Fatalf("after a rejection the records are listed again: %+v %v", d, err)
	}
	e.store.retained[blobKeyOf("three")] = true
	e.store.down = true // the first delete works, then the store fails
	if _, err := e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("interrupted execution: %v", err)
	}
	half, err := e.svc.GetDisposal(ctx, servicetest.Archivist, d.ID)
	if err != nil || half.Status != disposal.DisposalApproved || itemOf(t, half, no1).Result != disposal.ItemDestroyed || itemOf(t, half, no2).Result != "" {
		t.Fatalf("half way: %+v %v", half, err)
	}
	e.store.down = false
	done, err := e.svc.ExecuteDisposal(ctx, servicetest.Archivist, d.ID)
	if err != nil || done.Status != disposal.DisposalExecuted {
		t.Fatalf("resumed: %+v %v", done, err)
	}
	it2, it3 := itemOf(t, done, no2), itemOf(t, done, no3)
	if it2.Result != disposal.ItemDestroyed || e.exists(blobKeyOf("two")) || e.exists(blobKeyOf("one")) {
		t.Fatalf("two after resuming: %+v", it2)
	}
	if it3.Result != disposal.ItemDestroyed || len(it3.Retained) != 1 || !e.exists(blobKeyOf("three")) || !strings.Contains(it3.Detail, "WORM") {
		t.Fatalf("three, under WORM retention: %+v", it3)
	}
	// Every disposal event chains to the one before.
	var prev string
	err = e.store.Walk(ctx, archive.DisposalPrefix+d.ID+"/events/", func(oi archive.ObjectInfo) error {
		data, err := archive.ReadAll(ctx, e.store, oi.Key)
		if err != nil {
			return err
		}
		if prev != "" && !bytes.Contains(data, []byte(`"prev":"`+prev+`"`)) {
			t.Errorf("%s does not chain to the previous event", oi.Key)
		}
		h := sha256.Sum256(data)
		prev = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A file on loan is not listed, named it is refused, and lent after
// listing it is skipped at execution; once returned it is disposed of.
func TestDisposalSkipsLoans(t *testing.T) {
	e := newDisposalEnv(t, "disk")
	ctx := e.ctx
	reviewer := archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	_, no1 := e.archived("unemployment_benefit", "lent")
	_, no2 := e.archived("unemployment_benefit", "lent later")
	e.clk.set(time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC))
	lend := func(no string) *archive.Loan {
		l, err := e.svc.RequestLoan(ctx, reviewer, no, loans.LoanRequest{Purpose: "复核"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DecideLoan(ctx, servicetest.Archivist, no, l.ID, loans.LoanDecision{Action: archive.LoanApprove}); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l1 := lend(no1)
	_, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "期满", ArchiveNos: []string{no1}})
	if archive.ErrorCode(err) != archive.ECONFLICT || !strings.Contains(archive.ErrorMessage(err), no1+": on loan") {
		t.Fatalf("a file on loan: %v", err)
	}
	d, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "期满"})
	if err != nil || len(d.Items) != 1 || d.Items[0].ArchiveNo != no2 {
		t.Fatalf("the list holds only %s: %+v %v", no2, d, err)
	}
	lend(no2)
	d, err = e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{})
	if err != nil || d.Items[0].Result != disposal.ItemSkipped || !strings.Contains(d.Items[0].Detail, "借出") || !e.exists(blobKeyOf("lent later")) {
		t.Fatalf("lent after listing: %+v %v", d, err)
	}
	if _, err := e.svc.DecideLoan(ctx, reviewer, no1, l1.ID, loans.LoanDecision{Action: archive.LoanReturn}); err != nil {
		t.Fatal(err)
	}
	d, err = e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "期满", ArchiveNos: []string{no1}})
	if err != nil {
		t.Fatalf("returned: %v", err)
	}
	if d, err = e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); err != nil || d.Items[0].Result != disposal.ItemDestroyed || e.exists(blobKeyOf("lent")) {
		t.Fatalf("after return: %+v %v", d, err)
	}
}

// On a bucket with Object Lock, contents still under retention are kept
// and reported, and what the disposal keeps is retained permanently.
func TestDisposalWORM(t *testing.T) {
	m := storetest.SharedMinIO(t)
	store, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), Region: "us-east-1", TempDir: t.TempDir(), ObjectLock: true, WORMMode: "GOVERNANCE"})
	if err != nil {
		t.Fatal(err)
	}
	// Formed ten years before this year, a D10 record is retained by the
	// bucket until next 1 January; the service's clock is set past that.
	year := time.Now().Year() - 10
	clk := &clock{t: time.Date(year, 3, 2, 10, 0, 0, 0, time.UTC)}
	e := &disposalEnv{t: t, ctx: context.Background(), store: &faultyStore{ObjectStore: store, retained: map[string]bool{}}, clk: clk}
	db := servicetest.OpenDB(t, filepath.Join(t.TempDir(), "live.db"))
	e.svc = service.New(service.Options{Store: store, Projection: db, Now: clk.now})
	id, no := e.archived("unemployment_benefit", "under retention")
	rec, err := e.svc.Archive(e.ctx, servicetest.Archivist, no)
	if err != nil || rec.WORM == nil || !rec.WORM.Enabled {
		t.Fatalf("archived under WORM: %+v %v", rec, err)
	}
	clk.set(time.Date(year+11, 2, 1, 10, 0, 0, 0, time.UTC))
	d, err := e.svc.CreateDisposal(e.ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "期满"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = e.svc.DecideDisposal(e.ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); err != nil {
		t.Fatal(err)
	}
	it := d.Items[0]
	if it.Result != disposal.ItemDestroyed || len(it.Retained) != 1 || it.Retained[0] != blobKeyOf("under retention") || !e.exists(blobKeyOf("under retention")) {
		t.Fatalf("a blob under retention: %+v", it)
	}
	if c, err := db.Case(e.ctx, id); err != nil || c.Status != archive.StatusDisposed {
		t.Fatalf("the case: %+v %v", c, err)
	}
	for _, key := range []string{archive.DisposalEventKey(d.ID, 1), archive.DisposalEventKey(d.ID, d.Seq), rec.ManifestKey, archive.EventKey(id, 1)} {
		if err := store.Delete(e.ctx, key); archive.ErrorCode(err) != archive.EFORBIDDEN {
			t.Errorf("deleting %s, kept for good: %v", key, err)
		}
	}
}

// BenchmarkDisposal proposes, approves and executes a disposal of 100
// expired records (one material and notice-free) per operation.
func BenchmarkDisposal(b *testing.B) {
	for _, kind := range servicetest.Backends {
		b.Run(kind, func(b *testing.B) {
			e := newDisposalEnv(b, kind)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e.clk.set(time.Date(2015, 3, 2, 10, 0, 0, 0, time.UTC))
				for j := 0; j < 100; j++ {
					e.archived("unemployment_benefit", fmt.Sprintf("record %d %d", i, j))
				}
				e.clk.set(time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC))
				b.StartTimer()
				d, err := e.svc.CreateDisposal(e.ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "保管期限已满"})
				if err != nil {
					b.Fatal(err)
				}
				if d, err = e.svc.DecideDisposal(e.ctx, archArchivist2, d.ID, disposal.DisposalDecision{}); err != nil || len(d.Items) != 100 {
					b.Fatalf("%d items, %v", len(d.Items), err)
				}
			}
		})
	}
}
