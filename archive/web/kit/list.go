package kit

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The one list helper of the pages: every list a person works with
// (worklist sections, the cases waiting to be archived, loans,
// disposals, search results) sorts by a column, filters, pages with
// page numbers and a total, and keeps all of it in the URL, through
// List. A page reads the whole list it may show, lets List sort and cut
// out the page, and renders the header cells, the page links and the
// filter form's hidden fields from it.

// ListSpec describes one list of a page.
type ListSpec struct {
	// Prefix names the list's parameters in the URL (Prefix+"sort",
	// Prefix+"dir", Prefix+"page"), so that several lists on one page
	// keep their own; "" for a page's only list.
	Prefix string
	// Sorts are the column keys the list sorts by.
	Sorts []string
	// Default is the sort key when the URL names none; "" sorts in the
	// page's own order (the rows as given).
	Default string
	// Desc makes the default direction descending.
	Desc bool
	// Filters are the names of the filter parameters the list reads
	// (unprefixed: a page's filters apply to all its lists).
	Filters []string
	// Size is the rows per page; 0 means DefaultPageSize.
	Size int
}

// DefaultPageSize is the rows of a list page unless its ListSpec says.
const DefaultPageSize = 50

// List is a list's state as the URL carries it: sort key and direction,
// filters, page number and size, and, once the rows are known, the
// total. Its methods build the links that change one of them and keep
// everything else the URL holds.
type List struct {
	spec  ListSpec
	path  string
	query url.Values
	// Sort is the column key sorted by ("" for the page's own order);
	// Desc its direction.
	Sort string
	Desc bool
	// Page is the page number, from 1; Size the rows per page.
	Page, Size int
	// Total is how many rows the list holds over all pages.
	Total int
}

// NewList reads the list spec describes from a request's path and
// query. A sort key the list does not know, or a page number that is not
// one, falls back to the default: a stale link still shows the list.
func NewList(u *url.URL, spec ListSpec) *List {
	if spec.Size <= 0 {
		spec.Size = DefaultPageSize
	}
	l := &List{spec: spec, path: u.Path, query: u.Query(), Sort: spec.Default, Desc: spec.Desc, Page: 1, Size: spec.Size}
	if s := l.query.Get(spec.Prefix + "sort"); slices.Contains(spec.Sorts, s) {
		l.Sort = s
		l.Desc = l.query.Get(spec.Prefix+"dir") == "desc"
	}
	if n, err := strconv.Atoi(l.query.Get(spec.Prefix + "page")); err == nil && n > 1 {
		l.Page = n
	}
	return l
}

// Filter is the value of the filter parameter name ("" when not set).
func (l *List) Filter(name string) string { return strings.TrimSpace(l.query.Get(name)) }

// Query is the page's whole query string without the page numbers (of
// every list of the page): what a saved search keeps.
func (l *List) Query() string {
	q := cloneValues(l.query)
	for k := range q {
		if isPageParam(k) {
			q.Del(k)
		}
	}
	return q.Encode()
}

// Pages is the number of pages (at least 1).
func (l *List) Pages() int { return max(1, (l.Total+l.Size-1)/l.Size) }

// First is the number of the first row of the page (from 1), for "第
// 51–100 件".
func (l *List) First() int { return min(l.Total, (l.Page-1)*l.Size+1) }

// Last is the number of the last row of the page.
func (l *List) Last() int { return min(l.Total, l.Page*l.Size) }

// SortRows sorts rows by the list's sort key, stably, with the compare
// function by[key]; with no sort key (or none for it) it leaves the
// page's own order.
func SortRows[T any](l *List, rows []T, by map[string]func(a, b T) int) {
	f := by[l.Sort]
	if f == nil {
		return
	}
	slices.SortStableFunc(rows, func(a, b T) int {
		if l.Desc {
			return f(b, a)
		}
		return f(a, b)
	})
}

// PageRows sets the list's total to len(rows) and returns the rows of
// its page; a page number past the end shows the last page.
func PageRows[T any](l *List, rows []T) []T {
	l.Total = len(rows)
	l.Page = min(l.Page, l.Pages())
	return rows[(l.Page-1)*l.Size : l.Last()]
}

// URL is the list's path and query with the given parameters (name,
// value pairs; an empty value removes the parameter) changed; the rest
// of the query stays.
func (l *List) URL(kv ...string) string {
	q := cloneValues(l.query)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return l.path
	}
	return l.path + "?" + q.Encode()
}

// SortURL is the link of a column header: sorted by key ascending, or
// the other way when it is sorted by key already; back to page 1.
func (l *List) SortURL(key string) string {
	dir := ""
	if l.Sort == key && !l.Desc {
		dir = "desc"
	}
	return l.URL(l.spec.Prefix+"sort", key, l.spec.Prefix+"dir", dir, l.spec.Prefix+"page", "")
}

// AriaSort is the aria-sort of the column key's header: ascending,
// descending or none.
func (l *List) AriaSort(key string) string {
	switch {
	case l.Sort != key:
		return "none"
	case l.Desc:
		return "descending"
	}
	return "ascending"
}

// Header is a sortable column header cell: a link that sorts by key,
// with aria-sort and an arrow on the column sorted by.
func (l *List) Header(key, label string) template.HTML {
	arrow := ""
	if l.Sort == key {
		arrow = " ▲"
		if l.Desc {
			arrow = " ▼"
		}
	}
	return template.HTML(`<th aria-sort="` + l.AriaSort(key) + `" data-sort="` + template.HTMLEscapeString(key) + `"><a href="` +
		template.HTMLEscapeString(l.SortURL(key)) + `">` + template.HTMLEscapeString(label) + arrow + `</a></th>`)
}

// PageLink is one entry of the page links: a page number, or a gap
// (…) between numbers.
type PageLink struct {
	Number  int
	Href    string
	Current bool
	Gap     bool
}

// PageLinks are the page links: the first and last page, the two around
// the current one, and gaps between; nil for a single page.
func (l *List) PageLinks() []PageLink {
	n := l.Pages()
	if n <= 1 {
		return nil
	}
	var out []PageLink
	last := 0
	for p := 1; p <= n; p++ {
		if p != 1 && p != n && (p < l.Page-2 || p > l.Page+2) {
			continue
		}
		if p > last+1 {
			out = append(out, PageLink{Gap: true})
		}
		out = append(out, PageLink{Number: p, Href: l.PageURL(p), Current: p == l.Page})
		last = p
	}
	return out
}

// PageURL is the link of page p.
func (l *List) PageURL(p int) string {
	v := ""
	if p > 1 {
		v = strconv.Itoa(p)
	}
	return l.URL(l.spec.Prefix+"page", v)
}

// Prev and Next are the links of the previous and next page, "" at
// either end.
func (l *List) Prev() string {
	if l.Page <= 1 {
		return ""
	}
	return l.PageURL(l.Page - 1)
}

// Next is the link of the next page, "" on the last.
func (l *List) Next() string {
	if l.Page >= l.Pages() {
		return ""
	}
	return l.PageURL(l.Page + 1)
}

// Kept are the parameters a GET filter form carries as hidden fields:
// everything in the URL except the page's filters (the form's own
// fields) and the page numbers, so that filtering keeps each list's sort
// and starts on page 1.
func (l *List) Kept() []Option {
	var out []Option
	for _, k := range sortedKeys(l.query) {
		if slices.Contains(l.spec.Filters, k) || isPageParam(k) {
			continue
		}
		for _, v := range l.query[k] {
			out = append(out, Option{Value: v, Label: k})
		}
	}
	return out
}

// isPageParam tells a list's page number parameter (Prefix+"page").
func isPageParam(k string) bool { return strings.HasSuffix(k, "page") }

func sortedKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = slices.Clone(vs)
	}
	return out
}
