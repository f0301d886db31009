package cases_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/fixity"
)

// wantStoredUnaudited checks the answer to a change that was stored while
// the audit log could not be written: unavailable, saying the change was
// stored — never "nothing was changed".
func wantStoredUnaudited(t *testing.T, what string, err error) {
	t.Helper()
	msg := archive.ErrorMessage(err)
	if archive.ErrorCode(err) != archive.EUNAVAILABLE || !strings.Contains(msg, "the change was stored") || strings.Contains(msg, "nothing was changed") {
		t.Fatalf("%s while the audit log cannot be written: %v (message %q), want unavailable saying the change was stored", what, err, msg)
	}
}

// eventsAudited is the result and failures of verify's check that every
// case event has its audit entry.
func eventsAudited(t *testing.T, store archive.ObjectStore) (string, []archive.Problem) {
	t.Helper()
	rep, err := fixity.Verify(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Properties {
		for _, it := range p.Items {
			if it.ID == fixity.ItemEventsAudited {
				return it.Result, it.Failures
			}
		}
	}
	t.Fatal("verify has no events_audited item")
	return "", nil
}

// The finding: with the audit log unwritable mid-load, writes
// answered 503 "nothing was changed or shown", yet the cases and
// materials were stored, without audit entries. Now each such answer says
// the change was stored; `dossier verify` fails on every stored event
// without its entry; the log writes the entries, marked late, as soon as
// it can; and after a crash (the retry gone with the process) start-up
// reconciliation writes them. Audit segments are refused on purpose after
// the events are written, by a store wrapper.
func TestStoredChangeWithoutAuditEntry(t *testing.T) {
	ctx := context.Background()
	store, log1, db, svc := auditDownService(t)
	clerk := archive.Actor{UserID: "c1", Name: "clerk", Roles: []string{archive.RoleClerk}}
	newCase := cases.NewCase{BusinessType: "pension_enrolment", Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}}
	v, err := svc.CreateCase(ctx, clerk, newCase)
	if err != nil {
		t.Fatal(err)
	}
	if res, fails := eventsAudited(t, store); res != fixity.ResultPass {
		t.Fatalf("verify before the audit log went down: %s %v", res, fails)
	}

	store.down.Store(true)
	_, err = svc.AddMaterial(ctx, clerk, v.ID, "id_card", "scan.pdf", strings.NewReader("%PDF-1.7\nscan"))
	wantStoredUnaudited(t, "upload", err)
	_, err = svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "不属于本机构受理范围"})
	wantStoredUnaudited(t, "decision", err)
	_, err = svc.CreateCase(ctx, clerk, newCase)
	wantStoredUnaudited(t, "new case", err)
	c, err := db.Case(ctx, v.ID)
	if err != nil || c.Seq != 3 || c.Status != archive.StatusNotAccepted {
		t.Fatalf("the changes the answers called stored: %v, seq %d, status %s", err, c.Seq, c.Status)
	}
	res, fails := eventsAudited(t, store)
	if res != fixity.ResultFail || len(fails) != 3 {
		t.Fatalf("verify with three events unaudited: %s, %d failures %v", res, len(fails), fails)
	}
	for _, f := range fails {
		if !strings.Contains(f.Detail, "没有审计记录") {
			t.Fatalf("verify failure: %+v", f)
		}
	}

	// The log writes the three entries, marked late, once it can.
	store.down.Store(false)
	for deadline := time.Now().Add(15 * time.Second); log1.Owed() > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still owed after the audit log came back", log1.Owed())
		}
	}
	entries, _, err := log1.Query(ctx, audit.AuditFilter{Action: archive.AuditEventAction}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	late := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Detail, archive.AuditLatePrefix) {
			late++
			if e.EventKey == "" || len(e.EventSHA256) != 64 || !strings.Contains(e.Detail, "stored ") {
				t.Fatalf("late entry %+v", e)
			}
		}
	}
	if len(entries) != 4 || late != 3 {
		t.Fatalf("event entries after the log came back: %d, %d late, want 4 and 3: %+v", len(entries), late, entries)
	}
	if res, fails := eventsAudited(t, store); res != fixity.ResultPass {
		t.Fatalf("verify after the late entries: %s %v", res, fails)
	}

	// A process that dies with an entry owed: the next start-up's
	// reconciliation writes it.
	store.down.Store(true)
	_, err = svc.CreateCase(ctx, clerk, newCase)
	wantStoredUnaudited(t, "new case", err)
	log1.Close()
	store.down.Store(false)
	if res, fails := eventsAudited(t, store); res != fixity.ResultFail || len(fails) != 1 {
		t.Fatalf("verify after a crash with an entry owed: %s %v", res, fails)
	}
	log2, err := audit.OpenAuditLog(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log2.Close()
	rep, err := log2.ReconcileEvents(ctx)
	if err != nil || len(rep.Late) != 1 || rep.Events != 5 {
		t.Fatalf("start-up reconciliation: %+v, %v; want 1 late of 5 events", rep, err)
	}
	if rep, err := log2.ReconcileEvents(ctx); err != nil || len(rep.Late) != 0 {
		t.Fatalf("second reconciliation: %+v, %v; want nothing late", rep, err)
	}
	if res, fails := eventsAudited(t, store); res != fixity.ResultPass {
		t.Fatalf("verify after reconciliation: %s %v", res, fails)
	}
	lr, err := audit.VerifyAuditLog(ctx, store)
	if err != nil || len(lr.Problems) != 0 {
		t.Fatalf("audit chain after late entries: %v %v", err, lr.Problems)
	}
}
