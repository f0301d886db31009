// Package search is dossier's full-text index on bleve: one document per
// case, re-indexed at every change, and in a second bleve index one per
// material holding its text, indexed once when the material is added (so
// neither an event nor the merging of the cases' segments ever touches a
// material's text again); Chinese text analysed into bigrams and single
// characters, traditional characters written as simplified (analysis.go);
// identity and case numbers and 档号 as keywords matched exactly and by
// prefix; a search that finds few cases looks again allowing one wrong
// character (query.go). It implements indexing.SearchIndex; the index
// can be deleted and rebuilt at any time.
package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/indexing"
	"dossier/archive/refdata"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	zapx "github.com/blevesearch/zapx/v17"
	"golang.org/x/text/width"
)

func init() {
	// zapx sizes a new segment's buffer from the last segment any index
	// built: bytes per document × (documents + 100). After a material of
	// 128 KiB of text (a segment of megabytes for its one document), the
	// next batch of case documents reserved a gigabyte. Let the buffer
	// grow as it is written instead.
	zapx.NewSegmentBufferNumResultsFactor = 0
}

// Index is the bleve index of cases, in dir, and of their materials'
// texts, in dir-materials.
type Index struct {
	// mu is held shared by every use of the indexes and exclusively to
	// replace them (Reset, reopening after a failed write, Close).
	mu        sync.RWMutex
	dir       string
	cases     bleve.Index
	materials bleve.Index
	cat       *refdata.Catalogue
	// damaged is set when a write failed or bleve panicked: its
	// in-memory state may be broken (the next batch panicked with
	// "assignment to entry in nil map" on a full disk), so the index is
	// closed and opened again from disk before its next use.
	damaged atomic.Bool
	// recreated is set when reopening found an index damaged and made
	// it anew, empty: the next PutCases says so (ErrIndexRecreated).
	recreated atomic.Bool
	// analysed counts the bytes of text handed to the analyser, the work
	// indexing does (AnalysedBytes).
	analysed atomic.Uint64
	// compact merges the segments when the index is idle (compact.go).
	compact compactor
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
	// Text is every text field in one, so a word is looked up once
	// rather than in each field; the fields themselves are kept for
	// highlighting. The materials' text is in their own documents.
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
	// ArchiveNo is the 档号 (· for .), Archived "1" once the case has one
	// (archived or disposed) and "0" before.
	ArchiveNo string `json:"archive_no"`
	Archived  string `json:"archived"`
	// Handlers are the users who handled the case (an event of
	// archive.HandlerEvents) and Loans its approved loans as "<borrower>
	// <due>": who may read it once archived (indexing.ArchiveReader).
	Handlers []string `json:"handlers"`
	Loans    []string `json:"loans"`
}

// materialDoc is what is indexed for one material: its text, and the
// fields of its case that narrow a search's look at the materials (the
// case's own document decides).
type materialDoc struct {
	Case         string  `json:"case"`
	Owner        string  `json:"owner"`
	BusinessType string  `json:"business_type"`
	Year         string  `json:"year"`
	Text         string  `json:"material_text"`
	TextBytes    float64 `json:"text_bytes"`
	// Note says why the text is missing or what of it was cut.
	Note string `json:"note,omitempty"`
	// Open is "1" while the case is not archived, and Handlers are its
	// handlers once it is: the materials a restricted reader may find a
	// case through are those of open cases and of the archived ones
	// they handled or borrowed (readableMaterials), so that the search
	// does not look up in the cases' index every archived case a word's
	// materials name, which grows with the years. Indexed once, when the
	// material is added, and again from its stored fields when the case
	// is archived (sealMaterials).
	Open     string   `json:"open"`
	Handlers []string `json:"handlers,omitempty"`
}

// materialDocOf is the document of a material of the case of d.
func materialDocOf(caseID string, d doc, text string, textBytes float64, note string) materialDoc {
	md := materialDoc{Case: caseID, Owner: d.Owner, BusinessType: d.BusinessType, Year: d.Year,
		Text: text, TextBytes: textBytes, Note: note, Open: "1"}
	if d.Archived == "1" {
		md.Open, md.Handlers = "0", d.Handlers
	}
	return md
}

// materialDocID is the id of a material's document.
func materialDocID(caseID, materialID string) string { return caseID + "/" + materialID }

// facetFields are the fields a search counts its hits by.
var facetFields = []string{"business_type", "status", "year", "retention"}

// facetSize is how many values of one field a result lists.
const facetSize = 20

// mappingVersion names the mapping newMapping builds; an index made with
// another one is rebuilt by Open.
const mappingVersion = "7"

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
		f.Analyzer = indexAnalyzer
		f.Store = store
		f.IncludeTermVectors = store
		f.IncludeInAll = false
		return f
	}
	storedOnly := func(f *mapping.FieldMapping) *mapping.FieldMapping {
		f.Index, f.Store, f.DocValues, f.IncludeInAll = false, true, false, false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("number", kw(true))
	dm.AddFieldMappingsAt("id_number", kw(false))
	dm.AddFieldMappingsAt("name", text(true))
	dm.AddFieldMappingsAt("name_kw", kw(false))
	for _, f := range []string{"owner", "business_type", "status", "stage", "retention", "year", "archived", "handlers", "loans"} {
		dm.AddFieldMappingsAt(f, kw(true))
	}
	dm.AddFieldMappingsAt("archive_no", kw(false))
	dm.AddFieldMappingsAt("case", kw(false))
	dm.AddFieldMappingsAt("open", kw(false))
	dm.AddFieldMappingsAt("business_name", text(true))
	created := bleve.NewDateTimeFieldMapping()
	created.IncludeInAll = false
	dm.AddFieldMappingsAt("created", created)
	for _, f := range []string{"summary", "opinions", "material_titles"} {
		dm.AddFieldMappingsAt(f, text(true))
	}
	material := text(true)
	material.Analyzer = materialAnalyzer
	dm.AddFieldMappingsAt(materialTextField, material)
	dm.AddFieldMappingsAt("text_bytes", storedOnly(bleve.NewNumericFieldMapping()))
	dm.AddFieldMappingsAt("note", storedOnly(bleve.NewKeywordFieldMapping()))
	all := bleve.NewTextFieldMapping()
	all.Analyzer = indexAnalyzer
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

// Open opens the index in dir (and dir-materials), creating it if
// missing. An index that cannot be opened (damaged by a crash) is moved
// aside and recreated empty, and one made with an older mapping is
// deleted and recreated empty; the caller then re-queues every case
// (rebuilt reports it).
func Open(dir string, cat *refdata.Catalogue) (ix *Index, rebuilt bool, err error) {
	if cat == nil {
		cat = refdata.DefaultCatalogue()
	}
	ix = &Index{dir: dir, cat: cat}
	if rebuilt, err = ix.open(); err != nil {
		return nil, false, err
	}
	ix.startCompactor()
	return ix, rebuilt, nil
}

// materialsDir is where the materials' index is.
func (ix *Index) materialsDir() string { return ix.dir + "-materials" }

// materialsConfig plans the merges of the materials' segments by their
// file size (from 1 MiB) rather than by their number of documents, of
// which a material has one however long its text: so a segment is merged
// again only with segments of about its size, a logarithmic number of
// times.
//
// A new map each time: bleve writes the index's path into the map it is
// given, and a shared one sent the next index opened with it to the
// first one's files (two indexes in one process; a reopen blocked for
// ever on the other's lock).
func materialsConfig() map[string]any {
	return map[string]any{"scorchMergePlanOptions": map[string]any{"FloorSegmentFileSize": 1 << 20}}
}

// open opens both indexes.
func (ix *Index) open() (rebuilt bool, err error) {
	cases, rc, err := openBleve(ix.dir, nil)
	if err != nil {
		return false, err
	}
	materials, rm, err := openBleve(ix.materialsDir(), materialsConfig())
	if err != nil {
		cases.Close()
		return false, err
	}
	ix.cases, ix.materials = cases, materials
	return rc || rm, nil
}

func openBleve(dir string, cfg map[string]any) (idx bleve.Index, rebuilt bool, err error) {
	idx, err = bleve.OpenUsing(dir, cfg)
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
		idx, err = newIndex(dir, cfg)
		rebuilt = true
	} else if err != nil {
		aside := fmt.Sprintf("%s.damaged-%d", dir, archive.SystemClock().Unix())
		if rerr := os.Rename(dir, aside); rerr != nil {
			return nil, false, fmt.Errorf("search: open %s: %v; move aside: %v", dir, err, rerr)
		}
		idx, err = newIndex(dir, cfg)
		rebuilt = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("search: open %s: %w", dir, err)
	}
	return idx, rebuilt, nil
}

// newIndex creates an empty index in dir marked with mappingVersion.
func newIndex(dir string, cfg map[string]any) (bleve.Index, error) {
	idx, err := bleve.NewUsing(dir, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
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
	ix.stopCompactor()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.close()
}

func (ix *Index) close() error {
	_, err := guard(ix.cases.Close)
	_, merr := guard(ix.materials.Close)
	return errors.Join(err, merr)
}

// guard runs fn, turning a panic into an error: bleve panics on some
// failed writes, and a panic must not end the server.
func guard(fn func() error) (panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked, err = true, fmt.Errorf("bleve panicked: %v", p)
		}
	}()
	return false, fn()
}

// use runs fn on the index, reopened first if a write failed. A write
// that fails, and any panic, marks the index damaged and is answered
// EUNAVAILABLE saying whether its disk is full; a read's own error is
// returned as it is.
func (ix *Index) use(op string, write bool, fn func(cases, materials bleve.Index) error) error {
	if err := ix.repair(); err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	panicked, err := guard(func() error { return fn(ix.cases, ix.materials) })
	if err == nil || !write && !panicked {
		return err
	}
	ix.damaged.Store(true)
	return ix.unavailable(op, err)
}

// unavailable is the error of a failed write to the index.
func (ix *Index) unavailable(op string, err error) error {
	if free, ferr := freeSpace(ix.dir); errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left") || ferr == nil && free < lowSpace {
		return archive.Wrapf(op, archive.EUNAVAILABLE, err, "the disk of the search index is full (%d MiB free); indexing pauses and resumes when space is freed", free>>20)
	}
	return archive.Wrapf(op, archive.EUNAVAILABLE, err, "the search index cannot be written (%v); indexing pauses and retries", err)
}

// lowSpace is the free space below which a failed write is put down to a
// full disk.
const lowSpace = 64 << 20

// freeSpace is the space available to the process on dir's filesystem.
func freeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// repair closes and reopens damaged indexes from what is on disk.
func (ix *Index) repair() error {
	if !ix.damaged.Load() {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.damaged.Load() {
		return nil
	}
	ix.close()
	rebuilt, err := ix.open()
	if err != nil {
		return ix.unavailable("search.reopen", err)
	}
	ix.damaged.Store(false)
	ix.recreated.Store(rebuilt)
	return nil
}

// Count is the number of indexed cases.
func (ix *Index) Count() (uint64, error) {
	var n uint64
	err := ix.use("search.Count", false, func(cases, _ bleve.Index) error {
		var err error
		n, err = cases.DocCount()
		return err
	})
	return n, err
}

// Reset empties the index (a rebuild fills it again).
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.close()
	for _, dir := range []string{ix.dir, ix.materialsDir()} {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if _, err := ix.open(); err != nil {
		return err
	}
	ix.damaged.Store(false)
	return nil
}

func (ix *Index) toDoc(c indexing.IndexedCase) doc {
	k := c.Case
	d := doc{Number: k.Number, IDNumber: strings.ToUpper(k.Applicant.IDNumber), Name: k.Applicant.Name, NameKW: simplified(k.Applicant.Name),
		Owner: k.ApplicantUser, BusinessType: k.BusinessType, Status: k.Status, Stage: archive.StageOf(k.Status),
		Created: k.CreatedAt, Year: yearOf(k), Summary: k.Summary, Seq: float64(k.Seq), Archived: "0"}
	if bt, err := ix.cat.Lookup(k.BusinessType); err == nil {
		d.BusinessName, d.Retention = bt.Name, bt.Retention
	}
	var ops, titles []string
	for _, e := range c.Events {
		for _, t := range []string{e.Opinion, e.Basis} {
			if t != "" {
				ops = append(ops, t)
			}
		}
		if slices.Contains(archive.HandlerEvents, e.Type) && e.Actor != "" && !slices.Contains(d.Handlers, e.Actor) {
			d.Handlers = append(d.Handlers, e.Actor)
		}
	}
	for _, m := range k.Materials {
		titles = append(titles, m.Filename)
		if bt, err := ix.cat.Lookup(k.BusinessType); err == nil {
			if spec, ok := bt.Material(m.Code); ok {
				titles = append(titles, spec.Name)
			}
		}
	}
	if k.Archive != nil {
		d.ArchiveNo, d.Archived = normalArchiveNo(k.Archive.ArchiveNo), "1"
	}
	for _, l := range k.Loans {
		if l.Status == archive.LoanApproved {
			d.Loans = append(d.Loans, l.Borrower+" "+l.Due)
		}
	}
	d.Opinions = strings.Join(ops, "\n")
	d.MaterialTitles = strings.Join(titles, "\n")
	d.Text = strings.Join([]string{d.Name, d.BusinessName, d.Summary, d.Opinions, d.MaterialTitles}, "\n")
	d.Facets = strings.Join([]string{d.BusinessType, d.Status, d.Year, d.Retention}, "|")
	d.CreatedKey = k.CreatedAt.UTC().Format(createdKeyLayout)
	return d
}

func yearOf(k *archive.Case) string { return strconv.Itoa(k.CreatedAt.In(beijing).Year()) }

// normalArchiveNo is a 档号 as indexed and looked up: full-width forms
// folded, upper case, with · where a URL, a keyboard or an input method
// has another dot (or a hyphen, or none) after the category.
func normalArchiveNo(s string) string {
	s = dots.Replace(strings.ToUpper(width.Fold.String(s)))
	return categoryDot.ReplaceAllString(s, "$1·$2")
}

// dots are the characters typed for the · of a 档号: full stops, the
// ideographic one, middle dots and bullets.
var dots = strings.NewReplacer(".", "·", "。", "·", "・", "·", "•", "·", "‧", "·", "∙", "·", "⋅", "·", "\u0387", "·")

// categoryDot finds a 档号's category followed by a hyphen or directly by
// the year.
var categoryDot = regexp.MustCompile(`^([A-Z0-9]{4}-[A-Z]{2})-?([0-9])`)

// textBytes is the size of the analysed text fields of d.
func (d *doc) textBytes() int {
	n := 0
	for _, s := range []string{d.Name, d.BusinessName, d.Summary, d.Opinions, d.MaterialTitles, d.Text} {
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

// PutCases implements indexing.SearchIndex: one batch, one commit, in
// each index. A case's document is replaced; its materials' texts are
// added (or, with DropTexts, deleted) first, so that a case is never
// indexed without the texts it names.
func (ix *Index) PutCases(ctx context.Context, cases []indexing.IndexedCase) error {
	if err := ix.repair(); err != nil {
		return err
	}
	if ix.recreated.Swap(false) {
		return archive.Wrapf("search.PutCases", archive.EUNAVAILABLE, indexing.ErrIndexRecreated,
			"the search index was found damaged and recreated empty; every case is indexed again")
	}
	defer ix.written()
	return ix.use("search.PutCases", true, func(cidx, midx bleve.Index) error {
		cb, mb := cidx.NewBatch(), midx.NewBatch()
		analysed := 0
		var sealed []toSeal
		for _, c := range cases {
			d := ix.toDoc(c)
			analysed += d.textBytes()
			if err := cb.Index(c.Case.ID, d); err != nil {
				return err
			}
			if c.DropTexts {
				held, err := materialsOf(ctx, midx, c.Case.ID)
				if err != nil {
					return err
				}
				for id := range held {
					mb.Delete(materialDocID(c.Case.ID, id))
				}
			}
			for id, text := range c.Texts {
				md := materialDocOf(c.Case.ID, d, text, float64(len(text)), c.Notes[id])
				analysed += len(text)
				if err := mb.Index(materialDocID(c.Case.ID, id), md); err != nil {
					return err
				}
			}
			if d.Archived == "1" && !c.DropTexts {
				sealed = append(sealed, toSeal{c.Case.ID, d})
			}
		}
		ix.analysed.Add(uint64(analysed))
		if mb.Size() > 0 {
			if err := midx.Batch(mb); err != nil {
				return err
			}
		}
		for _, c := range sealed {
			n, err := sealMaterials(ctx, midx, c.id, c.d)
			if err != nil {
				return err
			}
			ix.analysed.Add(uint64(n))
		}
		return cidx.Batch(cb)
	})
}

// toSeal is an archived case of a PutCases batch, whose materials
// indexed while it was open are marked as archived (sealMaterials).
type toSeal struct {
	id string
	d  doc
}

// sealMaterials indexes again, from their stored fields, the materials of
// the archived case id that were indexed while it was open (Open "1"),
// one at a time: a material's text is analysed again, and one batch of
// them all could hold a case's whole text (indexing.MaxCaseText) at the
// memory cost of analysing it. It runs after the batch's new materials
// are written (archived ones already with Open "0") and before the
// case's own document, so that a failure leaves the case to be indexed
// again; and it is done once: a case archived indexes no open material
// afterwards. It returns the bytes of text analysed.
func sealMaterials(ctx context.Context, midx bleve.Index, id string, d doc) (int, error) {
	q := query.NewConjunctionQuery([]query.Query{termQuery("case", id), termQuery("open", "1")})
	ids, _, err := matchingIDs(ctx, midx, q, maxMaterialDocs)
	if err != nil {
		return 0, err
	}
	analysed := 0
	for _, mid := range ids {
		req := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{mid}), 1, 0, false)
		req.Fields = []string{materialTextField, "text_bytes", "note"}
		res, err := midx.SearchInContext(ctx, req)
		if err != nil {
			return analysed, err
		}
		if len(res.Hits) == 0 {
			continue
		}
		f := res.Hits[0].Fields
		text := str(f, materialTextField)
		n, _ := f["text_bytes"].(float64)
		b := midx.NewBatch()
		if err := b.Index(mid, materialDocOf(id, d, text, n, str(f, "note"))); err != nil {
			return analysed, err
		}
		if err := midx.Batch(b); err != nil {
			return analysed, err
		}
		analysed += len(text)
	}
	return analysed, nil
}

// IndexedMaterials implements indexing.SearchIndex.
func (ix *Index) IndexedMaterials(ctx context.Context, caseID string) (map[string]int, error) {
	var held map[string]int
	err := ix.use("search.IndexedMaterials", false, func(_, materials bleve.Index) error {
		var err error
		held, err = materialsOf(ctx, materials, caseID)
		return err
	})
	if err != nil && archive.ErrorCode(err) == archive.EINTERNAL {
		return nil, archive.E("search.IndexedMaterials", archive.EUNAVAILABLE, err)
	}
	return held, err
}

// maxMaterialDocs bounds the materials of one case looked up at once,
// above any catalogue's max_materials.
const maxMaterialDocs = 10000

// materialsOf returns the materials of a case the index holds, with the
// bytes of text held for each.
func materialsOf(ctx context.Context, materials bleve.Index, caseID string) (map[string]int, error) {
	req := bleve.NewSearchRequestOptions(termQuery("case", caseID), maxMaterialDocs, 0, false)
	req.Fields = []string{"text_bytes"}
	res, err := materials.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	held := make(map[string]int, len(res.Hits))
	for _, h := range res.Hits {
		n, _ := h.Fields["text_bytes"].(float64)
		held[strings.TrimPrefix(h.ID, caseID+"/")] = int(n)
	}
	return held, nil
}

// IndexedSeq returns the seq a case was indexed at (0 if absent), for
// tests that compare the index with the event log.
func (ix *Index) IndexedSeq(id string) (uint64, error) {
	var seq uint64
	err := ix.use("search.IndexedSeq", false, func(cases, _ bleve.Index) error {
		req := bleve.NewSearchRequest(query.NewDocIDQuery([]string{id}))
		req.Fields = []string{"seq"}
		res, err := cases.Search(req)
		if err != nil || len(res.Hits) == 0 {
			return err
		}
		f, _ := res.Hits[0].Fields["seq"].(float64)
		seq = uint64(f)
		return nil
	})
	return seq, err
}

func termQuery(field, v string) *query.TermQuery {
	t := query.NewTermQuery(v)
	t.SetField(field)
	return t
}
