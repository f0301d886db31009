package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/indexing"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

var (
	idNumberRE   = regexp.MustCompile(`^[0-9]{6,17}[0-9Xx]?$`)
	caseNumberRE = regexp.MustCompile(`(?i)^SB[0-9]{0,4}(-[0-9]{0,6})?$`)
	// archiveNoRE is the start of a 档号: 全宗号-门类·…
	archiveNoRE = regexp.MustCompile(`(?i)^[A-Z0-9]{1,16}-[A-Z]{2}`)
)

// MaxTerms bounds the words of a query.
const MaxTerms = 20

// terms splits q into words and "quoted phrases"; an unbalanced quote
// makes the rest one phrase. Nothing of bleve's query syntax survives:
// every term becomes a match, phrase, term or prefix query.
func terms(q string) (words, phrases []string) {
	for q != "" {
		q = strings.TrimLeft(q, " \t\r\n\u3000")
		if q == "" {
			break
		}
		if q[0] == '"' || strings.HasPrefix(q, "“") {
			q = strings.TrimPrefix(strings.TrimPrefix(q, `"`), "“")
			end := strings.IndexAny(q, "\"”")
			if end < 0 {
				end = len(q)
			}
			if p := strings.TrimSpace(q[:end]); p != "" {
				phrases = append(phrases, p)
			}
			if end < len(q) {
				_, size := firstRune(q[end:])
				q = q[end+size:]
			} else {
				q = ""
			}
			continue
		}
		end := strings.IndexAny(q, " \t\r\n\"“\u3000")
		if end < 0 {
			end = len(q)
		}
		words = append(words, q[:end])
		q = q[end:]
	}
	return words, phrases
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i == 0 {
			return r, len(string(r))
		}
	}
	return 0, 0
}

// qterm is a word or a "phrase" of a query.
type qterm struct {
	s      string
	phrase bool
}

// textFields are searched for words, with their boosts: the name counts
// most, everything else is in text.
var textFields = []struct {
	name  string
	boost float64
}{{"name", 6}, {"text", 1}}

// matchText matches t in one analysed field: every bigram of a word, or
// the phrase in order.
func matchText(field string, t qterm, boost float64) query.Query {
	if t.phrase {
		mq := query.NewMatchPhraseQuery(t.s)
		mq.SetField(field)
		mq.SetBoost(boost)
		return mq
	}
	mq := query.NewMatchQuery(t.s)
	mq.SetField(field)
	mq.SetBoost(boost)
	mq.SetOperator(query.MatchQueryOperatorAnd)
	return mq
}

func textQuery(t qterm) query.Query {
	var ors []query.Query
	for _, f := range textFields {
		ors = append(ors, matchText(f.name, t, f.boost))
	}
	exact := termQuery("name_kw", t.s)
	exact.SetBoost(20)
	ors = append(ors, exact)
	return query.NewDisjunctionQuery(ors)
}

// highlightFields are the stored fields of a case's document fragments
// are cut from; materialTextField is the materials' one.
var highlightFields = []string{"summary", "opinions", "material_titles"}

const materialTextField = "material_text"

// highlight cuts fragments for the hits of one page. Words are looked up
// in the combined text field, whose locations name no stored field, so
// the page's documents are searched again, field by field, for the same
// words: a second query over a handful of ids.
func highlight(ctx context.Context, idx bleve.Index, ids []string, ts []qterm) (map[string]search.FieldFragmentMap, error) {
	if len(ids) == 0 || len(ts) == 0 {
		return nil, nil
	}
	var ors []query.Query
	for _, f := range highlightFields {
		for _, t := range ts {
			ors = append(ors, matchText(f, t, 1))
		}
	}
	root := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), query.NewDisjunctionQuery(ors)})
	req := bleve.NewSearchRequestOptions(root, len(ids), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = highlightFields
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := map[string]search.FieldFragmentMap{}
	for _, h := range res.Hits {
		out[h.ID] = h.Fragments
	}
	return out, nil
}

// materialFragments cuts, for each case of ids, the fragment of its
// material that matches the terms best, as a case's one field would give
// it: one query for the page's best materials, then one per case whose
// best material the others crowded out of it.
func materialFragments(ctx context.Context, materials bleve.Index, ids []string, ts []qterm) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var ors []query.Query
	for _, t := range ts {
		ors = append(ors, matchText(materialTextField, t, 1))
	}
	best := func(ids []string, size int) error {
		var cases []query.Query
		for _, id := range ids {
			c := termQuery("case", id)
			c.SetBoost(0) // rank by the words only
			cases = append(cases, c)
		}
		root := query.NewConjunctionQuery([]query.Query{query.NewDisjunctionQuery(cases), query.NewDisjunctionQuery(ors)})
		req := bleve.NewSearchRequestOptions(root, size, 0, false)
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = []string{materialTextField}
		res, err := materials.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		for _, h := range res.Hits { // best first
			id, _, _ := strings.Cut(h.ID, "/")
			if _, seen := out[id]; !seen {
				out[id] = h.Fragments[materialTextField]
			}
		}
		return nil
	}
	if err := best(ids, 3*len(ids)); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, seen := out[id]; !seen {
			if err := best([]string{id}, 1); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// casesWithMaterial returns the cases with a material whose text matches
// t, narrowed by the filters a material's document carries (the cases'
// own documents decide).
func casesWithMaterial(ctx context.Context, materials bleve.Index, t qterm, q indexing.SearchQuery) ([]string, error) {
	must := []query.Query{matchText(materialTextField, t, 1)}
	if q.Owner != "" {
		must = append(must, termQuery("owner", q.Owner))
	}
	if q.BusinessType != "" {
		must = append(must, termQuery("business_type", q.BusinessType))
	}
	if q.Year != 0 {
		must = append(must, termQuery("year", strconv.Itoa(q.Year)))
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(must), 0, 0, false)
	req.AddFacet("cases", bleve.NewFacetRequest("case", 1<<30))
	res, err := materials.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	var ids []string
	if fr := res.Facets["cases"]; fr != nil && fr.Terms != nil {
		for _, tf := range fr.Terms.Terms() {
			ids = append(ids, tf.Term)
		}
	}
	return ids, nil
}

// exactOrPrefix matches a keyword field exactly (strongly) or by prefix.
func exactOrPrefix(field, v string) []query.Query {
	t := termQuery(field, v)
	t.SetBoost(30)
	p := query.NewPrefixQuery(v)
	p.SetField(field)
	p.SetBoost(10)
	return []query.Query{t, p}
}

// numberQueries match a word by the numbers a catalogue entry shows: the
// case number and the 档号, exactly or by prefix.
func numberQueries(t qterm) []query.Query {
	var ors []query.Query
	if t.phrase {
		return nil
	}
	if caseNumberRE.MatchString(t.s) {
		ors = append(ors, exactOrPrefix("number", strings.ToUpper(t.s))...)
	}
	if archiveNoRE.MatchString(t.s) {
		ors = append(ors, exactOrPrefix("archive_no", normalArchiveNo(t.s))...)
	}
	return ors
}

// catalogueQuery matches t by what a case's catalogue entry shows: its
// case number, its 档号 and its business.
func catalogueQuery(t qterm) query.Query {
	return query.NewDisjunctionQuery(append(numberQueries(t), matchText("business_name", t, 1)))
}

// personalQuery matches t anywhere: identity, case and archive numbers,
// the applicant's name, the texts of the case and of its materials (the
// cases in viaMaterials).
func personalQuery(t qterm, viaMaterials []string) query.Query {
	ors := numberQueries(t)
	if !t.phrase && idNumberRE.MatchString(t.s) {
		ors = append(ors, exactOrPrefix("id_number", strings.ToUpper(t.s))...)
	}
	ors = append(ors, textQuery(t))
	if len(viaMaterials) > 0 {
		ors = append(ors, query.NewDocIDQuery(viaMaterials))
	}
	return query.NewDisjunctionQuery(ors)
}

// readableQuery matches the cases r may read once archived, and every
// case not archived.
func readableQuery(r *indexing.ArchiveReader) query.Query {
	ors := []query.Query{termQuery("archived", "0"), termQuery("handlers", r.UserID)}
	if r.Applicant {
		ors = append(ors, termQuery("owner", r.UserID))
	}
	incl := true
	loans := query.NewTermRangeInclusiveQuery(r.UserID+" "+r.Today, r.UserID+" \uffff", &incl, &incl)
	loans.SetField("loans")
	return query.NewDisjunctionQuery(append(ors, loans))
}

// readable is readableQuery for one hit's stored fields.
func readable(r *indexing.ArchiveReader, fields map[string]any) bool {
	if str(fields, "archived") != "1" || slices.Contains(strs(fields, "handlers"), r.UserID) ||
		r.Applicant && str(fields, "owner") == r.UserID {
		return true
	}
	for _, l := range strs(fields, "loans") {
		if due, ok := strings.CutPrefix(l, r.UserID+" "); ok && due >= r.Today {
			return true
		}
	}
	return false
}

func str(fields map[string]any, f string) string { s, _ := fields[f].(string); return s }

// strs is a stored keyword field of any number of values.
func strs(fields map[string]any, f string) []string {
	switch v := fields[f].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Search implements indexing.SearchIndex. Fragments come as the index
// holds the text, numbers unmasked: the indexing service masks them.
func (ix *Index) Search(ctx context.Context, q indexing.SearchQuery) (*indexing.SearchResult, error) {
	words, phrases := terms(q.Q)
	if len(words)+len(phrases) > MaxTerms {
		return nil, archive.Errorf(archive.EINVALID, "q: at most %d words", MaxTerms)
	}
	offset := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.Cursor, "o"))
		if err != nil || !strings.HasPrefix(q.Cursor, "o") || n < 0 || n > 10000 {
			return nil, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
		}
		offset = n
	}
	ts := make([]qterm, 0, len(words)+len(phrases))
	for _, w := range words {
		ts = append(ts, qterm{s: w})
	}
	for _, p := range phrases {
		ts = append(ts, qterm{s: p, phrase: true})
	}
	var out *indexing.SearchResult
	err := ix.use("search.Search", false, func(cases, materials bleve.Index) error {
		var err error
		out, err = ix.search(ctx, cases, materials, q, ts, offset)
		return err
	})
	if err != nil && archive.ErrorCode(err) == archive.EINTERNAL {
		if ctx.Err() != nil {
			return nil, archive.E("search.Search", archive.EUNAVAILABLE, err)
		}
		return nil, archive.E("search.Search", archive.EINTERNAL, err)
	}
	return out, err
}

func (ix *Index) search(ctx context.Context, cases, materials bleve.Index, q indexing.SearchQuery, ts []qterm, offset int) (*indexing.SearchResult, error) {
	// A material's text is in its own document: first the cases whose
	// materials hold each term, then the cases.
	fromMaterials := map[string]bool{}
	var personal, catalogue []query.Query
	for _, t := range ts {
		ids, err := casesWithMaterial(ctx, materials, t, q)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			fromMaterials[id] = true
		}
		personal = append(personal, personalQuery(t, ids))
		catalogue = append(catalogue, catalogueQuery(t))
	}
	var must []query.Query
	filter := func(field, v string) {
		if v != "" {
			must = append(must, termQuery(field, v))
		}
	}
	filter("owner", q.Owner)
	filter("business_type", q.BusinessType)
	filter("status", q.Status)
	if q.Year != 0 {
		filter("year", strconv.Itoa(q.Year))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		var start, end time.Time
		if !q.From.IsZero() {
			start = q.From
		}
		if !q.To.IsZero() {
			end = q.To
		}
		dr := query.NewDateRangeQuery(start, end)
		dr.SetField("created")
		must = append(must, dr)
	}
	if q.Reader != nil {
		// An archived case the reader may not read is found only by its
		// catalogue entry.
		must = append(must, query.NewDisjunctionQuery([]query.Query{
			query.NewConjunctionQuery(append(personal, readableQuery(q.Reader))),
			query.NewConjunctionQuery(append(catalogue, termQuery("archived", "1"))),
		}))
	} else {
		must = append(must, personal...)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	var root query.Query = query.NewMatchAllQuery()
	if len(must) > 0 {
		root = query.NewConjunctionQuery(must)
	}
	req := bleve.NewSearchRequestOptions(root, limit, offset, false)
	req.Fields = []string{"number", "name", "business_type", "business_name", "status", "archived", "handlers", "loans", "owner"}
	if len(ts) == 0 {
		req.SortBy([]string{"-created_key"})
	}
	// Every combination of facet values (a few hundred), split below.
	req.AddFacet("facets", bleve.NewFacetRequest("facets", 1<<20))
	res, err := cases.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &indexing.SearchResult{Total: res.Total, Hits: []indexing.SearchHit{}, Facets: map[string][]indexing.FacetCount{}}
	var shown []string
	for _, h := range res.Hits {
		hit := indexing.SearchHit{ID: h.ID, Number: str(h.Fields, "number"), Name: archive.MaskName(str(h.Fields, "name")),
			BusinessType: str(h.Fields, "business_type"), BusinessName: str(h.Fields, "business_name"), Status: str(h.Fields, "status"),
			Score: h.Score, Restricted: q.Reader != nil && !readable(q.Reader, h.Fields)}
		if !hit.Restricted {
			shown = append(shown, h.ID)
		}
		out.Hits = append(out.Hits, hit)
	}
	fragments, err := highlight(ctx, cases, shown, ts)
	if err != nil {
		return nil, err
	}
	var withMaterials []string
	for _, id := range shown {
		if fromMaterials[id] {
			withMaterials = append(withMaterials, id)
		}
	}
	matFrags, err := materialFragments(ctx, materials, withMaterials, ts)
	if err != nil {
		return nil, err
	}
	for i := range out.Hits {
		hit := &out.Hits[i]
		if hit.Restricted {
			continue
		}
		for f, frags := range fragments[hit.ID] {
			for _, fr := range frags {
				if strings.Contains(fr, "<mark>") { // bleve returns every asked field; keep those that matched
					addFragment(hit, f, fr)
				}
			}
		}
		for _, fr := range matFrags[hit.ID] {
			addFragment(hit, materialTextField, fr)
		}
	}
	countFacets(out, res)
	if uint64(offset+limit) < res.Total && offset+limit <= 10000 {
		out.NextCursor = "o" + strconv.Itoa(offset+limit)
	}
	return out, nil
}

func addFragment(h *indexing.SearchHit, field, fr string) {
	if h.Fragments == nil {
		h.Fragments = map[string][]string{}
	}
	h.Fragments[field] = append(h.Fragments[field], fr)
}

// countFacets splits the combined facet's counts into facetFields.
func countFacets(out *indexing.SearchResult, res *bleve.SearchResult) {
	counts := make([]map[string]int, len(facetFields))
	for i := range counts {
		counts[i] = map[string]int{}
	}
	if fr := res.Facets["facets"]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			vals := strings.Split(t.Term, "|")
			if len(vals) != len(facetFields) {
				continue
			}
			for i, v := range vals {
				if v != "" {
					counts[i][v] += t.Count
				}
			}
		}
	}
	for i, name := range facetFields {
		fc := []indexing.FacetCount{}
		for term, n := range counts[i] {
			fc = append(fc, indexing.FacetCount{Term: term, Count: n})
		}
		sort.Slice(fc, func(i, j int) bool {
			return fc[i].Count > fc[j].Count || fc[i].Count == fc[j].Count && fc[i].Term < fc[j].Term
		})
		out.Facets[name] = fc[:min(len(fc), facetSize)]
	}
}
