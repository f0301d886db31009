package archive

import (
	"context"
	"fmt"
)

// Problem is one failed check, naming the case and object.
type Problem struct {
	CaseID string `json:"case_id,omitempty"`
	Object string `json:"object"`
	Check  string `json:"check"`
	Detail string `json:"detail"`
}

// VerifyCaseEvents checks a case's event log in the store: every object
// parses as the event its key names, sequence numbers run from 1 without
// a gap, and each event's Prev is the hash of the previous object's bytes
// — so an edited, removed or inserted event is found. Errors only when the
// store cannot be read; findings are Problems.
func VerifyCaseEvents(ctx context.Context, store ObjectStore, caseID string) ([]Problem, error) {
	var problems []Problem
	add := func(key, check, format string, args ...any) {
		problems = append(problems, Problem{CaseID: caseID, Object: key, Check: check, Detail: fmt.Sprintf(format, args...)})
	}
	var prevSum string
	var want uint64 = 1
	err := store.Walk(ctx, CasePrefix+caseID+"/events/", func(oi ObjectInfo) error {
		_, seq, ok := ParseEventKey(oi.Key)
		if !ok {
			add(oi.Key, "integrity", "stray object among the events")
			return nil
		}
		if seq != want {
			add(oi.Key, "integrity", "event %d follows event %d: events %d to %d are missing", seq, want-1, want, seq-1)
			prevSum = "" // the chain cannot be checked across the gap
		}
		want = seq + 1
		data, err := ReadAll(ctx, store, oi.Key)
		if err != nil {
			return err
		}
		ev, err := DecodeEvent(oi.Key, data)
		if err != nil {
			add(oi.Key, "authenticity", "%s", ErrorMessage(err))
			prevSum = sha256Hex(data)
			return nil
		}
		if seq > 1 && prevSum != "" && ev.Prev != prevSum {
			add(oi.Key, "authenticity", "event %d does not chain to event %d: the earlier event was changed", seq, seq-1)
		}
		prevSum = sha256Hex(data)
		return nil
	})
	return problems, err
}
