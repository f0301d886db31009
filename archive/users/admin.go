package users

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/content"
)

// Administration: listing and reading accounts, changing their roles,
// display name and status, resetting a password, revoking every token.
// The Service methods here act for a signed-in actor, their twins in
// commandline.go for the command line; both go through the userLog
// methods below, so the rules are the same on either path.

// UserFilter selects users in a listing. Empty fields match everything.
type UserFilter struct {
	// Role keeps the users holding this role.
	Role string
	// Query keeps the users whose login name or display name contains
	// it, regardless of case.
	Query string
	// Disabled, when set, keeps only disabled (true) or enabled (false)
	// users.
	Disabled *bool
}

// UserPage is one page of a user listing.
type UserPage struct {
	Users []*User `json:"users"`
	// NextCursor, when set, is the cursor of the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// normalize checks f and puts its query in the form it is matched in.
// Errors: EINVALID naming the parameter.
func (f *UserFilter) normalize() error {
	if f.Role != "" && !archive.ValidRole(f.Role) {
		return archive.Errorf(archive.EINVALID, "role: %q is not one of %s", f.Role, strings.Join(archive.Roles, ", "))
	}
	q, err := content.Text("q", strings.TrimSpace(f.Query), 100, false)
	if err != nil {
		return err
	}
	f.Query = strings.ToLower(q)
	return nil
}

func (f UserFilter) match(u *User) bool {
	if f.Role != "" && !slices.Contains(u.Roles, f.Role) || f.Disabled != nil && u.Disabled != *f.Disabled {
		return false
	}
	return strings.Contains(strings.ToLower(u.Name), f.Query) || strings.Contains(strings.ToLower(u.DisplayName), f.Query)
}

// selectUsers pages through users (in creation order): those f matches
// after the one with id cursor, at most limit of them (all when limit
// is 0).
func selectUsers(users []*User, f UserFilter, cursor string, limit int) *UserPage {
	page := &UserPage{Users: []*User{}}
	for _, u := range users {
		if u.ID <= cursor || !f.match(u) {
			continue
		}
		if limit > 0 && len(page.Users) == limit {
			page.NextCursor = page.Users[limit-1].ID
			break
		}
		page.Users = append(page.Users, u)
	}
	return page
}

// ListUsers returns one page of the users f selects, in creation order:
// those after cursor (the NextCursor of the page before), at most limit
// (0 means 50, at most 500). An admin may, and an auditor, who reads
// everything (SPEC §1). Errors: EFORBIDDEN; EINVALID for a bad filter,
// cursor or limit; EUNAVAILABLE.
func (s *Service) ListUsers(ctx context.Context, by archive.Actor, f UserFilter, cursor string, limit int) (*UserPage, error) {
	if !by.HasAny(archive.RoleAdmin, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "only an administrator or auditor may list users")
	}
	if err := f.normalize(); err != nil {
		return nil, err
	}
	if cursor != "" && !validUserID(cursor) {
		return nil, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		return nil, archive.Errorf(archive.EINVALID, "limit: at most 500")
	}
	l, err := s.userLog()
	if err != nil {
		return nil, err
	}
	users, err := l.users(ctx)
	if err != nil {
		return nil, err
	}
	return selectUsers(users, f, cursor, limit), nil
}

// UserUpdate is a change to an account; what is left out stays as it is.
type UserUpdate struct {
	// Roles replaces the roles.
	Roles []string `json:"roles,omitempty"`
	// DisplayName replaces the display name; "" clears it.
	DisplayName *string `json:"display_name,omitempty"`
	// Disabled disables (true) or enables (false) the account.
	Disabled *bool `json:"disabled,omitempty"`
}

// UpdateUser changes a user's roles, display name or status. Each change
// is an event of its own with an audit entry (user.disable,
// user.roles_set, user.display_name_set, user.enable); what already is
// as asked is left alone. Only an admin may. The rules of creation hold
// (the admin role is held alone; a display name is one line that shows
// something), and someone must remain able to manage users: an admin
// neither disables nor demotes themself, and the last enabled
// administrator is neither disabled nor demoted. A disabled user's
// tokens, password and web sessions stop working at once; enabled again,
// the tokens that were not revoked work again. Errors: EFORBIDDEN;
// EINVALID for a bad field or nothing to change; ECONFLICT for a change
// that would leave nobody to manage users; ENOTFOUND; EUNAVAILABLE. When
// one change fails, those before it stay made.
func (s *Service) UpdateUser(ctx context.Context, by archive.Actor, id string, up UserUpdate) (*User, error) {
	if !by.Has(archive.RoleAdmin) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "only an administrator may change roles or display names, or disable and enable users")
	}
	l, err := s.userLog()
	if err != nil {
		return nil, err
	}
	return l.update(ctx, by.UserID, id, up, s.recorder(ctx, by, id))
}

// SetDisabled disables or enables a user: UpdateUser with disabled alone.
func (s *Service) SetDisabled(ctx context.Context, by archive.Actor, id string, disabled bool) error {
	_, err := s.UpdateUser(ctx, by, id, UserUpdate{Disabled: &disabled})
	return err
}

// PasswordChange is what POST /api/v1/users/{id}/password takes: from
// the holder, their new password and their present one; from an
// administrator resetting someone else's, nothing.
type PasswordChange struct {
	Password        string `json:"password,omitempty"`
	CurrentPassword string `json:"current_password,omitempty"`
}

// ChangePassword sets the holder's own password. Only the user themself
// may, signed in as themselves (an account not yet activated activates
// instead), and they give their present password when they have one.
// Web sessions opened with the old password end. Errors: EFORBIDDEN for
// anyone else or a wrong present password; EINVALID for a missing
// present password or a new one under 10 characters; ENOTFOUND;
// EUNAVAILABLE.
func (s *Service) ChangePassword(ctx context.Context, by archive.Actor, id string, in PasswordChange) error {
	// A password is a credential: only its holder sets it (an
	// administrator who set one could sign in as the user).
	if by.UserID == "" || by.UserID != id || by.Activation {
		return archive.Errorf(archive.EFORBIDDEN, "users change their own password, signed in as themselves; an administrator resets someone else's, which gives the person an activation token to choose a new one")
	}
	if err := validatePassword(in.Password); err != nil {
		return err
	}
	l, err := s.userLog()
	if err != nil {
		return err
	}
	u, err := l.load(ctx, id)
	if err != nil {
		return err
	}
	if err := requireUser(u, id); err != nil {
		return err
	}
	if u.PasswordHash != "" {
		if in.CurrentPassword == "" {
			return archive.Errorf(archive.EINVALID, "field current_password: give your present password to change it")
		}
		ok, err := checkPassword(ctx, u.PasswordHash, in.CurrentPassword)
		if err != nil {
			return err
		}
		if !ok {
			return archive.Errorf(archive.EFORBIDDEN, "field current_password: that is not your present password")
		}
	}
	phc, err := hashPassword(ctx, in.Password)
	if err != nil {
		return err
	}
	if _, err := l.change(ctx, id, setPassword(id, id, phc)); err != nil {
		return err
	}
	return s.auditUser(ctx, by, "user.password_set", userTarget(id))
}

// ActivationToken is an activation token, shown once, and when it stops
// working.
type ActivationToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ResetPassword is what an administrator does about someone's forgotten
// or compromised password: the password is cleared, every token of the
// user is revoked and their web sessions end, and a new activation token
// is returned for the administrator to hand over; with it the person
// chooses a new password and gets a working token (Activate). An
// administrator never sets or knows anyone's password, so one given in
// is refused; their own they change with ChangePassword. Errors:
// EFORBIDDEN; EINVALID for a password given, or the administrator's own
// account; ECONFLICT for a disabled user; ENOTFOUND; EUNAVAILABLE.
func (s *Service) ResetPassword(ctx context.Context, by archive.Actor, id string, in PasswordChange) (ActivationToken, error) {
	if !by.Has(archive.RoleAdmin) {
		return ActivationToken{}, archive.Errorf(archive.EFORBIDDEN, "only an administrator may reset someone else's password")
	}
	if in.Password != "" || in.CurrentPassword != "" {
		return ActivationToken{}, archive.Errorf(archive.EINVALID, "an administrator does not choose anyone's password: send no password, and hand the person the activation token the reset returns; they choose their new password with it (POST /api/v1/users/{id}/activation)")
	}
	if by.UserID == id {
		return ActivationToken{}, archive.Errorf(archive.EINVALID, "change your own password with password and current_password")
	}
	l, err := s.userLog()
	if err != nil {
		return ActivationToken{}, err
	}
	_, act, err := l.resetPassword(ctx, by.UserID, id, s.recorder(ctx, by, id))
	return act, err
}

// RevokeTokens revokes every token of a user that is not revoked yet and
// returns how many it revoked, with one audit entry
// (user.tokens_revoke). An admin or the user themself may. Errors:
// EFORBIDDEN; ENOTFOUND; EUNAVAILABLE.
func (s *Service) RevokeTokens(ctx context.Context, by archive.Actor, id string) (int, error) {
	if !mayManage(by, id) {
		return 0, archive.Errorf(archive.EFORBIDDEN, "only an administrator or the user themself may revoke tokens")
	}
	l, err := s.userLog()
	if err != nil {
		return 0, err
	}
	_, n, err := l.revokeTokens(ctx, by.UserID, id, s.recorder(ctx, by, id))
	return n, err
}

// recorder audits changes to user id made by by.
func (s *Service) recorder(ctx context.Context, by archive.Actor, id string) func(action, detail string) error {
	return func(action, detail string) error {
		return s.Record(ctx, by, action, userTarget(id), detail)
	}
}

// users returns every user in creation order: the projection's copy in
// a server, each folded from the store on the command line.
func (l userLog) users(ctx context.Context) ([]*User, error) {
	if l.proj != nil {
		return l.proj.ListUsers(ctx)
	}
	last, err := scanUsers(ctx, l.store)
	if err != nil {
		return nil, err
	}
	var users []*User
	for _, id := range slices.Sorted(maps.Keys(last)) {
		u := &User{}
		if err := foldUserNew(ctx, l.store, u, id); err != nil {
			return nil, err
		}
		if u.Seq > 0 {
			users = append(users, u)
		}
	}
	return users, nil
}

// lockAdmins orders, within a process, the changes that could leave no
// enabled administrator. Two processes (a server and the command line)
// changing administrators at the same moment could still both pass; the
// command line's operator can then add or enable one.
func (l userLog) lockAdmins() (unlock func()) {
	if l.locks == nil {
		return func() {}
	}
	return l.locks.Lock("admins")
}

// update makes the changes of up to user id, by the user id by (or
// ByCommandLine), recording each with record. See UpdateUser.
func (l userLog) update(ctx context.Context, by, id string, up UserUpdate, record func(action, detail string) error) (*User, error) {
	if up.Roles == nil && up.DisplayName == nil && up.Disabled == nil {
		return nil, archive.Errorf(archive.EINVALID, "nothing to change: send roles, display_name or disabled")
	}
	var roles []string
	var err error
	if up.Roles != nil {
		if roles, err = normalizeRoles(up.Roles); err != nil {
			return nil, err
		}
	}
	var name string
	if up.DisplayName != nil {
		if name, err = displayName(*up.DisplayName); err != nil {
			return nil, err
		}
	}
	unlock := l.lockAdmins()
	defer unlock()
	u, err := l.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireUser(u, id); err != nil {
		return nil, err
	}
	disable := up.Disabled != nil && *up.Disabled
	demote := roles != nil && !slices.Contains(roles, archive.RoleAdmin)
	if by == id && (disable || demote) {
		return nil, archive.Errorf(archive.ECONFLICT, "an administrator cannot disable themself or give up their own admin role: ask another administrator, so that someone remains able to manage users")
	}
	if (disable || demote) && slices.Contains(u.Roles, archive.RoleAdmin) && !u.Disabled {
		users, err := l.users(ctx)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(users, func(o *User) bool {
			return o.ID != id && !o.Disabled && slices.Contains(o.Roles, archive.RoleAdmin)
		}) {
			return nil, archive.Errorf(archive.ECONFLICT, "%s is the last enabled administrator: create or enable another administrator first, so that someone remains able to manage users", u.Name)
		}
	}
	type step struct {
		action, detail string
		ev             UserEvent
		done           func(u *User) bool
	}
	var steps []step
	// Disabling comes first and enabling last, so that a failure half-way
	// never leaves an account enabled with what was to be taken away.
	if disable {
		steps = append(steps, step{"user.disable", "", UserEvent{Type: UserEventDisabled}, func(u *User) bool { return u.Disabled }})
	}
	if roles != nil {
		steps = append(steps, step{"user.roles_set", "roles: " + strings.Join(roles, ", "), UserEvent{Type: UserEventRolesSet, Roles: roles},
			func(u *User) bool { return slices.Equal(u.Roles, roles) }})
	}
	if up.DisplayName != nil {
		steps = append(steps, step{"user.display_name_set", "", UserEvent{Type: UserEventDisplayNameSet, DisplayName: name},
			func(u *User) bool { return u.DisplayName == name }})
	}
	if up.Disabled != nil && !disable {
		steps = append(steps, step{"user.enable", "", UserEvent{Type: UserEventEnabled}, func(u *User) bool { return !u.Disabled }})
	}
	for _, st := range steps {
		changed := false
		u, err = l.change(ctx, id, func(u *User) (*UserEvent, error) {
			changed = false
			if err := requireUser(u, id); err != nil || st.done(u) {
				return nil, err
			}
			changed = true
			ev := st.ev
			ev.By = by
			return &ev, nil
		})
		if err != nil {
			return nil, err
		}
		if changed {
			if err := record(st.action, st.detail); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// LiveTokens lists the ids of u's tokens that are not revoked.
func (u *User) LiveTokens() []string {
	var ids []string
	for _, t := range u.Tokens {
		if !t.Revoked {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// resetPassword clears user id's password and revokes their tokens in
// one event, then issues an activation token. See ResetPassword.
func (l userLog) resetPassword(ctx context.Context, by, id string, record func(action, detail string) error) (*User, ActivationToken, error) {
	revoked := 0
	_, err := l.change(ctx, id, func(u *User) (*UserEvent, error) {
		if err := requireUser(u, id); err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, archive.Errorf(archive.ECONFLICT, "user %s is disabled; enable it before resetting its password", u.Name)
		}
		ids := u.LiveTokens()
		revoked = len(ids)
		return &UserEvent{Type: UserEventPasswordReset, By: by, TokenIDs: ids}, nil
	})
	if err != nil {
		return nil, ActivationToken{}, err
	}
	if err := record("user.password_reset", fmt.Sprintf("password cleared, %d tokens revoked, activation token issued", revoked)); err != nil {
		return nil, ActivationToken{}, err
	}
	token, u, err := l.issueToken(ctx, by, id, "reset", true)
	if err != nil {
		return nil, ActivationToken{}, err
	}
	t := u.Tokens[len(u.Tokens)-1]
	return u, ActivationToken{Token: token, ExpiresAt: t.IssuedAt.Add(ActivationValid)}, nil
}

// revokeTokens revokes user id's live tokens in one event and returns
// how many. See RevokeTokens.
func (l userLog) revokeTokens(ctx context.Context, by, id string, record func(action, detail string) error) (*User, int, error) {
	n := 0
	u, err := l.change(ctx, id, func(u *User) (*UserEvent, error) {
		n = 0
		if err := requireUser(u, id); err != nil {
			return nil, err
		}
		ids := u.LiveTokens()
		if len(ids) == 0 {
			return nil, nil
		}
		n = len(ids)
		return &UserEvent{Type: UserEventTokensRevoked, By: by, TokenIDs: ids}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	if n > 0 {
		if err := record("user.tokens_revoke", fmt.Sprintf("%d tokens revoked", n)); err != nil {
			return nil, 0, err
		}
	}
	return u, n, nil
}
