package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

// flakyProxy stands before the site as a gateway that drops the second
// upload it passes (502 after reading it, as a proxy whose upstream
// went away), so a retry has something to recover from.
func flakyProxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var uploads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/materials") && uploads.Add(1) == 2 {
			_, _ = io.Copy(io.Discard, r.Body)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// noisyPNG is a PNG of about a megabyte (noise does not compress), so
// its upload takes a while to send.
func noisyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 640, 420))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func photoJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 900, 600))
	for y := range 600 {
		for x := range 900 {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 3), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dropFiles drops files (name → content) on the page's drop zone as a
// drag from the desktop does: one drop event whose DataTransfer holds
// them, in order.
func (b *tab) dropFiles(names []string, files map[string][]byte) {
	b.t.Helper()
	var js strings.Builder
	js.WriteString("(() => { const dt = new DataTransfer();\n")
	for _, n := range names {
		fmt.Fprintf(&js, "dt.items.add(new File([Uint8Array.from(atob(%q), c => c.charCodeAt(0))], %q));\n",
			base64.StdEncoding.EncodeToString(files[n]), n)
	}
	js.WriteString("const z = document.getElementById('dropzone');\n" +
		"z.dispatchEvent(new DragEvent('dragenter', {bubbles: true, cancelable: true, dataTransfer: dt}));\n" +
		"z.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));\n" +
		"return document.querySelectorAll('#upload-queue li').length; })()")
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](js.String()))
	if err != nil || n != len(names) {
		b.t.Fatalf("%s: drop %d files: %d rows, %v", b.who, len(names), n, err)
	}
}

// rows are the upload rows as the page shows them.
type uploadRow struct {
	Name     string `json:"name"`
	Material string `json:"material"`
	State    string `json:"state"`
	Status   string `json:"status"`
	Progress int    `json:"progress"`
	Seen     bool   `json:"seen"`
	Thumb    bool   `json:"thumb"`
}

func (b *tab) uploadRows() []uploadRow {
	b.t.Helper()
	rows, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]uploadRow](`Array.from(document.querySelectorAll('#upload-queue li')).map(li => ({
		name: li.querySelector('.upload-name').textContent, material: li.querySelector('select').value,
		state: li.getAttribute('data-state'), status: li.querySelector('.upload-status').textContent,
		progress: li.querySelector('progress').value, seen: li.hasAttribute('data-progress-seen'),
		thumb: !!(li.querySelector('.upload-thumb img') && li.querySelector('.upload-thumb img').naturalWidth > 0)}))`))
	if err != nil {
		b.t.Fatalf("%s: read the upload rows: %v", b.who, err)
	}
	return rows
}

// settled waits until no file is waiting or being sent.
func (b *tab) settled() {
	b.t.Helper()
	b.do("wait for the uploads", chromedp.Poll[chromedp.Void](
		`document.querySelectorAll('#upload-queue li:is([data-state=queued], [data-state=sending])').length === 0`))
}

// shots takes the page at 1280 and at 390 pixels wide.
func (b *tab) shots(name string) {
	b.t.Helper()
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	b.screenshot(name + "-390")
	b.do("desktop width", chromedp.EmulateViewport(1280, 900))
	b.screenshot(name + "-1280")
}

// TestUploads drags three files onto a case page: each gets its own row
// with its material guessed from its name, its progress bar and its
// request; the second is lost on the way (a gateway's 502) and sent
// again alone with its retry button, the other two untouched. Then the
// thumbnails show, and the previews open: a PDF's page rendered on the
// server, an image zoomed with the mouse and the keyboard.
func TestUploads(t *testing.T) {
	s := newSite(t, 40)
	s.url = flakyProxy(t, s.url)
	browser := startBrowser(t)
	shots := artefacts(t)

	clerk := s.tab(browser, "clerk", shots)
	clerk.login("clerk")
	clerk.open("/new")
	clerk.do("fill in the application",
		chromedp.SetValue(chromedp.CSS(`select[name=business_type]`), "unemployment_benefit"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "上官🌸婉儿"),
		chromedp.SendKeys(chromedp.CSS(`input[name=id_number]`), "11010519491231002X"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=summary]`), "合同期满终止，申领失业保险金"))
	clerk.submit("file the application", `form[action="/new"] button[type=submit]`)
	caseID := clerk.caseID()

	pdf, err := os.ReadFile(s.pdfFile("id.pdf", "居民身份证", []string{"姓名", "上官婉儿"}))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"居民身份证（正反面）.pdf", "本人银行账户信息 🌸.png", "解除或者终止劳动关系的证明𠮷.jpg"}
	files := map[string][]byte{names[0]: pdf, names[1]: noisyPNG(t), names[2]: photoJPEG(t)}
	want := []string{"id_card", "bank_account", "termination_certificate"}

	clerk.do("the script's drop zone", chromedp.WaitVisible(chromedp.CSS(`#dropzone`)))
	if vis, _ := chromedp.Run(clerk.ctx, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('upload-slots')).display !== 'none'`)); vis {
		t.Errorf("the plain form's file inputs still show beside the drop zone")
	}
	clerk.dropFiles(names, files)
	for i, r := range clerk.uploadRows() {
		if r.Name != names[i] || r.Material != want[i] || r.State != "queued" {
			t.Errorf("row %d after the drop: %+v, want %s as %s, queued", i, r, names[i], want[i])
		}
	}
	clerk.shots("upload-queued")

	clerk.do("start", chromedp.Click(chromedp.CSS(`#upload-start`)))
	clerk.settled()
	rows := clerk.uploadRows()
	for i, r := range rows {
		if !r.Seen {
			t.Errorf("row %d (%s): no progress was shown", i, r.Name)
		}
		wantState := "done"
		if i == 1 {
			wantState = "failed"
		}
		if r.State != wantState {
			t.Errorf("row %d (%s): %s %q, want %s", i, r.Name, r.State, r.Status, wantState)
		}
	}
	if !strings.Contains(rows[1].Status, "502") || !strings.Contains(rows[1].Status, "重试") {
		t.Errorf("the failed row says %q, want the status and 重试", rows[1].Status)
	}
	clerk.shots("upload-one-failed")

	clerk.do("retry the failed file", chromedp.Click(chromedp.CSS(`#upload-queue li:nth-child(2) .upload-retry`)))
	clerk.settled()
	clerk.do("thumbnails load", chromedp.Poll[chromedp.Void](
		`Array.from(document.querySelectorAll('#upload-queue .upload-thumb img, #materials .thumb img')).filter(i => i.complete && i.naturalWidth > 0).length === 6`))
	for i, r := range clerk.uploadRows() {
		if r.State != "done" || r.Progress != 100 || !r.Thumb {
			t.Errorf("row %d after the retry: %+v", i, r)
		}
	}
	// Each file was stored once, in its material.
	v, err := s.svc.GetCase(context.Background(), s.actor("clerk"), caseID, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range v.Materials {
		got[m.Filename] = m.Code
	}
	if len(v.Materials) != 3 {
		t.Errorf("%d materials stored, want 3: %v", len(v.Materials), got)
	}
	for i, n := range names {
		if got[n] != want[i] {
			t.Errorf("%s stored as %q, want %s", n, got[n], want[i])
		}
	}
	clerk.expect("#materials", names[1])
	clerk.shots("upload-done")

	// The PDF's preview: its page rendered by the server, lazily.
	clerk.submit("open the PDF's preview", `#materials .tile:first-child .thumb`)
	clerk.do("the page shows", chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector('.pdf-page img'); return i && i.complete && i.naturalWidth > 0; })()`))
	clerk.expect("main h1", names[0])
	clerk.expect("#preview", "共 1 页")
	clerk.shots("preview-pdf")

	// The photo's preview: zoom with a click, then the keyboard.
	clerk.open("/cases/" + caseID)
	clerk.submit("open the photo's preview", `#materials .tile:nth-child(2) .thumb`)
	clerk.do("the photo shows", chromedp.Poll[chromedp.Void](`(() => { const i = document.getElementById('preview-image'); return i && i.complete && i.naturalWidth > 0; })()`))
	clerk.do("zoom in with a click", chromedp.Click(chromedp.CSS(`#preview-image`)))
	level := clerk.text("#zoom-level")
	if !strings.HasSuffix(level, "%") {
		t.Errorf("after a click the zoom shows %q", level)
	}
	clerk.do("zoom in with +", chromedp.Focus(chromedp.CSS(`#zoom-frame`)), chromedp.KeyEvent("+"))
	if more := clerk.text("#zoom-level"); more == level {
		t.Errorf("+ left the zoom at %s", level)
	}
	if w, _ := chromedp.Run(clerk.ctx, chromedp.Evaluate[int](`document.getElementById('preview-image').getBoundingClientRect().width`)); w <= 900 {
		t.Errorf("zoomed photo is %d px wide, want more than its 900", w)
	}
	clerk.shots("preview-image-zoomed")
	clerk.do("back to the width", chromedp.KeyEvent("0"))
	clerk.expect("#zoom-level", "适合宽度")
	if href, _ := chromedp.Run(clerk.ctx, chromedp.Evaluate[string](`document.getElementById('preview-download').getAttribute('href')`)); !strings.HasPrefix(href, "/cases/"+caseID+"/materials/") {
		t.Errorf("download link %q", href)
	}
}
