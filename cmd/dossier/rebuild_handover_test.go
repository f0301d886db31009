package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/boltdb"
	"dossier/archive/cases"
	"dossier/archive/handover"
	"dossier/archive/service"
	"dossier/archive/users"
)

// A case's handler and an unacknowledged handover come back from
// `dossier rebuild` as they were: the case still shows the handover, and
// the receiver can acknowledge it afterwards.
func TestRebuildRestoresHandovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := openStore(ctx, config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	open := func() (*service.Service, *boltdb.DB) {
		db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
		if err != nil {
			t.Fatal(err)
		}
		svc := service.New(service.Options{Store: store, Projection: db, Users: db})
		if err := svc.SyncUsers(ctx); err != nil {
			t.Fatal(err)
		}
		return svc, db
	}
	actors := map[string]archive.Actor{}
	for name, role := range map[string]string{"clerk": archive.RoleClerk, "rev": archive.RoleReviewer, "rev2": archive.RoleReviewer, "sup": archive.RoleSupervisor} {
		u, _, err := users.AddUserToStore(ctx, store, users.NewUser{Name: name, DisplayName: "员工" + name, Roles: []string{role}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		actors[name] = archive.Actor{UserID: u.ID, Name: name, Roles: []string{role}}
	}
	svc, db := open()
	v, err := svc.CreateCase(ctx, actors["clerk"], cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "欧阳𠮷", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"id_card", "termination_certificate"} {
		if _, err := svc.AddMaterial(ctx, actors["clerk"], v.ID, code, code+".pdf", strings.NewReader("%PDF-1.4 "+code)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Acceptance(ctx, actors["clerk"], v.ID, archive.AcceptanceInput{Decision: "accept"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, actors["rev"], v.ID, actors["rev"].UserID); err != nil {
		t.Fatal(err)
	}
	h, err := svc.CreateHandover(ctx, actors["sup"], handover.NewHandover{From: actors["rev"].UserID, To: actors["rev2"].UserID, Reason: "病假"})
	if err != nil {
		t.Fatal(err)
	}
	before, err := db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Remove(filepath.Join(dir, "dossier.db")); err != nil {
		t.Fatal(err)
	}
	if out, err := runApp(t, "", "rebuild", "--data-dir", dir); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	assertDump(t, dir, before)

	svc, db = open()
	defer db.Close()
	c, err := svc.GetCase(ctx, actors["sup"], v.ID, false)
	if err != nil || c.Handler != actors["rev2"].UserID || c.Handover != h.ID {
		t.Fatalf("the case after the rebuild: %+v, %v", c, err)
	}
	if got, err := svc.Acknowledge(ctx, actors["rev2"], h.ID); err != nil || got.Status != handover.StatusAcknowledged {
		t.Fatalf("acknowledge after the rebuild: %+v, %v", got, err)
	}
	if c, err = svc.GetCase(ctx, actors["sup"], v.ID, false); err != nil || c.Handover != "" {
		t.Fatalf("the case after the acknowledgement: %+v, %v", c, err)
	}
}
