package main

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/content"
	"slices"
	"strings"
	"testing"

	"dossier/demo"
)

// `dossier demo` on an empty data dir seeds every status, archived files
// with 档号, a held one, overdue cases, notices, PDF and image materials,
// users of every role who log in with the printed password; it refuses a
// second time, and the result passes `dossier verify`.
func TestDemoCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, err := runApp(t, "", "demo", "--data-dir", dir, "--cases", "60")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"60 cases", "password: " + demo.DefaultPassword, "clerk", "archivist2", "auditor", "applicant without an account: "} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if out, err := runApp(t, "", "demo", "--data-dir", dir, "--cases", "60"); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("a second demo: err %v, want a refusal\n%s", err, out)
	}
	if out, err := runApp(t, "", "demo", "--data-dir", dir, "--if-empty"); err != nil || !strings.Contains(out, "no demo data added") {
		t.Errorf("demo --if-empty on data: %v\n%s", err, out)
	}
	if out, err := runApp(t, "", "verify", "--data-dir", dir); err != nil || !strings.Contains(out, "all checks passed") {
		t.Errorf("verify after demo: %v\n%s", err, out)
	}

	a, err := openAll(ctx, config{DataDir: dir, MaxUpload: 50 << 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	svc := a.svc
	// The demo bucket holds nothing the record layout does not describe.
	layoutKinds := map[string]int{}
	store, err := openExistingStore(ctx, config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Walk(ctx, "", func(oi archive.ObjectInfo) error {
		k, ok := archive.DescribeKey(oi.Key)
		if !ok {
			t.Errorf("object %s is not in the record layout (archive/layout.go)", oi.Key)
		}
		layoutKinds[k.Pattern]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Running servers write these, not the demo: the journal, web
	// sessions and sign-in attempts (archive/follow, archive/web/kit),
	// and on S3 the blob guard's leases and marks (the directory store is
	// one process's); their own tests cover them.
	servedOnly := map[string]bool{"reports/fixity/<start time>.json": true, "journal/<unix ns>-<writer>.json": true,
		"sessions/<sha256 of id>/session.json": true, "sessions/<sha256 of id>/seen-<slot>": true, "config/session-key": true,
		"login-attempts/<sha256 of key>/<unix ns>-<random>": true, "locks/blobs/<hex>": true, "attached/<hex>/<unix ns>": true}
	for _, k := range archive.Layout {
		if layoutKinds[k.Pattern] == 0 && !servedOnly[k.Pattern] {
			t.Errorf("the demo wrote no %s; is the layout entry still used?", k.Pattern)
		}
	}
	actors := map[string]archive.Actor{}
	for _, role := range archive.Roles {
		act, err := svc.AuthenticatePassword(ctx, role, demo.DefaultPassword)
		if err != nil || !act.Has(role) {
			t.Fatalf("log in as %s: %v %v", role, act.Roles, err)
		}
		actors[role] = act
	}
	auditor := actors[archive.RoleAuditor]
	var all []*archive.CaseView
	for cursor := ""; ; {
		page, err := svc.ListCases(ctx, auditor, archive.CaseFilter{}, cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Cases...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(all) != 60 {
		t.Fatalf("%d cases listed, want 60", len(all))
	}
	statuses, types := map[string]int{}, map[string]bool{}
	overdue := 0
	for _, c := range all {
		statuses[c.Status]++
		types[c.BusinessType] = true
		if c.Overdue {
			overdue++
		}
		if c.Status == archive.StatusArchived && !archiveno.Valid(c.ArchiveNo) {
			t.Errorf("archived case %s has 档号 %q", c.Number, c.ArchiveNo)
		}
	}
	for _, st := range archive.Statuses {
		if statuses[st] == 0 {
			t.Errorf("no case is %s: %v", st, statuses)
		}
	}
	if overdue < 3 {
		t.Errorf("%d overdue cases, want at least 3", overdue)
	}
	if len(types) < 5 {
		t.Errorf("only %d business types", len(types))
	}
	holds, err := svc.Holds(ctx, actors[archive.RoleArchivist])
	if err != nil || len(holds) != 1 {
		t.Errorf("holds: %v %v, want one", holds, err)
	}

	// The demo applicant follows his five cases and no other; they carry
	// notices and his scanned identity card.
	page, err := svc.ListCases(ctx, actors[archive.RoleApplicant], archive.CaseFilter{}, "", 100)
	if err != nil || len(page.Cases) != 5 {
		t.Fatalf("the applicant sees %d cases (%v), want 5", len(page.Cases), err)
	}
	kinds := map[string]bool{}
	notices := 0
	for _, c := range page.Cases {
		v, err := svc.GetCase(ctx, actors[archive.RoleApplicant], c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		notices += len(v.Notices)
		for _, m := range v.Materials {
			kinds[m.ContentType] = true
		}
	}
	if notices == 0 || !kinds[content.TypePDF] || !slices.ContainsFunc([]string{content.TypePNG, content.TypeJPEG}, func(k string) bool { return kinds[k] }) {
		t.Errorf("the applicant's cases: %d notices, material types %v", notices, kinds)
	}
}
