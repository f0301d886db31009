// Package users is the accounts of staff and applicants: user streams in
// the store, roles, passwords (argon2id), bearer tokens, and sign-in.
package users

import (
	"context"

	"dossier/archive"
	"dossier/archive/stream"
)

// Service is the users capability.
type Service struct {
	*archive.Env
	users UserProjection
	locks stream.Locks
}

// New returns the users capability over its projection.
func New(env *archive.Env, proj UserProjection) *Service {
	return &Service{Env: env, users: proj}
}

// Person returns the user with id as an actor. Errors: ENOTFOUND.
func (s *Service) Person(ctx context.Context, id string) (archive.Actor, error) {
	if s.users == nil {
		return archive.Actor{}, archive.Errorf(archive.ENOTFOUND, "user %s does not exist", id)
	}
	u, err := s.users.User(ctx, id)
	if err != nil {
		return archive.Actor{}, err
	}
	return u.actor(), nil
}
