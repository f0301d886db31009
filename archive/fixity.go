package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
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
	p, _, err := verifyCase(ctx, store, caseID)
	return p, err
}

// verifyCase checks the event log and returns the archive record its
// events carry, if any.
func verifyCase(ctx context.Context, store ObjectStore, caseID string) ([]Problem, *ArchiveRecord, error) {
	var rec *ArchiveRecord
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
		if ev.Archive != nil {
			rec = ev.Archive
		}
		if seq > 1 && prevSum != "" && ev.Prev != prevSum {
			add(oi.Key, "authenticity", "event %d does not chain to event %d: the earlier event was changed", seq, seq-1)
		}
		prevSum = sha256Hex(data)
		return nil
	})
	return problems, rec, err
}

// FixityReport is the result of Verify.
type FixityReport struct {
	Cases         int       `json:"cases"`
	ArchivedCases int       `json:"archived_cases"`
	Objects       int       `json:"objects"`
	Bytes         int64     `json:"bytes"`
	AuditEntries  int       `json:"audit_entries"`
	Problems      []Problem `json:"problems"`
}

// Verify checks the whole store, reading nothing but the store (it runs
// beside a server): every case's event chain; for archived cases the
// manifest's own hash, every object it lists (present, size, SHA-256 of
// the content) and the 档号 (format, unique, 件号 without gaps per fonds,
// year and retention); and the audit log's hash chain. progress, if not
// nil, is called after each case. Errors only when the store fails.
func Verify(ctx context.Context, store ObjectStore, progress func(done, total int)) (*FixityReport, error) {
	cases := map[string]bool{}
	err := store.Walk(ctx, CasePrefix, func(oi ObjectInfo) error {
		if id, _, ok := ParseEventKey(oi.Key); ok {
			cases[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := &FixityReport{Cases: len(cases), Problems: []Problem{}}
	items := map[string][]int{} // fonds/year/retention → 件号
	numbers := map[string]string{}
	// Cases are checked by a few workers: reading and hashing overlap, so
	// the check runs near the store's read speed rather than one object
	// at a time.
	var mu sync.Mutex
	var firstErr error
	done := 0
	jobs := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				part := &FixityReport{}
				p, rec, err := verifyCase(ctx, store, id)
				if err == nil && rec != nil {
					err = verifyPackage(ctx, store, rec, part)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				rep.Problems = append(rep.Problems, p...)
				rep.Problems = append(rep.Problems, part.Problems...)
				rep.Objects += part.Objects
				rep.Bytes += part.Bytes
				if rec != nil {
					rep.ArchivedCases++
					if !ValidArchiveNo(rec.ArchiveNo) {
						rep.Problems = append(rep.Problems, Problem{CaseID: id, Object: rec.ManifestKey, Check: "authenticity", Detail: fmt.Sprintf("档号 %q is malformed", rec.ArchiveNo)})
					}
					if other, dup := numbers[rec.ArchiveNo]; dup {
						rep.Problems = append(rep.Problems, Problem{CaseID: id, Object: rec.ManifestKey, Check: "authenticity", Detail: fmt.Sprintf("档号 %s is also given to case %s", rec.ArchiveNo, other)})
					}
					numbers[rec.ArchiveNo] = id
					seqKey := fmt.Sprintf("%s/%d/%s", rec.Fonds, rec.Year, rec.Retention)
					items[seqKey] = append(items[seqKey], rec.Item)
				}
				done++
				if progress != nil {
					progress(done, len(cases))
				}
				mu.Unlock()
			}
		}()
	}
	for id := range cases {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for k, its := range items {
		sort.Ints(its)
		for i, n := range its {
			if n != i+1 {
				rep.Problems = append(rep.Problems, Problem{Object: archiveNumberPrefix + k, Check: "integrity", Detail: fmt.Sprintf("件号 of %s run %v: gap or duplicate at %d", k, its, i+1)})
				break
			}
		}
	}
	audit, err := VerifyAuditLog(ctx, store)
	if err != nil {
		return nil, err
	}
	rep.AuditEntries = audit.Entries
	for _, p := range audit.Problems {
		rep.Problems = append(rep.Problems, Problem{Object: p.Object, Check: "authenticity", Detail: fmt.Sprintf("audit entry %d: %s", p.Seq, p.Problem)})
	}
	sort.Slice(rep.Problems, func(i, j int) bool { return rep.Problems[i].Object < rep.Problems[j].Object })
	return rep, nil
}

// verifyPackage checks an archived case's manifest and every object in
// it.
func verifyPackage(ctx context.Context, store ObjectStore, rec *ArchiveRecord, rep *FixityReport) error {
	add := func(key, check, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{CaseID: rec.CaseID, Object: key, Check: check, Detail: fmt.Sprintf(format, args...)})
	}
	data, err := ReadAll(ctx, store, rec.ManifestKey)
	if IsCode(err, ENOTFOUND) {
		add(rec.ManifestKey, "integrity", "the archival package manifest is missing")
		return nil
	}
	if err != nil {
		return err
	}
	if sha256Hex(data) != rec.ManifestSHA256 {
		add(rec.ManifestKey, "authenticity", "the manifest was changed after archiving")
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		add(rec.ManifestKey, "usability", "the manifest is not valid JSON")
		return nil
	}
	for _, o := range m.Objects {
		rc, info, err := store.Get(ctx, o.Key)
		if IsCode(err, ENOTFOUND) {
			add(o.Key, "integrity", "%s listed in the manifest is missing", o.Kind)
			continue
		}
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return E("archive.verifyPackage", EUNAVAILABLE, err)
		}
		rep.Objects++
		rep.Bytes += n
		if n != o.Size || info.Size != o.Size {
			add(o.Key, "integrity", "%s is %d bytes, the manifest says %d", o.Kind, n, o.Size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != o.SHA256 {
			add(o.Key, "authenticity", "%s content hash %s differs from the manifest's %s", o.Kind, got, o.SHA256)
		}
	}
	return nil
}
