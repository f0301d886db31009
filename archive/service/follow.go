package service

import (
	"context"
	"log/slog"
	"time"

	"dossier/archive"
	"dossier/archive/changes"
	"dossier/archive/follow"
)

// NewFollower returns the follower that keeps this server's projection
// following the bucket it shares with other servers (archive/follow):
// case, user, disposal and handover events and audit entries another server wrote reach BoltDB (and through
// its queue the search index) as the store's notifications report them,
// and a full reconciliation catches up whenever a watch starts and every
// ten minutes. Call Run on it; Follower returns it to others (the web
// sessions) afterwards.
func (s *Service) NewFollower(log *slog.Logger) *follow.Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := follow.New(s.env.Store, func(ctx context.Context, why string) error {
		return s.catchUpAll(ctx, why, log)
	}, log)
	f.Handle(archive.CasePrefix, func(ctx context.Context, changes []changes.Change) error {
		ids := follow.IDs(changes, archive.ParseEventKey)
		if len(ids) == 0 {
			return nil
		}
		_, err := s.casesService.CatchUp(ctx, ids)
		return err
	})
	f.Handle(archive.UserPrefix, func(ctx context.Context, changes []changes.Change) error {
		ids := follow.IDs(changes, archive.ParseUserEventKey)
		if len(ids) == 0 {
			return nil
		}
		return s.CatchUpUsers(ctx, ids)
	})
	f.Handle(archive.DisposalPrefix, func(ctx context.Context, changes []changes.Change) error {
		return s.CatchUpDisposals(ctx, follow.IDs(changes, archive.ParseDisposalEventKey))
	})
	f.Handle(archive.HandoverPrefix, func(ctx context.Context, changes []changes.Change) error {
		return s.CatchUpHandovers(ctx, follow.IDs(changes, archive.ParseHandoverEventKey))
	})
	f.Handle(archive.AuditPrefix, func(ctx context.Context, changes []changes.Change) error {
		keys := make([]string, 0, len(changes))
		for _, c := range changes {
			keys = append(keys, c.Key)
		}
		_, err := s.CatchUpAudit(ctx, keys...)
		return err
	})
	s.follower = f
	s.auditReconciled = time.Now()
	return f
}

// Follower is the follower NewFollower made, or nil when the server
// does not follow the bucket (tests, commands).
func (s *Service) Follower() *follow.Follower { return s.follower }

// catchUpAll reconciles the projection with the store: case events,
// users, and the notices decisions owe. At start and in the periodic
// pass every case's are looked at (another server may have died between
// a decision and its notice, and its events reached this one through the
// notifications); after a watch broke, the cases that were behind.
func (s *Service) catchUpAll(ctx context.Context, why string, log *slog.Logger) error {
	rep, err := s.Reconcile(ctx)
	if err != nil {
		return err
	}
	if len(rep.Caught) > 0 {
		log.Info("caught up with the object store", "why", why, "events", rep.Events, "cases_caught_up", len(rep.Caught), "corrupt", len(rep.Corrupt))
	}
	for _, msg := range rep.Corrupt {
		log.Warn("corrupt object skipped", "object", msg)
	}
	if err := s.SyncUsers(ctx); err != nil {
		log.Warn("sync users with the object store", "err", err)
	}
	if n, err := s.SyncListings(ctx); err != nil {
		log.Warn("sync the listings of disposals and handovers with the object store", "err", err)
	} else if n > 0 {
		log.Info("caught up listings with the object store", "why", why, "records", n)
	}
	var owing []string
	if why == "watch" {
		owing = append([]string{}, rep.Caught...)
	}
	n := 0
	if owing == nil || len(owing) > 0 {
		n, err = s.IssueOwedNotices(ctx, owing)
	}
	if n > 0 {
		log.Info("issued notices that decisions owed", "why", why, "cases", n)
	}
	if err != nil {
		log.Warn("issuing owed notices", "err", err)
	}
	// A server that died between a case event and its audit entry left
	// the entry owing; it writes it when it starts again, and every
	// server looks once an hour in case it never does. It reads the whole
	// log, so not more often.
	if why == "periodic" && s.audit != nil && time.Since(s.auditReconciled) > AuditReconcileEvery {
		s.auditReconciled = time.Now()
		rep, err := s.audit.ReconcileEvents(ctx)
		if len(rep.Late) > 0 {
			log.Warn("wrote late audit entries for stored case events that had none", "events", len(rep.Late), "first", rep.Late[0])
		}
		if err != nil {
			log.Warn("audit reconciliation", "err", err)
		}
	}
	// Likewise a return file is recorded before the payment result
	// notices it owes.
	n, err = s.NotifyReturns(ctx)
	if n > 0 {
		log.Info("recorded payment outcomes that return files owed", "why", why, "outcomes", n)
	}
	if err != nil {
		log.Warn("issuing payment result notices", "err", err)
	}
	return nil
}

// AuditReconcileEvery is how often a following server writes the audit
// entries another server's crash left owing.
const AuditReconcileEvery = time.Hour

// ObjectStore is the store of record, for the web sessions every server
// shares (archive/web/kit).
func (s *Service) ObjectStore() archive.ObjectStore { return s.env.Store }
