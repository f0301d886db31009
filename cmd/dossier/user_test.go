package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/service"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
)

// runApp runs the command line in-process with the given standard input.
func runApp(t *testing.T, stdin string, args ...string) (stdout string, err error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Reader, app.Writer, app.ErrWriter = strings.NewReader(stdin), &out, &errOut
	err = app.Run(append([]string{"dossier"}, args...))
	return out.String(), err
}

var tokenLine = regexp.MustCompile(`^dsr_[A-Za-z0-9_-]{43}$`)

// lastToken checks that stdout ends with the token alone on its line.
func lastToken(t *testing.T, stdout string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(stdout, "\n") || !tokenLine.MatchString(last) {
		t.Fatalf("the last line of\n%s\nis not a token alone", stdout)
	}
	return last
}

func tokenID(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`token_id=([0-9a-f]+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no token id in\n%s", stdout)
	}
	return m[1]
}

// `dossier user …` works beside a server that holds BoltDB: it writes to
// the object store only, and the server picks the changes up.
func TestUserCommands(t *testing.T) {
	t.Setenv("DOSSIER_S3_ENDPOINT", "")
	ctx := context.Background()
	dir := t.TempDir()
	// The "server": it holds dossier.db for the whole test.
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})

	// The admin role is held alone.
	if out, err := runApp(t, "", "user", "add", "--data-dir", dir, "--name", "boss", "--role", "admin", "--role", "auditor"); err == nil || !strings.Contains(err.Error(), "held alone") {
		t.Fatalf("an admin who is also an auditor: %v\n%s", err, out)
	}
	out, err := runApp(t, "correct horse battery\n", "user", "add", "--data-dir", dir,
		"--name", "admin", "--role", "admin", "--password-stdin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, " name=admin roles=admin token_id=") {
		t.Fatalf("user line missing in\n%s", out)
	}
	first, firstID := lastToken(t, out), tokenID(t, out)
	a, err := svc.Authenticate(ctx, first)
	if err != nil || a.Name != "admin" || !a.Has(archive.RoleAdmin) || a.Has(archive.RoleAuditor) {
		t.Fatalf("authenticate the new token: %+v, %v", a, err)
	}
	if _, err := svc.AuthenticatePassword(ctx, "admin", "correct horse battery"); err != nil {
		t.Fatalf("password from stdin: %v", err)
	}

	if _, err := runApp(t, "", "user", "add", "--data-dir", dir, "--name", "Admin", "--role", "clerk"); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Fatalf("adding a taken name: %v", err)
	}
	if _, err := runApp(t, "", "user", "add", "--data-dir", dir, "--name", "x", "--role", "boss"); archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("adding with an unknown role: %v", err)
	}
	if _, err := runApp(t, "\n", "user", "add", "--data-dir", dir, "--name", "y", "--role", "clerk", "--password-stdin"); err == nil {
		t.Fatal("an empty password from stdin was accepted")
	}

	out, err = runApp(t, "", "user", "token", "--data-dir", dir, "--name", "admin", "--label", "ci")
	if err != nil {
		t.Fatal(err)
	}
	second := lastToken(t, out)
	if _, err := svc.Authenticate(ctx, second); err != nil {
		t.Fatal(err)
	}

	// A revocation from the command line reaches the server at its next sync.
	if _, err := runApp(t, "", "user", "revoke", "--data-dir", dir, "--name", "admin", "--token-id", firstID); err != nil {
		t.Fatal(err)
	}
	userSyncEvery = 10 * time.Millisecond
	syncCtx, stop := context.WithCancel(ctx)
	defer stop()
	startUserSync(syncCtx, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := svc.Authenticate(ctx, first)
		if archive.ErrorCode(err) == archive.EUNAUTHORIZED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked token still authenticates: %v", err)
		}
	}
	if _, err := svc.Authenticate(ctx, second); err != nil {
		t.Fatal(err)
	}

	// A password set from the command line reaches the server too; the
	// old one stops working.
	if _, err := runApp(t, "short\n", "user", "password", "--data-dir", dir, "--name", "admin"); archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("a short password: %v", err)
	}
	if _, err := runApp(t, "another long secret\n", "user", "password", "--data-dir", dir, "--name", "nobody"); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Fatalf("password of an unknown user: %v", err)
	}
	if _, err := runApp(t, "another long secret\n", "user", "password", "--data-dir", dir, "--name", "admin"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := svc.AuthenticatePassword(ctx, "admin", "another long secret")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new password does not authenticate: %v", err)
		}
	}
	if _, err := svc.AuthenticatePassword(ctx, "admin", "correct horse battery"); archive.ErrorCode(err) != archive.EUNAUTHORIZED {
		t.Fatalf("the old password still authenticates: %v", err)
	}

	// rebuild's helper restores the users into an empty projection.
	rdb, err := boltdb.Open(filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rsvc := service.New(service.Options{Store: store, Projection: rdb, Users: rdb})
	var buf bytes.Buffer
	if err := rebuildUsers(ctx, &buf, rsvc); err != nil || buf.String() != "rebuilt 1 users\n" {
		t.Fatalf("rebuildUsers: %q, %v", buf.String(), err)
	}
	if u, err := rdb.UserByName(ctx, "admin"); err != nil || len(u.Tokens) != 2 || !u.Tokens[0].Revoked || u.PasswordHash == "" {
		t.Fatalf("rebuilt admin = %+v, %v", u, err)
	}
}

// `dossier user list, show, set, disable, enable, reset, revoke --all`
// administer accounts beside a running server, by the API's rules, each
// change audited as the operating-system user.
func TestUserAdministrationCommands(t *testing.T) {
	t.Setenv("DOSSIER_S3_ENDPOINT", "")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	// withDir puts --data-dir after the subcommand: user add --data-dir …
	withDir := func(args []string) []string {
		return append(append(args[:2:2], "--data-dir", dir), args[2:]...)
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, err := runApp(t, stdin, withDir(args)...)
		if err != nil {
			t.Fatalf("dossier %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	refused := func(code string, args ...string) error {
		t.Helper()
		out, err := runApp(t, "", withDir(args)...)
		if code != "" && archive.ErrorCode(err) != code || err == nil {
			t.Fatalf("dossier %s: %v, want %s\n%s", strings.Join(args, " "), err, code, out)
		}
		return err
	}
	// The server learns what the command line wrote at its next sync.
	synced := func() *service.Service {
		t.Helper()
		if err := svc.SyncUsers(ctx); err != nil {
			t.Fatal(err)
		}
		return svc
	}

	run("", "user", "add", "--name", "admin", "--role", "admin")
	token := lastToken(t, run("", "user", "add", "--name", "li.na", "--role", "clerk", "--display-name", "李娜"))
	run("correct horse battery\n", "user", "add", "--name", "qian", "--role", "auditor", "--password-stdin")

	// list: a table for people, JSON for programs, filters.
	out := run("", "user", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "NAME ") || !strings.Contains(out, "3 users") ||
		!regexp.MustCompile(`(?m)^li\.na +李娜 +clerk +enabled +1 +none +\d{4}-\d\d-\d\d \d\d:\d\d +[0-9a-v]{20}$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^qian +auditor +enabled +1 +set `).MatchString(out) {
		t.Fatalf("user list:\n%s", out)
	}
	// The columns line up, a Chinese character being two wide.
	if strings.Index(lines[2], "clerk") != strings.Index(lines[0], "ROLES")+2 {
		t.Errorf("columns do not line up:\n%s", out)
	}
	var page struct {
		Users []struct {
			ID    string   `json:"id"`
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(run("", "user", "list", "--role", "clerk", "--json")), &page); err != nil || len(page.Users) != 1 || page.Users[0].Name != "li.na" {
		t.Fatalf("list --role clerk --json: %+v, %v", page, err)
	}
	clerkID := page.Users[0].ID
	if out := run("", "user", "list", "--query", "李"); !strings.Contains(out, "li.na") || strings.Contains(out, "qian") {
		t.Fatalf("list --query 李:\n%s", out)
	}
	refused(archive.EINVALID, "user", "list", "--role", "boss")

	// show
	out = run("", "user", "show", "--name", "LI.NA")
	if !regexp.MustCompile(`(?m)^display name +李娜$`).MatchString(out) || !regexp.MustCompile(`(?m)^[0-9a-f]{12} +initial +\S+ \S+ +live$`).MatchString(out) {
		t.Fatalf("user show:\n%s", out)
	}
	refused(archive.ENOTFOUND, "user", "show", "--name", "nobody")

	// set: the server takes the new roles at its next sync.
	out = run("", "user", "set", "--name", "li.na", "--role", "clerk", "--role", "reviewer", "--display-name", "李娜（受理）")
	if !strings.Contains(out, `roles=clerk,reviewer`) || !strings.Contains(out, `display_name="李娜（受理）"`) {
		t.Fatalf("user set:\n%s", out)
	}
	if a, err := synced().Authenticate(ctx, token); err != nil || !reflect.DeepEqual(a.Roles, []string{archive.RoleClerk, archive.RoleReviewer}) || a.DisplayName != "李娜（受理）" {
		t.Fatalf("after set: %+v, %v", a, err)
	}
	if err := refused(archive.EINVALID, "user", "set", "--name", "li.na", "--role", "admin", "--role", "clerk"); !strings.Contains(err.Error(), "held alone") {
		t.Fatalf("admin with a case role: %v", err)
	}
	refused(archive.EINVALID, "user", "set", "--name", "li.na", "--display-name", "李\x1b娜")
	refused("", "user", "set", "--name", "li.na")

	// disable and enable: the token stops working and works again.
	var shown struct {
		Disabled bool `json:"disabled"`
	}
	if err := json.Unmarshal([]byte(run("", "user", "disable", "--name", "li.na", "--json")), &shown); err != nil || !shown.Disabled {
		t.Fatalf("disable --json: %+v, %v", shown, err)
	}
	_, err = synced().Authenticate(ctx, token)
	servicetestWantUnauthorized(t, err, "a disabled user's token")
	run("", "user", "enable", "--name", "li.na")
	if _, err := synced().Authenticate(ctx, token); err != nil {
		t.Fatalf("the token, enabled again: %v", err)
	}

	// The last enabled administrator stays one.
	refused(archive.ECONFLICT, "user", "disable", "--name", "admin")
	if err := refused(archive.ECONFLICT, "user", "set", "--name", "admin", "--role", "auditor"); !strings.Contains(err.Error(), "last enabled administrator") {
		t.Fatalf("demoting the last administrator: %v", err)
	}
	run("", "user", "add", "--name", "admin2", "--role", "admin")
	run("", "user", "disable", "--name", "admin")
	refused(archive.ECONFLICT, "user", "set", "--name", "admin2", "--role", "auditor")
	run("", "user", "enable", "--name", "admin")

	// reset: the password and tokens are gone; the activation token, alone
	// on the last line, lets the person choose a new password.
	out = run("", "user", "reset", "--name", "qian")
	act := lastToken(t, out)
	if a, err := synced().Authenticate(ctx, act); err != nil || !a.Activation {
		t.Fatalf("the reset's activation token: %+v, %v", a, err)
	}
	if _, err := svc.AuthenticatePassword(ctx, "qian", "correct horse battery"); archive.ErrorCode(err) != archive.EUNAUTHORIZED {
		t.Fatalf("the password after a reset: %v", err)
	}
	var reset struct {
		UserID    string    `json:"user_id"`
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(run("", "user", "reset", "--name", "qian", "--json")), &reset); err != nil || !tokenLine.MatchString(reset.Token) || reset.ExpiresAt.IsZero() {
		t.Fatalf("reset --json: %+v, %v", reset, err)
	}
	_, err = synced().Authenticate(ctx, act)
	servicetestWantUnauthorized(t, err, "the first reset's activation token after a second reset")
	if _, _, err := svc.Activate(ctx, mustActor(t, svc, reset.Token), reset.UserID, "qian's new passphrase"); err != nil {
		t.Fatal(err)
	}

	// revoke --all
	run("", "user", "token", "--name", "li.na", "--label", "second")
	if out := run("", "user", "revoke", "--name", "li.na", "--all"); !strings.HasPrefix(out, "revoked 2 tokens of user li.na") {
		t.Fatalf("revoke --all: %s", out)
	}
	_, err = synced().Authenticate(ctx, token)
	servicetestWantUnauthorized(t, err, "a token after revoke --all")
	refused("", "user", "revoke", "--name", "li.na")
	refused("", "user", "revoke", "--name", "li.na", "--all", "--token-id", "abc")

	// Every change is in the audit log, as the operating-system user.
	l, err := audit.OpenAuditLog(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	entries, _, err := l.Query(ctx, audit.AuditFilter{Target: "user/" + clerkID}, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Actor, archive.ByCommandLine) {
			t.Errorf("entry %s by %s", e.Action, e.Actor)
		}
		actions[e.Action]++
	}
	for _, want := range []string{"user.create", "user.roles_set", "user.display_name_set", "user.disable", "user.enable", "user.token_issue", "user.tokens_revoke"} {
		if actions[want] != 1 {
			t.Errorf("%d %s entries on li.na, want 1 (all: %v)", actions[want], want, actions)
		}
	}
	if n, _, err := l.Query(ctx, audit.AuditFilter{Action: "user.password_reset"}, "", 500); err != nil || len(n) != 2 {
		t.Fatalf("password_reset entries: %d, %v", len(n), err)
	}
}

func servicetestWantUnauthorized(t *testing.T, err error, what string) {
	t.Helper()
	if archive.ErrorCode(err) != archive.EUNAUTHORIZED {
		t.Fatalf("%s: %v, want unauthorized", what, err)
	}
}

func mustActor(t *testing.T, svc *service.Service, token string) archive.Actor {
	t.Helper()
	a, err := svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
