// Package savedsearch keeps each person's saved searches (常用查询): a
// list's query under a name of their choosing, to run again with one
// click. Each is one small object in the object store under the owner's
// user id (archive.SavedSearchKey), written once and deleted when its
// owner deletes it; no one else reads, lists or deletes it.
package savedsearch

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/content"

	"github.com/rs/xid"
)

// MaxSearches bounds the saved searches of one person; MaxQuery the
// bytes of one query.
const (
	MaxSearches = 50
	MaxQuery    = 2000
)

// Search is one saved search.
type Search struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// List names the list the query is for, as its caller names it
	// (the web pages: worklist, search).
	List string `json:"list"`
	// Query is the list's query, URL-encoded, as its caller wrote it.
	Query     string    `json:"query"`
	CreatedAt time.Time `json:"created_at"`
}

// Service keeps saved searches in the store.
type Service struct{ env *archive.Env }

// New returns the saved searches service over env's store.
func New(env *archive.Env) *Service { return &Service{env: env} }

var (
	listRE = regexp.MustCompile(`^[a-z]{1,20}$`)
	// idRE is the shape of an id (an xid), checked before it goes into a key.
	idRE = regexp.MustCompile(`^[a-z0-9]{20}$`)
)

// owner is the user whose saved searches a may use: anyone signed in
// as a user who lists cases. Errors: EFORBIDDEN (a case-number sign-in,
// an administrator).
func owner(a archive.Actor) (string, error) {
	if err := archive.CanList(a); err != nil {
		return "", err
	}
	if a.UserID == "" {
		return "", archive.Errorf(archive.EFORBIDDEN, "saved searches belong to a signed-in user")
	}
	return a.UserID, nil
}

// SaveSearch saves a query of list under name for a. Errors: EINVALID
// (no name, a name over 50 characters or with control characters, a
// query over 2,000 bytes, a list name that is not one), ECONFLICT (a
// saved search of that name exists, or a has MaxSearches already),
// EFORBIDDEN, EUNAVAILABLE.
func (s *Service) SaveSearch(ctx context.Context, a archive.Actor, name, list, query string) (*Search, error) {
	uid, err := owner(a)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, archive.Errorf(archive.EINVALID, "name: give the saved search a name")
	}
	if err := content.CheckText("name", name, 50); err != nil {
		return nil, err
	}
	if !listRE.MatchString(list) {
		return nil, archive.Errorf(archive.EINVALID, "list: %q is not the name of a list", list)
	}
	if len(query) > MaxQuery || strings.ContainsAny(query, "\x00\r\n") {
		return nil, archive.Errorf(archive.EINVALID, "query: at most %d bytes of URL query", MaxQuery)
	}
	have, err := s.SavedSearches(ctx, a)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxSearches {
		return nil, archive.Errorf(archive.ECONFLICT, "you have %d saved searches, the most one person keeps; delete one first", len(have))
	}
	for _, h := range have {
		if h.Name == name {
			return nil, archive.Errorf(archive.ECONFLICT, "you have a saved search named %s already; choose another name or delete it first", name)
		}
	}
	ss := &Search{ID: xid.New().String(), Name: name, List: list, Query: query, CreatedAt: s.env.Now().UTC()}
	b, err := json.Marshal(ss)
	if err != nil {
		return nil, archive.Wrapf("", archive.EINTERNAL, err, "encode saved search: %s", err)
	}
	if err := s.env.Store.Create(ctx, archive.SavedSearchKey(uid, ss.ID), b); err != nil {
		return nil, err
	}
	return ss, nil
}

// SavedSearches lists a's saved searches, oldest first. Errors:
// EFORBIDDEN, EUNAVAILABLE.
func (s *Service) SavedSearches(ctx context.Context, a archive.Actor) ([]Search, error) {
	uid, err := owner(a)
	if err != nil {
		return nil, err
	}
	out := []Search{}
	err = s.env.Store.Walk(ctx, archive.SavedSearchUserPrefix(uid), func(oi archive.ObjectInfo) error {
		ss, err := s.read(ctx, oi.Key)
		if err != nil {
			return err
		}
		out = append(out, *ss)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SavedSearch returns a's saved search id. Errors: ENOTFOUND (also for
// another person's), EFORBIDDEN, EUNAVAILABLE.
func (s *Service) SavedSearch(ctx context.Context, a archive.Actor, id string) (*Search, error) {
	uid, err := owner(a)
	if err != nil {
		return nil, err
	}
	if !idRE.MatchString(id) {
		return nil, archive.Errorf(archive.ENOTFOUND, "you have no saved search %s", id)
	}
	ss, err := s.read(ctx, archive.SavedSearchKey(uid, id))
	if archive.IsCode(err, archive.ENOTFOUND) {
		return nil, archive.Errorf(archive.ENOTFOUND, "you have no saved search %s", id)
	}
	return ss, err
}

// DeleteSavedSearch deletes a's saved search id. Errors: ENOTFOUND
// (also for another person's), EFORBIDDEN, EUNAVAILABLE.
func (s *Service) DeleteSavedSearch(ctx context.Context, a archive.Actor, id string) error {
	if _, err := s.SavedSearch(ctx, a, id); err != nil {
		return err
	}
	return s.env.Store.Delete(ctx, archive.SavedSearchKey(a.UserID, id))
}

func (s *Service) read(ctx context.Context, key string) (*Search, error) {
	rc, _, err := s.env.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 16<<10))
	if err != nil {
		return nil, archive.Wrapf("", archive.EUNAVAILABLE, err, "read %s: %s", key, err)
	}
	var ss Search
	if err := json.Unmarshal(b, &ss); err != nil {
		return nil, archive.Wrapf("", archive.EINTERNAL, err, "saved search %s is not JSON: %s", key, err)
	}
	return &ss, nil
}
