package users_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/users"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dossier/archive/boltdb"
)

// userTime is the clock of users written with AddUserToStore.
var userTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

var tokenPattern = regexp.MustCompile(`^dsr_[A-Za-z0-9_-]{43}$`)

// newUserService is a Service with users, on its own BoltDB file, as one
// dossier process would have.
func newUserService(t testing.TB, store archive.ObjectStore, dbPath string) (*service.Service, *boltdb.DB) {
	db := servicetest.OpenDB(t, dbPath)
	return service.New(service.Options{Store: store, Projection: db, Users: db}), db
}

// activated is the account an administrator creates, activated by its
// holder with password: the user as stored afterwards (its first token
// the spent activation token, the second the working one) and the
// working token.
func activated(t testing.TB, svc *service.Service, admin archive.Actor, in users.NewUser, password string) (*users.User, string) {
	t.Helper()
	ctx := context.Background()
	u, act, err := svc.CreateUser(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.Activate(ctx, mustAuth(t, svc, act), u.ID, password)
	if err != nil {
		t.Fatal(err)
	}
	if u, err = svc.User(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	return u, token
}

func mustAuth(t testing.TB, svc *service.Service, token string) archive.Actor {
	t.Helper()
	a, err := svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return a
}

// addAdmin bootstraps an admin the way `dossier user add` does.
func addAdmin(t testing.TB, store archive.ObjectStore) (*users.User, string) {
	t.Helper()
	u, token, err := users.AddUserToStore(context.Background(), store,
		users.NewUser{Name: "admin", Roles: []string{archive.RoleAdmin}}, userTime)
	if err != nil {
		t.Fatal(err)
	}
	return u, token
}

func TestUserCreateAuthenticateRevoke(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
			_, adminToken := addAdmin(t, store)
			admin := mustAuth(t, svc, adminToken)
			if admin.Name != "admin" || !admin.Has(archive.RoleAdmin) {
				t.Fatalf("admin actor = %+v", admin)
			}

			// The longest name there is: its claim cannot be spelled out
			// in an object key.
			long, _, err := svc.CreateUser(ctx, admin, users.NewUser{Name: strings.Repeat("𠀀", 64), Roles: []string{archive.RoleApplicant}})
			if err != nil {
				t.Fatalf("64-character name: %v", err)
			}
			if u, err := svc.User(ctx, admin, long.ID); err != nil || u.Name != long.Name {
				t.Fatalf("long-named user = %+v, %v", u, err)
			}

			u, token, err := svc.CreateUser(ctx, admin, users.NewUser{Name: "王芳", DisplayName: "王芳（受理）",
				Roles: []string{archive.RoleReviewer, archive.RoleClerk, archive.RoleClerk}})
			if err != nil {
				t.Fatal(err)
			}
			if !tokenPattern.MatchString(token) {
				t.Fatalf("token %q is not dsr_ and 43 base64url characters", token)
			}
			if !reflect.DeepEqual(u.Roles, []string{archive.RoleClerk, archive.RoleReviewer}) || len(u.Tokens) != 1 || u.CreatedBy != admin.UserID {
				t.Fatalf("created user = %+v", u)
			}
			// The administrator holds an activation token only: it does
			// one thing, activate the account, once.
			act := mustAuth(t, svc, token)
			if !act.Activation || len(act.Roles) != 0 || act.UserID != u.ID {
				t.Fatalf("activation actor = %+v", act)
			}
			_, _, err = svc.IssueToken(ctx, act, u.ID, "mine")
			servicetest.WantCode(t, err, archive.EFORBIDDEN, "a token issued with an activation token")
			_, _, err = svc.Activate(ctx, admin, u.ID, "an admin's choice")
			servicetest.WantCode(t, err, archive.EFORBIDDEN, "an administrator activating the account")
			if token, _, err = svc.Activate(ctx, act, u.ID, "王芳自己选的登录密码"); err != nil {
				t.Fatal(err)
			}
			_, _, err = svc.Activate(ctx, act, u.ID, "a second activation")
			servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "the activation token once spent")
			clerk := mustAuth(t, svc, token)
			if clerk.UserID != u.ID || clerk.Name != "王芳" || !reflect.DeepEqual(clerk.Roles, u.Roles) || clerk.Activation {
				t.Fatalf("clerk actor = %+v", clerk)
			}
			if _, err := svc.AuthenticatePassword(ctx, "王芳", "王芳自己选的登录密码"); err != nil {
				t.Fatalf("the password chosen at activation: %v", err)
			}
			if u, err = svc.User(ctx, admin, u.ID); err != nil {
				t.Fatal(err)
			}
			working := u.Tokens[1].ID

			// A user manages their own tokens, not other users'.
			second, _, err := svc.IssueToken(ctx, clerk, clerk.UserID, "laptop")
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = svc.IssueToken(ctx, clerk, admin.UserID, "")
			servicetest.WantCode(t, err, archive.EFORBIDDEN, "clerk issuing a token to the admin")
			servicetest.WantCode(t, svc.RevokeToken(ctx, clerk, admin.UserID, "x"), archive.EFORBIDDEN, "clerk revoking the admin's token")

			if err := svc.RevokeToken(ctx, clerk, clerk.UserID, working); err != nil {
				t.Fatal(err)
			}
			_, err = svc.Authenticate(ctx, token)
			servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "revoked token")
			if a := mustAuth(t, svc, second); a.UserID != u.ID {
				t.Fatalf("second token authenticates %+v", a)
			}
			if err := svc.RevokeToken(ctx, admin, u.ID, working); err != nil {
				t.Fatalf("revoking a revoked token: %v", err)
			}
			servicetest.WantCode(t, svc.RevokeToken(ctx, admin, u.ID, "nosuchtoken"), archive.ENOTFOUND, "unknown token id")
			servicetest.WantCode(t, svc.RevokeToken(ctx, admin, "nosuchuser", "x"), archive.ENOTFOUND, "unknown user")

			page, err := svc.ListUsers(ctx, admin, users.UserFilter{}, "", 0)
			if err != nil || len(page.Users) != 3 {
				t.Fatalf("list = %v, %v", page, err)
			}
			_, err = svc.ListUsers(ctx, clerk, users.UserFilter{}, "", 0)
			servicetest.WantCode(t, err, archive.EFORBIDDEN, "clerk listing users")
			got, err := svc.User(ctx, clerk, clerk.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Tokens) != 3 || !got.Tokens[0].Activation || !got.Tokens[0].Revoked || !got.Tokens[1].Revoked || got.Tokens[1].RevokedAt.IsZero() || got.Tokens[2].Label != "laptop" || got.Tokens[2].Revoked {
				t.Fatalf("tokens = %+v", got.Tokens)
			}
			// The API form shows no hash of any secret.
			out, _ := json.Marshal(got)
			if strings.Contains(string(out), got.Tokens[0].SHA256) || strings.Contains(string(out), "argon2") {
				t.Fatalf("user JSON shows a hash: %s", out)
			}
			// Only hashes are stored.
			err = store.Walk(ctx, "", func(oi archive.ObjectInfo) error {
				data, err := archive.ReadAll(ctx, store, oi.Key)
				if err == nil && (strings.Contains(string(data), second) || strings.Contains(oi.Key, second[4:])) {
					return fmt.Errorf("%s holds the token", oi.Key)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUserBadTokensAllRefusedAlike(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
	_, token := addAdmin(t, store)
	mustAuth(t, svc, token)
	// A well-formed token that was never issued.
	flip := []byte(token)
	flip[10] = 'A'
	if token[10] == 'A' {
		flip[10] = 'B'
	}
	var messages []string
	for _, bad := range []string{
		"", "dsr_", "Bearer " + token, token + "A", token[:len(token)-1], "xyz_" + token[4:],
		token[:len(token)-1] + "=", token[:20] + "!" + token[21:], token[:len(token)-1] + "\n", string(flip),
	} {
		_, err := svc.Authenticate(ctx, bad)
		servicetest.WantCode(t, err, archive.EUNAUTHORIZED, fmt.Sprintf("token %q", bad))
		messages = append(messages, archive.ErrorMessage(err))
	}
	for _, m := range messages {
		if m != messages[0] {
			t.Fatalf("bad tokens are told apart: %q", messages)
		}
	}
}

func TestUserCreateRefused(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
			_, adminToken := addAdmin(t, store)
			admin := mustAuth(t, svc, adminToken)
			clerkUser, clerkToken := activated(t, svc, admin, users.NewUser{Name: "Li.Na", Roles: []string{archive.RoleClerk}}, "Li.Na's passphrase")
			clerk := mustAuth(t, svc, clerkToken)

			for _, tc := range []struct {
				by   archive.Actor
				in   users.NewUser
				code string
				msg  string
			}{
				{clerk, users.NewUser{Name: "zhao", Roles: []string{archive.RoleClerk}}, archive.EFORBIDDEN, ""},
				{admin, users.NewUser{Name: "zhao", Roles: []string{archive.RoleClerk, "superuser"}}, archive.EINVALID, `"superuser"`},
				{admin, users.NewUser{Name: "zhao"}, archive.EINVALID, "at least one role"},
				{admin, users.NewUser{Name: "li.na", Roles: []string{archive.RoleReviewer}}, archive.ECONFLICT, "li.na is taken"},
				{admin, users.NewUser{Name: "ADMIN", Roles: []string{archive.RoleReviewer}}, archive.ECONFLICT, "taken"},
				{admin, users.NewUser{Name: "zhao", Roles: []string{archive.RoleClerk}, Password: "a long enough one"}, archive.EINVALID, "chooses their own password"},
				{admin, users.NewUser{Name: "a/b", Roles: []string{archive.RoleClerk}}, archive.EINVALID, "user name"},
				{admin, users.NewUser{Name: "zhao", DisplayName: "a\nb", Roles: []string{archive.RoleClerk}}, archive.EINVALID, "display_name"},
			} {
				u, token, err := svc.CreateUser(ctx, tc.by, tc.in)
				servicetest.WantCode(t, err, tc.code, fmt.Sprintf("create %+v", tc.in))
				if u != nil || token != "" || !strings.Contains(archive.ErrorMessage(err), tc.msg) {
					t.Fatalf("create %+v: %v, %q, %v", tc.in, u, token, err)
				}
			}
			// Nothing was claimed by the refused creations.
			if _, _, err := svc.CreateUser(ctx, admin, users.NewUser{Name: "zhao", Roles: []string{archive.RoleClerk}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "LI.NA", Roles: []string{archive.RoleClerk}}, userTime); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("command line adding a taken name: %v", err)
			}
			// Roles and disabling are for admins, who cannot lock themselves out.
			setRoles := func(by archive.Actor, id string, roles ...string) error {
				_, err := svc.UpdateUser(ctx, by, id, users.UserUpdate{Roles: roles})
				return err
			}
			servicetest.WantCode(t, setRoles(clerk, clerkUser.ID, archive.RoleAdmin), archive.EFORBIDDEN, "clerk promoting themself")
			servicetest.WantCode(t, setRoles(admin, admin.UserID, archive.RoleClerk), archive.ECONFLICT, "admin demoting themself")
			servicetest.WantCode(t, setRoles(admin, clerkUser.ID, "boss"), archive.EINVALID, "unknown role")
			servicetest.WantCode(t, svc.SetDisabled(ctx, admin, admin.UserID, true), archive.ECONFLICT, "admin disabling themself")
			if err := setRoles(admin, clerkUser.ID, archive.RoleSupervisor, archive.RoleClerk); err != nil {
				t.Fatal(err)
			}
			if a := mustAuth(t, svc, clerkToken); !reflect.DeepEqual(a.Roles, []string{archive.RoleClerk, archive.RoleSupervisor}) {
				t.Fatalf("roles after change = %v", a.Roles)
			}
		})
	}
}

func TestUserValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"admin": true, "王芳": true, "li.na": true, "w_2-b": true, "Zoë": true, "7": true,
		strings.Repeat("档", 64): true, strings.Repeat("档", 65): false,
		"": false, "a/b": false, "a b": false, ".hidden": false, "-x": false, "a\x00": false,
		"a%2F": false, "\xff": false, "a:b": false,
	} {
		err := users.ValidateUserName(name)
		if (err == nil) != ok {
			t.Errorf("ValidateUserName(%q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil && archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("ValidateUserName(%q) code %s", name, archive.ErrorCode(err))
		}
	}
}

func TestUserApply(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	created := users.UserEvent{Seq: 1, UserID: "u1", Type: users.UserEventCreated, Name: "a", Roles: []string{archive.RoleClerk}}
	issued := users.UserEvent{Seq: 2, UserID: "u1", Type: users.UserEventTokenIssued, TokenID: "t1", TokenSHA256: sum}
	for _, tc := range []struct {
		name   string
		events []users.UserEvent
		ok     bool
	}{
		{"created, issued, revoked", []users.UserEvent{created, issued, {Seq: 3, UserID: "u1", Type: users.UserEventTokenRevoked, TokenID: "t1"}}, true},
		{"not created first", []users.UserEvent{{Seq: 1, UserID: "u1", Type: users.UserEventDisabled}}, false},
		{"gap", []users.UserEvent{created, {Seq: 3, UserID: "u1", Type: users.UserEventDisabled}}, false},
		{"repeat", []users.UserEvent{created, created}, false},
		{"other user", []users.UserEvent{created, {Seq: 2, UserID: "u2", Type: users.UserEventDisabled}}, false},
		{"no roles", []users.UserEvent{{Seq: 1, UserID: "u1", Type: users.UserEventCreated, Name: "a"}}, false},
		{"bad token hash", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventTokenIssued, TokenID: "t1", TokenSHA256: "xyz"}}, false},
		{"token id twice", []users.UserEvent{created, issued, {Seq: 3, UserID: "u1", Type: users.UserEventTokenIssued, TokenID: "t1", TokenSHA256: sum}}, false},
		{"revoke unknown token", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventTokenRevoked, TokenID: "t9"}}, false},
		{"empty password", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventPasswordSet}}, false},
		{"unknown type", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: "promoted"}}, false},
		{"display name set and cleared", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventDisplayNameSet, DisplayName: "李娜"},
			{Seq: 3, UserID: "u1", Type: users.UserEventDisplayNameSet}}, true},
		{"all tokens revoked", []users.UserEvent{created, issued, {Seq: 3, UserID: "u1", Type: users.UserEventTokensRevoked, TokenIDs: []string{"t1"}}}, true},
		{"no tokens revoked", []users.UserEvent{created, issued, {Seq: 3, UserID: "u1", Type: users.UserEventTokensRevoked}}, false},
		{"unknown token among those revoked", []users.UserEvent{created, issued, {Seq: 3, UserID: "u1", Type: users.UserEventTokensRevoked, TokenIDs: []string{"t1", "t9"}}}, false},
		{"reset without tokens", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventPasswordReset}}, true},
		{"reset with an unknown token", []users.UserEvent{created, {Seq: 2, UserID: "u1", Type: users.UserEventPasswordReset, TokenIDs: []string{"t9"}}}, false},
	} {
		u := &users.User{}
		var err error
		for _, ev := range tc.events {
			if err = u.Apply(ev); err != nil {
				break
			}
		}
		if (err == nil) != tc.ok || err != nil && archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A user added by the command line (object store only, no BoltDB) works at
// once on a server whose projection never saw it.
func TestUserAddedByAnotherProcess(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, db := newUserService(t, store, filepath.Join(sp.Dir, "server.db"))
			if err := svc.SyncUsers(ctx); err != nil {
				t.Fatal(err)
			}
			u, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "Archivist.Zhou",
				Roles: []string{archive.RoleArchivist}, Password: "correct horse battery"}, userTime)
			if err != nil {
				t.Fatal(err)
			}
			if !u.CreatedAt.Equal(userTime) || u.CreatedBy != archive.ByCommandLine || u.PasswordHash == "" {
				t.Fatalf("added user = %+v", u)
			}
			a := mustAuth(t, svc, token)
			if a.UserID != u.ID || !a.Has(archive.RoleArchivist) {
				t.Fatalf("actor = %+v", a)
			}
			if _, err := db.User(ctx, u.ID); err != nil {
				t.Fatalf("the projection did not learn the user: %v", err)
			}

			// A password login also finds a user the projection lacks.
			u2, _, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "zhou2",
				Roles: []string{archive.RoleAuditor}, Password: "another long one"}, userTime)
			if err != nil {
				t.Fatal(err)
			}
			a, err = svc.AuthenticatePassword(ctx, "ZHOU2", "another long one")
			if err != nil || a.UserID != u2.ID {
				t.Fatalf("password login: %+v, %v", a, err)
			}

			// And a token issued from the command line to a known user.
			_, third, err := users.IssueTokenInStore(ctx, store, "archivist.zhou", "script", userTime)
			if err != nil {
				t.Fatal(err)
			}
			if a := mustAuth(t, svc, third); a.UserID != u.ID {
				t.Fatalf("actor = %+v", a)
			}
			_, _, err = users.IssueTokenInStore(ctx, store, "nobody", "", userTime)
			servicetest.WantCode(t, err, archive.ENOTFOUND, "token for an unknown user")
		})
	}
}

// A token revoked by another process (a second server on the bucket, or
// the command line) is refused once this one has synced.
func TestUserRevokedByAnotherProcess(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			a, _ := newUserService(t, store, filepath.Join(sp.Dir, "a.db"))
			b, _ := newUserService(t, store, filepath.Join(sp.Dir, "b.db"))
			_, adminToken := addAdmin(t, store)
			admin := mustAuth(t, a, adminToken)
			u, token := activated(t, a, admin, users.NewUser{Name: "reviewer1", Roles: []string{archive.RoleReviewer}}, "reviewer1's passphrase")
			second, _, err := a.IssueToken(ctx, mustAuth(t, a, token), u.ID, "second")
			if err != nil {
				t.Fatal(err)
			}
			mustAuth(t, a, token)
			mustAuth(t, a, second)

			// B never saw the user; it catches up from the bucket to revoke.
			if err := b.RevokeToken(ctx, admin, u.ID, u.Tokens[1].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Authenticate(ctx, token); archive.ErrorCode(err) != archive.EUNAUTHORIZED {
				t.Fatalf("B accepts the token it revoked: %v", err)
			}
			if err := a.SyncUsers(ctx); err != nil {
				t.Fatal(err)
			}
			_, err = a.Authenticate(ctx, token)
			servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "token revoked by B, after A synced")

			// The command line revokes the other one.
			got, err := users.RevokeTokenInStore(ctx, store, "reviewer1", "nosuch", userTime)
			servicetest.WantCode(t, err, archive.ENOTFOUND, "revoking an unknown token id")
			if got != nil {
				t.Fatalf("user returned with an error: %+v", got)
			}
			u, err = a.User(ctx, admin, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := users.RevokeTokenInStore(ctx, store, "reviewer1", u.Tokens[2].ID, userTime); err != nil {
				t.Fatal(err)
			}
			if err := a.SyncUsers(ctx); err != nil {
				t.Fatal(err)
			}
			_, err = a.Authenticate(ctx, second)
			servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "token revoked by the command line, after sync")
		})
	}
}

func TestUserPassword(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
			_, adminToken := addAdmin(t, store)
			admin := mustAuth(t, svc, adminToken)
			u, token := activated(t, svc, admin, users.NewUser{Name: "陈静", Roles: []string{archive.RoleApprover}}, "终审密码很长很长的一句话")
			if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=2$") {
				t.Fatalf("password hash = %q", u.PasswordHash)
			}
			a, err := svc.AuthenticatePassword(ctx, "陈静", "终审密码很长很长的一句话")
			if err != nil || a.UserID != u.ID || !a.Has(archive.RoleApprover) {
				t.Fatalf("right password: %+v, %v", a, err)
			}
			refused := func(name, pw, what string) string {
				t.Helper()
				_, err := svc.AuthenticatePassword(ctx, name, pw)
				servicetest.WantCode(t, err, archive.EUNAUTHORIZED, what)
				return archive.ErrorMessage(err)
			}
			msgs := []string{
				refused("陈静", "终审密码很长很长的一句", "wrong password"),
				refused("nobody", "终审密码很长很长的一句话", "unknown name"),
				refused("admin", "", "user without a password"),
				refused("a/b", "x", "malformed name"),
			}
			for _, m := range msgs {
				if m != msgs[0] {
					t.Fatalf("password failures are told apart: %q", msgs)
				}
			}

			// Changing the password: the user themself may, others may not.
			clerk, clerkToken := activated(t, svc, admin, users.NewUser{Name: "clerk9", Roles: []string{archive.RoleClerk}}, "clerk9's passphrase")
			change := func(by archive.Actor, id, password, current string) error {
				return svc.ChangePassword(ctx, by, id, users.PasswordChange{Password: password, CurrentPassword: current})
			}
			servicetest.WantCode(t, change(mustAuth(t, svc, clerkToken), u.ID, "0123456789ab", ""), archive.EFORBIDDEN, "clerk setting another's password")
			servicetest.WantCode(t, change(a, u.ID, "short", "终审密码很长很长的一句话"), archive.EINVALID, "short password")
			servicetest.WantCode(t, change(a, u.ID, "a new passphrase", ""), archive.EINVALID, "no present password")
			servicetest.WantCode(t, change(a, u.ID, "a new passphrase", "终审密码很长很长的一句"), archive.EFORBIDDEN, "a wrong present password")
			if err := change(a, u.ID, "a new passphrase", "终审密码很长很长的一句话"); err != nil {
				t.Fatal(err)
			}
			refused("陈静", "终审密码很长很长的一句话", "old password after change")
			if _, err := svc.AuthenticatePassword(ctx, "陈静", "a new passphrase"); err != nil {
				t.Fatal(err)
			}

			// A disabled user gets in neither way, until enabled again.
			servicetest.WantCode(t, svc.SetDisabled(ctx, a, clerk.ID, true), archive.EFORBIDDEN, "non-admin disabling")
			if err := svc.SetDisabled(ctx, admin, u.ID, true); err != nil {
				t.Fatal(err)
			}
			refused("陈静", "a new passphrase", "disabled user")
			_, err = svc.Authenticate(ctx, token)
			servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "token of a disabled user")
			_, _, err = svc.IssueToken(ctx, admin, u.ID, "")
			servicetest.WantCode(t, err, archive.EFORBIDDEN, "an administrator obtaining a token for someone else")
			if err := svc.SetDisabled(ctx, admin, u.ID, false); err != nil {
				t.Fatal(err)
			}
			mustAuth(t, svc, token)
		})
	}
}

// Deleting BoltDB and rebuilding from the bucket gives the same users,
// secrets' hashes included.
func TestUserRebuild(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, db := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
			_, adminToken := addAdmin(t, store)
			admin := mustAuth(t, svc, adminToken)
			tokens := map[string]string{}
			for i, name := range []string{"甲", "乙", "丙"} {
				u, token := activated(t, svc, admin, users.NewUser{Name: name, Roles: []string{archive.Roles[i]}}, "long enough password")
				tokens[name] = token
				if i == 1 {
					if err := svc.RevokeToken(ctx, admin, u.ID, u.Tokens[1].ID); err != nil {
						t.Fatal(err)
					}
				}
				if i == 2 {
					if err := svc.SetDisabled(ctx, admin, u.ID, true); err != nil {
						t.Fatal(err)
					}
				}
			}
			live, err := db.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}

			rsvc, rdb := newUserService(t, store, filepath.Join(sp.Dir, "rebuilt.db"))
			n, err := rsvc.RebuildUsers(ctx)
			if err != nil || n != 4 {
				t.Fatalf("rebuilt %d users: %v", n, err)
			}
			rebuilt, err := rdb.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(live, rebuilt) {
				t.Fatalf("users differ:\nlive    %+v\nrebuilt %+v", live, rebuilt)
			}
			mustAuth(t, rsvc, tokens["甲"])
			for _, name := range []string{"乙", "丙"} {
				_, err := rsvc.Authenticate(ctx, tokens[name])
				servicetest.WantCode(t, err, archive.EUNAUTHORIZED, name+" after rebuild")
			}
			if _, err := rsvc.AuthenticatePassword(ctx, "甲", "long enough password"); err != nil {
				t.Fatal(err)
			}

			// Reset empties users too; RebuildUsers restores them.
			if err := db.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			if users, _ := db.ListUsers(ctx); len(users) != 0 {
				t.Fatalf("%d users after Reset", len(users))
			}
			if _, err := svc.RebuildUsers(ctx); err != nil {
				t.Fatal(err)
			}
			again, _ := db.ListUsers(ctx)
			if !reflect.DeepEqual(live, again) {
				t.Fatalf("users differ after Reset and rebuild")
			}
		})
	}
}

// A user with a damaged event is left out of a rebuild (folding past it
// could miss a revocation) and named; the others are rebuilt.
func TestUserRebuildDamagedEvent(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	u, _ := addAdmin(t, store)
	other, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "other", Roles: []string{archive.RoleClerk}}, userTime)
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("users/%s/events/%010d.json", u.ID, u.Seq+1)
	if err := store.Create(ctx, key, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	svc, db := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
	n, err := svc.RebuildUsers(ctx)
	servicetest.WantCode(t, err, archive.EINVALID, "rebuild with a damaged event")
	if n != 1 || !strings.Contains(archive.ErrorMessage(err), key) {
		t.Fatalf("rebuilt %d, error %v", n, err)
	}
	if _, err := db.User(ctx, u.ID); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Fatalf("damaged user is in the projection: %v", err)
	}
	if a := mustAuth(t, svc, token); a.UserID != other.ID {
		t.Fatalf("actor = %+v", a)
	}
	servicetest.WantCode(t, svc.SyncUsers(ctx), archive.EINVALID, "sync with a damaged event")
}

// Many writers in two processes race for one name: exactly one wins.
func TestUserNameRace(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			a, _ := newUserService(t, sp.Open(t), filepath.Join(sp.Dir, "a.db"))
			b, _ := newUserService(t, sp.Open(t), filepath.Join(sp.Dir, "b.db"))
			admin := archive.Actor{UserID: "root", Roles: []string{archive.RoleAdmin}}
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, lost := 0, 0
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func(svc *service.Service) {
					defer wg.Done()
					_, _, err := svc.CreateUser(ctx, admin, users.NewUser{Name: "same", Roles: []string{archive.RoleClerk}})
					mu.Lock()
					defer mu.Unlock()
					switch archive.ErrorCode(err) {
					case "":
						won++
					case archive.ECONFLICT:
						lost++
					default:
						t.Error(err)
					}
				}([]*service.Service{a, b}[i%2])
			}
			wg.Wait()
			if won != 1 || lost != 15 {
				t.Fatalf("%d created the name, %d were refused", won, lost)
			}
		})
	}
}

// A name claimed by a process that died before writing its user is taken
// over by the next creator rather than lost for good.
func TestUserOrphanNameClaimTakenOver(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	const orphan = "d6h5ejr0000000000000"
	if err := store.Create(ctx, "usernames/bob", []byte(`{"user_id":"`+orphan+`"}`)); err != nil {
		t.Fatal(err)
	}
	u, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "Bob", Roles: []string{archive.RoleClerk}}, userTime)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != orphan {
		t.Fatalf("user id %s, want the claimed %s", u.ID, orphan)
	}
	svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
	mustAuth(t, svc, token)
	_, _, err = users.AddUserToStore(ctx, store, users.NewUser{Name: "bob", Roles: []string{archive.RoleClerk}}, userTime)
	servicetest.WantCode(t, err, archive.ECONFLICT, "bob again")
}

// A reset clears the password and revokes every token in one event, so
// the fold shows both or neither.
func TestUserApplyReset(t *testing.T) {
	u := &users.User{}
	sum := strings.Repeat("ab", 32)
	for _, ev := range []users.UserEvent{
		{Seq: 1, UserID: "u1", Type: users.UserEventCreated, Name: "a", Roles: []string{archive.RoleClerk}},
		{Seq: 2, UserID: "u1", Type: users.UserEventPasswordSet, PasswordHash: "$argon2id$x"},
		{Seq: 3, UserID: "u1", Type: users.UserEventTokenIssued, TokenID: "t1", TokenSHA256: sum},
		{Seq: 4, UserID: "u1", Type: users.UserEventPasswordReset, TokenIDs: []string{"t1"}, At: userTime},
	} {
		if err := u.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	if u.PasswordHash != "" || !u.Tokens[0].Revoked || !u.Tokens[0].RevokedAt.Equal(userTime) {
		t.Fatalf("after a reset: %+v", u)
	}
}

// Two administrators who disable each other at the same moment: one
// wins, the other is told that nobody would be left to manage users.
func TestUserAdminsCannotDisableEachOther(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
	_, rootToken := addAdmin(t, store)
	root := mustAuth(t, svc, rootToken)
	a, aToken := activated(t, svc, root, users.NewUser{Name: "admin.a", Roles: []string{archive.RoleAdmin}}, "admin a's passphrase")
	b, bToken := activated(t, svc, root, users.NewUser{Name: "admin.b", Roles: []string{archive.RoleAdmin}}, "admin b's passphrase")
	if err := svc.SetDisabled(ctx, mustAuth(t, svc, aToken), root.UserID, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]string{{aToken, b.ID}, {bToken, a.ID}} {
		by := mustAuth(t, svc, pair[0])
		wg.Go(func() { errs[i] = svc.SetDisabled(ctx, by, pair[1], true) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("both or neither disabled the other: %v, %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && (archive.ErrorCode(err) != archive.ECONFLICT || !strings.Contains(archive.ErrorMessage(err), "last enabled administrator")) {
			t.Fatalf("the loser was told %v", err)
		}
	}
}

// A web session ends once its password is reset or changed, and stays
// ended after the holder chooses a new one; roles changed meanwhile
// count on the next page.
func TestUserSessionEndsWithItsPassword(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := newUserService(t, store, filepath.Join(sp.Dir, "live.db"))
	_, adminToken := addAdmin(t, store)
	admin := mustAuth(t, svc, adminToken)
	u, token := activated(t, svc, admin, users.NewUser{Name: "zhou", Roles: []string{archive.RoleClerk}}, "zhou's first passphrase")
	signIn := func(pw string) archive.Actor {
		t.Helper()
		a, err := svc.AuthenticatePassword(ctx, "zhou", pw)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	session := signIn("zhou's first passphrase")
	if _, err := svc.UpdateUser(ctx, admin, u.ID, users.UserUpdate{Roles: []string{archive.RoleReviewer}}); err != nil {
		t.Fatal(err)
	}
	now, err := svc.SessionActor(ctx, session)
	if err != nil || !reflect.DeepEqual(now.Roles, []string{archive.RoleReviewer}) {
		t.Fatalf("session after a change of roles: %+v, %v", now, err)
	}

	// The holder changes their password: other sessions end.
	if err := svc.ChangePassword(ctx, mustAuth(t, svc, token), u.ID, users.PasswordChange{Password: "zhou's second passphrase",
		CurrentPassword: "zhou's first passphrase"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.SessionActor(ctx, now)
	servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "a session of the old password")
	session = signIn("zhou's second passphrase")

	// An administrator resets it: the session ends, and stays ended once
	// the holder has chosen a new password with the activation token.
	act, err := svc.ResetPassword(ctx, admin, u.ID, users.PasswordChange{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SessionActor(ctx, session)
	servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "a session after a reset")
	if _, _, err := svc.Activate(ctx, mustAuth(t, svc, act.Token), u.ID, "zhou's third passphrase"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.SessionActor(ctx, session)
	servicetest.WantCode(t, err, archive.EUNAUTHORIZED, "a session of before the reset, after activation")
	if _, err := svc.SessionActor(ctx, signIn("zhou's third passphrase")); err != nil {
		t.Fatal(err)
	}
}
