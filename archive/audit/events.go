package audit

import (
	"context"
	"sort"
	"sync"
	"time"

	"dossier/archive"
)

// Every stored case event has an audit entry naming it (archive.
// EventAuditEntry), written by the append path right after the event. When
// the log cannot be written then, the change is stored yet unaudited: the
// request is answered with an error that says so, and the entry is written
// late, marked as such, by the log's retry (OweEvent) while the process
// runs, or by ReconcileEvents at the next start-up.

const (
	// owedRetry is how often owed entries are tried again while the log
	// cannot be written.
	owedRetry = 2 * time.Second
	// owedMissingGrace is how long an owed event may be missing from the
	// store before it is taken as never stored (a write that timed out
	// may still land once a frozen store resumes).
	owedMissingGrace = time.Minute
	// reconcileWorkers read events and queue their late entries at once,
	// so that group commit writes many per segment.
	reconcileWorkers = 32
)

// owedEvent is a case event whose entry is still to be written.
type owedEvent struct {
	missingSince time.Time // zero until the store said it does not exist
}

// OweEvent notes that the case event at key may be stored without its
// entry — the entry could not be written, or the event's own write had an
// unknown outcome — so that the log writes it, marked late, as soon as it
// can: once the event can be read (an event that stays missing was never
// stored, and is forgotten) and the log written. An entry for key that
// the log commits meanwhile settles it.
func (l *AuditLog) OweEvent(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if _, ok := l.owed[key]; !ok {
		l.owed[key] = &owedEvent{}
	}
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// Owed is the number of events whose entries are still to be written.
func (l *AuditLog) Owed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.owed)
}

// retryOwed writes owed entries until there are none, every owedRetry,
// and waits for the next OweEvent; it stops with Close.
func (l *AuditLog) retryOwed() {
	defer close(l.retried)
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		}
		for l.settleOwed() > 0 {
			select {
			case <-l.stop:
				return
			case <-time.After(owedRetry):
			}
		}
	}
}

// settleOwed tries each owed entry once and returns how many are left.
func (l *AuditLog) settleOwed() int {
	l.mu.Lock()
	keys := make([]string, 0, len(l.owed))
	for k := range l.owed {
		keys = append(keys, k)
	}
	l.mu.Unlock()
	sort.Strings(keys)
	for _, key := range keys {
		ctx, cancel := context.WithTimeout(context.Background(), auditWriteTimeout)
		e, _, err := l.lateEntry(ctx, key)
		switch {
		case archive.IsCode(err, archive.ENOTFOUND):
			l.mu.Lock()
			if o := l.owed[key]; o != nil && o.missingSince.IsZero() {
				o.missingSince = archive.SystemClock()
			} else if o != nil && archive.SystemClock().Sub(o.missingSince) > owedMissingGrace {
				delete(l.owed, key)
			}
			l.mu.Unlock()
		case archive.IsCode(err, archive.EINVALID):
			// Not an event that decodes: `dossier verify` names it.
			l.mu.Lock()
			delete(l.owed, key)
			l.mu.Unlock()
		case err == nil:
			// Committing it settles the debt (see run).
			l.Record(ctx, e)
		}
		cancel()
	}
	return l.Owed()
}

// lateEntry reads the event at key and returns it with its entry, marked
// late. Errors: ENOTFOUND, EINVALID for an object that is not that event,
// those of the store.
func (l *AuditLog) lateEntry(ctx context.Context, key string) (archive.AuditEntry, archive.Event, error) {
	data, err := archive.ReadAll(ctx, l.store, key)
	if err != nil {
		return archive.AuditEntry{}, archive.Event{}, err
	}
	ev, err := archive.DecodeEvent(key, data)
	if err != nil {
		return archive.AuditEntry{}, archive.Event{}, archive.E("", archive.EINVALID, err)
	}
	return archive.EventAuditEntry(ev, key, archive.Sha256Hex(data), true), ev, nil
}

// Imported reports whether the case event ev is vouched for by an
// archive.import entry of log rather than an entry of its own: its case
// was imported, and it was written before the import.
func Imported(log AuditReport, ev archive.Event) bool {
	at, ok := log.Imports[ev.CaseID]
	return ok && !ev.At.After(at)
}

// LateReport says what ReconcileEvents did.
type LateReport struct {
	// Events is the number of case events in the store.
	Events int `json:"events"`
	// Late lists the events that had no entry and were given one, marked
	// late.
	Late []string `json:"late,omitempty"`
	// Unreadable lists events that do not decode, which get no entry
	// (`dossier verify` names them).
	Unreadable []string `json:"unreadable,omitempty"`
}

// ReconcileEvents writes the missing entry, marked late, of every case
// event in the store that no entry vouches for: events stored while the
// log could not be written, by this process or one that died before its
// retry did it. Events that `dossier import` brought in are vouched for by
// their archive.import entry and get none. It reads the whole log and
// lists every case event, so it runs at start-up, beside the server. It
// can run while others append: entries this log commits meanwhile count,
// and an event whose entry another process is writing at that very moment
// may get a second, late one. Errors: those of the store; the audit log's
// when an entry cannot be written.
func (l *AuditLog) ReconcileEvents(ctx context.Context) (LateReport, error) {
	l.mu.Lock()
	l.tracked = map[string]bool{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.tracked = nil
		l.mu.Unlock()
	}()
	// Events first, then the log: an event listed was stored before the
	// log is read, so its entry, if it was written in time, is read too
	// (or tracked).
	var keys []string
	err := l.store.Walk(ctx, archive.CasePrefix, func(oi archive.ObjectInfo) error {
		if _, _, ok := archive.ParseEventKey(oi.Key); ok {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if err != nil {
		return LateReport{}, err
	}
	rep := LateReport{Events: len(keys)}
	log, err := VerifyAuditLog(ctx, l.store)
	if err != nil {
		return rep, err
	}
	var missing []string
	l.mu.Lock()
	for _, k := range keys {
		_, owed := l.owed[k]
		if _, ok := log.Events[k]; !ok && !owed && !l.tracked[k] {
			missing = append(missing, k)
		}
	}
	l.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	jobs := make(chan string)
	for w := 0; w < reconcileWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range jobs {
				e, ev, err := l.lateEntry(ctx, key)
				if err == nil && Imported(log, ev) {
					continue
				}
				if err == nil {
					err = l.Record(ctx, e)
				}
				mu.Lock()
				switch {
				case err == nil:
					rep.Late = append(rep.Late, key)
				case archive.IsCode(err, archive.ENOTFOUND):
				case archive.IsCode(err, archive.EINVALID):
					rep.Unreadable = append(rep.Unreadable, key)
				case firstErr == nil:
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	for _, k := range missing {
		select {
		case jobs <- k:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	sort.Strings(rep.Late)
	sort.Strings(rep.Unreadable)
	return rep, firstErr
}
