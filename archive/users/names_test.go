package users_test

import (
	"context"
	"path/filepath"
	"testing"

	"dossier/archive"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/users"
)

// Names cannot impersonate: a name mixing scripts, or one that looks like
// an existing user's, is refused — through the API (with a projection)
// and from the command line (the store alone).
func TestUserNamesCannotImpersonate(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	cli := archive.Actor{UserID: "cli:test", Remote: "localhost"}
	admin, _, err := svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: "admin", Roles: []string{archive.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncUsers(ctx); err != nil {
		t.Fatal(err)
	}
	by := archive.Actor{UserID: admin.ID, Name: "admin", Roles: []string{archive.RoleAdmin}}
	if _, _, err := svc.CreateUser(ctx, by, users.NewUser{Name: "zhang.min", Roles: []string{archive.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, code string
	}{
		{"аdmin", archive.EINVALID},  // Cyrillic а among Latin letters
		{"аdміn", archive.EINVALID},  // mixed
		{"ADMIN", archive.ECONFLICT}, // the same name folded
		{"аԁміп", archive.ECONFLICT}, // all Cyrillic, and it looks like admin
		{"zhang_min", archive.ECONFLICT},
		{"zhang.rnin", archive.ECONFLICT},
		{"adm1n", archive.ECONFLICT},
		{"e\u0301tat", archive.EINVALID}, // not NFC
		{"王𠮷", ""},
		{"zhangmin2", ""},
	} {
		_, _, err := svc.CreateUser(ctx, by, users.NewUser{Name: tc.name, Roles: []string{archive.RoleClerk}})
		if archive.ErrorCode(err) != tc.code {
			t.Errorf("create %q: %v, want code %q", tc.name, err, tc.code)
		}
	}
	// From the command line too, where the store is all there is.
	if _, _, err := svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: "zhang-min", Roles: []string{archive.RoleClerk}}); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Errorf("command line, zhang-min: %v", err)
	}
	if _, _, err := svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: "аdmin2", Roles: []string{archive.RoleClerk}}); archive.ErrorCode(err) != archive.EINVALID {
		t.Errorf("command line, аdmin2: %v", err)
	}
}
