package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/indexing"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

var (
	idNumberRE   = regexp.MustCompile(`^[0-9]{6,17}[0-9Xx]?$`)
	caseNumberRE = regexp.MustCompile(`(?i)^SB[0-9]{0,4}(-[0-9]{0,6})?$`)
	// archiveNoRE is the start of a 档号 (normalArchiveNo): its 全宗号,
	// alone or followed by more.
	archiveNoRE = regexp.MustCompile(`^[A-Z0-9]{4}(-|$)`)
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
	// typo is the word as a search with typos matches it with a wrong
	// character (markTypos); "" for an exact match only.
	typo string
}

// textFields are searched for words, with their boosts: the name counts
// most, everything else is in text.
var textFields = []struct {
	name  string
	boost float64
}{{"name", 6}, {"text", 1}}

// matchText matches t in one analysed field: every bigram of a word (a
// word of one character: that character), or the phrase in order.
func matchText(field string, t qterm, boost float64) query.Query {
	if t.phrase {
		mq := query.NewMatchPhraseQuery(t.s)
		mq.SetField(field)
		mq.SetBoost(boost)
		mq.Analyzer = queryAnalyzer
		return mq
	}
	mq := query.NewMatchQuery(t.s)
	mq.SetField(field)
	mq.SetBoost(boost)
	mq.SetOperator(query.MatchQueryOperatorAnd)
	mq.Analyzer = queryAnalyzer
	return mq
}

// textQuery matches t in the name and the text, the whole name most; a
// word of one character most as the first of the name (a surname); a
// word marked for typos also as typoQuery matches it, less than any
// exact match.
func textQuery(t qterm) query.Query {
	var ors []query.Query
	for _, f := range textFields {
		ors = append(ors, matchText(f.name, t, f.boost))
		if tq := typoQuery(f.name, t); tq != nil {
			ors = append(ors, tq)
		}
	}
	name := simplified(t.s)
	exact := termQuery("name_kw", name)
	exact.SetBoost(20)
	ors = append(ors, exact)
	if !t.phrase && utf8.RuneCountInString(name) == 1 && only(name, unicode.Han) {
		surname := query.NewPrefixQuery(name)
		surname.SetField("name_kw")
		surname.SetBoost(10)
		ors = append(ors, surname)
	}
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
			ors = append(ors, findText(f, t))
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
		ors = append(ors, findText(materialTextField, t))
	}
	best := func(ids []string, size int) error {
		var cases []query.Query
		for _, id := range ids {
			cases = append(cases, termQuery("case", id))
		}
		// Ranked by the words only.
		root := query.NewConjunctionQuery([]query.Query{unscored(query.NewDisjunctionQuery(cases)), query.NewDisjunctionQuery(ors)})
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

// findText matches t in one analysed field as matchText does, and a word
// marked for typos also as typoQuery does.
func findText(field string, t qterm) query.Query {
	exact := matchText(field, t, 1)
	if tq := typoQuery(field, t); tq != nil {
		return query.NewDisjunctionQuery([]query.Query{exact, tq})
	}
	return exact
}

// casesWithMaterial returns the cases with a material whose text
// matches text (matchText or typoQuery of materialTextField), narrowed by
// the filters a material's document carries (the cases' own documents
// decide).
func casesWithMaterial(ctx context.Context, materials bleve.Index, text query.Query, q indexing.SearchQuery, mayRead query.Query) ([]string, error) {
	must := []query.Query{text}
	if mayRead != nil {
		must = append(must, mayRead)
	}
	if q.Owner != "" {
		must = append(must, unscored(termQuery("owner", q.Owner)))
	}
	if q.BusinessType != "" {
		must = append(must, unscored(termQuery("business_type", q.BusinessType)))
	}
	if q.Year != 0 {
		must = append(must, unscored(termQuery("year", strconv.Itoa(q.Year))))
	}
	// A material's id starts with its case's (materialDocID), and is
	// stored apart from the compressed fields: the hits' ids name the
	// cases. Counting the "case" field instead decoded a chunk of doc
	// values (a thousand documents' worth) for every hit, which grew
	// with the index.
	root := query.NewConjunctionQuery(must)
	ids, all, err := matchingIDs(ctx, materials, root, maxMaterialHits)
	if err != nil {
		return nil, err
	}
	if !all {
		// A common word: the best matching materials.
		res, err := materials.SearchInContext(ctx, bleve.NewSearchRequestOptions(root, maxMaterialHits, 0, false))
		if err != nil {
			return nil, err
		}
		ids = ids[:0]
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
	}
	cases := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		id, _, _ = strings.Cut(id, "/")
		if !seen[id] {
			seen[id] = true
			cases = append(cases, id)
		}
	}
	return cases, nil
}

// matchingIDs returns the ids of the documents of idx that q matches, in
// no particular order, and all = true; or, when there are more than
// limit, the first limit of them and all = false. It walks q's searcher
// unscored instead of asking bleve for a page of hits: a page collects,
// sorts and loads every hit (each with a document match allocated to
// look for nested documents), which cost more than the search for the
// few dozen materials a word is usually in, and grew with them.
func matchingIDs(ctx context.Context, idx bleve.Index, q query.Query, limit int) (ids []string, all bool, err error) {
	ai, err := idx.Advanced()
	if err != nil {
		return nil, false, err
	}
	r, err := ai.Reader()
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	s, err := q.Searcher(ctx, r, idx.Mapping(), search.SearcherOptions{Score: bleve.ScoreNone})
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, false, err
		}
		if dm == nil {
			return ids, true, nil
		}
		if len(ids) == limit {
			return ids, false, nil
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		if err != nil {
			return nil, false, err
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(dm)
	}
}

// maxMaterialHits bounds the materials one word finds cases through, the
// best matching first: a word in more materials than that is a common
// one, which finds the cases in their own text as well.
const maxMaterialHits = 5000

// exactOrPrefix matches a keyword field exactly (strongly) or by prefix.
func exactOrPrefix(field, v string) []query.Query {
	t := termQuery(field, v)
	t.SetBoost(30)
	return []query.Query{t, prefixQuery(field, v)}
}

func prefixQuery(field, v string) query.Query {
	p := query.NewPrefixQuery(v)
	p.SetField(field)
	p.SetBoost(10)
	return p
}

// archiveNoQueries match a 档号 exactly (strongly) or the 档号 under it:
// by prefix, and where v ends with a whole part (Z109-SB·2026-D10), only
// those that go on from there with another part (not …-D100-…).
func archiveNoQueries(v string) []query.Query {
	ors := exactOrPrefix("archive_no", v)
	if wholeParts(v) {
		ors[1] = prefixQuery("archive_no", v+"-")
		ors = append(ors, prefixQuery("archive_no", v+"·"))
	}
	return ors
}

// archiveNoSample is a 档号 a typed start of one is completed with.
var archiveNoSample = archiveno.Format("Z109", "SB", 2026, "D10", "YL", 1)

// wholeParts reports whether v, the start of a 档号, ends where one of
// its parts ends: v completed with the rest of archiveNoSample after as
// many separators is a valid 档号.
func wholeParts(v string) bool {
	seps := strings.Count(v, "-") + strings.Count(v, "·")
	rest := ""
	for i, r := range archiveNoSample {
		if r == '-' || r == '·' {
			if seps == 0 {
				rest = archiveNoSample[i:]
				break
			}
			seps--
		}
	}
	return archiveno.Valid(v + rest)
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
	if v := normalArchiveNo(t.s); archiveNoRE.MatchString(v) {
		ors = append(ors, archiveNoQueries(v)...)
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
// cases in viaMaterials); a word marked for typos also with one
// character wrong.
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

// readableMaterials matches the materials of the cases r may read: those
// of open cases, of the archived ones r handled or (as an applicant)
// owns, and of those r borrowed (loaned, from the cases' index). The
// cases' own documents decide (readableQuery); this only keeps a search
// from looking at the materials of every archived case.
func readableMaterials(r *indexing.ArchiveReader, loaned []string) query.Query {
	ors := append(ownCases(r), termQuery("open", "1"))
	for _, id := range loaned {
		ors = append(ors, termQuery("case", id))
	}
	return unscored(query.NewDisjunctionQuery(ors))
}

// loanedCases returns the archived cases r holds a loan of today.
func loanedCases(ctx context.Context, cases bleve.Index, r *indexing.ArchiveReader) ([]string, error) {
	ids, _, err := matchingIDs(ctx, cases, loansOf(r), maxLoaned)
	return ids, err
}

// maxLoaned bounds the loans of one reader a search looks at the
// materials of.
const maxLoaned = 1000

// loansOf matches the cases r holds a loan of today.
func loansOf(r *indexing.ArchiveReader) query.Query {
	incl := true
	loans := query.NewTermRangeInclusiveQuery(r.UserID+" "+r.Today, r.UserID+" \uffff", &incl, &incl)
	loans.SetField("loans")
	return loans
}

// readableQuery matches the cases r may read once archived, and every
// case not archived.
func readableQuery(r *indexing.ArchiveReader) query.Query {
	return unscored(query.NewDisjunctionQuery(append(ownCases(r), termQuery("archived", "0"), loansOf(r))))
}

// ownCases match the archived cases r may read without a loan: those
// they handled, and as an applicant their own (in the cases' index and
// in the materials').
func ownCases(r *indexing.ArchiveReader) []query.Query {
	ors := []query.Query{termQuery("handlers", r.UserID)}
	if r.Applicant {
		ors = append(ors, termQuery("owner", r.UserID))
	}
	return ors
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
	offset := q.Offset
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

// fewHits is the number of cases below which a search looks again,
// allowing one wrong character in its words (typoQuery).
const fewHits = 10

// exactBoost lifts the exact hits of a search with typos above every
// hit that needs one.
const exactBoost = 1000

func (ix *Index) search(ctx context.Context, cases, materials bleve.Index, q indexing.SearchQuery, ts []qterm, offset int) (*indexing.SearchResult, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	var mayRead query.Query
	if q.Reader != nil && len(ts) > 0 {
		loaned, err := loanedCases(ctx, cases, q.Reader)
		if err != nil {
			return nil, err
		}
		mayRead = readableMaterials(q.Reader, loaned)
	}
	root, exactVia, fromMaterials, err := rootQuery(ctx, materials, q, ts, nil, mayRead)
	if err != nil {
		return nil, err
	}
	res, err := cases.SearchInContext(ctx, pageRequest(root, ts, limit, offset))
	if err != nil {
		return nil, err
	}
	var exact map[string]bool
	if res.Total < fewHits && markTypos(ts) {
		// Few cases: look again with one character wrong in the words
		// markTypos marked, the exact hits first.
		all := res
		if offset > 0 || len(res.Hits) < int(res.Total) {
			if all, err = cases.SearchInContext(ctx, bleve.NewSearchRequestOptions(root, fewHits, 0, false)); err != nil {
				return nil, err
			}
		}
		exact = map[string]bool{}
		ids := []string{}
		for _, h := range all.Hits {
			exact[h.ID] = true
			ids = append(ids, h.ID)
		}
		root, _, fromMaterials, err = rootQuery(ctx, materials, q, ts, exactVia, mayRead)
		if err != nil {
			return nil, err
		}
		first := query.NewDocIDQuery(ids)
		first.SetBoost(exactBoost)
		root = query.NewBooleanQuery([]query.Query{root}, []query.Query{first}, nil)
		if res, err = cases.SearchInContext(ctx, pageRequest(root, ts, limit, offset)); err != nil {
			return nil, err
		}
	}
	out := &indexing.SearchResult{Total: res.Total, Hits: []indexing.SearchHit{}, Facets: map[string][]indexing.FacetCount{}}
	var shown []string
	for _, h := range res.Hits {
		hit := indexing.SearchHit{ID: h.ID, Number: str(h.Fields, "number"), Name: archive.MaskName(str(h.Fields, "name")),
			BusinessType: str(h.Fields, "business_type"), BusinessName: str(h.Fields, "business_name"), Status: str(h.Fields, "status"),
			Score: h.Score, Restricted: q.Reader != nil && !readable(q.Reader, h.Fields), Approximate: exact != nil && !exact[h.ID]}
		if !hit.Restricted {
			shown = append(shown, h.ID)
		}
		out.Hits = append(out.Hits, hit)
	}
	if exact != nil && res.Total > uint64(len(exact)) {
		out.Hint = approximateHint(len(exact))
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

// approximateHint says that hits were found with a wrong character.
func approximateHint(exact int) string {
	if exact == 0 {
		return "没有完全符合的结果；下列案件与所输入的词相差一个字（可能是错别字），标为“相近”。"
	}
	return "完全符合的结果排在前面；其后标为“相近”的案件与所输入的词相差一个字（可能是错别字）。"
}

// pageRequest asks for one page of the cases root matches, with the
// fields a hit shows and the facets.
func pageRequest(root query.Query, ts []qterm, limit, offset int) *bleve.SearchRequest {
	req := bleve.NewSearchRequestOptions(root, limit, offset, false)
	req.Fields = []string{"number", "name", "business_type", "business_name", "status", "archived", "handlers", "loans", "owner"}
	if len(ts) == 0 {
		req.SortBy([]string{"-created_key"})
	}
	// Every combination of facet values (a few hundred), split below.
	req.AddFacet("facets", bleve.NewFacetRequest("facets", 1<<20))
	return req
}

// rootQuery is the query of the cases that match every term of ts (those
// marked for typos also with one character wrong) and the filters of q,
// and the cases found through their materials' text. exact are the
// cases each term finds exactly through the materials, as an earlier
// call returned them (nil: look them up); a search with typos asks the
// materials only for the typos.
func rootQuery(ctx context.Context, materials bleve.Index, q indexing.SearchQuery, ts []qterm, exact [][]string, mayRead query.Query) (root query.Query, exactVia [][]string, fromMaterials map[string]bool, err error) {
	// A material's text is in its own document: first the cases whose
	// materials hold each term, then the cases.
	fromMaterials = map[string]bool{}
	exactVia = make([][]string, len(ts))
	var personal, catalogue []query.Query
	for i, t := range ts {
		var ids []string
		if exact != nil {
			ids = exact[i]
		} else if ids, err = casesWithMaterial(ctx, materials, matchText(materialTextField, t, 1), q, mayRead); err != nil {
			return nil, nil, nil, err
		}
		exactVia[i] = ids
		for _, id := range ids {
			fromMaterials[id] = true
		}
		if tq := typoQuery(materialTextField, t); tq != nil {
			more, err := casesWithMaterial(ctx, materials, tq, q, mayRead)
			if err != nil {
				return nil, nil, nil, err
			}
			ids = slices.Clone(ids)
			for _, id := range more {
				if !fromMaterials[id] {
					fromMaterials[id] = true
					ids = append(ids, id)
				}
			}
		}
		personal = append(personal, personalQuery(t, ids))
		catalogue = append(catalogue, catalogueQuery(t))
	}
	var must []query.Query
	filter := func(field, v string) {
		if v != "" {
			must = append(must, unscored(termQuery(field, v)))
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
		must = append(must, unscored(dr))
	}
	if q.Reader != nil {
		// An archived case the reader may not read is found only by its
		// catalogue entry.
		must = append(must, query.NewDisjunctionQuery([]query.Query{
			query.NewConjunctionQuery(append(personal, readableQuery(q.Reader))),
			// Not open rather than archived: a search steps through the
			// list of the term it checks a hit against, and open cases
			// are few while archived ones grow with the years.
			query.NewBooleanQuery(catalogue, nil, []query.Query{termQuery("archived", "0")}),
		}))
	} else {
		must = append(must, personal...)
	}
	if len(must) == 0 {
		return query.NewMatchAllQuery(), exactVia, fromMaterials, nil
	}
	return query.NewConjunctionQuery(must), exactVia, fromMaterials, nil
}

// unscoredQuery matches as its query does and adds nothing to a hit's
// score: a filter. Its terms are read without frequencies, so a search
// skips through a long list of them (archived, a year) instead of
// stepping over every entry before the one it wants, and bleve combines
// their lists as bitmaps.
type unscoredQuery struct{ query.Query }

func unscored(q query.Query) query.Query { return unscoredQuery{q} }

// Searcher implements query.Query.
func (u unscoredQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	options.Score, options.IncludeTermVectors, options.Explain = bleve.ScoreNone, false, false
	return u.Query.Searcher(ctx, i, m, options)
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
