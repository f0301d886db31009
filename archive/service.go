package archive

import (
	"context"
	"strings"
	"time"
)

// Service is the one way in to dossier's domain: every caller (HTTP, CLI)
// goes through it, and access control lives here, once.
type Service struct {
	store     ObjectStore
	proj      Projection
	users     UserProjection
	audit     *AuditLog
	catalogue *Catalogue
	calendar  *Calendar
	now       func() time.Time
	locks     keyedMutex
	numbers   numberAllocator
	maxUpload int64
	renderer  Renderer
	index     SearchIndex
	reports   ReportRenderer
	agency    string
	publicURL string
	fonds     string
	category  string
}

// Options wires a Service.
type Options struct {
	Store      ObjectStore
	Projection Projection
	Users      UserProjection
	Audit      *AuditLog
	// Catalogue and Calendar default to the built-in data files.
	Catalogue *Catalogue
	Calendar  *Calendar
	// MaxUpload is the largest material in bytes; 0 means 50 MiB.
	MaxUpload int64
	// Renderer draws notices; without one no notice is issued.
	Renderer Renderer
	// Index is the full-text index; without one search is unavailable.
	Index SearchIndex
	// Reports draws report PDFs; without one reports are unavailable.
	Reports ReportRenderer
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
}

// NewService returns a Service over the given store and projection.
func NewService(o Options) *Service {
	s := &Service{store: o.Store, proj: o.Projection, users: o.Users, audit: o.Audit,
		catalogue: o.Catalogue, calendar: o.Calendar, now: o.Now, maxUpload: o.MaxUpload,
		renderer: o.Renderer, index: o.Index, reports: o.Reports, agency: o.Agency, publicURL: strings.TrimRight(o.PublicURL, "/")}
	s.fonds, s.category = o.Fonds, o.Category
	if s.fonds == "" {
		s.fonds = "Z109"
	}
	if s.category == "" {
		s.category = "SB"
	}
	if s.agency == "" {
		s.agency = "某市社会保险事业管理中心"
	}
	if s.publicURL == "" {
		s.publicURL = "http://127.0.0.1:8080"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.catalogue == nil {
		s.catalogue = DefaultCatalogue()
	}
	if s.calendar == nil {
		s.calendar = DefaultCalendar()
	}
	if s.maxUpload <= 0 {
		s.maxUpload = 50 << 20
	}
	return s
}

// Store returns the object store the service writes to.
func (s *Service) Store() ObjectStore { return s.store }

// Ready checks that the object store and the projection answer.
// Errors: EUNAVAILABLE naming the part that does not.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return &Error{Code: EUNAVAILABLE, Message: "object store: " + ErrorMessage(err), Err: err}
	}
	if err := s.proj.Ping(ctx); err != nil {
		return &Error{Code: EUNAVAILABLE, Message: "metadata database: " + ErrorMessage(err), Err: err}
	}
	return nil
}

// Catalogue returns the catalogue of business types, for showing names of
// business types and materials.
func (s *Service) Catalogue() *Catalogue { return s.catalogue }
