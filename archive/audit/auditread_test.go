package audit_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
)

// Who reads what, numbered pages, and a damaged segment: the page reads
// around it and says where, an export refuses to be silently short.
func TestReaderScopePagesAndDamage(t *testing.T) {
	ctx := context.Background()
	store, err := diskstore.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	l := openAudit(t, store)
	for i := 0; i < 7; i++ {
		record(t, l, "u1", "case.create", "case/c1", "")
		record(t, l, "u2", "case.archive", "case/c1", "Z109-SB·2026-D10-YL-0001")
	}
	r := audit.NewReader(l, indexOf(t, store, l), nil, nil)
	auditor := archive.Actor{UserID: "a", Roles: []string{archive.RoleAuditor}}
	archivist := archive.Actor{UserID: "b", Roles: []string{archive.RoleArchivist}}

	for _, a := range []archive.Actor{{UserID: "c", Roles: []string{archive.RoleClerk}}, {UserID: "d", Roles: []string{archive.RoleAdmin}},
		{UserID: "e", Roles: []string{archive.RoleReviewer, archive.RoleApprover}}} {
		if _, err := r.AuditPage(ctx, a, audit.AuditFilter{}, 1, 10); !archive.IsCode(err, archive.EFORBIDDEN) {
			t.Errorf("%v reads a page: %v", a.Roles, err)
		}
		if err := r.ExportAudit(ctx, a, audit.AuditFilter{}, func(audit.Entry) error { return nil }); !archive.IsCode(err, archive.EFORBIDDEN) {
			t.Errorf("%v exports: %v", a.Roles, err)
		}
	}
	p, err := r.AuditPage(ctx, auditor, audit.AuditFilter{}, 2, 5)
	if err != nil || p.Total != 14 || p.Pages() != 3 || len(p.Entries) != 5 || p.Entries[0].Seq != 6 || !p.Chain.Intact() || p.Chain.Entries != 14 {
		t.Fatalf("page 2 of 5: %+v, %v", p, err)
	}
	p, err = r.AuditPage(ctx, archivist, audit.AuditFilter{Action: "case.create"}, 1, 5)
	if err != nil || p.Total != 0 {
		t.Errorf("the archivist reads case.create: %+v, %v", p, err)
	}
	p, err = r.AuditPage(ctx, archivist, audit.AuditFilter{}, 1, 50)
	if err != nil || p.Total != 7 || p.Entries[0].ActionName != "归档" {
		t.Errorf("the archivist's page: %+v, %v", p, err)
	}
	if got, _, err := r.AuditEntries(ctx, auditor, audit.AuditFilter{Person: "U2"}, "", 3); err != nil || len(got) != 3 || got[2].Actor != "u2" {
		t.Errorf("u2's first three by person: %+v, %v", got, err)
	}
	if _, err := r.AuditPage(ctx, auditor, audit.AuditFilter{}, 0, 5); !archive.IsCode(err, archive.EINVALID) {
		t.Errorf("page 0: %v", err)
	}

	// Segment 3 (entry 3) no longer decodes. The index still lists the
	// entry; the page that shows it names the segment, and checks the
	// whole log again, so that other pages say there is a problem
	// elsewhere.
	rewrite(t, store, archive.AuditSegmentKey(3), []byte("{not json"))
	p, err = r.AuditPage(ctx, auditor, audit.AuditFilter{}, 2, 2)
	if err != nil || p.Total != 14 || p.Chain.Intact() || p.Chain.Problems[0].Object != archive.AuditSegmentKey(3) || p.Chain.Problems[0].Seq != 0 {
		t.Errorf("entries 3–4, with the damaged segment 3: %+v, %v", p, err)
	}
	p, err = r.AuditPage(ctx, auditor, audit.AuditFilter{}, 1, 2)
	if err != nil || !p.Chain.Intact() || p.Chain.Elsewhere != 1 || p.Chain.Checked.IsZero() {
		t.Errorf("entries 1–2 beside a damaged segment 3: %+v, %v", p, err)
	}
	// Entry 9 is rewritten with a hash that fits its new content: its
	// own segment checks, the next entry's link does not, and the page
	// that shows it compares it with the copy the index took.
	seg := readSegment(t, store, archive.AuditSegmentKey(9))
	changeEntry(t, &seg, 0, func(e *archive.AuditEntry) { e.Detail = "Z109-SB·2026-D10-YL-9999"; e.Hash = documentedHash(t, *e) })
	writeSegment(t, store, archive.AuditSegmentKey(9), seg)
	p, err = r.AuditPage(ctx, auditor, audit.AuditFilter{}, 5, 2)
	if err != nil || len(p.Chain.Problems) != 2 || p.Chain.Problems[0].Seq != 9 || !strings.Contains(p.Chain.Problems[0].Problem, "与写入时的记录不符") ||
		p.Chain.Problems[1].Seq != 10 || !strings.Contains(p.Chain.Problems[1].Problem, "链接断开") {
		t.Errorf("entries 9–10 after entry 9 was rewritten and rehashed: %+v, %v", p.Chain, err)
	}
	n := 0
	err = r.ExportAudit(ctx, auditor, audit.AuditFilter{}, func(audit.Entry) error { n++; return nil })
	if !archive.IsCode(err, archive.EINTERNAL) {
		t.Errorf("an export over a damaged segment: %d entries, %v", n, err)
	}
}

// BenchmarkAuditPage: one page of the audit page over a log of 20,000
// entries on the disk store, which reads and checks the whole log.
func BenchmarkAuditPage(b *testing.B) {
	ctx := context.Background()
	store, err := diskstore.Open(filepath.Join(b.TempDir(), "store"))
	if err != nil {
		b.Fatal(err)
	}
	l := openAudit(b, store)
	const n = 20000
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			errs <- l.Record(ctx, archive.AuditEntry{Actor: "u1", Roles: []string{archive.RoleClerk}, Action: "case.archive",
				Target: "case/c1", Remote: "192.0.2.7", Detail: "Z109-SB·2026-D10-YL-0001"})
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	r := audit.NewReader(l, indexOf(b, store, l), nil, nil)
	auditor := archive.Actor{UserID: "a", Roles: []string{archive.RoleAuditor}}
	b.ResetTimer()
	for b.Loop() {
		p, err := r.AuditPage(ctx, auditor, audit.AuditFilter{Person: "u1"}, 100, 50)
		if err != nil || p.Total != n {
			b.Fatal(p, err)
		}
	}
	b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "entries/s")
}

// indexOf is an index of l in a BoltDB file, fed by l from now on and
// caught up with what it wrote before.
func indexOf(t testing.TB, store archive.ObjectStore, l *audit.AuditLog) *boltdb.DB {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l.IndexInto(db)
	if _, err := audit.CatchUpIndex(context.Background(), store, db); err != nil {
		t.Fatal(err)
	}
	return db
}
