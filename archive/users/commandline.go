package users

import (
	"context"

	"dossier/archive"
)

// The command line changes users on the object store alone: a running
// server may hold BoltDB, and it takes the changes up when it syncs
// (within a minute) or at once on a token's first use. by is the
// operating-system user, named in the audit log; each change is audited
// like one made through the API.

// AddUserByCommandLine creates a user with a first token, returned once
// and never stored (the last of the user's Tokens). Errors: as CreateUser;
// when the user was created but its password, token or audit entry could
// not be written, the user is returned with the error.
func (s *Service) AddUserByCommandLine(ctx context.Context, by archive.Actor, in NewUser) (*User, string, error) {
	u, token, err := storeLog(s.Store, s.Now()).create(ctx, archive.ByCommandLine, in)
	if u != nil {
		if aerr := s.auditUser(ctx, by, "user.create", userTarget(u.ID)); aerr != nil && err == nil {
			return u, "", aerr
		}
	}
	return u, token, err
}

// IssueTokenByCommandLine gives the user named name another token.
// Errors: ENOTFOUND for an unknown user; ECONFLICT for a disabled one;
// EINVALID for a bad label; EUNAVAILABLE.
func (s *Service) IssueTokenByCommandLine(ctx context.Context, by archive.Actor, name, label string) (*User, string, error) {
	l := storeLog(s.Store, s.Now())
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, "", err
	}
	token, u, err := l.issueToken(ctx, archive.ByCommandLine, u.ID, label, false)
	if err != nil {
		return nil, "", err
	}
	return u, token, s.auditUser(ctx, by, "user.token_issue", userTarget(u.ID))
}

// RevokeTokenByCommandLine revokes a token of the user named name.
// Errors: ENOTFOUND for an unknown user or token id; EUNAVAILABLE.
func (s *Service) RevokeTokenByCommandLine(ctx context.Context, by archive.Actor, name, tokenID string) (*User, error) {
	l := storeLog(s.Store, s.Now())
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, err
	}
	if u, err = l.revokeToken(ctx, archive.ByCommandLine, u.ID, tokenID); err != nil {
		return nil, err
	}
	return u, s.auditUser(ctx, by, "user.token_revoke", userTarget(u.ID)+"/tokens/"+tokenID)
}

// SetPasswordByCommandLine sets the web-interface password of the user
// named name. Errors: EINVALID for a password under 10 characters;
// ENOTFOUND for an unknown user; EUNAVAILABLE.
func (s *Service) SetPasswordByCommandLine(ctx context.Context, by archive.Actor, name, password string) (*User, error) {
	u, err := SetPasswordInStore(ctx, s.Store, name, password, s.Now())
	if err != nil {
		return nil, err
	}
	return u, s.auditUser(ctx, by, "user.password_set", userTarget(u.ID))
}

// ListUsersByCommandLine returns the users f selects, in creation order,
// as the object store has them. Errors: EINVALID for a bad filter;
// EUNAVAILABLE.
func (s *Service) ListUsersByCommandLine(ctx context.Context, f UserFilter) ([]*User, error) {
	if err := f.normalize(); err != nil {
		return nil, err
	}
	users, err := storeLog(s.Store, s.Now()).users(ctx)
	if err != nil {
		return nil, err
	}
	return selectUsers(users, f, "", 0).Users, nil
}

// UserByCommandLine returns the user named name as the object store has
// it. Errors: ENOTFOUND; EUNAVAILABLE.
func (s *Service) UserByCommandLine(ctx context.Context, name string) (*User, error) {
	return storeLog(s.Store, s.Now()).byName(ctx, name)
}

// UpdateUserByCommandLine changes the roles, display name or status of
// the user named name, by the rules of UpdateUser: the last enabled
// administrator is neither disabled nor demoted from here either.
// Errors: as UpdateUser, EFORBIDDEN aside.
func (s *Service) UpdateUserByCommandLine(ctx context.Context, by archive.Actor, name string, up UserUpdate) (*User, error) {
	l := storeLog(s.Store, s.Now())
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.update(ctx, archive.ByCommandLine, u.ID, up, s.recorder(ctx, by, u.ID))
}

// ResetPasswordByCommandLine resets the password of the user named name
// as ResetPassword does, and returns the new activation token for the
// operator to hand over. Errors: ENOTFOUND; ECONFLICT for a disabled
// user; EUNAVAILABLE.
func (s *Service) ResetPasswordByCommandLine(ctx context.Context, by archive.Actor, name string) (*User, ActivationToken, error) {
	l := storeLog(s.Store, s.Now())
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, ActivationToken{}, err
	}
	return l.resetPassword(ctx, archive.ByCommandLine, u.ID, s.recorder(ctx, by, u.ID))
}

// RevokeTokensByCommandLine revokes every live token of the user named
// name and returns how many. Errors: ENOTFOUND; EUNAVAILABLE.
func (s *Service) RevokeTokensByCommandLine(ctx context.Context, by archive.Actor, name string) (*User, int, error) {
	l := storeLog(s.Store, s.Now())
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	return l.revokeTokens(ctx, archive.ByCommandLine, u.ID, s.recorder(ctx, by, u.ID))
}
