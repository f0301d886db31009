package savedsearch_test

import (
	"context"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/servicetest"
)

var (
	clerk    = archive.Actor{UserID: "uclerk1", Name: "clerk1", Roles: []string{archive.RoleClerk}}
	reviewer = archive.Actor{UserID: "ureviewer1", Name: "reviewer1", Roles: []string{archive.RoleReviewer}}
	admin    = archive.Actor{UserID: "uadmin1", Name: "admin1", Roles: []string{archive.RoleAdmin}}
	portal   = archive.Actor{UserID: "uapp1", Name: "SB2026-0000000001", Case: "c1"}
)

// TestSavedSearchesAreTheirOwners: a saved search is kept in the store,
// read back whole (with characters outside the BMP), listed, run and
// deleted by its owner alone; another person neither sees nor deletes
// it, and bad input is refused with what to fix.
func TestSavedSearchesAreTheirOwners(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(nil)

	name := "逾期的养老 𠮷😀"
	query := "business_type=pension&overdue=1&r1-sort=deadline"
	ss, err := svc.SaveSearch(ctx, clerk, "  "+name+" ", "worklist", query)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Name != name || ss.List != "worklist" || ss.Query != query {
		t.Fatalf("saved %+v", ss)
	}
	if _, err := st.Store.Stat(ctx, archive.SavedSearchKey(clerk.UserID, ss.ID)); err != nil {
		t.Fatalf("not in the store: %v", err)
	}
	if k, ok := archive.DescribeKey(archive.SavedSearchKey(clerk.UserID, ss.ID)); !ok || !strings.Contains(k.What, "saved search") {
		t.Fatalf("the layout does not describe the key: %+v", k)
	}
	got, err := svc.SavedSearches(ctx, clerk)
	if err != nil || len(got) != 1 || got[0].Name != name || got[0].Query != query {
		t.Fatalf("clerk's saved searches: %+v %v", got, err)
	}

	// Another person sees none of it.
	if got, err := svc.SavedSearches(ctx, reviewer); err != nil || len(got) != 0 {
		t.Fatalf("the reviewer sees %+v %v", got, err)
	}
	servicetest.WantCode(t, func() error { _, err := svc.SavedSearch(ctx, reviewer, ss.ID); return err }(), archive.ENOTFOUND, "another's saved search")
	servicetest.WantCode(t, svc.DeleteSavedSearch(ctx, reviewer, ss.ID), archive.ENOTFOUND, "deleting another's saved search")
	if _, err := svc.SavedSearch(ctx, clerk, ss.ID); err != nil {
		t.Fatalf("after the reviewer's try: %v", err)
	}

	// Who may not keep any, and what is refused.
	for _, a := range []archive.Actor{admin, portal} {
		_, err := svc.SavedSearches(ctx, a)
		servicetest.WantCode(t, err, archive.EFORBIDDEN, a.Name)
	}
	for _, tc := range []struct{ name, list, query, code string }{
		{"", "worklist", "", archive.EINVALID},
		{strings.Repeat("名", 51), "worklist", "", archive.EINVALID},
		{"a\u202eb", "worklist", "", archive.EINVALID},
		{"ok", "Work List", "", archive.EINVALID},
		{"ok", "search", strings.Repeat("q", 2001), archive.EINVALID},
		{name, "worklist", "", archive.ECONFLICT},
	} {
		_, err := svc.SaveSearch(ctx, clerk, tc.name, tc.list, tc.query)
		servicetest.WantCode(t, err, tc.code, tc.name)
	}
	servicetest.WantCode(t, func() error { _, err := svc.SavedSearch(ctx, clerk, "../x"); return err }(), archive.ENOTFOUND, "a malformed id")

	if err := svc.DeleteSavedSearch(ctx, clerk, ss.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.SavedSearches(ctx, clerk); err != nil || len(got) != 0 {
		t.Fatalf("after deleting: %+v %v", got, err)
	}
}
