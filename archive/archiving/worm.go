package archiving

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/zh"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// WORM reports whether the object store keeps archived objects
// write-once. Stores that cannot (the embedded directory store) report it
// off with the reason. Errors: EUNAVAILABLE.
func (s *Service) WORM(ctx context.Context) (archive.WORMStatus, error) {
	return StoreWORM(ctx, s.Store)
}

// StoreWORM is the WORM status of a store; one that is not a Retainer has
// WORM off. Errors: EUNAVAILABLE.
func StoreWORM(ctx context.Context, store archive.ObjectStore) (archive.WORMStatus, error) {
	r, ok := store.(archive.Retainer)
	if !ok {
		return archive.WORMStatus{Detail: "内置存储（本机目录）不能防篡改保存（一次写入）：需要时请改用开启对象锁定（Object Lock）的 S3 存储桶"}, nil
	}
	return r.WORM(ctx)
}

// wormRecord is what an archive record says about WORM given the store's
// status.
func wormRecord(st archive.WORMStatus, retainUntil *time.Time, now time.Time) *archive.WORMRecord {
	if !st.Enabled {
		return &archive.WORMRecord{Detail: st.Detail}
	}
	if archiveno.RetentionOver(retainUntil, now) {
		return &archive.WORMRecord{Detail: "保管期限已于 " + retainUntil.In(archive.Zone).Format("2006-01-02") + " 在归档前届满，无需设置保留期"}
	}
	return &archive.WORMRecord{Enabled: true, Mode: st.Mode, RetainUntil: retainUntil}
}

// archiveKeys lists every object the retention of an archived case
// covers: what its manifest lists (events before archiving, materials,
// notices), the manifest, the archived event, the 档号 pointer and the
// 件号 claim.
func archiveKeys(ctx context.Context, store archive.ObjectGetter, rec *archive.ArchiveRecord, eventKey string) ([]string, error) {
	data, err := archive.ReadAll(ctx, store, rec.ManifestKey)
	if err != nil {
		return nil, err
	}
	var m archive.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, archive.Errorf(archive.EINTERNAL, "manifest %s is not valid JSON", rec.ManifestKey)
	}
	keys := []string{rec.ManifestKey, eventKey, archive.ArchivePointer(rec.ArchiveNo),
		archive.ItemClaimKey(rec.Fonds, rec.Year, rec.Retention, rec.Item), archive.CaseClaimNoteKey(rec.CaseID)}
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	for _, o := range m.Objects {
		if !seen[o.Key] {
			seen[o.Key] = true
			keys = append(keys, o.Key)
		}
	}
	return keys, nil
}

// retainArchive puts every object of an archived case under retention
// until rec.RetainUntil (permanently for 永久); nothing when the retention
// has ended by now. It goes on past a failed object so that one failure
// leaves as little unprotected as possible; failures are Problems. The
// error is for a manifest that cannot be read.
func retainArchive(ctx context.Context, store archive.ObjectStore, r archive.Retainer, rec *archive.ArchiveRecord, eventKey string, now time.Time) (int, []archive.Problem, error) {
	if archiveno.RetentionOver(rec.RetainUntil, now) {
		return 0, nil, nil
	}
	keys, err := archiveKeys(ctx, store, rec, eventKey)
	if err != nil {
		return 0, nil, err
	}
	var until time.Time // zero: permanent
	if rec.RetainUntil != nil {
		until = *rec.RetainUntil
	}
	// A few at once: each is a read and a write to the store.
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			errs[i] = r.Retain(ctx, k, until)
			<-sem
		}()
	}
	wg.Wait()
	var problems []archive.Problem
	for i, err := range errs {
		if err != nil {
			problems = append(problems, archive.Problem{CaseID: rec.CaseID, Object: keys[i], Check: "security",
				Detail: "未能设置 WORM 保留期：" + zh.Message(err) + "；请稍后运行 `dossier retain` 重试"})
		}
	}
	return len(keys), problems, nil
}

// retainFailed is the error of an archiving whose retention failed after
// the case was archived: the archive stands, and `dossier retain` applies
// the missing retention.
func retainFailed(rec *archive.ArchiveRecord, problems []archive.Problem, err error) error {
	if err != nil {
		return archive.Wrapf("archive.ArchiveCase", archive.EUNAVAILABLE, err,
			"case %s was archived as %s, but WORM retention failed: its manifest could not be read: %s; run `dossier retain` to apply it", rec.CaseID, rec.ArchiveNo, err)
	}
	var objs []string
	for _, p := range problems {
		objs = append(objs, p.Object)
	}
	return archive.Errorf(archive.EUNAVAILABLE, "case %s was archived as %s, but WORM retention failed: %d objects are not retained (%s): %s; run `dossier retain` to apply it",
		rec.CaseID, rec.ArchiveNo, len(problems), strings.Join(objs, ", "), problems[0].Detail)
}

// RetainArchives applies WORM retention to the objects of every archived
// case whose retention has not ended: it repairs an archiving whose
// retention failed, and protects cases archived before the bucket had
// Object Lock. Retention only ever extends, so running it again is
// harmless. With caseIDs it does only those cases (an import's) instead of
// walking the store. progress, if not nil, is called after each case. Errors:
// EUNSUPPORTED when the store has WORM off, EUNAVAILABLE; objects that
// could not be retained are Problems.
func RetainArchives(ctx context.Context, store archive.ObjectStore, now time.Time, caseIDs []string, progress func(done, total int)) (*archive.RetainReport, error) {
	st, err := StoreWORM(ctx, store)
	if err != nil {
		return nil, err
	}
	r, ok := store.(archive.Retainer)
	if !ok || !st.Enabled {
		return nil, archive.Errorf(archive.EUNSUPPORTED, "WORM is off: %s", st.Detail)
	}
	cases := map[string]bool{}
	for _, id := range caseIDs {
		cases[id] = true
	}
	if caseIDs == nil {
		err = store.Walk(ctx, archive.CasePrefix, func(oi archive.ObjectInfo) error {
			if id, _, ok := archive.ParseEventKey(oi.Key); ok {
				cases[id] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	rep := &archive.RetainReport{Problems: []archive.Problem{}}
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
				rec, key, err := archivedEvent(ctx, store, id)
				var n int
				var problems []archive.Problem
				if err == nil && rec != nil {
					n, problems, err = retainArchive(ctx, store, r, rec, key, now)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if rec != nil {
					rep.ArchivedCases++
				}
				rep.Objects += n - len(problems)
				rep.Problems = append(rep.Problems, problems...)
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
	return rep, nil
}

// archivedEvent finds a case's archive record and the key of the event
// that carries it; nil when the case is not archived.
func archivedEvent(ctx context.Context, store archive.ObjectStore, caseID string) (*archive.ArchiveRecord, string, error) {
	var rec *archive.ArchiveRecord
	var key string
	err := store.Walk(ctx, archive.CasePrefix+caseID+"/events/", func(oi archive.ObjectInfo) error {
		data, err := archive.ReadAll(ctx, store, oi.Key)
		if err != nil {
			return err
		}
		ev, err := archive.DecodeEvent(oi.Key, data)
		if err != nil {
			return nil // a damaged event is verify's finding
		}
		if ev.Type == archive.EventArchived && ev.Archive != nil {
			rec, key = ev.Archive, oi.Key
		}
		return nil
	})
	return rec, key, err
}
