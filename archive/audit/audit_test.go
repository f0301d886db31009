package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/servicetest"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"dossier/archive/diskstore"
	"dossier/archive/storetest"
)

var auditStart = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// auditClock is a clock that moves one second per reading, so that entry
// times are distinct and known.
func auditClock() func() time.Time {
	var mu sync.Mutex
	t := auditStart
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func openAudit(t testing.TB, store archive.ObjectStore) *audit.AuditLog {
	t.Helper()
	l, err := audit.OpenAuditLog(context.Background(), store, auditClock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func record(t testing.TB, l *audit.AuditLog, actor, action, target, detail string) {
	t.Helper()
	err := l.Record(context.Background(), archive.AuditEntry{Actor: actor, Roles: []string{archive.RoleClerk},
		Action: action, Target: target, Remote: "192.0.2.7", Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
}

// verifyClean checks that the log verifies without problems and holds
// entries entries.
func verifyClean(t testing.TB, store archive.ObjectStore, entries int) audit.AuditReport {
	t.Helper()
	rep, err := audit.VerifyAuditLog(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 || rep.Entries != entries {
		t.Fatalf("verify: %d entries (want %d), problems %+v", rep.Entries, entries, rep.Problems)
	}
	return rep
}

// allAudit reads the whole log through Query, page by page.
func allAudit(t testing.TB, l *audit.AuditLog, f audit.AuditFilter, limit int) []archive.AuditEntry {
	t.Helper()
	var out []archive.AuditEntry
	cursor := ""
	for {
		page, next, err := l.Query(context.Background(), f, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d entries with limit %d", len(page), limit)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		if len(page) == 0 {
			t.Fatal("empty page with a next cursor")
		}
		cursor = next
	}
}

// recordConcurrently has writers goroutines record n entries each and
// returns the details recorded.
func recordConcurrently(t *testing.T, l *audit.AuditLog, name string, writers, n int) []string {
	var wg sync.WaitGroup
	errs := make(chan error, writers*n)
	var details []string
	for w := 0; w < writers; w++ {
		for i := 0; i < n; i++ {
			details = append(details, fmt.Sprintf("%s-%d-%d", name, w, i))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				errs <- l.Record(context.Background(), archive.AuditEntry{Actor: fmt.Sprintf("%s-w%d", name, w),
					Action: "case.read_personal_data", Target: "case/c1", Detail: fmt.Sprintf("%s-%d-%d", name, w, i)})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return details
}

// assertDetails checks that the log holds exactly the given details, each
// once.
func assertDetails(t *testing.T, got []archive.AuditEntry, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range got {
		seen[e.Detail]++
	}
	for _, d := range want {
		if seen[d] != 1 {
			t.Fatalf("entry %s is in the log %d times", d, seen[d])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries in the log, want %d", len(got), len(want))
	}
}

// Fifty goroutines recording at once all get their entries durably into
// one valid chain, and the group commit puts many entries in one segment.
func TestAuditConcurrentRecord(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			store := servicetest.NewStoreSpec(t, kind).Open(t)
			l := openAudit(t, store)
			details := recordConcurrently(t, l, "p", 50, 10)
			rep := verifyClean(t, store, len(details))
			if rep.Segments >= rep.Entries {
				t.Fatalf("%d segments for %d entries: no group commit", rep.Segments, rep.Entries)
			}
			got := allAudit(t, l, audit.AuditFilter{}, 1000)
			assertDetails(t, got, details)
			for i, e := range got {
				if e.Seq != int64(i+1) {
					t.Fatalf("entry %d has seq %d", i+1, e.Seq)
				}
			}
		})
	}
}

// A reopened log (a restart) continues the chain where it ended.
func TestAuditReopenContinuesChain(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			l := openAudit(t, store)
			for i := 0; i < 3; i++ {
				record(t, l, "u1", "case.create", "case/c"+strconv.Itoa(i), "")
			}
			l.Close()
			servicetest.WantCode(t, l.Record(context.Background(), archive.AuditEntry{Actor: "u1", Action: "case.create"}),
				archive.EUNAVAILABLE, "record after close")

			l2 := openAudit(t, sp.Open(t))
			record(t, l2, "u2", "case.review", "case/c0", "")
			record(t, l2, "u2", "case.review", "case/c1", "")
			rep := verifyClean(t, store, 5)
			if rep.Segments != 5 {
				t.Fatalf("%d segments for 5 entries recorded one at a time", rep.Segments)
			}
			got := allAudit(t, l2, audit.AuditFilter{}, 10)
			if got[3].Seq != 4 || got[3].Prev != got[2].Hash || got[0].Prev != "" {
				t.Fatalf("chain not continued: %+v", got)
			}
			if rep.Head != got[4].Hash {
				t.Fatalf("head %s, want the last hash %s", rep.Head, got[4].Hash)
			}
		})
	}
}

// Two processes sharing a bucket each think they own the tail; the
// conditional create makes one lose, and it re-chains onto the winner.
func TestAuditTwoProcessesOneBucket(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			record(t, openAudit(t, store), "setup", "user.create", "user/u1", "before both")
			logs := []*audit.AuditLog{openAudit(t, sp.Open(t)), openAudit(t, sp.Open(t))}
			var wg sync.WaitGroup
			details := make([][]string, len(logs))
			for i, l := range logs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					details[i] = recordConcurrently(t, l, "proc"+strconv.Itoa(i), 10, 10)
				}()
			}
			wg.Wait()
			want := append([]string{"before both"}, append(details[0], details[1]...)...)
			verifyClean(t, store, len(want))
			assertDetails(t, allAudit(t, logs[0], audit.AuditFilter{}, 1000), want)
		})
	}
}

// rawSegment is a segment with its entries as stored, so a test can change
// one entry and leave the others byte for byte alone.
type rawSegment struct {
	Seq     int64             `json:"seq"`
	First   int64             `json:"first"`
	Entries []json.RawMessage `json:"entries"`
}

func readSegment(t testing.TB, store archive.ObjectStore, key string) rawSegment {
	t.Helper()
	data, err := archive.ReadAll(context.Background(), store, key)
	if err != nil {
		t.Fatal(err)
	}
	var seg rawSegment
	if err := json.Unmarshal(data, &seg); err != nil {
		t.Fatal(err)
	}
	return seg
}

// rewrite replaces an object the way someone with write access to the
// bucket could: delete, then create.
func rewrite(t testing.TB, store archive.ObjectStore, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, key, data); err != nil {
		t.Fatal(err)
	}
}

func writeSegment(t testing.TB, store archive.ObjectStore, key string, seg rawSegment) {
	t.Helper()
	data, err := json.Marshal(seg)
	if err != nil {
		t.Fatal(err)
	}
	rewrite(t, store, key, data)
}

// changeEntry decodes entry i of seg, lets change alter it and encodes it
// back in the log's own encoding.
func changeEntry(t testing.TB, seg *rawSegment, i int, change func(*archive.AuditEntry)) archive.AuditEntry {
	t.Helper()
	var e archive.AuditEntry
	if err := json.Unmarshal(seg.Entries[i], &e); err != nil {
		t.Fatal(err)
	}
	change(&e)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	seg.Entries[i] = b
	return e
}

// documentedHash is the hash as AuditEntry's comment defines it.
func documentedHash(t testing.TB, e archive.AuditEntry) string {
	t.Helper()
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// problemAt is where a problem is reported: the object and the entry.
type problemAt struct {
	object string
	seq    int64
}

// tamperLog is a verified log to tamper with: segments 1–4 hold one entry
// each, multi (> 4) holds three or more, and two single entries end it.
type tamperLog struct {
	store             archive.ObjectStore
	segments, entries int
	multi             string
}

func buildTamperLog(t *testing.T, store archive.ObjectStore) tamperLog {
	t.Helper()
	l := openAudit(t, store)
	for i := 0; i < 4; i++ {
		record(t, l, "u1", "case.create", "case/c"+strconv.Itoa(i), "")
	}
	// A burst on an idle log: the first entry goes out alone and the rest
	// queue behind it. How they split into segments depends on timing, so
	// burst until one segment holds three or more.
	tl := tamperLog{store: store}
	for try := 0; tl.multi == ""; try++ {
		if try == 20 {
			t.Fatal("no segment of three or more entries after 20 bursts")
		}
		recordConcurrently(t, l, "burst"+strconv.Itoa(try), 20, 1)
		err := store.Walk(context.Background(), archive.AuditPrefix, func(oi archive.ObjectInfo) error {
			if oi.Key > archive.AuditSegmentKey(4) && len(readSegment(t, store, oi.Key).Entries) >= 3 {
				tl.multi = oi.Key
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	record(t, l, "u1", "case.review", "case/c0", "")
	record(t, l, "u1", "case.review", "case/c1", "")
	rep, err := audit.VerifyAuditLog(context.Background(), store)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("untouched log: %v %+v", err, rep.Problems)
	}
	tl.segments, tl.entries = rep.Segments, rep.Entries
	return tl
}

// Whoever can write to the bucket can change, drop or shuffle segments;
// verify names the object and the entry of each change, and keeps going.
func TestAuditTamperDetected(t *testing.T) {
	seg := archive.AuditSegmentKey
	tests := []struct {
		name string
		// tamper changes the log and returns where problems must be
		// reported (seq 0: the object as a whole).
		tamper func(t *testing.T, tl tamperLog) []problemAt
		// exact says that nothing else may be reported.
		exact bool
	}{
		{"action changed", func(t *testing.T, tl tamperLog) []problemAt {
			s := readSegment(t, tl.store, tl.multi)
			e := changeEntry(t, &s, 1, func(e *archive.AuditEntry) { e.Action = "case.review" })
			writeSegment(t, tl.store, tl.multi, s)
			return []problemAt{{tl.multi, e.Seq}}
		}, true},
		{"action changed and hash recomputed", func(t *testing.T, tl tamperLog) []problemAt {
			s := readSegment(t, tl.store, tl.multi)
			e := changeEntry(t, &s, 1, func(e *archive.AuditEntry) {
				e.Action = "case.review"
				e.Hash = documentedHash(t, *e)
			})
			writeSegment(t, tl.store, tl.multi, s)
			return []problemAt{{tl.multi, e.Seq + 1}}
		}, true},
		{"member added", func(t *testing.T, tl tamperLog) []problemAt {
			s := readSegment(t, tl.store, tl.multi)
			e := changeEntry(t, &s, 0, func(*archive.AuditEntry) {})
			s.Entries[0] = append([]byte(`{"note":"harmless",`), s.Entries[0][1:]...)
			writeSegment(t, tl.store, tl.multi, s)
			return []problemAt{{tl.multi, e.Seq}}
		}, true},
		{"middle segment deleted", func(t *testing.T, tl tamperLog) []problemAt {
			if err := tl.store.Delete(context.Background(), seg(3)); err != nil {
				t.Fatal(err)
			}
			return []problemAt{{seg(4), 0}, {seg(4), 4}}
		}, true},
		{"segments swapped", func(t *testing.T, tl tamperLog) []problemAt {
			s2, s3 := readSegment(t, tl.store, seg(2)), readSegment(t, tl.store, seg(3))
			writeSegment(t, tl.store, seg(2), s3)
			writeSegment(t, tl.store, seg(3), s2)
			return []problemAt{{seg(2), 0}, {seg(2), 3}, {seg(3), 0}, {seg(3), 2}}
		}, false},
		{"entries swapped", func(t *testing.T, tl tamperLog) []problemAt {
			s := readSegment(t, tl.store, tl.multi)
			s.Entries[1], s.Entries[2] = s.Entries[2], s.Entries[1]
			writeSegment(t, tl.store, tl.multi, s)
			return []problemAt{{tl.multi, s.First + 2}, {tl.multi, s.First + 1}}
		}, false},
		{"segment garbled", func(t *testing.T, tl tamperLog) []problemAt {
			rewrite(t, tl.store, seg(2), []byte(`{"seq":2,"first":2,"entries":[{"seq":2,`))
			return []problemAt{{seg(2), 0}}
		}, true},
		{"stray object", func(t *testing.T, tl tamperLog) []problemAt {
			if err := tl.store.Create(context.Background(), archive.AuditPrefix+"notes.txt", []byte("x")); err != nil {
				t.Fatal(err)
			}
			return []problemAt{{archive.AuditPrefix + "notes.txt", 0}}
		}, true},
		{"two segments changed", func(t *testing.T, tl tamperLog) []problemAt {
			last := seg(int64(tl.segments))
			for _, key := range []string{seg(2), last} {
				s := readSegment(t, tl.store, key)
				changeEntry(t, &s, 0, func(e *archive.AuditEntry) { e.Target = "case/other" })
				writeSegment(t, tl.store, key, s)
			}
			return []problemAt{{seg(2), 2}, {last, int64(tl.entries)}}
		}, true},
	}
	for _, kind := range servicetest.Backends {
		for _, tc := range tests {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				tl := buildTamperLog(t, servicetest.NewStoreSpec(t, kind).Open(t))
				want := tc.tamper(t, tl)
				rep, err := audit.VerifyAuditLog(context.Background(), tl.store)
				if err != nil {
					t.Fatal(err)
				}
				got := map[problemAt]bool{}
				for _, p := range rep.Problems {
					if p.Problem == "" {
						t.Errorf("problem without a description: %+v", p)
					}
					got[problemAt{p.Object, p.Seq}] = true
				}
				for _, w := range want {
					if !got[w] {
						t.Errorf("no problem reported at %s entry %d; got %+v", w.object, w.seq, rep.Problems)
					}
				}
				if tc.exact && len(rep.Problems) != len(want) {
					t.Errorf("%d problems, want %d: %+v", len(rep.Problems), len(want), rep.Problems)
				}
				if rep.Segments < tl.segments-1 {
					t.Errorf("verify stopped early: %d of %d segments", rep.Segments, tl.segments)
				}
			})
		}
	}
}

// With the store down, every waiting caller hears so; nothing is
// acknowledged that was not written.
func TestAuditStoreUnavailable(t *testing.T) {
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			m.Stop()
		}
	}()
	sp := servicetest.StoreSpec{Kind: "minio", Dir: t.TempDir(), Endpoint: m.Endpoint, Access: m.AccessKey, Secret: m.SecretKey, Bucket: storetest.NewBucketName()}
	store := sp.Open(t)
	l := openAudit(t, store)
	record(t, l, "u1", "case.create", "case/c1", "")
	m.Stop()
	stopped = true

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, 5)
	for i := 0; i < cap(errs); i++ {
		go func() {
			errs <- l.Record(ctx, archive.AuditEntry{Actor: "u1", Action: "case.read_personal_data", Target: "case/c1"})
		}()
	}
	for i := 0; i < cap(errs); i++ {
		servicetest.WantCode(t, <-errs, archive.EUNAVAILABLE, "record with the store down")
	}
	_, _, err = l.Query(ctx, audit.AuditFilter{}, "", 10)
	servicetest.WantCode(t, err, archive.EUNAVAILABLE, "query with the store down")
	_, err = audit.VerifyAuditLog(ctx, store)
	servicetest.WantCode(t, err, archive.EUNAVAILABLE, "verify with the store down")
	_, err = audit.OpenAuditLog(ctx, store, nil)
	servicetest.WantCode(t, err, archive.EUNAVAILABLE, "open with the store down")
}

func TestAuditRecordContract(t *testing.T) {
	ctx := context.Background()
	store := servicetest.NewStoreSpec(t, "disk").Open(t)
	l := openAudit(t, store)
	servicetest.WantCode(t, l.Record(ctx, archive.AuditEntry{Action: "case.create"}), archive.EINVALID, "no actor")
	servicetest.WantCode(t, l.Record(ctx, archive.AuditEntry{Actor: "u1"}), archive.EINVALID, "no action")
	servicetest.WantCode(t, l.Record(ctx, archive.AuditEntry{Actor: "u1", Action: "case.create", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}),
		archive.EINVALID, "time past year 9999")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	servicetest.WantCode(t, l.Record(cancelled, archive.AuditEntry{Actor: "u1", Action: "case.create"}), archive.EUNAVAILABLE, "cancelled")

	// What the log assigns is not the caller's to choose; strings that
	// are not UTF-8 or need escaping still hash the same after a round
	// trip through the store.
	roles := []string{"clerk"}
	if err := l.Record(ctx, archive.AuditEntry{Seq: 99, Prev: "x", Hash: "y", Actor: "u\xff1", Roles: roles,
		Action: "case.create", Detail: "<a & b>\u2028"}); err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	when := time.Date(2026, 3, 2, 18, 0, 0, 123456789, cst)
	if err := l.Record(ctx, archive.AuditEntry{At: when, Actor: "u2", Action: "case.review"}); err != nil {
		t.Fatal(err)
	}
	verifyClean(t, store, 2)
	got := allAudit(t, l, audit.AuditFilter{}, 10)
	if got[0].Seq != 1 || got[0].Prev != "" || !got[0].At.Equal(auditStart.Add(time.Second)) || got[0].Actor != "u\uFFFD1" {
		t.Errorf("first entry: %+v", got[0])
	}
	if got[1].Seq != 2 || got[1].Prev != got[0].Hash || !got[1].At.Equal(when) {
		t.Errorf("second entry: %+v", got[1])
	}
	for _, e := range got {
		if h := documentedHash(t, e); h != e.Hash {
			t.Errorf("entry %d: hash %s, the documented encoding gives %s", e.Seq, e.Hash, h)
		}
	}
}

func TestAuditQuery(t *testing.T) {
	ctx := context.Background()
	at := func(h int) time.Time { return auditStart.Add(time.Duration(h) * time.Hour) }
	entries := []archive.AuditEntry{
		{At: at(0), Actor: "a1", Action: "case.create", Target: "case/abc"},
		{At: at(1), Actor: "a2", Action: "case.read_personal_data", Target: "case/abc"},
		{At: at(2), Actor: "a1", Action: "case.material_add", Target: "case/abc/materials/m1"},
		{At: at(3), Actor: "a1", Action: "case.create", Target: "case/abcd"},
		{At: at(4), Actor: "admin", Action: "user.create", Target: "user/u1"},
		{At: at(5), Actor: "a2", Action: "case.read_personal_data", Target: "case/abcd"},
	}
	tests := []struct {
		name string
		f    audit.AuditFilter
		want []int64
	}{
		{"everything", audit.AuditFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"actor", audit.AuditFilter{Actor: "a1"}, []int64{1, 3, 4}},
		{"action", audit.AuditFilter{Action: "case.read_personal_data"}, []int64{2, 6}},
		{"target and what is under it", audit.AuditFilter{Target: "case/abc"}, []int64{1, 2, 3}},
		{"plain prefix", audit.AuditFilter{Target: "case/"}, []int64{1, 2, 3, 4, 6}},
		{"from inclusive, to exclusive", audit.AuditFilter{From: at(1), To: at(4)}, []int64{2, 3, 4}},
		{"from only", audit.AuditFilter{From: at(4)}, []int64{5, 6}},
		{"all conditions", audit.AuditFilter{Actor: "a2", Target: "case/abcd", Action: "case.read_personal_data", To: at(6)}, []int64{6}},
		{"nothing", audit.AuditFilter{Actor: "nobody"}, nil},
	}
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			l := openAudit(t, servicetest.NewStoreSpec(t, kind).Open(t))
			for _, e := range entries {
				if err := l.Record(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range tests {
				for _, limit := range []int{1, 2, 100} {
					var got []int64
					for _, e := range allAudit(t, l, tc.f, limit) {
						got = append(got, e.Seq)
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("%s, limit %d: seqs %v, want %v", tc.name, limit, got, tc.want)
					}
				}
			}

			page, next, err := l.Query(ctx, audit.AuditFilter{}, "", 4)
			if err != nil || len(page) != 4 || next != "4" {
				t.Fatalf("first page: %d entries, next %q, %v", len(page), next, err)
			}
			page, next, err = l.Query(ctx, audit.AuditFilter{}, next, 4)
			if err != nil || len(page) != 2 || page[0].Seq != 5 || next != "" {
				t.Fatalf("last page: %+v, next %q, %v", page, next, err)
			}
			page, _, err = l.Query(ctx, audit.AuditFilter{Actor: "nobody"}, "", 10)
			if err != nil || page == nil || len(page) != 0 {
				t.Fatalf("no match: %#v, %v", page, err)
			}

			for _, cursor := range []string{"x", "-1", "1.5", "9223372036854775808"} {
				_, _, err := l.Query(ctx, audit.AuditFilter{}, cursor, 10)
				servicetest.WantCode(t, err, archive.EINVALID, "cursor "+cursor)
			}
			_, _, err = l.Query(ctx, audit.AuditFilter{}, "", 1001)
			servicetest.WantCode(t, err, archive.EINVALID, "limit over the maximum")
			_, _, err = l.Query(ctx, audit.AuditFilter{From: at(2), To: at(1)}, "", 10)
			servicetest.WantCode(t, err, archive.EINVALID, "to before from")
		})
	}
}

// A segment that verifies without problems holds exactly what was written,
// whatever bytes replace it.
func FuzzAuditSegment(f *testing.F) {
	ctx := context.Background()
	store, err := diskstore.Open(filepath.Join(f.TempDir(), "store"))
	if err != nil {
		f.Fatal(err)
	}
	l := openAudit(f, store)
	record(f, l, "u1", "case.create", "case/c1", "first")
	record(f, l, "u1", "case.read_personal_data", "case/c1", "second")
	want := allAudit(f, l, audit.AuditFilter{}, 10)
	key := archive.AuditSegmentKey(2)
	orig, err := archive.ReadAll(ctx, store, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add(bytes.Replace(orig, []byte("read_personal_data"), []byte("create"), 1))
	f.Add(bytes.Replace(orig, []byte(`{"seq":2,"at"`), []byte(`{"seq":2, "at"`), 1))
	f.Add([]byte(`{"seq":2,"first":2,"entries":[]}`))
	f.Add([]byte(`{"seq":2,"first":2,"entries":[{}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rewrite(t, store, key, data)
		rep, err := audit.VerifyAuditLog(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) > 0 {
			return
		}
		got, _, err := l.Query(ctx, audit.AuditFilter{}, "", 10)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("verify passed %q, which holds %+v (%v)", data, got, err)
		}
	})
}

// A deleted segment does not mislead OpenAuditLog's search for the tail:
// the chain goes on from the real last entry, and a damaged last segment,
// onto which nothing can be chained, stops it.
func TestAuditOpenAfterTampering(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			tl := buildTamperLog(t, servicetest.NewStoreSpec(t, kind).Open(t))
			if err := tl.store.Delete(ctx, archive.AuditSegmentKey(2)); err != nil {
				t.Fatal(err)
			}
			record(t, openAudit(t, tl.store), "u1", "case.create", "case/after", "")
			rep, err := audit.VerifyAuditLog(ctx, tl.store)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Entries != tl.entries || len(rep.Problems) != 2 {
				t.Fatalf("%d entries (want %d), problems %+v", rep.Entries, tl.entries, rep.Problems)
			}

			rewrite(t, tl.store, archive.AuditSegmentKey(int64(tl.segments+1)), []byte("{"))
			_, err = audit.OpenAuditLog(ctx, tl.store, nil)
			servicetest.WantCode(t, err, archive.EINTERNAL, "open with a damaged last segment")
		})
	}
}

// gatedStore holds every Create until the gate opens, so a test can keep
// an entry in the writer's hands.
type gatedStore struct {
	archive.ObjectStore
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedStore) Create(ctx context.Context, key string, data []byte) error {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.gate
	return g.ObjectStore.Create(ctx, key, data)
}

// A caller that gives up hears whether its entry may still be written:
// an entry still queued is dropped, one being written is kept.
func TestAuditRecordGivesUp(t *testing.T) {
	store := servicetest.NewStoreSpec(t, "disk").Open(t)
	g := &gatedStore{ObjectStore: store, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	l := openAudit(t, g)
	entry := func(detail string) archive.AuditEntry {
		return archive.AuditEntry{Actor: "u1", Action: "case.read_personal_data", Detail: detail}
	}

	ctxA, cancelA := context.WithCancel(context.Background())
	errA := make(chan error)
	go func() { errA <- l.Record(ctxA, entry("being written")) }()
	<-g.entered
	ctxB, cancelB := context.WithCancel(context.Background())
	errB := make(chan error)
	go func() { errB <- l.Record(ctxB, entry("queued")) }()
	time.Sleep(10 * time.Millisecond) // let B queue; if it has not, it fails the same way
	cancelB()
	servicetest.WantCode(t, <-errB, archive.EUNAVAILABLE, "give up while queued")
	cancelA()
	servicetest.WantCode(t, <-errA, archive.EUNAVAILABLE, "give up while being written")
	close(g.gate)

	record(t, l, "u1", "case.create", "", "after")
	verifyClean(t, store, 2)
	assertDetails(t, allAudit(t, l, audit.AuditFilter{}, 10), []string{"being written", "after"})
}
