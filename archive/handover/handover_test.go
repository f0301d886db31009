package handover_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/handover"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/users"
)

// staff are the members of staff of a test, by login name.
type staff map[string]archive.Actor

// newService is a Service over store with its own BoltDB projection of
// cases and users, and the audit log.
func newService(t *testing.T, store archive.ObjectStore, dbPath string) *service.Service {
	t.Helper()
	db := servicetest.OpenDB(t, dbPath)
	log, err := audit.OpenAuditLog(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	return service.New(service.Options{Store: store, Projection: db, Users: db, Audit: log})
}

// addStaff creates the accounts, login name → roles.
func addStaff(t *testing.T, svc *service.Service, people map[string][]string) staff {
	t.Helper()
	ctx := context.Background()
	cli := archive.Actor{UserID: "cli:test", Remote: "localhost"}
	out := staff{}
	for name, roles := range people {
		u, _, err := svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: name, DisplayName: "员工" + name + "𠮷", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = archive.Actor{UserID: u.ID, Name: name, DisplayName: "员工" + name + "𠮷", Roles: roles}
	}
	if err := svc.SyncUsers(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}

// acceptedCase files a case and accepts it: it waits for its 初审.
func acceptedCase(t *testing.T, svc *service.Service, clerk archive.Actor) string {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "李四", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"id_card", "termination_certificate"} {
		if _, err := svc.AddMaterial(ctx, clerk, v.ID, code, code+".pdf", strings.NewReader("%PDF-1.4\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "accept"}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func caseOf(t *testing.T, svc *service.Service, a archive.Actor, id string) *archive.CaseView {
	t.Helper()
	v, err := svc.GetCase(context.Background(), a, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A supervisor hands a reviewer's open work to M (reviewer and
// supervisor): both cases move, show the handover until M acknowledges,
// and separation of duties holds afterwards — M, who decided the 初审
// of a handed-over case, can neither be given nor decide its 复审. A
// rebuild from the store alone gives the same projection.
func TestHandoverMovesOpenWorkAndKeepsSeparationOfDuties(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc := newService(t, store, filepath.Join(sp.Dir, "live.db"))
	p := addStaff(t, svc, map[string][]string{"clerk": {archive.RoleClerk}, "rev": {archive.RoleReviewer},
		"m": {archive.RoleReviewer, archive.RoleSupervisor}, "sup": {archive.RoleSupervisor}, "appr": {archive.RoleApprover}, "r3": {archive.RoleReviewer}})
	a, b := acceptedCase(t, svc, p["clerk"]), acceptedCase(t, svc, p["clerk"])

	servicetest.WantCode(t, onlyErr(svc.Assign(ctx, p["rev"], a, p["m"].UserID)), archive.EFORBIDDEN, "a reviewer assigns a case to another")
	servicetest.WantCode(t, onlyErr(svc.Assign(ctx, p["sup"], a, p["appr"].UserID)), archive.ECONFLICT, "assign the 初审 to an approver")
	for _, id := range []string{a, b} {
		if _, err := svc.Assign(ctx, p["rev"], id, p["rev"].UserID); err != nil {
			t.Fatal(err)
		}
	}
	servicetest.WantCode(t, onlyErr(svc.Assign(ctx, p["r3"], a, p["r3"].UserID)), archive.ECONFLICT, "take a case someone else handles")
	mine, err := svc.ListCases(ctx, p["rev"], archive.CaseFilter{Handler: p["rev"].UserID}, "", 0)
	if err != nil || len(mine.Cases) != 2 {
		t.Fatalf("the reviewer's own cases: %v, %v", mine, err)
	}

	in := handover.NewHandover{From: p["rev"].UserID, To: p["m"].UserID, Reason: "休产假 🌸"}
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["rev"], in)), archive.EFORBIDDEN, "a reviewer hands over")
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: in.From, To: in.From, Reason: "x"})), archive.EINVALID, "from = to")
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: in.From, To: in.To})), archive.EINVALID, "no reason")
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: in.From, To: p["appr"].UserID, Reason: "x"})), archive.ECONFLICT, "to an approver")
	h, err := svc.CreateHandover(ctx, p["sup"], in)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Items) != 2 || h.Status != handover.StatusPending || h.Items[0].Deadline == "" {
		t.Fatalf("handover: %+v", h)
	}
	for _, id := range []string{a, b} {
		v := caseOf(t, svc, p["sup"], id)
		if v.Handler != p["m"].UserID || v.Handover != h.ID {
			t.Fatalf("case %s after the handover: handler %q, handover %q", id, v.Handler, v.Handover)
		}
	}
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: in.To, To: in.From, Reason: "x", Cases: []string{a}})), archive.ECONFLICT, "a case in an open handover")
	servicetest.WantCode(t, onlyErr(svc.Assign(ctx, p["sup"], a, p["rev"].UserID)), archive.ECONFLICT, "assign a case in an open handover")
	servicetest.WantCode(t, onlyErr(svc.Acknowledge(ctx, p["rev"], h.ID)), archive.EFORBIDDEN, "the giver acknowledges")
	if h, err = svc.Acknowledge(ctx, p["m"], h.ID); err != nil || h.Status != handover.StatusAcknowledged {
		t.Fatalf("acknowledge: %+v, %v", h, err)
	}
	servicetest.WantCode(t, onlyErr(svc.Acknowledge(ctx, p["m"], h.ID)), archive.ECONFLICT, "acknowledge twice")
	if v := caseOf(t, svc, p["m"], a); v.Handover != "" || v.Handler != p["m"].UserID {
		t.Fatalf("after the acknowledgement: handler %q, handover %q", v.Handler, v.Handover)
	}
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], in)), archive.ECONFLICT, "the reviewer handles nothing now")

	// M decides the 初审 of a; its 复审 cannot be M's.
	if _, err := svc.Review(ctx, p["m"], a, archive.ReviewInput{Decision: "approve", Opinion: "初审通过"}); err != nil {
		t.Fatal(err)
	}
	if v := caseOf(t, svc, p["sup"], a); v.Handler != "" || v.Stage != archive.StageSecond {
		t.Fatalf("after the 初审: handler %q, stage %s", v.Handler, v.Stage)
	}
	err = onlyErr(svc.Assign(ctx, p["sup"], a, p["m"].UserID))
	servicetest.WantCode(t, err, archive.ECONFLICT, "give M the 复审 of the case whose 初审 M decided")
	if !strings.Contains(err.Error(), "one person decides at most one stage") {
		t.Fatalf("the refusal does not name the rule: %v", err)
	}
	if _, err := svc.Assign(ctx, p["sup"], a, p["sup"].UserID); err != nil {
		t.Fatal(err)
	}
	servicetest.WantCode(t, onlyErr(svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: p["sup"].UserID, To: p["m"].UserID, Reason: "出差", Cases: []string{a}})),
		archive.ECONFLICT, "hand M the 复审 of the case whose 初审 M decided")
	servicetest.WantCode(t, onlyErr(svc.Review(ctx, p["m"], a, archive.ReviewInput{Decision: "approve", Opinion: "复审通过"})), archive.EFORBIDDEN, "M decides the 复审")

	// Reads: the giver and receiver see theirs; the list survives a rebuild.
	if hs, err := svc.Handovers(ctx, p["rev"]); err != nil || len(hs) != 1 {
		t.Fatalf("the giver's handovers: %v, %v", hs, err)
	}
	if hs, err := svc.Handovers(ctx, p["appr"]); err != nil || len(hs) != 0 {
		t.Fatalf("an approver's handovers: %v, %v", hs, err)
	}
	servicetest.WantCode(t, onlyErr(svc.GetHandover(ctx, p["appr"], h.ID)), archive.EFORBIDDEN, "an approver reads the handover")
	live, err := svc.GetCase(ctx, p["sup"], b, false)
	if err != nil {
		t.Fatal(err)
	}
	svc2 := newService(t, store, filepath.Join(sp.Dir, "rebuilt.db"))
	if _, err := svc2.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.RebuildUsers(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt := caseOf(t, svc2, p["sup"], b)
	if rebuilt.Handler != live.Handler || rebuilt.Handover != live.Handover || rebuilt.Handler != p["m"].UserID {
		t.Fatalf("rebuilt case: handler %q, handover %q; live %q, %q", rebuilt.Handler, rebuilt.Handover, live.Handler, live.Handover)
	}
	if got, err := svc2.GetHandover(ctx, p["sup"], h.ID); err != nil || got.Status != handover.StatusAcknowledged || len(got.Items) != 2 {
		t.Fatalf("the handover after a rebuild: %+v, %v", got, err)
	}
	if _, err := svc2.Review(ctx, p["m"], a, archive.ReviewInput{Decision: "approve", Opinion: "复审通过"}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("after a rebuild, M decides the 复审: %v", err)
	}
}

// Two processes on one MinIO bucket hand the same case over at the same
// moment, to different receivers: one handover takes it, the other is
// refused and withdrawn, and the case has exactly one handed_over event.
func TestTwoProcessesCannotHandOneCaseTwice(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	svc1 := newService(t, sp.Open(t), filepath.Join(sp.Dir, "one.db"))
	p := addStaff(t, svc1, map[string][]string{"clerk": {archive.RoleClerk}, "rev": {archive.RoleReviewer},
		"r2": {archive.RoleReviewer}, "r3": {archive.RoleReviewer}, "sup": {archive.RoleSupervisor}})
	id := acceptedCase(t, svc1, p["clerk"])
	if _, err := svc1.Assign(ctx, p["sup"], id, p["rev"].UserID); err != nil {
		t.Fatal(err)
	}
	svc2 := newService(t, sp.Open(t), filepath.Join(sp.Dir, "two.db"))
	if err := svc2.SyncUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		hs := make([]*handover.Handover, 2)
		errs := make([]error, 2)
		for i, svc := range []*service.Service{svc1, svc2} {
			to := []string{"r2", "r3"}[i]
			wg.Go(func() {
				hs[i], errs[i] = svc.CreateHandover(ctx, p["sup"], handover.NewHandover{From: p["rev"].UserID, To: p[to].UserID, Reason: "调岗", Cases: []string{id}})
			})
		}
		wg.Wait()
		won := 0
		for i := range errs {
			if errs[i] == nil {
				won++
			} else {
				servicetest.WantCode(t, errs[i], archive.ECONFLICT, "the second handover of one case")
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d handovers took the case: %v", round, won, errs)
		}
		c := caseOf(t, svc1, p["sup"], id)
		handed := 0
		for _, e := range c.History {
			if e.Type == archive.EventHandedOver {
				handed++
			}
		}
		if handed != round+1 {
			t.Fatalf("round %d: %d handed_over events", round, handed)
		}
		// Undo for the next round: the receiver acknowledges and a
		// supervisor gives the case back.
		winner := hs[0]
		if winner == nil {
			winner = hs[1]
		}
		if c.Handover != winner.ID {
			t.Fatalf("round %d: the case's handover is %q, the winner %q", round, c.Handover, winner.ID)
		}
		if _, err := svc1.Acknowledge(ctx, p[map[string]string{p["r2"].UserID: "r2", p["r3"].UserID: "r3"}[winner.To]], winner.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc1.Assign(ctx, p["sup"], id, p["rev"].UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc2.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
	}
	all, err := svc1.Handovers(ctx, p["sup"])
	if err != nil {
		t.Fatal(err)
	}
	withdrawn := 0
	for _, h := range all {
		if h.Status == handover.StatusWithdrawn {
			withdrawn++
		}
	}
	if withdrawn > 3 {
		t.Fatalf("%d withdrawn handovers of %d", withdrawn, len(all))
	}
}

func onlyErr[T any](_ T, err error) error { return err }
