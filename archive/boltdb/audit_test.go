package boltdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"dossier/archive"
)

// auditRecords is the test's stand-in for audit.RecordsAction.
func auditRecords(action string) bool { return strings.HasPrefix(action, "archive.") }

// brute is what a scan must find: every entry in seq order that q
// selects, found the slow way.
func brute(all []archive.AuditEntry, q archive.AuditScan) []int64 {
	var out []int64
	for _, e := range all {
		if e.Seq <= q.After || q.Action != "" && e.Action != q.Action || q.Records && !auditRecords(e.Action) ||
			q.Actors != nil && !slices.Contains(q.Actors, e.Actor) ||
			q.Target != "" && e.Target != q.Target && !strings.HasPrefix(e.Target, q.Target+"/") ||
			!q.From.IsZero() && e.At.Before(q.From) || !q.To.IsZero() && !e.At.Before(q.To) {
			continue
		}
		out = append(out, e.Seq)
	}
	return out
}

// Every scan the audit pages make — by case (and a part of it), by
// person, action, dates, the archive's work and everything, with skips
// and after cursors — finds what a walk of every entry finds, in seq
// order, and counts it; entries folded twice count once; times out of
// seq order (two servers' clocks) are found by a date range; Reset
// empties it.
func TestScanAuditMatchesBruteForce(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	actors := []string{"u1", "u2", "u-𠮷", "system", "cli:root"}
	actions := []string{"case.create", "case.review", "archive.loan_request", "archive.hold_place", "user.login"}
	targets := []string{"case/c1", "case/c1/materials/m1", "case/c2", "case/c10", "user/u1", "", "disposal/d1"}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var all []archive.AuditEntry
	seq := int64(0)
	for seg := int64(1); seg <= 120; seg++ {
		var entries []archive.AuditEntry
		for range 1 + rnd.IntN(4) {
			seq++
			// Times mostly follow seqs, but drift by up to a minute.
			at := base.Add(time.Duration(seq)*time.Minute + time.Duration(rnd.IntN(120)-60)*time.Second)
			entries = append(entries, archive.AuditEntry{Seq: seq, At: at, Actor: actors[rnd.IntN(len(actors))], Name: "登录名",
				Action: actions[rnd.IntN(len(actions))], Target: targets[rnd.IntN(len(targets))], Hash: fmt.Sprint("h", seq)})
		}
		all = append(all, entries...)
		if err := d.PutAuditSegment(ctx, seg, entries, auditRecords); err != nil {
			t.Fatal(err)
		}
		if seg%7 == 0 {
			// Folded again, as a catch-up after the write-through does.
			if err := d.PutAuditSegment(ctx, seg, entries, auditRecords); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []archive.AuditScan{{}, {Records: true}, {Target: "case/c1"}, {Target: "case/c1/materials/m1"}, {Target: "case/c1", Action: "case.review"},
		{Actors: []string{"u-𠮷"}}, {Actors: []string{"u1", "system"}}, {Actors: []string{}}, {Action: "archive.hold_place"},
		{From: base.Add(100 * time.Minute), To: base.Add(200 * time.Minute)}, {From: base.Add(300 * time.Minute)},
		{Records: true, Actors: []string{"u2"}}, {Target: "case/c2", Records: true, From: base.Add(50 * time.Minute)}, {Action: "user.login", To: base.Add(90 * time.Minute)}}
	for _, q := range queries {
		want := brute(all, q)
		for _, after := range []int64{0, 17, 200} {
			for _, skip := range []int{0, 3, 40, 1000} {
				q := q
				q.After, q.Skip = after, skip
				want := brute(all, q)
				var got []int64
				total, err := d.ScanAudit(ctx, q, true, func(seg int64, e archive.AuditEntry) bool {
					if e.Hash != fmt.Sprint("h", e.Seq) || seg < 1 {
						t.Errorf("%+v: entry %d comes back as %+v in segment %d", q, e.Seq, e, seg)
					}
					got = append(got, e.Seq)
					return len(got) < 10
				})
				if err != nil {
					t.Fatal(err)
				}
				page := want[min(skip, len(want)):]
				page = page[:min(10, len(page))]
				if !slices.Equal(got, page) || total != len(want) {
					t.Errorf("%+v: page %v of %d, want %v of %d", q, got, total, page, len(want))
				}
			}
		}
		if len(want) == 0 && q.Actors == nil && q.From.IsZero() {
			t.Errorf("%+v selects nothing: the test data does not cover it", q)
		}
	}
	if n, err := d.ScanAudit(ctx, archive.AuditScan{}, true, func(int64, archive.AuditEntry) bool { return false }); err != nil || n != len(all) {
		t.Errorf("the count of every entry: %d, %v; want %d", n, err, len(all))
	}
	var seen []string
	d.AuditActors(ctx, func(actor, login string) bool { seen = append(seen, actor+"="+login); return true })
	if len(seen) != len(actors) {
		t.Errorf("actors %v", seen)
	}
	if e, seg, err := d.AuditEntry(ctx, 5); err != nil || e.Seq != 5 || seg < 1 {
		t.Errorf("entry 5: %+v in %d, %v", e, seg, err)
	}
	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.ScanAudit(ctx, archive.AuditScan{}, true, func(int64, archive.AuditEntry) bool { return true }); n != 0 {
		t.Errorf("%d entries after Reset", n)
	}
	if done, _ := d.AuditSegmentFolded(ctx, 3); done {
		t.Error("segment 3 still folded after Reset")
	}
}

// A case is found by its number, in a file made before the index
// existed too.
func TestCaseIDByNumber(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	c := &archive.Case{ID: "c1", Number: "SB2026-000001", Seq: 1, Status: "submitted"}
	if err := d.PutCases(ctx, c); err != nil {
		t.Fatal(err)
	}
	if id, err := d.CaseIDByNumber(ctx, "SB2026-000001"); err != nil || id != "c1" {
		t.Errorf("by number: %q, %v", id, err)
	}
	if _, err := d.CaseIDByNumber(ctx, "SB2026-000002"); !archive.IsCode(err, archive.ENOTFOUND) {
		t.Errorf("an unknown number: %v", err)
	}
}
