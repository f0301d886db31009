package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/users"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
)

// Deleting BoltDB and running `dossier rebuild` gives identical case
// states; a corrupt event is named and the rest is rebuilt.
func TestRebuildCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config{DataDir: dir}
	store, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	_, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "clerk", Roles: []string{archive.RoleClerk}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 5; i++ {
		v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment", Summary: "参保登记",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
		if _, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "id.pdf", strings.NewReader("%PDF-1.4 id")); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "correct", Missing: []string{"id_card"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before, err := db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Remove(filepath.Join(dir, "dossier.db")); err != nil {
		t.Fatal(err)
	}
	out, err := runApp(t, "", "rebuild", "--data-dir", dir)
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if !strings.Contains(out, "rebuilt 5 cases") || !strings.Contains(out, "rebuilt 1 users") {
		t.Fatalf("rebuild said:\n%s", out)
	}
	assertDump(t, dir, before)

	// One corrupt event: named, skipped, the rest rebuilt.
	ds, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	bad := archive.EventKey(ids[1], 99)
	if err := ds.Create(ctx, bad, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	out, err = runApp(t, "", "rebuild", "--data-dir", dir)
	if err == nil || !strings.Contains(out, bad) || !strings.Contains(out, "rebuilt 5 cases") {
		t.Fatalf("rebuild with a corrupt event: %v\n%s", err, out)
	}
	assertDump(t, dir, before)
}

func assertDump(t *testing.T, dir string, want map[string]json.RawMessage) {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("rebuilt %d records, had %d", len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("%s differs after rebuild:\n%s\n%s", k, v, got[k])
		}
	}
}
