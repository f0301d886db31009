package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Projection is the queryable copy of the event log (BoltDB). It can be
// thrown away and rebuilt from the object store at any time.
type Projection interface {
	// Case returns the folded case without its History. Errors: ENOTFOUND.
	Case(ctx context.Context, id string) (*Case, error)
	// Events returns a case's events in order.
	Events(ctx context.Context, id string) ([]Event, error)
	// PutCases stores folded cases and their index entries, and the events
	// of c.History newer than the stored case. A case whose stored Seq is
	// as new or newer is left alone, so a late writer never rolls a case
	// back.
	PutCases(ctx context.Context, cs ...*Case) error
	// CaseSeqs calls fn with every case id and its last folded seq.
	CaseSeqs(ctx context.Context, fn func(id string, seq uint64) error) error
	// Reset empties the projection before a rebuild.
	Reset(ctx context.Context) error
	// Ping checks that the projection answers.
	Ping(ctx context.Context) error
	// ScanCases calls fn with cases newest first, as selected by q, until
	// fn returns false.
	ScanCases(ctx context.Context, q CaseScan, fn func(*Case) bool) error
	// CaseIDByNumber returns the id of the case numbered number
	// (SB2026-000001). Errors: ENOTFOUND.
	CaseIDByNumber(ctx context.Context, number string) (string, error)
}

// Sha256Hex is the lowercase hex SHA-256 of b: the hash of a stored
// object that events, manifests and audit entries record.
func Sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// applyStored folds an event read from (or just written to) the store and
// moves the case's chain head to the hash of its stored bytes.
func (c *Case) ApplyStored(ev Event, sum string) error {
	if err := c.Apply(ev); err != nil {
		return err
	}
	c.Head = sum
	return nil
}

// DecodeEvent parses an event object. Errors: EINVALID naming the key when
// the bytes are not an event or not the event the key names.
func DecodeEvent(key string, data []byte) (Event, error) {
	caseID, seq, ok := ParseEventKey(key)
	if !ok {
		return Event{}, Errorf(EINVALID, "%s is not an event key", key)
	}
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, Wrapf("", EINVALID, err, "%s is not valid event JSON", key)
	}
	if ev.Seq != seq || ev.CaseID != caseID {
		return Event{}, Errorf(EINVALID, "%s holds event %d of case %q", key, ev.Seq, ev.CaseID)
	}
	return ev, nil
}
