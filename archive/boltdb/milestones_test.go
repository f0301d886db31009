package boltdb

import (
	"context"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
	"dossier/archive/workload"
)

// TestMilestones: the log holds a case's filing and decisions with the
// case as it stood before each, whether the case comes whole or event by
// event, and a file made before the log existed gets it filled at Open.
func TestMilestones(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, archive.Zone)
	events := []archive.Event{
		{Seq: 1, CaseID: "c1", Type: archive.EventCreated, At: day, Case: &archive.CaseOpened{Number: "N1", BusinessType: "pension_claim"}},
		{Seq: 2, CaseID: "c1", Type: archive.EventMaterialAdded, At: day.Add(time.Hour), Material: &archive.Material{ID: "m1"}},
		{Seq: 3, CaseID: "c1", Type: archive.EventAcceptance, At: day.Add(26 * time.Hour), Actor: "u1", Decision: archive.DecisionAccept},
		{Seq: 4, CaseID: "c1", Type: archive.EventReview, At: day.Add(50 * time.Hour), Actor: "u2", Decision: archive.DecisionApprove},
	}
	// Event by event, as appends store them.
	for i := range events {
		c, err := archive.Fold(events[:i+1])
		if err != nil {
			t.Fatal(err)
		}
		if err := d.PutCases(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	want := []workload.Milestone{
		{CaseID: "c1", Seq: 1, Type: archive.EventCreated, At: day, BusinessType: "pension_claim"},
		{CaseID: "c1", Seq: 3, Type: archive.EventAcceptance, At: day.Add(26 * time.Hour), BusinessType: "pension_claim",
			Decision: archive.DecisionAccept, Status: archive.StatusSubmitted, StageSince: day, ReceivedAt: day},
		{CaseID: "c1", Seq: 4, Type: archive.EventReview, At: day.Add(50 * time.Hour), BusinessType: "pension_claim",
			Decision: archive.DecisionApprove, Status: archive.StatusInitialReview, StageSince: day.Add(26 * time.Hour), ReceivedAt: day},
	}
	read := func(d *DB, from, to time.Time) []workload.Milestone {
		var got []workload.Milestone
		if err := d.ScanMilestones(ctx, from, to, func(m workload.Milestone) bool { got = append(got, m); return true }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	same := func(what string, got, want []workload.Milestone) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d milestones, want %d: %+v", what, len(got), len(want), got)
		}
		for i := range got {
			g, w := got[i], want[i]
			if !g.At.Equal(w.At) || !g.StageSince.Equal(w.StageSince) || !g.ReceivedAt.Equal(w.ReceivedAt) {
				t.Errorf("%s %d: times %+v, want %+v", what, i, g, w)
			}
			g.At, g.StageSince, g.ReceivedAt, w.At, w.StageSince, w.ReceivedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s %d: %+v, want %+v", what, i, g, w)
			}
		}
	}
	same("event by event", read(d, day, day.Add(72*time.Hour)), want)
	same("a range", read(d, day.Add(time.Hour), day.Add(50*time.Hour)), want[1:2])

	// A file from before the log: the log and its mark removed.
	err := d.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketMilestones); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketMilestones); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyMilestonesBuilt)
	})
	if err != nil {
		t.Fatal(err)
	}
	same("removed", read(d, day, day.Add(72*time.Hour)), nil)
	d = reopen(t, d, path)
	same("filled at Open", read(d, day, day.Add(72*time.Hour)), want)
}
