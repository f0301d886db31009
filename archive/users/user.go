package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
	"dossier/archive/stream"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rs/xid"
	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Users live in the object store like everything else, so a rebuild from
// the bucket restores them:
//
//	users/<user-id>/events/<seq>.json  the user's event stream
//	usernames/<folded name>            claims a name for one user id
//	tokens/<sha256 hex>                points a token's hash at its user
//
// Every one of them is created with a conditional put, so processes that
// share the bucket (a server and the command line) never overwrite each
// other. Tokens themselves are never stored, only their SHA-256.

// User event types.
const (
	UserEventCreated      = "user_created"
	UserEventPasswordSet  = "password_set"
	UserEventTokenIssued  = "token_issued"
	UserEventTokenRevoked = "token_revoked"
	UserEventRolesSet     = "roles_set"
	UserEventDisabled     = "disabled"
	UserEventEnabled      = "enabled"
	// UserEventDisplayNameSet changes the display name; an empty one
	// clears it.
	UserEventDisplayNameSet = "display_name_set"
	// UserEventTokensRevoked revokes the tokens TokenIDs at once.
	UserEventTokensRevoked = "tokens_revoked"
	// UserEventPasswordReset clears the password and revokes the tokens
	// TokenIDs: an administrator's reset, which an activation token then
	// follows (see Service.ResetPassword).
	UserEventPasswordReset = "password_reset"
)

// UserEvent is one immutable entry of a user's stream, stored as
// users/<user-id>/events/<seq>.json.
type UserEvent struct {
	Seq    uint64    `json:"seq"`
	UserID string    `json:"user_id"`
	Type   string    `json:"type"`
	At     time.Time `json:"at"`
	// By is the user id of whoever made the change, or ByCommandLine.
	By          string   `json:"by"`
	Name        string   `json:"name,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	// IDNumber is a member of staff's resident identity number, for
	// separation of duties.
	IDNumber string `json:"id_number,omitempty"`
	// PasswordHash is an argon2id PHC string.
	PasswordHash string `json:"password_hash,omitempty"`
	TokenID      string `json:"token_id,omitempty"`
	// TokenIDs are the tokens a tokens_revoked or password_reset event
	// revokes.
	TokenIDs    []string `json:"token_ids,omitempty"`
	TokenSHA256 string   `json:"token_sha256,omitempty"`
	Label       string   `json:"label,omitempty"`
	// Activation marks the activation token an administrator's new
	// account starts with (see Service.Activate).
	Activation bool `json:"activation,omitempty"`
}

// TokenInfo describes one bearer token of a user. The token itself is
// shown once, when it is issued, and never stored.
type TokenInfo struct {
	// ID is short and not secret: it names the token to admins and in
	// revocations.
	ID        string    `json:"id"`
	Label     string    `json:"label,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	IssuedBy  string    `json:"issued_by,omitempty"`
	Revoked   bool      `json:"revoked"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Activation marks an activation token: it only activates the
	// account, within ActivationValid of being issued.
	Activation bool `json:"activation,omitempty"`
	// SHA256 is the hex SHA-256 of the token. The projection keeps it;
	// the API does not show it.
	SHA256 string `json:"-"`
}

// User is the fold of a user's events.
type User struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name,omitempty"`
	Roles       []string `json:"roles"`
	// PasswordHash is the argon2id PHC string, empty when the user has no
	// password. The projection keeps it; the API does not show it.
	PasswordHash string `json:"-"`
	// IDNumber is the member of staff's identity number, when recorded.
	// The projection keeps it; the API does not show it.
	IDNumber  string      `json:"-"`
	Tokens    []TokenInfo `json:"tokens"`
	Disabled  bool        `json:"disabled"`
	CreatedAt time.Time   `json:"created_at"`
	CreatedBy string      `json:"created_by,omitempty"`
	UpdatedAt time.Time   `json:"updated_at"`
	// Seq is the sequence number of the last event folded in.
	Seq uint64 `json:"seq"`
}

// NewUser is what creating a user takes.
type NewUser struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name,omitempty"`
	Roles       []string `json:"roles"`
	// Password is optional; it lets the user log in to the web interface.
	Password string `json:"password,omitempty"`
	// IDNumber is optional: a member of staff's resident identity number,
	// so that they cannot decide a case they applied for under another
	// account.
	IDNumber string `json:"id_number,omitempty"`
}

// UserProjection is the BoltDB copy of the users in the object store. It
// can be thrown away and rebuilt from the store at any time.
type UserProjection interface {
	// User returns a user by id. Errors: ENOTFOUND.
	User(ctx context.Context, id string) (*User, error)
	// UserByName returns the user whose name folds (FoldUserName) to the
	// same as name. Errors: ENOTFOUND.
	UserByName(ctx context.Context, name string) (*User, error)
	// UserIDByTokenHash returns the id of the user holding the unrevoked
	// token with this hex SHA-256. Errors: ENOTFOUND.
	UserIDByTokenHash(ctx context.Context, sum string) (string, error)
	// PutUsers stores folded users with their name and token indexes;
	// revoked tokens leave the index. A user whose stored Seq is newer
	// than the given one is left alone, so a late writer never rolls a
	// user back; the same Seq is overwritten, so a rebuild repairs.
	PutUsers(ctx context.Context, users ...*User) error
	// UserSeqs calls fn with every user id and its last folded seq.
	UserSeqs(ctx context.Context, fn func(id string, seq uint64) error) error
	// ListUsers returns every user in id (= creation) order.
	ListUsers(ctx context.Context) ([]*User, error)
}

// Apply folds one event into u. It is the only place user state changes,
// so the live projection and a rebuild from the bucket agree. Events must
// come without gaps: a missing revocation must never go unnoticed.
// Errors: EINVALID for an event that does not fit the user.
func (u *User) Apply(ev UserEvent) error {
	if ev.Seq != u.Seq+1 {
		return archive.Errorf(archive.EINVALID, "event %d of user %s does not follow event %d", ev.Seq, ev.UserID, u.Seq)
	}
	if u.Seq == 0 && ev.Type != UserEventCreated {
		return archive.Errorf(archive.EINVALID, "user %s does not start with a %q event", ev.UserID, UserEventCreated)
	}
	if u.Seq > 0 && ev.UserID != u.ID {
		return archive.Errorf(archive.EINVALID, "event %d of user %s names user %s", ev.Seq, u.ID, ev.UserID)
	}
	bad := func(problem *archive.Error) error {
		return archive.Errorf(archive.EINVALID, "user %s: %q event %d %s", ev.UserID, ev.Type, ev.Seq, problem)
	}
	switch ev.Type {
	case UserEventCreated:
		if u.Seq != 0 {
			return bad(archive.Errorf(archive.EINVALID, "is not the first"))
		}
		// Names and roles were checked when written; the fold only
		// needs them present, so that tightening a rule never loses a user.
		if !validUserID(ev.UserID) || ev.Name == "" || len(ev.Roles) == 0 {
			return bad(archive.Errorf(archive.EINVALID, "has a bad id or no name or roles"))
		}
		*u = User{ID: ev.UserID, Name: ev.Name, DisplayName: ev.DisplayName, Roles: slices.Clone(ev.Roles), IDNumber: ev.IDNumber,
			Tokens: []TokenInfo{}, CreatedAt: ev.At, CreatedBy: ev.By}
	case UserEventPasswordSet:
		if ev.PasswordHash == "" {
			return bad(archive.Errorf(archive.EINVALID, "carries no hash"))
		}
		u.PasswordHash = ev.PasswordHash
	case UserEventTokenIssued:
		if ev.TokenID == "" || archive.ValidateSHA256(ev.TokenSHA256) != nil || u.token(ev.TokenID) != nil {
			return bad(archive.Errorf(archive.EINVALID, "has a missing or repeated token id or a bad hash"))
		}
		u.Tokens = append(u.Tokens, TokenInfo{ID: ev.TokenID, Label: ev.Label, IssuedAt: ev.At,
			IssuedBy: ev.By, SHA256: ev.TokenSHA256, Activation: ev.Activation})
	case UserEventTokenRevoked:
		t := u.token(ev.TokenID)
		if t == nil {
			return bad(archive.Errorf(archive.EINVALID, "names an unknown token"))
		}
		if !t.Revoked {
			t.Revoked, t.RevokedAt = true, ev.At
		}
	case UserEventTokensRevoked, UserEventPasswordReset:
		if ev.Type == UserEventTokensRevoked && len(ev.TokenIDs) == 0 {
			return bad(archive.Errorf(archive.EINVALID, "names no token"))
		}
		for _, id := range ev.TokenIDs {
			if u.token(id) == nil {
				return bad(archive.Errorf(archive.EINVALID, "names an unknown token"))
			}
		}
		for _, id := range ev.TokenIDs {
			if t := u.token(id); !t.Revoked {
				t.Revoked, t.RevokedAt = true, ev.At
			}
		}
		if ev.Type == UserEventPasswordReset {
			u.PasswordHash = ""
		}
	case UserEventRolesSet:
		if len(ev.Roles) == 0 {
			return bad(archive.Errorf(archive.EINVALID, "has no roles"))
		}
		u.Roles = slices.Clone(ev.Roles)
	case UserEventDisplayNameSet:
		u.DisplayName = ev.DisplayName
	case UserEventDisabled:
		u.Disabled = true
	case UserEventEnabled:
		u.Disabled = false
	default:
		return bad(archive.Errorf(archive.EINVALID, "has an unknown type"))
	}
	u.Seq, u.UpdatedAt = ev.Seq, ev.At
	return nil
}

func (u *User) token(id string) *TokenInfo {
	for i := range u.Tokens {
		if u.Tokens[i].ID == id {
			return &u.Tokens[i]
		}
	}
	return nil
}

// actor is who u is when authenticated.
func (u *User) actor() archive.Actor {
	return archive.Actor{UserID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Roles: slices.Clone(u.Roles), IDNumber: u.IDNumber}
}

// ValidateUserName checks a login name: 1 to 64 letters (any script,
// Chinese included), digits, '.', '_' or '-', starting with a letter or a
// digit. Errors: EINVALID saying so.
func ValidateUserName(name string) error {
	n := 0
	for i, r := range name {
		n++
		letterOrDigit := unicode.IsLetter(r) || unicode.IsDigit(r)
		if r == utf8.RuneError || !letterOrDigit && (i == 0 || !strings.ContainsRune("._-", r)) {
			n = 0
			break
		}
	}
	if n == 0 || n > 64 || !norm.NFC.IsNormalString(name) {
		return archive.Errorf(archive.EINVALID, "user name %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	if mixedScripts(name) {
		return archive.Errorf(archive.EINVALID, "user name %q mixes Latin, Cyrillic or Greek letters; write it in one script", name)
	}
	return nil
}

// FoldUserName is the form in which user names are unique and looked up:
// "Alice" and "alice" are the same user.
func FoldUserName(name string) string { return strings.ToLower(name) }

// normalizeRoles checks roles and returns them without repeats in the
// order of Roles. Errors: EINVALID naming an unknown role, or when there
// is none.
func normalizeRoles(roles []string) ([]string, error) {
	for _, r := range roles {
		if !archive.ValidRole(r) {
			return nil, archive.Errorf(archive.EINVALID, "unknown role %q; roles are %s", r, strings.Join(archive.Roles, ", "))
		}
	}
	var out []string
	for _, r := range archive.Roles {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, archive.Errorf(archive.EINVALID, "a user needs at least one role; roles are %s", strings.Join(archive.Roles, ", "))
	}
	// An administrator manages users, and never reads case contents: the
	// role is held alone, and anyone who also works on cases gets a
	// second account (SPEC §1).
	if slices.Contains(out, archive.RoleAdmin) && len(out) > 1 {
		return nil, archive.Errorf(archive.EINVALID, "the admin role is held alone (administrators do not work on cases); give the other roles to a second account")
	}
	return out, nil
}

// validateText checks a short free text such as a token label.
func validateText(what, s string, max int) error {
	_, err := content.Text(what, s, max, false)
	return err
}

// displayName checks a display name and returns it in NFC: empty, or
// one line of text that shows something. Errors: EINVALID naming the field.
func displayName(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	return content.Name("display_name", s, 100)
}

// Password length limits, in characters and bytes.
const (
	minPasswordChars = 10
	maxPasswordBytes = 1024
)

func validatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < minPasswordChars || len(pw) > maxPasswordBytes {
		return archive.Errorf(archive.EINVALID, "a password must be at least %d characters (and at most %d bytes)", minPasswordChars, maxPasswordBytes)
	}
	return nil
}

// validUserID accepts what NewCaseID-style xids look like, and nothing
// that could escape an object key.
func validUserID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Bearer tokens are "dsr_" and 43 characters of base64url: 32 random bytes.
const (
	tokenScheme = "dsr_"
	tokenLen    = len(tokenScheme) + 43
)

func newToken() (token, sum string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = tokenScheme + base64.RawURLEncoding.EncodeToString(b)
	return token, tokenSHA256(token)
}

func tokenSHA256(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// parseToken returns the hash of a well-formed token.
func parseToken(token string) (sum string, ok bool) {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenScheme) {
		return "", false
	}
	// The decoder skips line breaks, so the length of what it decodes
	// is checked too.
	b, err := base64.RawURLEncoding.Strict().DecodeString(token[len(tokenScheme):])
	if err != nil || len(b) != 32 {
		return "", false
	}
	return tokenSHA256(token), true
}

func newTokenID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// nameClaim is the content of usernames/<name>.
type nameClaim struct {
	UserID string `json:"user_id"`
}

// tokenPointer is the content of tokens/<sha256>.
type tokenPointer struct {
	UserID  string `json:"user_id"`
	TokenID string `json:"token_id"`
}

// The same answer for every bad credential, so that none is an oracle.
var (
	errBadToken    = archive.Errorf(archive.EUNAUTHORIZED, "the bearer token is missing, invalid or revoked")
	errBadPassword = archive.Errorf(archive.EUNAUTHORIZED, "wrong user name or password")
)

func userNotFound(id string) error {
	return archive.Errorf(archive.ENOTFOUND, "user %s does not exist", id)
}

// userLog reads and appends user streams. A Service gives it the
// projection, kept in step under a per-user lock; the command line uses
// the object store alone.
type userLog struct {
	store archive.ObjectStore
	proj  UserProjection // nil on the command line
	locks *stream.Locks  // nil on the command line
	now   func() time.Time
}

// storeLog is a userLog on the object store alone, at a fixed time.
func storeLog(store archive.ObjectStore, now time.Time) userLog {
	return userLog{store: store, now: func() time.Time { return now }}
}

func (l userLog) lock(id string) (unlock func()) {
	if l.locks == nil {
		return func() {}
	}
	return l.locks.Lock(archive.UserPrefix + id)
}

// fetch starts from the projection's copy of a user (none on the command
// line) and folds in what the store has beyond it. A user the store does
// not have comes back with Seq 0; caught says whether anything was folded.
func (l userLog) fetch(ctx context.Context, id string) (u *User, caught bool, err error) {
	u = &User{}
	if l.proj != nil {
		p, err := l.proj.User(ctx, id)
		if err == nil {
			u = p
		} else if !archive.IsCode(err, archive.ENOTFOUND) {
			return nil, false, err
		}
	}
	seq := u.Seq
	if err := foldUserNew(ctx, l.store, u, id); err != nil {
		return nil, false, err
	}
	return u, u.Seq > seq, nil
}

func (l userLog) save(ctx context.Context, u *User) error {
	if l.proj == nil || u.Seq == 0 {
		return nil
	}
	return l.proj.PutUsers(ctx, u)
}

// load returns a user as the object store has it (Seq 0 when it does not
// exist) and brings the projection up to date with it.
func (l userLog) load(ctx context.Context, id string) (*User, error) {
	if !validUserID(id) {
		return &User{}, nil
	}
	unlock := l.lock(id)
	defer unlock()
	u, caught, err := l.fetch(ctx, id)
	if err == nil && caught {
		err = l.save(ctx, u)
	}
	return u, err
}

// userDecide looks at the current user (Seq 0 when it does not exist) and
// returns the event to append, nil for nothing to do, or an error that
// stops the change. It may be called again when another writer got in
// first.
type userDecide func(u *User) (*UserEvent, error)

// change appends one event to a user's stream: object store first
// (conditional create of the next seq), then the projection. Unlike case
// appends it always catches up with the store before deciding: user
// changes are rare, and a revocation must see the token another process
// issued. Errors: those of decide; ENOTFOUND for a malformed id;
// EUNAVAILABLE; ECONFLICT when other writers keep winning.
func (l userLog) change(ctx context.Context, id string, decide userDecide) (*User, error) {
	if !validUserID(id) {
		return nil, userNotFound(id)
	}
	unlock := l.lock(id)
	defer unlock()
	u, caught, err := l.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	ev, more, err := stream.Append(ctx, l.store, userKind, id, u, l.now, stream.Decide[*User, UserEvent](decide))
	if err != nil {
		if caught || more {
			l.save(ctx, u)
		}
		return nil, err
	}
	if ev == nil {
		if caught {
			l.save(ctx, u)
		}
		return u, nil
	}
	if err := l.save(ctx, u); err != nil {
		// The event is recorded; SyncUsers will fold it.
		return nil, archive.E("users.change", archive.EINTERNAL, err)
	}
	return u, nil
}

// userKind is the user event stream: users/<id>/events/<seq>.json.
var userKind = stream.Kind[*User, UserEvent]{
	Name:   "user",
	Key:    archive.UserEventKey,
	Decode: decodeUserEvent,
	Stamp: func(e *UserEvent, id string, seq uint64, at time.Time, _ string) {
		e.Seq, e.UserID, e.At = seq, id, at
	},
	Apply: func(u *User, e UserEvent, _ string) error { return u.Apply(e) },
	Seq:   func(u *User) uint64 { return u.Seq },
}

// foldUserNew folds into u the events of user id after u.Seq.
func foldUserNew(ctx context.Context, store archive.ObjectStore, u *User, id string) error {
	_, err := stream.CatchUp(ctx, store, userKind, id, u)
	return err
}

// decodeUserEvent parses a user event object, checking that it is the
// event its key names.
func decodeUserEvent(key string, data []byte) (UserEvent, error) {
	id, seq, ok := archive.ParseUserEventKey(key)
	if !ok || !validUserID(id) {
		return UserEvent{}, archive.Errorf(archive.EINVALID, "%s is not a user event key", key)
	}
	var ev UserEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return UserEvent{}, archive.Wrapf("", archive.EINVALID, err, "%s is not valid user event JSON", key)
	}
	if ev.Seq != seq || ev.UserID != id {
		return UserEvent{}, archive.Errorf(archive.EINVALID, "%s holds event %d of user %q", key, ev.Seq, ev.UserID)
	}
	return ev, nil
}

func requireUser(u *User, id string) error {
	if u.Seq == 0 {
		return userNotFound(id)
	}
	return nil
}

// create writes a new user, its password if any and a first token.
// The name is claimed first: usernames/<name> holds the user id, and
// whoever creates that id's first event owns the name. A claim whose
// claimant died before writing the user is thus taken over, not lost.
// When user is not nil the user exists even if err is not.
func (l userLog) create(ctx context.Context, by string, in NewUser) (*User, string, error) {
	if err := ValidateUserName(in.Name); err != nil {
		return nil, "", err
	}
	roles, err := normalizeRoles(in.Roles)
	if err != nil {
		return nil, "", err
	}
	if in.DisplayName, err = displayName(in.DisplayName); err != nil {
		return nil, "", err
	}
	if in.IDNumber != "" {
		if in.IDNumber, err = identity.ValidateIDNumber(in.IDNumber); err != nil {
			return nil, "", archive.Wrapf("", archive.EINVALID, err, "field id_number: %s", err)
		}
	}
	if in.Password != "" && by != archive.ByCommandLine {
		return nil, "", archive.Errorf(archive.EINVALID, "field password: the person chooses their own password when they activate the account (POST /api/v1/users/{id}/activation with the activation token); an administrator never knows it")
	}
	var phc string
	if in.Password != "" {
		if err := validatePassword(in.Password); err != nil {
			return nil, "", err
		}
		if phc, err = hashPassword(ctx, in.Password); err != nil {
			return nil, "", err
		}
	}
	if err := l.checkLookalike(ctx, in.Name); err != nil {
		return nil, "", err
	}
	id, err := l.claimName(ctx, in.Name)
	if err != nil {
		return nil, "", err
	}
	created, err := l.change(ctx, id, func(u *User) (*UserEvent, error) {
		if u.Seq != 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "user name %s is taken", in.Name)
		}
		return &UserEvent{Type: UserEventCreated, By: by, Name: in.Name, DisplayName: in.DisplayName, Roles: roles, IDNumber: in.IDNumber}, nil
	})
	if err != nil {
		return nil, "", err
	}
	if phc != "" {
		if _, err := l.change(ctx, id, setPassword(by, id, phc)); err != nil {
			return created, "", err
		}
	}
	// An account an administrator creates starts with an activation
	// token, the command line's with a working one (its operator holds
	// the bucket's keys anyway).
	activation := by != archive.ByCommandLine
	label := "initial"
	if activation {
		label = "activation"
	}
	token, u, err := l.issueToken(ctx, by, id, label, activation)
	if err != nil {
		return created, "", err
	}
	return u, token, nil
}

// claimName creates usernames/<name> for a new user id, or returns the id
// an earlier claim holds; the caller's first event then decides.
func (l userLog) claimName(ctx context.Context, name string) (string, error) {
	id := xid.New().String()
	data, err := json.Marshal(nameClaim{UserID: id})
	if err != nil {
		return "", archive.E("archive.claimName", archive.EINTERNAL, err)
	}
	err = l.store.Create(ctx, archive.UserNameKey(FoldUserName(name)), data)
	if archive.IsCode(err, archive.ECONFLICT) {
		return l.claimedID(ctx, name)
	}
	return id, err
}

// claimedID reads the user id that claims name. Errors: ENOTFOUND.
func (l userLog) claimedID(ctx context.Context, name string) (string, error) {
	data, err := archive.ReadAll(ctx, l.store, archive.UserNameKey(FoldUserName(name)))
	if archive.IsCode(err, archive.ENOTFOUND) {
		return "", archive.Errorf(archive.ENOTFOUND, "no user is named %s", name)
	}
	if err != nil {
		return "", err
	}
	var c nameClaim
	if err := json.Unmarshal(data, &c); err != nil || !validUserID(c.UserID) {
		return "", archive.Errorf(archive.EINVALID, "%s is not a valid name claim", archive.UserNameKey(FoldUserName(name)))
	}
	return c.UserID, nil
}

// byName finds a user by name, in the projection or else through the
// name's claim in the store. Errors: ENOTFOUND, EUNAVAILABLE.
func (l userLog) byName(ctx context.Context, name string) (*User, error) {
	if ValidateUserName(name) != nil {
		return nil, archive.Errorf(archive.ENOTFOUND, "no user is named %s", name)
	}
	if l.proj != nil {
		u, err := l.proj.UserByName(ctx, name)
		if !archive.IsCode(err, archive.ENOTFOUND) {
			return u, err
		}
	}
	id, err := l.claimedID(ctx, name)
	if err != nil {
		return nil, err
	}
	u, err := l.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "no user is named %s", name)
	}
	return u, nil
}

// issueToken makes a token for an existing, enabled user. The pointer
// tokens/<sha256> is written before the event: should the event then fail,
// what is left is a pointer to a token no user has, which authenticates
// nobody. The new token is the last of the returned user's Tokens.
func (l userLog) issueToken(ctx context.Context, by, id, label string, activation bool) (string, *User, error) {
	if err := validateText("a token label", label, 100); err != nil {
		return "", nil, err
	}
	u, err := l.load(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if err := checkTokenHolder(u, id); err != nil {
		return "", nil, err
	}
	token, sum := newToken()
	tid := newTokenID()
	data, err := json.Marshal(tokenPointer{UserID: id, TokenID: tid})
	if err != nil {
		return "", nil, archive.E("archive.issueToken", archive.EINTERNAL, err)
	}
	if err := l.store.Create(ctx, archive.TokenKey(sum), data); err != nil {
		return "", nil, err
	}
	u, err = l.change(ctx, id, func(u *User) (*UserEvent, error) {
		if err := checkTokenHolder(u, id); err != nil {
			return nil, err
		}
		if u.token(tid) != nil {
			return nil, archive.Errorf(archive.ECONFLICT, "token id %s is in use; try again", tid)
		}
		return &UserEvent{Type: UserEventTokenIssued, By: by, TokenID: tid, TokenSHA256: sum, Label: label, Activation: activation}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

func checkTokenHolder(u *User, id string) error {
	if err := requireUser(u, id); err != nil {
		return err
	}
	if u.Disabled {
		return archive.Errorf(archive.ECONFLICT, "user %s is disabled; enable it before issuing tokens", u.Name)
	}
	return nil
}

// revokeToken revokes a token; revoking a revoked token changes nothing.
func (l userLog) revokeToken(ctx context.Context, by, id, tokenID string) (*User, error) {
	return l.change(ctx, id, func(u *User) (*UserEvent, error) {
		if err := requireUser(u, id); err != nil {
			return nil, err
		}
		t := u.token(tokenID)
		if t == nil {
			return nil, archive.Errorf(archive.ENOTFOUND, "user %s has no token %s", u.Name, tokenID)
		}
		if t.Revoked {
			return nil, nil
		}
		return &UserEvent{Type: UserEventTokenRevoked, By: by, TokenID: tokenID}, nil
	})
}

func setPassword(by, id, phc string) userDecide {
	return func(u *User) (*UserEvent, error) {
		if err := requireUser(u, id); err != nil {
			return nil, err
		}
		return &UserEvent{Type: UserEventPasswordSet, By: by, PasswordHash: phc}, nil
	}
}

// AddUserToStore creates a user with a first token, writing to the object
// store only: the command line uses it while a server may hold BoltDB,
// and the server finds the user on the token's first use. The token is
// returned once and never stored; it is the last of the user's Tokens.
// Errors: EINVALID for a bad name, role, display name or password;
// ECONFLICT when the name is taken; EUNAVAILABLE. When the user was
// created but its password or token could not be written, the user is
// returned with the error.
func AddUserToStore(ctx context.Context, store archive.ObjectStore, in NewUser, now time.Time) (*User, string, error) {
	return storeLog(store, now).create(ctx, archive.ByCommandLine, in)
}

// IssueTokenInStore gives the user named name another token, writing to
// the object store only (see AddUserToStore). The new token is the last of
// the returned user's Tokens. Errors: ENOTFOUND for an unknown user;
// ECONFLICT for a disabled one; EINVALID for a bad label; EUNAVAILABLE.
func IssueTokenInStore(ctx context.Context, store archive.ObjectStore, name, label string, now time.Time) (*User, string, error) {
	l := storeLog(store, now)
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, "", err
	}
	token, u, err := l.issueToken(ctx, archive.ByCommandLine, u.ID, label, false)
	return u, token, err
}

// RevokeTokenInStore revokes a token of the user named name, writing to
// the object store only; a server refuses the token after its next
// SyncUsers. Errors: ENOTFOUND for an unknown user or token id;
// EUNAVAILABLE.
func RevokeTokenInStore(ctx context.Context, store archive.ObjectStore, name, tokenID string, now time.Time) (*User, error) {
	l := storeLog(store, now)
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.revokeToken(ctx, archive.ByCommandLine, u.ID, tokenID)
}

// SetPasswordInStore sets the web-interface password of the user named
// name, writing to the object store only; a running server takes it after
// its next SyncUsers. Errors: EINVALID for a password under 10
// characters; ENOTFOUND for an unknown user; EUNAVAILABLE.
func SetPasswordInStore(ctx context.Context, store archive.ObjectStore, name, password string, now time.Time) (*User, error) {
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	l := storeLog(store, now)
	u, err := l.byName(ctx, name)
	if err != nil {
		return nil, err
	}
	phc, err := hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	return l.change(ctx, u.ID, setPassword(archive.ByCommandLine, u.ID, phc))
}

// userLog is the service's view of user streams. Errors: EINTERNAL when
// the service was built without a user projection.
func (s *Service) userLog() (userLog, error) {
	if s.users == nil {
		return userLog{}, archive.Errorf(archive.EINTERNAL, "the service has no user projection")
	}
	return userLog{store: s.Store, proj: s.users, locks: &s.locks, now: s.Now}, nil
}

// auditUser records a change to a user in the audit log. Every user write
// calls it; its failure fails the request.
func (s *Service) auditUser(ctx context.Context, by archive.Actor, action, target string) error {
	return s.Record(ctx, by, action, target, "")
}

func userTarget(id string) string { return "user/" + id }

// CreateUser creates a user and its first token, which is returned once
// and never stored. Only an admin may. Errors: EFORBIDDEN; EINVALID for a
// bad name, display name or password (at least 10 characters) or a
// missing or unknown role (named); ECONFLICT when the name is taken;
// EUNAVAILABLE. When the user was created but its password or token could
// not be written, the user is returned with the error.
func (s *Service) CreateUser(ctx context.Context, by archive.Actor, in NewUser) (*User, string, error) {
	if !by.Has(archive.RoleAdmin) {
		return nil, "", archive.Errorf(archive.EFORBIDDEN, "only an administrator may create users")
	}
	l, err := s.userLog()
	if err != nil {
		return nil, "", err
	}
	u, token, err := l.create(ctx, by.UserID, in)
	if u != nil {
		if aerr := s.auditUser(ctx, by, "user.create", userTarget(u.ID)); aerr != nil && err == nil {
			return nil, "", aerr
		}
	}
	return u, token, err
}

// Authenticate returns the actor a bearer token belongs to. A token the
// projection does not know is looked up in the object store, so that a
// user added by the command line while the server runs works at once.
// Errors: EUNAUTHORIZED, with one message for a missing, malformed,
// unknown or revoked token and for a disabled user; EUNAVAILABLE when the
// store cannot be asked.
func (s *Service) Authenticate(ctx context.Context, token string) (archive.Actor, error) {
	sum, ok := parseToken(token)
	if !ok {
		return archive.Actor{}, errBadToken
	}
	l, err := s.userLog()
	if err != nil {
		return archive.Actor{}, err
	}
	var u *User
	id, err := l.proj.UserIDByTokenHash(ctx, sum)
	if err == nil {
		u, err = l.proj.User(ctx, id)
	} else if archive.IsCode(err, archive.ENOTFOUND) {
		u, err = s.userOfTokenInStore(ctx, l, sum)
	}
	if archive.IsCode(err, archive.ENOTFOUND) {
		return archive.Actor{}, errBadToken
	}
	if err != nil {
		return archive.Actor{}, err
	}
	i := slices.IndexFunc(u.Tokens, func(t TokenInfo) bool {
		return !t.Revoked && subtle.ConstantTimeCompare([]byte(t.SHA256), []byte(sum)) == 1
	})
	if u.Disabled || i < 0 {
		return archive.Actor{}, errBadToken
	}
	if t := u.Tokens[i]; t.Activation {
		if s.Now().Sub(t.IssuedAt) > ActivationValid {
			return archive.Actor{}, errBadToken
		}
		return archive.Actor{UserID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Activation: true}, nil
	}
	return u.actor(), nil
}

// ActivationValid is how long an activation token works.
const ActivationValid = 7 * 24 * time.Hour

// Activate is what an activation token is for: the person it was given to
// chooses their password, the activation token is spent, and they get
// their first working token (returned once). Nobody else can: an
// administrator creates the account but never knows its password nor
// holds a working credential of it; were they to use the activation token
// themself, the person could no longer activate and would say so, and the
// audit log names it. It returns the working token and its id. Errors:
// EFORBIDDEN for any other actor; EINVALID for a password under 10
// characters; ENOTFOUND; EUNAVAILABLE.
func (s *Service) Activate(ctx context.Context, by archive.Actor, userID, password string) (token, tokenID string, err error) {
	if !by.Activation || by.UserID != userID {
		return "", "", archive.Errorf(archive.EFORBIDDEN, "an account is activated with its own activation token")
	}
	if err := validatePassword(password); err != nil {
		return "", "", err
	}
	l, err := s.userLog()
	if err != nil {
		return "", "", err
	}
	// The actor may be older than a use of the token that spent it.
	cur, err := l.load(ctx, userID)
	if err != nil {
		return "", "", err
	}
	if !slices.ContainsFunc(cur.Tokens, func(t TokenInfo) bool {
		return t.Activation && !t.Revoked && s.Now().Sub(t.IssuedAt) <= ActivationValid
	}) {
		return "", "", errBadToken
	}
	phc, err := hashPassword(ctx, password)
	if err != nil {
		return "", "", err
	}
	u, err := l.change(ctx, userID, setPassword(userID, userID, phc))
	if err != nil {
		return "", "", err
	}
	for _, t := range u.Tokens {
		if t.Activation && !t.Revoked {
			if _, err := l.revokeToken(ctx, userID, userID, t.ID); err != nil {
				return "", "", err
			}
		}
	}
	token, u, err = l.issueToken(ctx, userID, userID, "activated", false)
	if err != nil {
		return "", "", err
	}
	return token, u.Tokens[len(u.Tokens)-1].ID, s.auditUser(ctx, by, "user.activate", userTarget(userID))
}

// userOfTokenInStore follows tokens/<sum> to its user and catches the
// projection up with that user, unless the projection already knows the
// token (then it was revoked). Errors: ENOTFOUND, EUNAVAILABLE.
func (s *Service) userOfTokenInStore(ctx context.Context, l userLog, sum string) (*User, error) {
	data, err := archive.ReadAll(ctx, s.Store, archive.TokenKey(sum))
	if err != nil {
		return nil, err
	}
	var p tokenPointer
	if err := json.Unmarshal(data, &p); err != nil || !validUserID(p.UserID) {
		return nil, archive.Errorf(archive.ENOTFOUND, "token pointer %s is damaged", archive.TokenKey(sum))
	}
	if u, err := l.proj.User(ctx, p.UserID); err == nil && u.token(p.TokenID) != nil {
		return u, nil
	}
	u, err := l.load(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if u.Seq == 0 {
		return nil, userNotFound(p.UserID)
	}
	return u, nil
}

// AuthenticatePassword returns the actor whose name and password these
// are. It takes as long for an unknown name as for a wrong password.
// Errors: EUNAUTHORIZED, with one message for an unknown name, a wrong
// password, a user without a password and a disabled user; EUNAVAILABLE.
func (s *Service) AuthenticatePassword(ctx context.Context, name, password string) (archive.Actor, error) {
	l, err := s.userLog()
	if err != nil {
		return archive.Actor{}, err
	}
	u, err := l.byName(ctx, name)
	if err != nil && !archive.IsCode(err, archive.ENOTFOUND) {
		return archive.Actor{}, err
	}
	phc := dummyPasswordHash()
	if u != nil && u.PasswordHash != "" {
		phc = u.PasswordHash
	}
	ok, err := checkPassword(ctx, phc, password)
	if err != nil {
		return archive.Actor{}, err
	}
	if !ok || u == nil || u.PasswordHash == "" || u.Disabled {
		return archive.Actor{}, errBadPassword
	}
	return u.sessionActor(), nil
}

// sessionActor is who u is when signed in with their password: the
// actor carries a fingerprint of the password hash, which a new
// password (a reset, a change) replaces.
func (u *User) sessionActor() archive.Actor {
	a := u.actor()
	sum := sha256.Sum256([]byte(u.PasswordHash))
	a.Credential = hex.EncodeToString(sum[:16])
	return a
}

// SessionActor returns the actor of a signed-in web session, signed in
// as a (from AuthenticatePassword or an earlier SessionActor), as the
// user stands now: a disabled user is out at once, and so is a session
// opened with a password since reset or changed; changed roles and
// display name count on the next page. Errors: EUNAUTHORIZED for an
// unknown or disabled user or another password; EUNAVAILABLE.
func (s *Service) SessionActor(ctx context.Context, a archive.Actor) (archive.Actor, error) {
	l, err := s.userLog()
	if err != nil {
		return archive.Actor{}, err
	}
	u, err := l.proj.User(ctx, a.UserID)
	if archive.IsCode(err, archive.ENOTFOUND) || err == nil && u.Disabled {
		return archive.Actor{}, archive.Errorf(archive.EUNAUTHORIZED, "the account is disabled or no longer exists; sign in again")
	}
	if err != nil {
		return archive.Actor{}, err
	}
	now := u.sessionActor()
	if u.PasswordHash == "" || subtle.ConstantTimeCompare([]byte(now.Credential), []byte(a.Credential)) != 1 {
		return archive.Actor{}, archive.Errorf(archive.EUNAUTHORIZED, "the password of this account was changed or reset since you signed in; sign in again")
	}
	return now, nil
}

// mayManage reports whether by may manage the tokens and password of user
// id: an admin, or the user themself.
func mayManage(by archive.Actor, id string) bool {
	return by.Has(archive.RoleAdmin) || by.UserID != "" && by.UserID == id && !by.Activation
}

// IssueToken gives a user another token, returned once and never stored,
// with its id (to revoke it by). Only the user themself may. Errors:
// EFORBIDDEN; ENOTFOUND for an unknown user; ECONFLICT for a disabled
// one; EINVALID for a bad label; EUNAVAILABLE.
func (s *Service) IssueToken(ctx context.Context, by archive.Actor, userID, label string) (token, tokenID string, err error) {
	// A token is a credential: it goes to the person it is for, never to
	// someone else, an administrator included (who could otherwise read
	// cases as an auditor they manage).
	if by.UserID == "" || by.UserID != userID || by.Activation {
		return "", "", archive.Errorf(archive.EFORBIDDEN, "users issue their own tokens, signed in as themselves (an account not yet activated activates first); an administrator may revoke a token but not obtain one for someone else")
	}
	l, err := s.userLog()
	if err != nil {
		return "", "", err
	}
	token, u, err := l.issueToken(ctx, by.UserID, userID, label, false)
	if err != nil {
		return "", "", err
	}
	if err := s.auditUser(ctx, by, "user.token_issue", userTarget(userID)); err != nil {
		return "", "", err
	}
	return token, u.Tokens[len(u.Tokens)-1].ID, nil
}

// RevokeToken revokes one of a user's tokens at once in this process;
// other processes on the same bucket refuse it after their next SyncUsers.
// Revoking a revoked token succeeds and changes nothing. An admin or the
// user themself may. Errors: EFORBIDDEN; ENOTFOUND for an unknown user or
// token id; EUNAVAILABLE.
func (s *Service) RevokeToken(ctx context.Context, by archive.Actor, userID, tokenID string) error {
	if !mayManage(by, userID) {
		return archive.Errorf(archive.EFORBIDDEN, "only an administrator or the user themself may revoke tokens")
	}
	l, err := s.userLog()
	if err != nil {
		return err
	}
	if _, err := l.revokeToken(ctx, by.UserID, userID, tokenID); err != nil {
		return err
	}
	return s.auditUser(ctx, by, "user.token_revoke", userTarget(userID)+"/tokens/"+tokenID)
}

// User returns one user as the object store has it. An admin, an
// auditor or the user themself may. Errors: EFORBIDDEN; ENOTFOUND;
// EUNAVAILABLE.
func (s *Service) User(ctx context.Context, by archive.Actor, id string) (*User, error) {
	if !by.HasAny(archive.RoleAdmin, archive.RoleAuditor) && by.UserID != id {
		return nil, archive.Errorf(archive.EFORBIDDEN, "only an administrator or auditor may see other users")
	}
	l, err := s.userLog()
	if err != nil {
		return nil, err
	}
	// As the store has it: a change from the command line shows at once.
	u, err := l.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireUser(u, id); err != nil {
		return nil, err
	}
	return u, nil
}

// StaffNames are the display names of staff accounts (李娜), by login
// name and by user id, for pages that name colleagues: borrowers,
// proposers, who handled a case.
type StaffNames struct {
	ByName, ByID map[string]string
}

// StaffDisplayNames returns the display names of staff accounts. Staff
// read it; applicants' accounts are left out (their names are personal
// data). Errors: EFORBIDDEN for non-staff; EUNAVAILABLE.
func (s *Service) StaffDisplayNames(ctx context.Context, by archive.Actor) (StaffNames, error) {
	names := StaffNames{ByName: map[string]string{}, ByID: map[string]string{}}
	if !by.HasAny(archive.StaffRoles...) {
		return names, archive.Errorf(archive.EFORBIDDEN, "staff names are for staff")
	}
	l, err := s.userLog()
	if err != nil {
		return names, err
	}
	users, err := l.proj.ListUsers(ctx)
	if err != nil {
		return names, err
	}
	for _, u := range users {
		if u.DisplayName != "" && !slices.Contains(u.Roles, archive.RoleApplicant) {
			names.ByName[u.Name] = u.DisplayName
			names.ByID[u.ID] = u.DisplayName
		}
	}
	return names, nil
}

// scanUsers returns the last event seq of every user in the store.
func scanUsers(ctx context.Context, store archive.ObjectStore) (map[string]uint64, error) {
	last := map[string]uint64{}
	err := store.Walk(ctx, archive.UserPrefix, func(oi archive.ObjectInfo) error {
		if id, seq, ok := archive.ParseUserEventKey(oi.Key); ok && validUserID(id) && seq > last[id] {
			last[id] = seq
		}
		return nil
	})
	return last, err
}

// foldUsers loads each listed user with fold and stores the ones that
// fold; users with a damaged event are named in an EINVALID error after
// the rest are done, and are not stored: folding past a damaged event
// could miss a revocation.
func (s *Service) foldUsers(ctx context.Context, ids []string, fold func(id string) (*User, error)) (int, error) {
	l, err := s.userLog()
	if err != nil {
		return 0, err
	}
	sort.Strings(ids)
	var good []*User
	var bad []string
	for _, id := range ids {
		u, err := fold(id)
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return 0, err
		}
		if err != nil {
			bad = append(bad, archive.ErrorMessage(err))
			continue
		}
		good = append(good, u)
	}
	if len(good) > 0 {
		if err := l.proj.PutUsers(ctx, good...); err != nil {
			return 0, err
		}
	}
	if len(bad) > 0 {
		return len(good), archive.Errorf(archive.EINVALID, "%d users could not be folded and were skipped: %s", len(bad), strings.Join(bad, "; "))
	}
	return len(good), nil
}

// SyncUsers folds into the projection the user events that other
// processes sharing the bucket wrote (the command line adding users or
// revoking tokens). The server calls it at start-up and periodically.
// Errors: EUNAVAILABLE; EINVALID naming users with damaged events, after
// the others are synced.
func (s *Service) SyncUsers(ctx context.Context) error {
	l, err := s.userLog()
	if err != nil {
		return err
	}
	last, err := scanUsers(ctx, s.Store)
	if err != nil {
		return err
	}
	if err := l.proj.UserSeqs(ctx, func(id string, seq uint64) error {
		if last[id] <= seq {
			delete(last, id)
		}
		return nil
	}); err != nil {
		return err
	}
	_, err = s.foldUsers(ctx, slices.Collect(maps.Keys(last)), func(id string) (*User, error) {
		u, _, err := l.fetch(ctx, id)
		return u, err
	})
	return err
}

// RebuildUsers folds every user afresh from the object store into the
// projection and returns how many it stored. It does not need the
// projection emptied first: a stored user at the same seq is overwritten.
// Errors: EUNAVAILABLE; EINVALID naming users with damaged events, after
// the others are rebuilt.
func (s *Service) RebuildUsers(ctx context.Context) (int, error) {
	last, err := scanUsers(ctx, s.Store)
	if err != nil {
		return 0, err
	}
	return s.foldUsers(ctx, slices.Collect(maps.Keys(last)), func(id string) (*User, error) {
		u := &User{}
		return u, foldUserNew(ctx, s.Store, u, id)
	})
}

// argon2Params are the argon2id settings of new password hashes.
// Verification reads the settings from each stored hash, so they can be
// raised without invalidating old passwords.
type argon2Params struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	saltLen int
	keyLen  uint32
}

// passwordParams: 64 MiB, 3 passes, 2 lanes.
var passwordParams = argon2Params{memory: 64 * 1024, time: 3, threads: 2, saltLen: 16, keyLen: 32}

// hashSlots bounds concurrent argon2id runs: each takes its memory
// setting, and a burst of logins must not exhaust the server's.
var hashSlots = make(chan struct{}, 4)

func argon2id(ctx context.Context, pw string, salt []byte, p argon2Params) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, archive.E("archive.password", archive.EUNAVAILABLE, ctx.Err())
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen), nil
}

// hashPassword returns the PHC string $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func hashPassword(ctx context.Context, pw string) (string, error) {
	p := passwordParams
	salt := make([]byte, p.saltLen)
	rand.Read(salt)
	key, err := argon2id(ctx, pw, salt, p)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword compares pw with a PHC string in constant time. A hash it
// cannot parse matches no password. Errors: EUNAVAILABLE when ctx ends
// while waiting for a hashing slot.
func checkPassword(ctx context.Context, phc, pw string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, nil
	}
	var p argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, p.threads) ||
		p.memory < 8*uint32(p.threads) || p.memory > 1<<20 || p.time < 1 || p.time > 16 || p.threads < 1 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false, nil
	}
	p.keyLen = uint32(len(want))
	got, err := argon2id(ctx, pw, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyPasswordHash is checked against when a login names no user with a
// password, so that the answer takes as long as for a wrong password.
var dummyPasswordHash = sync.OnceValue(func() string {
	b := make([]byte, 16)
	rand.Read(b)
	phc, _ := hashPassword(context.Background(), hex.EncodeToString(b))
	return phc
})

// CountUsers returns how many users the projection knows, for start-up
// messages.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	users, err := s.users.ListUsers(ctx)
	return len(users), err
}

// CatchUpUsers folds into the projection the events of the listed users
// that it does not have yet: what another server sharing the bucket
// wrote (a sign-out everywhere, a revoked token, a disabled account), as
// its change notifications tell (archive/follow).
func (s *Service) CatchUpUsers(ctx context.Context, ids []string) error {
	l, err := s.userLog()
	if err != nil {
		return err
	}
	var valid []string
	for _, id := range ids {
		if validUserID(id) {
			valid = append(valid, id)
		}
	}
	_, err = s.foldUsers(ctx, valid, func(id string) (*User, error) {
		u, _, err := l.fetch(ctx, id)
		return u, err
	})
	return err
}
