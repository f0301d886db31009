package archive

import (
	"context"
	"time"
)

// Service is the one way in to dossier's domain: every caller (HTTP, CLI)
// goes through it, and access control lives here, once.
type Service struct {
	store ObjectStore
	proj  Projection
	now   func() time.Time
	locks keyedMutex
}

// Options wires a Service.
type Options struct {
	Store      ObjectStore
	Projection Projection
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewService returns a Service over the given store and projection.
func NewService(o Options) *Service {
	s := &Service{store: o.Store, proj: o.Projection, now: o.Now}
	if s.now == nil {
		s.now = time.Now
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
