package web_test

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/apitest"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
)

// part is one file of an upload post, after the material it belongs to.
type part struct{ material, name string }

// uploadPost posts files to an upload route the way the page's plain
// form does: csrf, then each material before its files.
func uploadPost(b *browser, path, csrf string, accept string, files []part, content func(name string) []byte) page {
	b.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	last := ""
	for _, f := range files {
		if f.material != last {
			mw.WriteField("material", f.material)
			last = f.material
		}
		fw, _ := mw.CreateFormFile("file", f.name)
		fw.Write(content(f.name))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return b.Do(req)
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	for x := range 640 {
		img.Set(x, x*480/640, color.NRGBA{B: 180, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The plain multi-file form (no script): several files in one post,
// each kept or refused on its own, with what happened to each.
func TestUIUploadSeveralFilesWithoutScript(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	pdf, err := os.ReadFile("../../render/testdata/correction.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pic := testPNG(t)
	content := func(name string) []byte {
		switch {
		case strings.HasSuffix(name, ".pdf"):
			return pdf
		case strings.HasSuffix(name, ".png"):
			return pic
		}
		return []byte("MZ\x90\x00 not a document")
	}
	b := e.browser()
	signIn(b, "ui.clerk", testPassword)
	p := b.Get("/cases/" + id)
	for _, want := range []string{`id="upload-form"`, `name="file" id="file-id_card" multiple`, `id="dropzone"`, `/static/upload.js`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("case page lacks %s", want)
		}
	}
	tok := csrfOf(t, p)
	if js := b.Get("/static/upload.js"); js.Status != 200 || !strings.Contains(js.Header.Get("Content-Type"), "javascript") || !strings.Contains(js.Body, "upload-queue") {
		t.Errorf("the page's script: %d %s", js.Status, js.Header.Get("Content-Type"))
	}

	// One refused file among four: the other three are kept, and the
	// page says which is which.
	p = uploadPost(b, "/cases/"+id+"/materials", tok, "", []part{{"id_card", "身份证 正面 🪪.png"}, {"id_card", "身份证 反面.pdf"},
		{"termination_certificate", "程序.exe"}, {"termination_certificate", "终止证明𠮷.pdf"}}, content)
	if p.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("post with a refused file: %d, want 415 (the refusal's)\n%.500s", p.Status, p.Body)
	}
	for _, want := range []string{"未能上传 “程序.exe”", "已上传“身份证 正面 🪪.png”", "已上传“终止证明𠮷.pdf”", "不接受这种文件类型"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("results lack %q", want)
		}
	}
	r := e.JSON("GET", "/api/v1/cases/"+id, tokens["clerk"], nil)
	mats := r.Body["materials"].([]any)
	if len(mats) != 3 {
		t.Fatalf("%d materials kept, want 3", len(mats))
	}
	codes := map[string]int{}
	for _, m := range mats {
		codes[m.(map[string]any)["code"].(string)]++
	}
	if codes["id_card"] != 2 || codes["termination_certificate"] != 1 {
		t.Errorf("materials by slot: %v", codes)
	}

	// All kept: back to the case page with what was kept.
	p = uploadPost(b, "/cases/"+id+"/materials", tok, "", []part{{"id_card", "补充 1.png"}, {"id_card", "补充 2.png"}}, content)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("post of two good files: %d %.300s", p.Status, p.Body)
	}
	if f := b.Get(p.Loc); !strings.Contains(f.Body, "已上传 2 个文件：补充 1.png、补充 2.png。") {
		t.Errorf("flash after the upload: %.300s", f.Body)
	}

	// The script's post (one file, JSON): the result, or the refusal's
	// status with the Chinese message.
	p = uploadPost(b, "/cases/"+id+"/materials", tok, "application/json", []part{{"id_card", "x.exe"}}, content)
	var ans struct {
		Results []struct {
			File     string            `json:"file"`
			Error    string            `json:"error"`
			Material *archive.Material `json:"material"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(p.Body), &ans); err != nil || p.Status != http.StatusUnsupportedMediaType || len(ans.Results) != 1 || !strings.Contains(ans.Results[0].Error, "不接受") {
		t.Fatalf("JSON refusal: %d %v %s", p.Status, err, p.Body)
	}
	p = uploadPost(b, "/cases/"+id+"/materials", tok, "application/json", []part{{"id_card", "ok.pdf"}}, content)
	if err := json.Unmarshal([]byte(p.Body), &ans); err != nil || p.Status != http.StatusOK || ans.Results[0].Material == nil {
		t.Fatalf("JSON upload: %d %v %s", p.Status, err, p.Body)
	}
	// Without the token nothing is read.
	if p := uploadPost(b, "/cases/"+id+"/materials", "wrong", "", []part{{"id_card", "a.pdf"}}, content); p.Status != http.StatusForbidden {
		t.Errorf("upload without the token: %d", p.Status)
	}
}

// Thumbnails and previews are read as the material is: the same access
// check, the same audit entry; never a way round a refusal.
func TestUIThumbnailsAndPreviews(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	pdf, err := os.ReadFile("../../render/testdata/correction.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdfID := e.Upload(tokens["clerk"], id, "id_card", "身份证.pdf", pdf).Str("id")
	pngID := e.Upload(tokens["clerk"], id, "id_card", "照片.png", testPNG(t)).Str("id")
	txtID := e.Upload(tokens["clerk"], id, "id_card", "说明.txt", []byte("说明文字")).Str("id")
	clerk := e.browser()
	signIn(clerk, "ui.clerk", testPassword)
	base := "/cases/" + id + "/materials/"
	page := clerk.Get("/cases/" + id)
	for _, want := range []string{base + pdfID + "/thumb", base + pngID + "/view", base + txtID + `"`, ">文本<"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("case page lacks %s", want)
		}
	}
	for _, c := range []struct{ path, ctype string }{
		{base + pdfID + "/thumb", "image/jpeg"}, {base + pngID + "/thumb", "image/jpeg"}, {base + pdfID + "/pages/1", "image/png"},
	} {
		p := clerk.Get(c.path)
		if p.Status != 200 || p.Header.Get("Content-Type") != c.ctype {
			t.Fatalf("%s: %d %s", c.path, p.Status, p.Header.Get("Content-Type"))
		}
		if _, _, err := image.Decode(strings.NewReader(p.Body)); err != nil {
			t.Errorf("%s: not a picture: %v", c.path, err)
		}
	}
	if p := clerk.Get(base + pdfID + "/view"); p.Status != 200 || !strings.Contains(p.Body, base+pdfID+"/pages/1") || !strings.Contains(p.Body, "共 1 页") {
		t.Errorf("PDF preview: %d %.400s", p.Status, p.Body)
	}
	if p := clerk.Get(base + pngID + "/view"); p.Status != 200 || !strings.Contains(p.Body, `id="preview-image"`) {
		t.Errorf("image preview: %d", p.Status)
	}
	if p := clerk.Get(base + txtID + "/view"); p.Status != 200 || !strings.Contains(p.Body, "无法在页面中预览") {
		t.Errorf("text preview: %d", p.Status)
	}
	if p := clerk.Get(base + pdfID + "/pages/2"); p.Status != http.StatusNotFound {
		t.Errorf("page 2 of a 1-page PDF: %d", p.Status)
	}
	// A file without a picture gets a tile saying so, not a broken image.
	if p := clerk.Get(base + txtID + "/thumb"); p.Status != http.StatusOK || p.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(p.Body, "无法预览") {
		t.Errorf("thumbnail of text: %d %s %.200s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	// Each picture was a read on the audit log.
	r := e.JSON("GET", "/api/v1/audit?action=case.material_read&case="+id, tokens["auditor"], nil)
	if n := len(r.Body["entries"].([]any)); n < 7 {
		t.Errorf("%d material reads on the audit log, want one per picture and preview (7 at least)", n)
	}

	// Someone refused the material is refused its pictures alike.
	other := e.browser()
	signIn(other, "ui.applicant", testPassword)
	raw := other.Get(base + pdfID).Status
	if raw == 200 {
		t.Fatalf("another applicant reads the material")
	}
	for _, suffix := range []string{"/thumb", "/view", "/pages/1"} {
		if p := other.Get(base + pdfID + suffix); p.Status != raw {
			t.Errorf("another applicant: %s → %d, the material itself → %d", suffix, p.Status, raw)
		}
	}
	// An archived file needs a loan: no thumbnail, page or preview
	// without one.
	arc, _ := e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	r = e.JSON("GET", "/api/v1/cases/"+arc, tokens["archivist"], nil)
	mid := r.Body["materials"].([]any)[0].(map[string]any)["id"].(string)
	e.staff("ui.clerk2", archive.RoleClerk)
	rev := e.browser()
	signIn(rev, "ui.clerk2", testPassword)
	abase := "/cases/" + arc + "/materials/" + mid
	raw = rev.Get(abase).Status
	if raw != http.StatusForbidden {
		t.Fatalf("a clerk who did not handle it reads an archived material without a loan: %d", raw)
	}
	for _, suffix := range []string{"/thumb", "/view", "/pages/1"} {
		if p := rev.Get(abase + suffix); p.Status != raw {
			t.Errorf("archived file without a loan: %s → %d, want %d", suffix, p.Status, raw)
		}
	}
}
