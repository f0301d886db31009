package kit

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestListURLRoundTrip: what the URL says is what the list shows; the
// links it builds change one thing and keep every other parameter, the
// other lists' of the page included; stale values fall back.
func TestListURLRoundTrip(t *testing.T) {
	spec := ListSpec{Prefix: "r1-", Sorts: []string{"number", "deadline"}, Filters: []string{"business_type", "year"}, Size: 10}
	l := NewList(mustURL(t, "/?business_type=pension&r1-sort=deadline&r1-dir=desc&r1-page=3&arc-sort=number&arc-page=2"), spec)
	if l.Sort != "deadline" || !l.Desc || l.Page != 3 || l.Size != 10 || l.Filter("business_type") != "pension" {
		t.Fatalf("read %+v", l)
	}
	rows := make([]int, 95)
	for i := range rows {
		rows[i] = i
	}
	pg := PageRows(l, rows)
	if l.Total != 95 || l.Pages() != 10 || len(pg) != 10 || pg[0] != 20 || l.First() != 21 || l.Last() != 30 {
		t.Fatalf("page 3 of 95: %v total %d pages %d", pg, l.Total, l.Pages())
	}
	back := NewList(mustURL(t, l.PageURL(4)), spec)
	if back.Page != 4 || back.Sort != "deadline" || !back.Desc || back.Filter("business_type") != "pension" {
		t.Fatalf("page 4 link %s read as %+v", l.PageURL(4), back)
	}
	for _, want := range []string{"arc-sort=number", "arc-page=2"} {
		if !strings.Contains(l.PageURL(4), want) || !strings.Contains(l.SortURL("number"), want) {
			t.Fatalf("links drop %s: %s, %s", want, l.PageURL(4), l.SortURL("number"))
		}
	}
	if u := l.PageURL(1); strings.Contains(u, "r1-page") {
		t.Fatalf("page 1 link names the page: %s", u)
	}
	// Sorting by a column starts at page 1; the sorted column turns
	// around; another column sorts ascending.
	if u := l.SortURL("deadline"); strings.Contains(u, "r1-page") || strings.Contains(u, "r1-dir") || !strings.Contains(u, "r1-sort=deadline") {
		t.Fatalf("sort link of the descending column: %s", u)
	}
	asc := NewList(mustURL(t, "/?r1-sort=number"), spec)
	if u := asc.SortURL("number"); !strings.Contains(u, "r1-dir=desc") {
		t.Fatalf("sort link of the ascending column: %s", u)
	}
	h := string(asc.Header("number", "案件编号"))
	if !strings.Contains(h, `aria-sort="ascending"`) || !strings.Contains(h, "案件编号 ▲") || !strings.Contains(h, "r1-dir=desc") {
		t.Fatalf("header: %s", h)
	}
	if h := string(asc.Header("deadline", "<期限>")); !strings.Contains(h, `aria-sort="none"`) || !strings.Contains(h, "&lt;期限&gt;") {
		t.Fatalf("header of another column: %s", h)
	}
	// A filter form keeps the sorts, drops its own fields and the pages.
	kept := map[string]string{}
	for _, o := range l.Kept() {
		kept[o.Label] = o.Value
	}
	if kept["r1-sort"] != "deadline" || kept["arc-sort"] != "number" || kept["business_type"] != "" || kept["r1-page"] != "" || kept["arc-page"] != "" {
		t.Fatalf("kept %v", kept)
	}
	if q := l.Query(); strings.Contains(q, "page=") || !strings.Contains(q, "business_type=pension") || !strings.Contains(q, "arc-sort=number") {
		t.Fatalf("query to save: %s", q)
	}
	// Stale links: a column it does not sort by, a page that is not one,
	// a page past the end.
	for _, raw := range []string{"/?r1-sort=evil&r1-page=x", "/?r1-page=-4", "/?r1-page=99"} {
		s := NewList(mustURL(t, raw), spec)
		if s.Sort != "" {
			t.Fatalf("%s sorts by %q", raw, s.Sort)
		}
		PageRows(s, rows)
		if s.Page < 1 || s.Page > 10 {
			t.Fatalf("%s shows page %d", raw, s.Page)
		}
	}
}

// TestPageLinks: the first, the last and the two around the current
// page, gaps between, nothing for one page.
func TestPageLinks(t *testing.T) {
	for _, tc := range []struct {
		total, page int
		want        string
	}{
		{10, 1, ""},
		{30, 2, "1 [2] 3"},
		{200, 1, "[1] 2 3 … 20"},
		{200, 10, "1 … 8 9 [10] 11 12 … 20"},
		{200, 20, "1 … 18 19 [20]"},
		{50, 4, "1 2 3 [4] 5"},
	} {
		l := NewList(mustURL(t, "/loans?page="+strconv.Itoa(tc.page)), ListSpec{Size: 10})
		l.Total = tc.total
		var b []string
		for _, p := range l.PageLinks() {
			switch {
			case p.Gap:
				b = append(b, "…")
			case p.Current:
				b = append(b, "["+strconv.Itoa(p.Number)+"]")
			default:
				b = append(b, strconv.Itoa(p.Number))
			}
		}
		if got := strings.Join(b, " "); got != tc.want {
			t.Errorf("%d rows, page %d: %q, want %q", tc.total, tc.page, got, tc.want)
		}
	}
}
