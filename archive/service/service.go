// Package service composes the capability services into the one Service
// that the HTTP adapter, the command line and the demo call. It wires
// capabilities to each other through the small interfaces each defines
// and holds no rules of its own: every method a caller reaches is a
// capability's.
package service

import (
	"context"
	"log/slog"
	"time"

	"dossier/archive"
	"dossier/archive/archiving"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/changes"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/follow"
	"dossier/archive/handover"
	"dossier/archive/indexing"
	"dossier/archive/listing"
	"dossier/archive/loans"
	"dossier/archive/notices"
	"dossier/archive/packages"
	"dossier/archive/payment"
	"dossier/archive/payment/bankfile"
	"dossier/archive/payment/caserecord"
	"dossier/archive/payment/settlement"
	"dossier/archive/refdata"
	"dossier/archive/reports"
	"dossier/archive/savedsearch"
	"dossier/archive/users"
	"dossier/archive/workload"
)

// The capability services, under names of their own so that one Service
// can embed them all.
type (
	casesService      = cases.Service
	usersService      = users.Service
	archivingService  = archiving.Service
	loansService      = loans.Service
	disposalService   = disposal.Service
	fixityService     = fixity.Service
	reportsService    = reports.Service
	indexingService   = indexing.Service
	noticesService    = notices.Service
	packagesService   = packages.Service
	workloadService   = workload.Service
	auditReader       = audit.Reader
	handoverService   = handover.Service
	paymentService    = payment.Service
	settlementService = settlement.Service
	savedService      = savedsearch.Service
)

// Service is dossier's domain: each capability's methods, promoted.
type Service struct {
	*casesService
	*usersService
	*archivingService
	*loansService
	*disposalService
	*fixityService
	*reportsService
	*indexingService
	*noticesService
	*packagesService
	*workloadService
	*auditReader
	*handoverService
	*paymentService
	*settlementService
	*savedService

	env   *archive.Env
	proj  archive.Projection
	audit *audit.AuditLog
	// auditIndex is the audit log's index in the projection (nil: none).
	auditIndex audit.Index
	follower   *follow.Follower
	// auditReconciled is when the follower last wrote owed audit entries
	// (set at start: the server does it beside its start).
	auditReconciled time.Time
}

// Renderers draws every PDF the service issues; registers.Reports
// implements all but the notice renderer.
type Renderers interface {
	reports.ReportRenderer
	fixity.Renderer
	disposal.DisposalRenderer
	handover.ListRenderer
	settlement.Renderer
}

// Options wires a Service.
type Options struct {
	Store      archive.ObjectStore
	Projection archive.Projection
	Users      users.UserProjection
	Audit      *audit.AuditLog
	// Catalogue and Calendar default to the built-in data files.
	Catalogue *refdata.Catalogue
	Calendar  *refdata.Calendar
	// MaxUpload is the largest material in bytes; 0 means 50 MiB.
	MaxUpload int64
	// Renderer draws notices; without one no notice is issued.
	Renderer notices.Renderer
	// Index is the full-text index; without one search is unavailable.
	Index indexing.SearchIndex
	// Reports draws report PDFs; without one reports are unavailable.
	Reports Renderers
	// Agency is the issuing agency printed on notices.
	Agency string
	// Fonds is the 全宗号 of archive numbers (4 characters); Category the
	// 门类代码 (2 letters). Defaults: Z109, SB.
	Fonds, Category string
	// PublicURL is where the service is reached from outside, printed on
	// notices for their verification (…/verify/<code>).
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BankFormat is the bank's file format; nil means the documented CSV.
	BankFormat bankfile.Format
}

// New wires every capability over one Env.
func New(o Options) *Service {
	var auditor archive.Auditor
	// The projection keeps the audit log's index when it can (BoltDB
	// does); the log feeds it as it writes.
	auditIndex, _ := o.Projection.(audit.Index)
	if o.Audit != nil {
		auditor = o.Audit
		if auditIndex != nil {
			o.Audit.IndexInto(auditIndex)
		}
	}
	if o.Catalogue == nil {
		o.Catalogue = refdata.DefaultCatalogue()
	}
	if o.Calendar == nil {
		o.Calendar = refdata.DefaultCalendar()
	}
	env := archive.NewEnv(o.Store, auditor, o.Catalogue, o.Calendar, o.Now)
	if o.Agency == "" {
		o.Agency = "某市社会保险事业管理中心"
	}
	// Interfaces holding a nil pointer are not nil: hand each capability
	// a nil interface when there is no renderer.
	var (
		rr reports.ReportRenderer
		fr fixity.Renderer
		dr disposal.DisposalRenderer
		hr handover.ListRenderer
		sr settlement.Renderer
	)
	if o.Reports != nil {
		rr, fr, dr, hr, sr = o.Reports, o.Reports, o.Reports, o.Reports, o.Reports
	}
	var nr notices.Renderer
	if o.Renderer != nil {
		nr = o.Renderer
	}
	// The projection keeps the milestone log the office's figures read
	// (boltdb does).
	milestones, _ := o.Projection.(workload.Log)
	us := users.New(env, o.Users)
	// Servers sharing a bucket guard blobs with leases in it.
	blobs := &cases.BlobGuard{}
	if _, local := o.Store.(changes.LocalOnly); !local {
		blobs.Store = o.Store
	}
	cs := cases.New(env, cases.Options{Projection: o.Projection, People: us, Blobs: blobs, MaxUpload: o.MaxUpload})
	ns := notices.New(env, o.Projection, cs, nr, o.Agency, o.PublicURL)
	cs.SetNotices(ns)
	as := archiving.New(env, o.Projection, cs, o.Fonds, o.Category)
	ps := payment.New(env, o.Projection, o.BankFormat)
	ps.SetNotifier(ns)
	as.SetPayments(ps)
	cs.SetArchiveGate(ps)
	pk := packages.New(env, as)
	pk.SetPayments(caserecord.New(o.Store, ps))
	ds := disposal.New(env, o.Projection, cs, as, blobs, us, dr, o.Agency)
	hs := handover.New(env, o.Projection, cs, us, hr, o.Agency)
	// The projection keeps the listings of disposals and handovers
	// (boltdb does); without, they are listed from the store.
	if l, ok := o.Projection.(listing.Store); ok {
		ds.SetListing(l)
		hs.SetListing(l)
	}
	return &Service{
		casesService:      cs,
		usersService:      us,
		archivingService:  as,
		loansService:      loans.New(env, o.Projection, cs, as),
		disposalService:   ds,
		fixityService:     fixity.New(env, fr, o.Agency),
		reportsService:    reports.New(env, o.Projection, us, rr, o.Agency),
		indexingService:   indexing.New(env, o.Projection, o.Index, cs),
		noticesService:    ns,
		packagesService:   pk,
		workloadService:   workload.New(env, milestones),
		auditReader:       audit.NewReader(o.Audit, auditIndex, us, o.Projection),
		handoverService:   hs,
		paymentService:    ps,
		settlementService: settlement.New(env, ps, sr, o.Agency),
		savedService:      savedsearch.New(env),
		env:               env,
		proj:              o.Projection,
		audit:             o.Audit,
		auditIndex:        auditIndex,
	}
}

// Empty reports whether the store holds no users and no cases: a data
// set the demo may seed. Errors: EUNAVAILABLE.
func (s *Service) Empty(ctx context.Context) (bool, error) {
	for _, prefix := range []string{archive.UserPrefix, archive.CasePrefix} {
		page, err := s.env.Store.List(ctx, prefix, "", 1)
		if err != nil {
			return false, err
		}
		if len(page.Objects) > 0 {
			return false, nil
		}
	}
	return true, nil
}

// Catalogue returns the catalogue of business types, for showing names of
// business types and materials.
func (s *Service) Catalogue() archive.Catalogue { return s.env.Catalogue }

// Now reads the service's clock.
func (s *Service) Now() time.Time { return s.env.Now() }

// Ready checks that the object store and the projection answer.
// Errors: EUNAVAILABLE naming the part that does not.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.env.Store.Ping(ctx); err != nil {
		return archive.Wrapf("", archive.EUNAVAILABLE, err, "object store: %s", err)
	}
	if err := s.proj.Ping(ctx); err != nil {
		return archive.Wrapf("", archive.EUNAVAILABLE, err, "metadata database: %s", err)
	}
	return nil
}

// NewIndexer returns the indexer that keeps idx following the case log.
func (s *Service) NewIndexer(q indexing.IndexQueue, idx indexing.SearchIndex, ex indexing.Extractor, log *slog.Logger) *indexing.Indexer {
	return indexing.NewIndexer(s.indexingService, q, idx, ex, log)
}
