package boltdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/indexing"
	"dossier/archive/users"
)

// t0 is the base of every timestamp in these tests; UTC so that a JSON
// round trip gives back an equal time.Time.
var t0 = time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)

// openDB opens a projection in a fresh temporary directory and closes it
// when the test ends. It returns the file path for tests that reopen.
func openDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dossier.db")
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

// reopen closes d and opens the same file again.
func reopen(t *testing.T, d *DB, path string) *DB {
	t.Helper()
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen %s: %v", path, err)
	}
	t.Cleanup(func() { d2.Close() })
	return d2
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := archive.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// caseSeqs collects CaseSeqs into a map.
func caseSeqs(t *testing.T, d *DB) map[string]uint64 {
	t.Helper()
	m := map[string]uint64{}
	err := d.CaseSeqs(context.Background(), func(id string, seq uint64) error {
		if _, dup := m[id]; dup {
			t.Errorf("CaseSeqs: %s reported twice", id)
		}
		m[id] = seq
		return nil
	})
	if err != nil {
		t.Fatalf("CaseSeqs: %v", err)
	}
	return m
}

// mkCase returns a folded case at seq with a full history 1..seq.
func mkCase(id string, seq uint64, status, owner string) *archive.Case {
	decided := t0.Add(48 * time.Hour)
	c := &archive.Case{
		ID:            id,
		Number:        "N-" + id,
		BusinessType:  "permit",
		Status:        status,
		Applicant:     archive.Applicant{Name: "Applicant " + id, IDNumber: "110101199001011234", Phone: "555"},
		ApplicantUser: owner,
		Summary:       "summary of " + id,
		CreatedAt:     t0,
		UpdatedAt:     t0.Add(time.Duration(seq) * time.Minute),
		ReceivedAt:    t0,
		StageSince:    t0.Add(time.Hour),
		Materials: []archive.Material{{
			ID: "m1", Code: "form", Filename: "form.pdf", ContentType: "application/pdf",
			Size: 1234, SHA256: "abc", UploadedAt: t0, UploadedBy: owner,
		}},
		Deciders:  map[string]string{"initial_review": "rev1"},
		DecidedAt: &decided,
		Seq:       seq,
		Head:      fmt.Sprintf("head-%s-%d", id, seq),
	}
	for s := uint64(1); s <= seq; s++ {
		c.History = append(c.History, mkEvent(id, s))
	}
	return c
}

func mkEvent(id string, seq uint64) archive.Event {
	e := archive.Event{
		Seq: seq, CaseID: id, Type: archive.EventReview, At: t0.Add(time.Duration(seq) * time.Minute),
		Actor: "clerk", Role: "clerk", Opinion: fmt.Sprintf("event %d of %s", seq, id),
		Prev: fmt.Sprintf("prev-%d", seq-1),
	}
	if seq == 1 {
		e.Type = archive.EventCreated
		e.Case = &archive.CaseOpened{Number: "N-" + id, BusinessType: "permit"}
	}
	return e
}

// assertCase checks that got is want without its History.
func assertCase(t *testing.T, got, want *archive.Case) {
	t.Helper()
	bare := *want
	bare.History = nil
	if !reflect.DeepEqual(got, &bare) {
		t.Fatalf("Case %s:\n got  %+v\n want %+v", want.ID, got, &bare)
	}
}

func assertEventSeqs(t *testing.T, evs []archive.Event, seqs ...uint64) {
	t.Helper()
	var got []uint64
	for _, e := range evs {
		got = append(got, e.Seq)
	}
	if !slices.Equal(got, seqs) {
		t.Fatalf("event seqs = %v, want %v", got, seqs)
	}
}

// scanIDs runs ScanCases and returns the ids it reported, in order.
func scanIDs(t *testing.T, d *DB, q archive.CaseScan) []string {
	t.Helper()
	var ids []string
	err := d.ScanCases(context.Background(), q, func(c *archive.Case) bool {
		ids = append(ids, c.ID)
		return true
	})
	if err != nil {
		t.Fatalf("ScanCases(%+v): %v", q, err)
	}
	return ids
}

func assertScan(t *testing.T, d *DB, q archive.CaseScan, want ...string) {
	t.Helper()
	if got := scanIDs(t, d, q); !slices.Equal(got, want) {
		t.Fatalf("ScanCases(%+v) = %q, want %q", q, got, want)
	}
}

func token(id, sum string, revoked bool) users.TokenInfo {
	tk := users.TokenInfo{ID: id, Label: "label " + id, IssuedAt: t0, IssuedBy: "admin", Revoked: revoked, SHA256: sum}
	if revoked {
		tk.RevokedAt = t0.Add(time.Hour)
	}
	return tk
}

func mkUser(id, name string, seq uint64, tokens ...users.TokenInfo) *users.User {
	if tokens == nil {
		tokens = []users.TokenInfo{}
	}
	return &users.User{
		ID: id, Name: name, DisplayName: "Display " + name, Roles: []string{"clerk", "reviewer"},
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$" + id,
		Tokens:       tokens, CreatedAt: t0, CreatedBy: "admin", UpdatedAt: t0.Add(time.Duration(seq) * time.Minute),
		Seq: seq,
	}
}

func assertUser(t *testing.T, got, want *users.User) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("user %s:\n got  %+v\n want %+v", want.ID, got, want)
	}
}

func userSeqs(t *testing.T, d *DB) map[string]uint64 {
	t.Helper()
	m := map[string]uint64{}
	if err := d.UserSeqs(context.Background(), func(id string, seq uint64) error {
		m[id] = seq
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantTokenOwner(t *testing.T, d *DB, sum, want string) {
	t.Helper()
	id, err := d.UserIDByTokenHash(context.Background(), sum)
	if want == "" {
		wantCode(t, "UserIDByTokenHash("+sum+")", err, archive.ENOTFOUND)
		return
	}
	if err != nil || id != want {
		t.Fatalf("UserIDByTokenHash(%s) = %q, %v; want %q", sum, id, err, want)
	}
}

func wantNameOwner(t *testing.T, d *DB, name, want string) {
	t.Helper()
	u, err := d.UserByName(context.Background(), name)
	if want == "" {
		wantCode(t, "UserByName("+name+")", err, archive.ENOTFOUND)
		return
	}
	if err != nil || u.ID != want {
		t.Fatalf("UserByName(%s) = %+v, %v; want user %s", name, u, err, want)
	}
}

// assertQueue checks the whole queue and IndexLag.
func assertQueue(t *testing.T, d *DB, want ...indexing.QueuedCase) {
	t.Helper()
	ctx := context.Background()
	got, err := d.IndexQueue(ctx, 1000)
	if err != nil {
		t.Fatalf("IndexQueue: %v", err)
	}
	if len(got) != 0 || len(want) != 0 {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("IndexQueue = %+v, want %+v", got, want)
		}
	}
	if n, err := d.IndexLag(ctx); err != nil || n != len(want) {
		t.Fatalf("IndexLag = %d, %v; want %d", n, err, len(want))
	}
}

func qc(id string, seq uint64) indexing.QueuedCase { return indexing.QueuedCase{ID: id, Seq: seq} }

func TestOpenCreatesFileAndPings(t *testing.T) {
	d, path := openDB(t)
	if err := d.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %o, want 600", perm)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		_, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
		wantCode(t, "Open", err, archive.EUNAVAILABLE)
	})
	t.Run("not a bolt file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "garbage.db")
		junk := make([]byte, 64<<10)
		for i := range junk {
			junk[i] = byte(i * 7)
		}
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := Open(path)
		if err == nil {
			d.Close()
		}
		wantCode(t, "Open", err, archive.EUNAVAILABLE)
	})
}

// BoltDB admits one process (flock); a second Open of a file that is held
// fails after the one-second timeout with EUNAVAILABLE naming the file.
func TestOpenWhileHeldIsUnavailable(t *testing.T) {
	_, path := openDB(t)
	start := time.Now()
	d2, err := Open(path)
	if err == nil {
		d2.Close()
		t.Fatal("second Open of a held file succeeded")
	}
	wantCode(t, "second Open", err, archive.EUNAVAILABLE)
	if msg := archive.ErrorMessage(err); msg != path+" is in use by another dossier process; stop it first" {
		t.Errorf("message %q", msg)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("gave up after %v, want about the 1s timeout", waited)
	}
}

func TestCleanShutdownMarker(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	// A new file was never shut down cleanly.
	if clean, err := d.Clean(); err != nil || clean {
		t.Fatalf("Clean on a new file = %v, %v; want false", clean, err)
	}
	if err := d.MarkClean(); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, d, path)
	if clean, err := d.Clean(); err != nil || !clean {
		t.Fatalf("Clean after MarkClean and reopen = %v, %v; want true", clean, err)
	}
	// Clean marked the file in use again: a crash now (close without
	// MarkClean) must be noticed by the next start.
	d = reopen(t, d, path)
	if clean, err := d.Clean(); err != nil || clean {
		t.Fatalf("Clean after a crash = %v, %v; want false", clean, err)
	}
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestClosedDBErrors(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Ping", d.Ping(ctx), archive.EINTERNAL)
	_, err := d.Case(ctx, "c1")
	wantCode(t, "Case", err, archive.EINTERNAL)
	wantCode(t, "PutCases", d.PutCases(ctx, mkCase("c1", 1, archive.StatusSubmitted, "")), archive.EINTERNAL)
}

// Reopening the file after Close keeps cases, events, seqs, indexes,
// users, the index queue and the text cache.
func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	c1 := mkCase("c1", 3, archive.StatusApproved, "alice")
	c2 := mkCase("c2", 1, archive.StatusSubmitted, "")
	if err := d.PutCases(ctx, c1, c2); err != nil {
		t.Fatal(err)
	}
	u := mkUser("u1", "Alice", 2, token("t1", "aa11", false))
	if err := d.PutUsers(ctx, u); err != nil {
		t.Fatal(err)
	}
	ex := indexing.Extracted{Text: "hello", Note: "ocr"}
	if err := d.PutExtractedText(ctx, "sha-1", ex); err != nil {
		t.Fatal(err)
	}
	before, err := d.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}

	d = reopen(t, d, path)

	after, err := d.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || len(after) != 2+3+1 {
		t.Fatalf("Dump after reopen has %d records, before %d; want 6", len(after), len(before))
	}
	for k, v := range before {
		if string(after[k]) != string(v) {
			t.Errorf("Dump[%q] after reopen = %s, want %s", k, after[k], v)
		}
	}
	got, err := d.Case(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertCase(t, got, c1)
	evs, err := d.Events(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertEventSeqs(t, evs, 1, 2, 3)
	if m := caseSeqs(t, d); len(m) != 2 || m["c1"] != 3 || m["c2"] != 1 {
		t.Errorf("CaseSeqs after reopen = %v", m)
	}
	ids, err := d.CasesByStatus(ctx, archive.StatusApproved)
	if err != nil || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("CasesByStatus(approved) after reopen = %v, %v", ids, err)
	}
	assertScan(t, d, archive.CaseScan{Owner: "alice"}, "c1")
	gu, err := d.UserByName(ctx, "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	assertUser(t, gu, u)
	if id, err := d.UserIDByTokenHash(ctx, "aa11"); err != nil || id != "u1" {
		t.Errorf("UserIDByTokenHash after reopen = %q, %v", id, err)
	}
	assertQueue(t, d, indexing.QueuedCase{ID: "c1", Seq: 3}, indexing.QueuedCase{ID: "c2", Seq: 1})
	gex, ok, err := d.ExtractedText(ctx, "sha-1")
	if err != nil || !ok || gex != ex {
		t.Errorf("ExtractedText after reopen = %+v, %v, %v", gex, ok, err)
	}
}

func TestDumpKeys(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutCases(ctx, mkCase("c1", 2, archive.StatusSubmitted, "")); err != nil {
		t.Fatal(err)
	}
	m, err := d.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ek := func(seq uint64) string {
		return "case_events/c1\x00" + string(binary.BigEndian.AppendUint64(nil, seq))
	}
	want := []string{ek(1), ek(2), "cases/c1"}
	if !slices.Equal(keys, want) {
		t.Fatalf("Dump keys = %q, want %q", keys, want)
	}
}
