package boltdb

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"dossier/archive"
)

// The projection keeps the password hash and the token hashes, which the
// API form of a user leaves out.
func TestUserRoundTripKeepsHashes(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	u := mkUser("u1", "Alice", 3, token("t1", "aa11", false), token("t2", "bb22", true))
	if err := d.PutUsers(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := d.User(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	assertUser(t, got, u)
	if got.PasswordHash == "" || got.Tokens[0].SHA256 != "aa11" || got.Tokens[1].SHA256 != "bb22" {
		t.Fatalf("hashes lost: %+v", got)
	}
	_, err = d.User(ctx, "u2")
	wantCode(t, "User(u2)", err, archive.ENOTFOUND)
}

func TestUserByFoldedName(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	u := mkUser("u1", "Alice", 1)
	if err := d.PutUsers(ctx, u, mkUser("u2", "bob", 1)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"Alice", "u1"},
		{"alice", "u1"},
		{"ALICE", "u1"},
		{"aLiCe", "u1"},
		{"BOB", "u2"},
		{"bob", "u2"},
		{"alic", ""},
		{"alice ", ""},
		{"", ""},
		{"carol", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantNameOwner(t, d, tc.name, tc.want) })
	}
	got, err := d.UserByName(ctx, "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	assertUser(t, got, u)
}

func TestUserTokenIndex(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	err := d.PutUsers(ctx,
		mkUser("u1", "alice", 2, token("t1", "aa11", false), token("t2", "bb22", true)),
		mkUser("u2", "bob", 1, token("t3", "cc33", false), token("t4", "", false)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sum, want string }{
		{"aa11", "u1"},
		{"bb22", ""}, // revoked tokens never enter the index
		{"cc33", "u2"},
		{"", ""}, // a token without a hash is not indexed
		{"dd44", ""},
		{"AA11", ""}, // hex sums are compared exactly
	} {
		t.Run(tc.sum, func(t *testing.T) { wantTokenOwner(t, d, tc.sum, tc.want) })
	}

	// Revoking t1 and issuing t5 (seq 3): t1 leaves the index, t5 enters.
	if err := d.PutUsers(ctx, mkUser("u1", "alice", 3,
		token("t1", "aa11", true), token("t2", "bb22", true), token("t5", "ee55", false))); err != nil {
		t.Fatal(err)
	}
	wantTokenOwner(t, d, "aa11", "")
	wantTokenOwner(t, d, "bb22", "")
	wantTokenOwner(t, d, "ee55", "u1")
	wantTokenOwner(t, d, "cc33", "u2")
	got, err := d.User(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tokens) != 3 || !got.Tokens[0].Revoked || got.Tokens[0].SHA256 != "aa11" {
		t.Errorf("tokens after revocation: %+v", got.Tokens)
	}
}

func TestUserRenameMovesNameIndex(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutUsers(ctx, mkUser("u1", "Alice", 1)); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUsers(ctx, mkUser("u1", "Alicia", 2)); err != nil {
		t.Fatal(err)
	}
	wantNameOwner(t, d, "alice", "")
	wantNameOwner(t, d, "ALICIA", "u1")
	// The freed name goes to another user; u1 changing again must not
	// take it away from them.
	if err := d.PutUsers(ctx, mkUser("u2", "alice", 1)); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUsers(ctx, mkUser("u1", "Alicia", 3, token("t1", "aa11", false))); err != nil {
		t.Fatal(err)
	}
	wantNameOwner(t, d, "Alice", "u2")
	wantNameOwner(t, d, "alicia", "u1")
}

// The projection may take a rename late: u2 was created with the name u1
// gave up before u1's rename reached the projection. Storing the rename
// must not drop u2's name or tokens from the indexes.
func TestUserLateRenameKeepsOtherUsersIndex(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutUsers(ctx, mkUser("u1", "Alice", 1, token("t1", "aa11", false))); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUsers(ctx, mkUser("u2", "alice", 1, token("t2", "bb22", false))); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUsers(ctx, mkUser("u1", "Alicia", 2, token("t1", "aa11", true))); err != nil {
		t.Fatal(err)
	}
	wantNameOwner(t, d, "alice", "u2")
	wantNameOwner(t, d, "alicia", "u1")
	wantTokenOwner(t, d, "aa11", "")
	wantTokenOwner(t, d, "bb22", "u2")
}

// A user whose stored Seq is newer is left alone; the same Seq is
// overwritten so that a rebuild repairs.
func TestPutUsersSeqRules(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	cur := mkUser("u1", "Alicia", 5, token("t1", "aa11", true), token("t2", "bb22", false))
	if err := d.PutUsers(ctx, cur); err != nil {
		t.Fatal(err)
	}

	// Older: the old name and the token revoked since must not come back.
	late := mkUser("u1", "Alice", 4, token("t1", "aa11", false))
	late.Roles = []string{"admin"}
	if err := d.PutUsers(ctx, late); err != nil {
		t.Fatal(err)
	}
	got, err := d.User(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	assertUser(t, got, cur)
	wantNameOwner(t, d, "alice", "")
	wantNameOwner(t, d, "alicia", "u1")
	wantTokenOwner(t, d, "aa11", "")
	wantTokenOwner(t, d, "bb22", "u1")
	if m := userSeqs(t, d); m["u1"] != 5 {
		t.Errorf("UserSeqs u1 = %d, want 5", m["u1"])
	}

	// Same seq: overwritten, indexes follow.
	same := mkUser("u1", "Al", 5, token("t2", "bb22", true))
	same.DisplayName = "repaired"
	if err := d.PutUsers(ctx, same); err != nil {
		t.Fatal(err)
	}
	got, err = d.User(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	assertUser(t, got, same)
	wantNameOwner(t, d, "alicia", "")
	wantNameOwner(t, d, "al", "u1")
	wantTokenOwner(t, d, "bb22", "")
}

func TestUserSeqsAndListUsers(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if us, err := d.ListUsers(ctx); err != nil || len(us) != 0 {
		t.Fatalf("ListUsers on an empty projection = %v, %v", us, err)
	}
	if m := userSeqs(t, d); len(m) != 0 {
		t.Fatalf("UserSeqs on an empty projection = %v", m)
	}
	u3, u1, u2 := mkUser("u3", "carol", 1), mkUser("u1", "alice", 4), mkUser("u2", "bob", 2, token("t", "ff", false))
	// u1 twice in one call, newer first: the older must not win.
	if err := d.PutUsers(ctx, u3, u1, u2, mkUser("u1", "old", 3)); err != nil {
		t.Fatal(err)
	}
	if m := userSeqs(t, d); !reflect.DeepEqual(m, map[string]uint64{"u1": 4, "u2": 2, "u3": 1}) {
		t.Errorf("UserSeqs = %v", m)
	}
	us, err := d.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	if !slices.Equal(ids, []string{"u1", "u2", "u3"}) {
		t.Fatalf("ListUsers order = %q, want u1 u2 u3", ids)
	}
	assertUser(t, us[0], u1)
	assertUser(t, us[1], u2)
	assertUser(t, us[2], u3)
	wantNameOwner(t, d, "old", "")
}
