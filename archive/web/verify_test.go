package web_test

import (
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"dossier/archive"
	"dossier/archive/apitest"
)

// A real notice's QR code and printed address lead a person to
// /verify/{code}: a public page in Chinese (no sign-in) that says the
// notice is genuine and repeats what it states, nothing personal beyond
// a masked name; an unknown code is a 404 page saying so, a malformed
// one a 400 page.
func TestVerifyPage(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("v.applicant", archive.RoleApplicant)
	_, clerk := e.User("v.clerk", archive.RoleClerk)
	_, reviewer := e.User("v.reviewer", archive.RoleReviewer)
	_, supervisor := e.User("v.supervisor", archive.RoleSupervisor)
	_, approver := e.User("v.approver", archive.RoleApprover)
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "王小明", "id_number": apitest.ValidID, "phone": "13812345678"}})
	apitest.Expect(t, r, 201, "create")
	id, number := r.Str("id"), r.Str("number")
	for _, m := range []string{"id_card", "enrolment_form"} {
		apitest.Expect(t, e.Upload(app, id, m, m+".pdf", apitest.PDF(m)), 201, "upload "+m)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
	for _, who := range []string{reviewer, supervisor, approver} {
		r = e.JSON("POST", "/api/v1/cases/"+id+"/reviews", who, map[string]any{"decision": "approve", "opinion": "符合条件"})
		apitest.Expect(t, r, 200, "approve")
	}
	var result map[string]any
	for _, n := range r.Body["notices"].([]any) {
		if n := n.(map[string]any); n["kind"] == archive.NoticeResult {
			result = n
		}
	}
	if result == nil {
		t.Fatalf("no result notice: %s", r.Raw)
	}
	code, docNumber := result["verify_code"].(string), result["doc_number"].(string)
	issued, err := time.Parse(time.RFC3339Nano, result["issued_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	issued = issued.In(archive.Zone)
	issuedOn := fmt.Sprintf("%d年%d月%d日", issued.Year(), int(issued.Month()), issued.Day())
	d := e.Req("GET", "/api/v1/notices/"+result["id"].(string), app, nil, "")
	apitest.Expect(t, d, 200, "download the notice")
	dir := t.TempDir()
	pdf := filepath.Join(dir, "notice.pdf")
	if err := os.WriteFile(pdf, d.Raw, 0o600); err != nil {
		t.Fatal(err)
	}

	// The printed address: the whole of it on one line.
	want := "http://127.0.0.1:8080/verify/" + code // the test server's default public URL
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils is required): %v %s", err, out)
	}
	printed := false
	for _, l := range strings.Split(string(out), "\n") {
		printed = printed || strings.TrimSpace(l) == want
	}
	if !printed {
		t.Errorf("the notice does not print %s on a line of its own:\n%s", want, out)
	}
	// The QR code, read from the rasterized page, holds the same address.
	if got := decodeQR(t, pdf); got != want {
		t.Errorf("the QR code holds %q, want %q", got, want)
	}

	// The page, for anyone: a phone's browser with no session.
	u, err := url.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	status, body := getPage(t, e.Srv.URL+u.Path)
	if status != http.StatusOK {
		t.Fatalf("verify page: %d\n%s", status, body)
	}
	for _, s := range []string{`<html lang="zh-CN">`, `name="viewport" content="width=device-width`, "通知书真实有效", "审核结果通知书",
		docNumber, number, issuedOn, "予以批准", "王**", "养老保险参保登记", "某市社会保险事业管理中心", "内容不一致怎么办", result["sha256"].(string)} {
		if !strings.Contains(body, s) {
			t.Errorf("the verify page lacks %q:\n%s", s, body)
		}
	}
	for _, secret := range []string{"王小明", apitest.ValidID, "13812345678", id, "v.approver"} {
		if strings.Contains(body, secret) {
			t.Errorf("the verify page shows %q", secret)
		}
	}
	// Lower case and without dashes, as people type it, is the same notice.
	if status, body := getPage(t, e.Srv.URL+"/verify/"+strings.ToLower(strings.ReplaceAll(code, "-", ""))); status != http.StatusOK || !strings.Contains(body, docNumber) {
		t.Errorf("verify page, code as typed: %d", status)
	}
	// The acceptance notice states its own decision.
	acc := r.Body["notices"].([]any)[0].(map[string]any)
	if status, body := getPage(t, e.Srv.URL+"/verify/"+acc["verify_code"].(string)); status != http.StatusOK || !strings.Contains(body, "予以受理") || !strings.Contains(body, "受理通知书") {
		t.Errorf("verify page of the acceptance notice: %d\n%s", status, body)
	}

	status, body = getPage(t, e.Srv.URL+"/verify/ZZZZ-ZZZZ-ZZZZ")
	if status != http.StatusNotFound || !strings.Contains(body, "未查到这份通知书") || !strings.Contains(body, "ZZZZ-ZZZZ-ZZZZ") || strings.Contains(body, "真实有效") {
		t.Errorf("unknown code: %d\n%s", status, body)
	}
	status, body = getPage(t, e.Srv.URL+"/verify/"+url.PathEscape("<b>x"))
	if status != http.StatusBadRequest || !strings.Contains(body, "验证码格式不对") || strings.Contains(body, "<b>x") {
		t.Errorf("malformed code: %d\n%s", status, body)
	}
}

// getPage fetches a page as a browser without a session does.
func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q", u, ct)
	}
	return res.StatusCode, string(b)
}

// decodeQR rasterizes the first page of pdf (pdftoppm) and reads the QR
// code on it.
func decodeQR(t *testing.T, pdf string) string {
	t.Helper()
	out := strings.TrimSuffix(pdf, ".pdf")
	if b, err := exec.Command("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", pdf, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (poppler-utils is required): %v %s", err, b)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code found on the page: %v", err)
	}
	return res.GetText()
}
