package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/service"
	"io"
	"log/slog"
	"path/filepath"
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
