package search

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/indexing"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dossier/render"
)

func openIndex(t testing.TB) *Index {
	t.Helper()
	ix, _, err := Open(filepath.Join(t.TempDir(), "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// scanImage draws Chinese text as a clean scan would show it.
func scanImage(t testing.TB, lines ...string) []byte {
	t.Helper()
	ft, err := render.LoadFont(os.Getenv("DOSSIER_FONT_DIR"))
	if err != nil {
		t.Fatalf("the test font is required (make test installs fonts-wqy-microhei): %v", err)
	}
	f, err := opentype.Parse(ft.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 40, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 1000, 80*len(lines)+60))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(40, 70+80*i)
		d.DrawString(l)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

type labelled struct {
	q        indexing.SearchQuery
	relevant map[string]bool
}

// TestRelevance indexes 300 generated cases (all business types, opinions,
// material texts, one of them OCR'd from a generated scan) and runs 40+
// labelled queries: recall@10 ≥ 0.95 and MRR ≥ 0.8.
func TestRelevance(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(300, 42)
	// One material is a scanned image: its text comes from OCR.
	scan := scanImage(t, "宏远精密仪器集团", "离职证明 劳动合同已解除")
	ocr, note, err := Extract(ctx, content.TypePNG, bytes.NewReader(scan))
	if err != nil || !strings.Contains(ocr, "宏远精密仪器") {
		t.Fatalf("OCR of the generated scan: %q (%s, %v)", ocr, note, err)
	}
	cases[17].Texts["m1"] = ocr
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	rel := func(pred func(c indexing.IndexedCase) bool) map[string]bool {
		m := map[string]bool{}
		for _, c := range cases {
			if pred(c) {
				m[c.Case.ID] = true
			}
		}
		return m
	}
	var qs []labelled
	for i := 0; i < 10; i++ {
		c := cases[i*29]
		nm := c.Case.Applicant.Name
		qs = append(qs, labelled{indexing.SearchQuery{Q: nm}, rel(func(x indexing.IndexedCase) bool { return x.Case.Applicant.Name == nm })})
	}
	for i := 0; i < 10; i++ {
		c := cases[i*31+3]
		qs = append(qs, labelled{indexing.SearchQuery{Q: c.Case.Applicant.IDNumber}, map[string]bool{c.Case.ID: true}})
	}
	for i := 0; i < 5; i++ {
		p := cases[i*37+5].Case.Applicant.IDNumber[:14]
		qs = append(qs, labelled{indexing.SearchQuery{Q: p}, rel(func(x indexing.IndexedCase) bool { return strings.HasPrefix(x.Case.Applicant.IDNumber, p) })})
	}
	for i := 0; i < 5; i++ {
		c := cases[i*41+7]
		qs = append(qs, labelled{indexing.SearchQuery{Q: c.Case.Number}, map[string]bool{c.Case.ID: true}})
		qs = append(qs, labelled{indexing.SearchQuery{Q: strings.ToLower(c.Case.Number)}, map[string]bool{c.Case.ID: true}})
	}
	for _, h := range hospitals[:4] {
		qs = append(qs, labelled{indexing.SearchQuery{Q: h}, rel(func(x indexing.IndexedCase) bool { return strings.Contains(x.Texts["m1"], h) })})
	}
	for _, co := range companies[:4] {
		qs = append(qs, labelled{indexing.SearchQuery{Q: co}, rel(func(x indexing.IndexedCase) bool { return strings.Contains(x.Texts["m1"], co) })})
	}
	for _, ph := range []string{"累计缴费满十五年", "非因本人意愿中断就业", "认定为工伤", "产假天数"} {
		qs = append(qs, labelled{indexing.SearchQuery{Q: `"` + ph + `"`}, rel(func(x indexing.IndexedCase) bool { return strings.Contains(x.Events[0].Opinion, ph) })})
	}
	qs = append(qs, labelled{indexing.SearchQuery{Q: "宏远精密仪器"}, map[string]bool{cases[17].Case.ID: true}})
	qs = append(qs, labelled{indexing.SearchQuery{Q: "宏远 离职证明"}, map[string]bool{cases[17].Case.ID: true}})
	c := cases[88]
	qs = append(qs, labelled{indexing.SearchQuery{Q: c.Case.Applicant.Name + " " + c.Case.Number}, map[string]bool{c.Case.ID: true}})
	bt := cases[99].Case.BusinessType
	nm := cases[99].Case.Applicant.Name
	qs = append(qs, labelled{indexing.SearchQuery{Q: nm, BusinessType: bt}, rel(func(x indexing.IndexedCase) bool {
		return x.Case.Applicant.Name == nm && x.Case.BusinessType == bt
	})})

	var recall, mrr float64
	for _, l := range qs {
		if len(l.relevant) == 0 {
			t.Fatalf("query %+v has no relevant case: bad label", l.q)
		}
		l.q.Limit = 10
		res, err := ix.Search(ctx, l.q)
		if err != nil {
			t.Fatalf("%+v: %v", l.q, err)
		}
		found, rr := 0, 0.0
		for i, h := range res.Hits {
			if l.relevant[h.ID] {
				found++
				if rr == 0 {
					rr = 1 / float64(i+1)
				}
			}
		}
		r := float64(found) / float64(min(10, len(l.relevant)))
		if r < 1 || rr < 1 {
			t.Logf("query %q: recall@10 %.2f, RR %.2f", l.q.Q, r, rr)
		}
		recall += r
		mrr += rr
	}
	recall /= float64(len(qs))
	mrr /= float64(len(qs))
	fmt.Printf("search relevance: %d labelled queries over %d cases: recall@10 = %.3f, MRR = %.3f\n", len(qs), len(cases), recall, mrr)
	t.Logf("recall@10 = %.3f, MRR = %.3f over %d queries", recall, mrr, len(qs))
	if len(qs) < 40 {
		t.Fatalf("only %d labelled queries", len(qs))
	}
	if recall < 0.95 || mrr < 0.8 {
		t.Fatalf("recall@10 %.3f (want ≥ 0.95), MRR %.3f (want ≥ 0.8)", recall, mrr)
	}
}

// An applicant's search never returns another applicant's case.
func TestOwnerIsolation(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(200, 7)
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	owner := cases[0].Case.ApplicantUser
	queries := []string{"", "*", "?", "+", "-", ":", `"`, `"unbalanced`, "*:*", "owner:user1", "a OR b", "养老", "失业保险金"}
	for _, c := range cases[:30] {
		queries = append(queries, c.Case.Applicant.Name, c.Case.Applicant.IDNumber, c.Case.Number, c.Case.Applicant.IDNumber[:8])
	}
	for _, q := range queries {
		res, err := ix.Search(ctx, indexing.SearchQuery{Q: q, Owner: owner, Limit: 100})
		if err != nil {
			if archive.ErrorCode(err) == archive.EINVALID {
				continue
			}
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			for _, c := range cases {
				if c.Case.ID == h.ID && c.Case.ApplicantUser != owner {
					t.Fatalf("query %q returned %s, owned by %s", q, h.ID, c.Case.ApplicantUser)
				}
			}
		}
	}
}

// The index gives fragments as the text holds them; the service masks
// them (indexing.MaskFragment), which leaves no identity number whole.
func TestHighlightsMaskIdentityNumbers(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(20, 3)
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, indexing.SearchQuery{Q: "居民身份证", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	full := regexp.MustCompile(`[0-9]{17}[0-9Xx]`)
	seen := 0
	for _, h := range res.Hits {
		for _, fr := range h.Fragments["material_text"] {
			if full.MatchString(fr) {
				seen++
			}
			if masked, _ := indexing.MaskFragment(fr); full.MatchString(masked) || !strings.Contains(masked, "<mark>") {
				t.Fatalf("masked fragment %s", masked)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no fragment of a material quotes an identity number")
	}
}

func TestBadQueries(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	if err := ix.PutCases(ctx, GenerateCases(30, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, indexing.SearchQuery{Q: strings.Repeat("a ", 25)}); archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("too many words: %v", err)
	}
	for _, c := range []string{"x", "o-1", "o99999999", "oabc"} {
		if _, err := ix.Search(ctx, indexing.SearchQuery{Cursor: c}); archive.ErrorCode(err) != archive.EINVALID {
			t.Fatalf("cursor %q: %v", c, err)
		}
	}
}

func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"", "张三", `"养老 保险"`, "+-:^*~()", `"`, "SB2026-", "110105", "\x00", "“中文引号”",
		"王", "勞動", "王小名", "shanghal~1", "Z109-SB·2026", "z109-sb.2026-d10-", "王*", "/王.*/"} {
		f.Add(s)
	}
	ix, _, err := Open(filepath.Join(f.TempDir(), "index"), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer ix.Close()
	if err := ix.PutCases(context.Background(), GenerateCases(20, 2)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, err := ix.Search(context.Background(), indexing.SearchQuery{Q: q, Owner: "user1"})
		if err != nil && archive.ErrorCode(err) != archive.EINVALID {
			t.Fatalf("%q: %v", q, err)
		}
	})
}

func TestExtract(t *testing.T) {
	ctx := context.Background()
	gb := []byte{0xc9, 0xe7, 0xbb, 0xe1, 0xb1, 0xa3, 0xcf, 0xd5} // 社会保险 in GB18030
	text, _, err := Extract(ctx, content.TypeGBK, bytes.NewReader(gb))
	if err != nil || text != "社会保险" {
		t.Fatalf("GB18030: %q %v", text, err)
	}
	text, _, _ = Extract(ctx, content.TypeText, strings.NewReader("工伤认定申请表"))
	if text != "工伤认定申请表" {
		t.Fatalf("UTF-8: %q", text)
	}
	pdf := "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 40 Td (dossier test 2026) Tj ET\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	text, note, _ := Extract(ctx, content.TypePDF, strings.NewReader(pdf))
	if !strings.Contains(text, "dossier test 2026") {
		t.Fatalf("PDF: %q (%s)", text, note)
	}
	text, note, _ = Extract(ctx, content.TypePDF, strings.NewReader("%PDF-1.4 broken"))
	if text != "" || note == "" {
		t.Fatalf("broken PDF: %q %q", text, note)
	}
	docx := docxBytes(t, "劳动能力鉴定结论书")
	text, _, err = Extract(ctx, content.TypeDOCX, bytes.NewReader(docx))
	if err != nil || !strings.Contains(text, "劳动能力鉴定结论书") {
		t.Fatalf("DOCX: %q %v", text, err)
	}
	if !OCRAvailable() {
		t.Fatal("tesseract with chi_sim is required (make test installs tesseract-ocr-chi-sim)")
	}
}

func docxBytes(t *testing.T, text string) []byte {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(`<?xml version="1.0"?><Types/>`))
	w, _ = zw.Create("word/document.xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>`, text)
	zw.Close()
	return buf.Bytes()
}

// TestHighlights: words found through the combined text field still come
// back as fragments of the stored field they are in.
func TestHighlights(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(20, 3)
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, indexing.SearchQuery{Q: "居民身份证", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	for _, h := range res.Hits {
		found := false
		for _, frs := range h.Fragments {
			for _, fr := range frs {
				found = found || strings.Contains(fr, "<mark>")
			}
		}
		if !found {
			t.Errorf("hit %s has no highlighted fragment: %v", h.Number, h.Fragments)
		}
	}
}

// Facets count every hit by business type, status, year and retention
// (counted from one combined doc value), and a query without words lists
// the newest cases first.
func TestFacetsAndNewestFirst(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(300, 11)
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	for _, q := range []indexing.SearchQuery{{}, {Status: archive.StatusApproved}, {Q: "养老"}, {BusinessType: "unemployment_benefit"}} {
		q.Limit = 300
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != len(res.Hits) || res.Total == 0 {
			t.Fatalf("%+v: total %d, %d hits", q, res.Total, len(res.Hits))
		}
		hit := map[string]bool{}
		for _, h := range res.Hits {
			hit[h.ID] = true
		}
		want := map[string]map[string]int{"business_type": {}, "status": {}, "year": {}, "retention": {}}
		for _, c := range cases {
			if !hit[c.Case.ID] {
				continue
			}
			d := ix.toDoc(c)
			want["business_type"][d.BusinessType]++
			want["status"][d.Status]++
			want["year"][d.Year]++
			want["retention"][d.Retention]++
		}
		for f, counts := range want {
			got := map[string]int{}
			for _, fc := range res.Facets[f] {
				got[fc.Term] = fc.Count
			}
			if fmt.Sprint(got) != fmt.Sprint(counts) {
				t.Fatalf("%+v: facet %s is %v, want %v", q, f, got, counts)
			}
			for i := 1; i < len(res.Facets[f]); i++ {
				if res.Facets[f][i].Count > res.Facets[f][i-1].Count {
					t.Fatalf("facet %s not by count: %v", f, res.Facets[f])
				}
			}
		}
		if q.Q == "" {
			created := map[string]time.Time{}
			for _, c := range cases {
				created[c.Case.ID] = c.Case.CreatedAt
			}
			for i := 1; i < len(res.Hits); i++ {
				if created[res.Hits[i].ID].After(created[res.Hits[i-1].ID]) {
					t.Fatalf("%+v: hit %d is newer than hit %d", q, i, i-1)
				}
			}
		}
	}
}

// An index made with an older mapping is thrown away and reported as
// rebuilt, so that the caller fills it again.
func TestOpenRebuildsOlderMapping(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	ix, rebuilt, err := Open(dir, nil)
	if err != nil || !rebuilt {
		t.Fatalf("new index: rebuilt %v, %v", rebuilt, err)
	}
	if err := ix.PutCases(ctx, GenerateCases(5, 1)); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, rebuilt, err = Open(dir, nil)
	if err != nil || rebuilt {
		t.Fatalf("reopened: rebuilt %v, %v", rebuilt, err)
	}
	if n, _ := ix.Count(); n != 5 {
		t.Fatalf("reopened index holds %d cases, want 5", n)
	}
	ix.cases.SetInternal(mappingVersionKey, []byte("1"))
	ix.Close()
	ix, rebuilt, err = Open(dir, nil)
	if err != nil || !rebuilt {
		t.Fatalf("older mapping: rebuilt %v, %v", rebuilt, err)
	}
	defer ix.Close()
	if n, _ := ix.Count(); n != 0 {
		t.Fatalf("index of an older mapping kept %d cases", n)
	}
}

// Each hit's highlights quote its best-matching material, however many
// materials of another hit on the page match better.
func TestMaterialFragmentsEveryHit(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(2, 5)
	many := &cases[0]
	many.Texts = map[string]string{}
	for i := range 8 {
		id := fmt.Sprintf("m%d", i+1)
		many.Case.Materials = append(many.Case.Materials, archive.Material{ID: id, Code: "id_card", Filename: id + ".txt"})
		many.Texts[id] = strings.Repeat("宏远精密仪器集团 ", 5)
	}
	cases[1].Texts = map[string]string{"m1": "离职证明 宏远精密仪器集团 劳动合同已解除 " + strings.Repeat("其他内容 ", 50)}
	ix := openIndex(t)
	if err := ix.PutCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, indexing.SearchQuery{Q: "宏远精密仪器", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 {
		t.Fatalf("%d hits", len(res.Hits))
	}
	for _, h := range res.Hits {
		if frs := h.Fragments["material_text"]; len(frs) != 1 || !strings.Contains(frs[0], "<mark>") {
			t.Errorf("hit %s: material fragments %q", h.ID, frs)
		}
	}
}
