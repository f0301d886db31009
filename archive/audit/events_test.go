package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/diskstore"
)

// A segment written before entries could name an event — the encoding
// and hash of the time, byte for byte — still verifies, and its entries
// vouch for no event; an entry naming one carries key and hash into the
// report.
func TestAuditOldEntriesStillVerify(t *testing.T) {
	ctx := context.Background()
	store, err := diskstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old := `{"seq":1,"at":"2026-03-02T09:30:01Z","actor":"u1","name":"李","roles":["clerk"],"action":"case.create","target":"case/c1","remote":"10.0.0.1","detail":"pension_claim","prev":""}`
	sum := sha256.Sum256([]byte(old))
	h := hex.EncodeToString(sum[:])
	seg := fmt.Sprintf(`{"seq":1,"first":1,"entries":[%s]}`, old[:len(old)-1]+`,"hash":"`+h+`"}`)
	if err := store.Create(ctx, archive.AuditSegmentKey(1), []byte(seg)); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyAuditLog(ctx, store)
	if err != nil || len(rep.Problems) != 0 || rep.Entries != 1 || len(rep.Events) != 0 {
		t.Fatalf("an entry of the old format: %+v %v", rep, err)
	}
	l := openAudit(t, store)
	key := archive.EventKey("c1", 1)
	e := archive.EventAuditEntry(archive.Event{Seq: 1, CaseID: "c1", Type: archive.EventCreated, Actor: "u1", Role: archive.RoleClerk}, key, h, false)
	if err := l.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	rep, err = audit.VerifyAuditLog(ctx, store)
	if err != nil || len(rep.Problems) != 0 || rep.Events[key].SHA256 != h || rep.Events[key].Seq != 2 {
		t.Fatalf("after an entry naming an event: %+v %v", rep, err)
	}
}
