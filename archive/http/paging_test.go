package http_test

import (
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
)

// walk pages through a listing with limit, as a client would, and returns
// the ids of all its items in order.
func walk(t *testing.T, e *apitest.Env, token, path, list, idField string, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := e.JSON("GET", path+"?"+q.Encode(), token, nil)
		apitest.Expect(t, r, 200, "page of "+path)
		items := r.Body[list].([]any)
		if len(items) > limit || len(items) == 0 && cursor != "" {
			t.Fatalf("%s page %d: %d items with limit %d", path, pages, len(items), limit)
		}
		for _, it := range items {
			ids = append(ids, it.(map[string]any)[idField].(string))
		}
		cursor = r.Str("next_cursor")
		if cursor == "" {
			return ids
		}
		if pages > 20 {
			t.Fatalf("%s: no end after %d pages", path, pages)
		}
	}
}

// /api/v1/holds and /api/v1/disposals page with limit and cursor as
// /api/v1/cases does: a list longer than the limit comes through whole,
// in order, without repeats, and bad parameters are 400.
func TestHoldsAndDisposalsPage(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	now := time.Date(2015, 4, 7, 9, 0, 0, 0, time.UTC)
	e.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	_, clerk := e.User("p.clerk", archive.RoleClerk)
	_, arch1 := e.User("p.archivist1", archive.RoleArchivist)
	_, arch2 := e.User("p.archivist2", archive.RoleArchivist)
	var held []string
	for range 5 {
		r := e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "unemployment_benefit",
			"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
		apitest.Expect(t, r, 201, "create")
		id := r.Str("id")
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
		a := e.JSON("POST", "/api/v1/cases/"+id+"/archive", arch1, nil)
		apitest.Expect(t, a, 201, "archive")
		if len(held) < 3 {
			apitest.Expect(t, e.JSON("POST", "/api/v1/archives/"+url.PathEscape(a.Str("archive_no"))+"/holds", arch1, map[string]any{"reason": "诉讼保全"}), 201, "hold")
			held = append(held, id)
		}
	}
	all := walk(t, e, arch1, "/api/v1/holds", "holds", "case_id", 50)
	for _, limit := range []int{1, 2} {
		got := walk(t, e, arch1, "/api/v1/holds", "holds", "case_id", limit)
		if !slices.Equal(got, all) || len(got) != 3 {
			t.Fatalf("holds with limit %d: %v, all at once %v", limit, got, all)
		}
	}
	slices.Sort(held)
	if slices.Sort(all); !slices.Equal(all, held) {
		t.Fatalf("held %v, listed %v", held, all)
	}

	// Two archives past retention: proposed and rejected three times.
	mu.Lock()
	now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mu.Unlock()
	var made []string
	for range 3 {
		r := e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": "保管期限已满"})
		apitest.Expect(t, r, 201, "propose")
		made = append(made, r.Str("id"))
		apitest.Expect(t, e.JSON("POST", "/api/v1/disposals/"+r.Str("id")+"/approve", arch2, map[string]any{"decision": "reject", "opinion": "暂缓"}), 200, "reject")
	}
	ds := walk(t, e, arch1, "/api/v1/disposals", "disposals", "id", 2)
	slices.Sort(made)
	slices.Reverse(made)
	if !slices.Equal(ds, made) {
		t.Fatalf("disposals paged by 2: %v, made %v", ds, made)
	}

	for _, path := range []string{"/api/v1/holds", "/api/v1/disposals", "/api/v1/cases"} {
		for q, want := range map[string]string{
			"limit=0":          "limit: must be a whole number from 1",
			"limit=x":          "limit: must be a whole number from 1",
			"limit=501":        "limit: at most 500",
			"cursor=../etc":    "cursor: not a cursor this API returned",
			"cursor=A%20B&x=1": "cursor: not a cursor this API returned",
		} {
			r := e.JSON("GET", path+"?"+q, arch1, nil)
			apitest.Expect(t, r, 400, path+"?"+q)
			if r.ErrMsg() != want {
				t.Errorf("%s?%s: %q, want %q", path, q, r.ErrMsg(), want)
			}
		}
	}
}
