// Package search is dossier's full-text index on bleve: one document per
// case, Chinese text analysed into bigrams, identity and case numbers as
// keywords matched exactly and by prefix. It implements
// archive.SearchIndex; the index can be deleted and rebuilt at any time.
package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/indexing"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Index is the bleve index of cases.
type Index struct {
	mu  sync.RWMutex
	dir string
	idx bleve.Index
	cat *archive.Catalogue
	// analysed counts the bytes of text handed to the analyser, the work
	// indexing does (AnalysedBytes).
	analysed atomic.Uint64
}

var _ indexing.SearchIndex = (*Index)(nil)

// doc is what is indexed for one case.
type doc struct {
	Number         string    `json:"number"`
	IDNumber       string    `json:"id_number"`
	Name           string    `json:"name"`
	NameKW         string    `json:"name_kw"`
	Owner          string    `json:"owner"`
	BusinessType   string    `json:"business_type"`
	BusinessName   string    `json:"business_name"`
	Status         string    `json:"status"`
	Stage          string    `json:"stage"`
	Retention      string    `json:"retention"`
	Year           string    `json:"year"`
	Created        time.Time `json:"created"`
	Summary        string    `json:"summary"`
	Opinions       string    `json:"opinions"`
	MaterialTitles string    `json:"material_titles"`
	MaterialText   string    `json:"material_text"`
	// Text is every text field in one, so a word is looked up once
	// rather than in each field; the fields themselves are kept for
	// highlighting.
	Text string  `json:"text"`
	Seq  float64 `json:"seq"`
	// Facets is the values of facetFields joined by "|", one term, so
	// that the facets of a query are counted from one doc value per hit
	// rather than four (which cost more than the query itself for broad
	// queries); Search splits the counts.
	Facets string `json:"facets"`
	// CreatedKey is Created as fixed-width text (one doc value), what a
	// query without words is sorted by; the date field's doc values hold
	// every precision step of the number, many times the bytes to decode.
	CreatedKey string `json:"created_key"`
}

// facetFields are the fields a search counts its hits by.
var facetFields = []string{"business_type", "status", "year", "retention"}

// facetSize is how many values of one field a result lists.
const facetSize = 20

// mappingVersion names the mapping newMapping builds; an index made with
// another one is rebuilt by Open.
const mappingVersion = "3"

var mappingVersionKey = []byte("dossier-mapping-version")

func newMapping() mapping.IndexMapping {
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		return f
	}
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = cjk.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = store
		f.IncludeInAll = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("number", kw(true))
	dm.AddFieldMappingsAt("id_number", kw(false))
	dm.AddFieldMappingsAt("name", text(true))
	dm.AddFieldMappingsAt("name_kw", kw(false))
	for _, f := range []string{"owner", "business_type", "status", "stage", "retention", "year"} {
		dm.AddFieldMappingsAt(f, kw(true))
	}
	dm.AddFieldMappingsAt("business_name", text(true))
	created := bleve.NewDateTimeFieldMapping()
	created.IncludeInAll = false
	dm.AddFieldMappingsAt("created", created)
	for _, f := range []string{"summary", "opinions", "material_titles", "material_text"} {
		dm.AddFieldMappingsAt(f, text(true))
	}
	all := bleve.NewTextFieldMapping()
	all.Analyzer = cjk.AnalyzerName
	all.Store = false
	all.IncludeTermVectors = true // phrase queries need positions
	all.IncludeInAll = false
	dm.AddFieldMappingsAt("text", all)
	dm.AddFieldMappingsAt("facets", kw(false))
	dm.AddFieldMappingsAt("created_key", kw(false))
	seq := bleve.NewNumericFieldMapping()
	seq.IncludeInAll = false
	dm.AddFieldMappingsAt("seq", seq)
	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = keyword.Name
	return im
}

// Open opens the index in dir, creating it if missing. An index that
// cannot be opened (damaged by a crash) is moved aside and recreated
// empty, and one made with an older mapping is deleted and recreated
// empty; the caller then re-queues every case (rebuilt reports it).
func Open(dir string, cat *archive.Catalogue) (ix *Index, rebuilt bool, err error) {
	if cat == nil {
		cat = archive.DefaultCatalogue()
	}
	idx, err := bleve.Open(dir)
	if err == nil {
		v, verr := idx.GetInternal(mappingVersionKey)
		if verr != nil || string(v) != mappingVersion {
			idx.Close()
			if err = os.RemoveAll(dir); err != nil {
				return nil, false, fmt.Errorf("search: remove %s made with an older mapping: %w", dir, err)
			}
			err = bleve.ErrorIndexPathDoesNotExist
		}
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		idx, err = newIndex(dir)
		rebuilt = true
	} else if err != nil {
		aside := fmt.Sprintf("%s.damaged-%d", dir, archive.SystemClock().Unix())
		if rerr := os.Rename(dir, aside); rerr != nil {
			return nil, false, fmt.Errorf("search: open %s: %v; move aside: %v", dir, err, rerr)
		}
		idx, err = newIndex(dir)
		rebuilt = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("search: open %s: %w", dir, err)
	}
	return &Index{dir: dir, idx: idx, cat: cat}, rebuilt, nil
}

// newIndex creates an empty index in dir marked with mappingVersion.
func newIndex(dir string) (bleve.Index, error) {
	idx, err := bleve.New(dir, newMapping())
	if err != nil {
		return nil, err
	}
	if err := idx.SetInternal(mappingVersionKey, []byte(mappingVersion)); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// Close closes the index.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.idx.Close()
}

// Count is the number of indexed cases.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.idx.DocCount()
}

// Reset empties the index (a rebuild fills it again).
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.idx.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(ix.dir); err != nil {
		return err
	}
	idx, err := newIndex(ix.dir)
	if err != nil {
		return err
	}
	ix.idx = idx
	return nil
}

func (ix *Index) toDoc(c indexing.IndexedCase) doc {
	k := c.Case
	d := doc{Number: k.Number, IDNumber: strings.ToUpper(k.Applicant.IDNumber), Name: k.Applicant.Name, NameKW: k.Applicant.Name,
		Owner: k.ApplicantUser, BusinessType: k.BusinessType, Status: k.Status, Stage: archive.StageOf(k.Status),
		Created: k.CreatedAt, Year: strconv.Itoa(k.CreatedAt.In(beijing).Year()), Summary: k.Summary, Seq: float64(k.Seq)}
	if bt, err := ix.cat.Lookup(k.BusinessType); err == nil {
		d.BusinessName, d.Retention = bt.Name, bt.Retention
	}
	var ops, titles, texts []string
	for _, e := range c.Events {
		for _, t := range []string{e.Opinion, e.Basis} {
			if t != "" {
				ops = append(ops, t)
			}
		}
	}
	for _, m := range k.Materials {
		titles = append(titles, m.Filename)
		if bt, err := ix.cat.Lookup(k.BusinessType); err == nil {
			if spec, ok := bt.Material(m.Code); ok {
				titles = append(titles, spec.Name)
			}
		}
		if t := c.Texts[m.ID]; t != "" {
			texts = append(texts, t)
		}
	}
	d.Opinions = strings.Join(ops, "\n")
	d.MaterialTitles = strings.Join(titles, "\n")
	d.MaterialText = strings.Join(texts, "\n")
	d.Text = strings.Join([]string{d.Name, d.BusinessName, d.Summary, d.Opinions, d.MaterialTitles, d.MaterialText}, "\n")
	d.Facets = strings.Join([]string{d.BusinessType, d.Status, d.Year, d.Retention}, "|")
	d.CreatedKey = k.CreatedAt.UTC().Format(createdKeyLayout)
	return d
}

// textBytes is the size of the analysed text fields of d.
func (d *doc) textBytes() int {
	n := 0
	for _, s := range []string{d.Name, d.BusinessName, d.Summary, d.Opinions, d.MaterialTitles, d.MaterialText, d.Text} {
		n += len(s)
	}
	return n
}

// AnalysedBytes is the number of bytes of text the index has analysed
// since it was opened: what indexing costs, for tests and metrics.
func (ix *Index) AnalysedBytes() uint64 { return ix.analysed.Load() }

var beijing = archive.Zone

// createdKeyLayout sorts as text in time order (years 0000–9999, UTC).
const createdKeyLayout = "20060102T150405.000000000"

// PutCases implements archive.SearchIndex: one batch, one commit.
func (ix *Index) PutCases(ctx context.Context, cases []indexing.IndexedCase) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := ix.idx.NewBatch()
	for _, c := range cases {
		d := ix.toDoc(c)
		ix.analysed.Add(uint64(d.textBytes()))
		if err := b.Index(c.Case.ID, d); err != nil {
			return err
		}
	}
	return ix.idx.Batch(b)
}

// IndexedSeq returns the seq a case was indexed at (0 if absent), for
// tests that compare the index with the event log.
func (ix *Index) IndexedSeq(id string) (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	req := bleve.NewSearchRequest(query.NewDocIDQuery([]string{id}))
	req.Fields = []string{"seq"}
	res, err := ix.idx.Search(req)
	if err != nil || len(res.Hits) == 0 {
		return 0, err
	}
	f, _ := res.Hits[0].Fields["seq"].(float64)
	return uint64(f), nil
}

var (
	idNumberRE   = regexp.MustCompile(`^[0-9]{6,17}[0-9Xx]?$`)
	caseNumberRE = regexp.MustCompile(`(?i)^SB[0-9]{0,4}(-[0-9]{0,6})?$`)
	fullIDRE     = regexp.MustCompile(`[0-9]{17}[0-9Xx]`)
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

// textFields are searched for words, with their boosts: the name counts
// most, everything else is in text.
var textFields = []struct {
	name  string
	boost float64
}{{"name", 6}, {"text", 1}}

func textQuery(s string, phrase bool) query.Query {
	var ors []query.Query
	for _, f := range textFields {
		var q query.Query
		if phrase {
			mq := query.NewMatchPhraseQuery(s)
			mq.SetField(f.name)
			mq.SetBoost(f.boost)
			q = mq
		} else {
			mq := query.NewMatchQuery(s)
			mq.SetField(f.name)
			mq.SetBoost(f.boost)
			mq.SetOperator(query.MatchQueryOperatorAnd)
			q = mq
		}
		ors = append(ors, q)
	}
	exact := query.NewTermQuery(s)
	exact.SetField("name_kw")
	exact.SetBoost(20)
	ors = append(ors, exact)
	return query.NewDisjunctionQuery(ors)
}

// highlightFields are the stored fields fragments are cut from.
var highlightFields = []string{"summary", "opinions", "material_titles", "material_text"}

// highlight cuts fragments for the hits of one page. Words are looked up
// in the combined text field, whose locations name no stored field, so
// the page's documents are searched again, field by field, for the same
// words: a second query over a handful of ids.
func (ix *Index) highlight(ctx context.Context, hits search.DocumentMatchCollection, words, phrases []string) (map[string]search.FieldFragmentMap, error) {
	if len(hits) == 0 || len(words)+len(phrases) == 0 {
		return nil, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	var ors []query.Query
	for _, f := range highlightFields {
		for _, w := range words {
			mq := query.NewMatchQuery(w)
			mq.SetField(f)
			ors = append(ors, mq)
		}
		for _, p := range phrases {
			mq := query.NewMatchPhraseQuery(p)
			mq.SetField(f)
			ors = append(ors, mq)
		}
	}
	root := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), query.NewDisjunctionQuery(ors)})
	req := bleve.NewSearchRequestOptions(root, len(ids), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = highlightFields
	ix.mu.RLock()
	res, err := ix.idx.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := map[string]search.FieldFragmentMap{}
	for _, h := range res.Hits {
		out[h.ID] = h.Fragments
	}
	return out, nil
}

// exactOrPrefix matches a keyword field exactly (strongly) or by prefix.
func exactOrPrefix(field, v string) []query.Query {
	t := query.NewTermQuery(v)
	t.SetField(field)
	t.SetBoost(30)
	p := query.NewPrefixQuery(v)
	p.SetField(field)
	p.SetBoost(10)
	return []query.Query{t, p}
}

func wordQuery(w string) query.Query {
	up := strings.ToUpper(w)
	var ors []query.Query
	if idNumberRE.MatchString(w) {
		ors = append(ors, exactOrPrefix("id_number", up)...)
	}
	if caseNumberRE.MatchString(w) {
		ors = append(ors, exactOrPrefix("number", up)...)
	}
	ors = append(ors, textQuery(w, false))
	return query.NewDisjunctionQuery(ors)
}

// Search implements archive.SearchIndex.
func (ix *Index) Search(ctx context.Context, q indexing.SearchQuery) (*indexing.SearchResult, error) {
	words, phrases := terms(q.Q)
	if len(words)+len(phrases) > MaxTerms {
		return nil, archive.Errorf(archive.EINVALID, "q: at most %d words", MaxTerms)
	}
	var must []query.Query
	for _, w := range words {
		must = append(must, wordQuery(w))
	}
	for _, p := range phrases {
		must = append(must, textQuery(p, true))
	}
	filter := func(field, v string) {
		if v != "" {
			t := query.NewTermQuery(v)
			t.SetField(field)
			must = append(must, t)
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
	var root query.Query = query.NewMatchAllQuery()
	if len(must) > 0 {
		root = query.NewConjunctionQuery(must)
	}
	offset := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.Cursor, "o"))
		if err != nil || !strings.HasPrefix(q.Cursor, "o") || n < 0 || n > 10000 {
			return nil, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
		}
		offset = n
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	req := bleve.NewSearchRequestOptions(root, limit, offset, false)
	req.Fields = []string{"number", "name", "business_type", "business_name", "status"}
	if len(words)+len(phrases) == 0 {
		req.SortBy([]string{"-created_key"})
	}
	// Every combination of facet values (a few hundred), split below.
	req.AddFacet("facets", bleve.NewFacetRequest("facets", 1<<20))
	ix.mu.RLock()
	res, err := ix.idx.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil {
		if ctx.Err() != nil {
			return nil, archive.E("search.Search", archive.EUNAVAILABLE, err)
		}
		return nil, archive.E("search.Search", archive.EINTERNAL, err)
	}
	out := &indexing.SearchResult{Total: res.Total, Hits: []indexing.SearchHit{}, Facets: map[string][]indexing.FacetCount{}}
	fragments, err := ix.highlight(ctx, res.Hits, words, phrases)
	if err != nil {
		if ctx.Err() != nil {
			return nil, archive.E("search.Search", archive.EUNAVAILABLE, err)
		}
		return nil, archive.E("search.Search", archive.EINTERNAL, err)
	}
	for _, h := range res.Hits {
		str := func(f string) string { s, _ := h.Fields[f].(string); return s }
		hit := indexing.SearchHit{ID: h.ID, Number: str("number"), Name: archive.MaskName(str("name")),
			BusinessType: str("business_type"), BusinessName: str("business_name"), Status: str("status"), Score: h.Score}
		if fm := fragments[h.ID]; len(fm) > 0 {
			hit.Fragments = map[string][]string{}
			for f, frags := range fm {
				for _, fr := range frags {
					if !strings.Contains(fr, "<mark>") {
						continue // bleve returns every asked field; keep those that matched
					}
					if !q.ShowIDNumbers {
						fr = fullIDRE.ReplaceAllStringFunc(fr, archive.MaskIDNumber)
					}
					if f == "name" {
						continue // the name is shown masked in Name
					}
					hit.Fragments[f] = append(hit.Fragments[f], fr)
				}
			}
		}
		if len(hit.Fragments) == 0 {
			hit.Fragments = nil
		}
		out.Hits = append(out.Hits, hit)
	}
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
		var fc []indexing.FacetCount
		for term, n := range counts[i] {
			fc = append(fc, indexing.FacetCount{Term: term, Count: n})
		}
		sort.Slice(fc, func(i, j int) bool {
			return fc[i].Count > fc[j].Count || fc[i].Count == fc[j].Count && fc[i].Term < fc[j].Term
		})
		out.Facets[name] = fc[:min(len(fc), facetSize)]
	}
	if uint64(offset+limit) < res.Total && offset+limit <= 10000 {
		out.NextCursor = "o" + strconv.Itoa(offset+limit)
	}
	return out, nil
}
