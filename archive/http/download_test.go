package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/audit"
	dhttp "dossier/archive/http"
)

// Ranges of materials and notices: 206 with Content-Range, the suffix
// and open forms, 416 in the error shape for a range past the end, the
// whole content for several ranges or one that does not parse, If-Range.
// Also with the real curl -r.
func TestDownloadRanges(t *testing.T) {
	f := newFixture(t)
	url := f.e.Srv.URL + "/api/v1/cases/" + f.caseID + "/materials/" + f.mid
	size := len(f.material)
	etag := `"` + f.materialSHA + `"`

	a := curl(t, t.TempDir(), "-r", "0-99", "-H", bearer(f.app), url)
	if a.status != http.StatusPartialContent || !bytes.Equal(a.body, f.material[:100]) ||
		a.header.Get("Content-Range") != "bytes 0-99/"+itoa(size) || a.header.Get("Content-Length") != "100" ||
		a.header.Get("ETag") != etag || a.header.Get("Content-Type") != "application/pdf" || a.header.Get("Content-Encoding") != "" {
		t.Fatalf("curl -r 0-99: %d %v %q", a.status, a.header, a.body)
	}
	auth := http.Header{"Authorization": {"Bearer " + f.app}}
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, c := range []struct {
		rng, ifRange string
		status       int
		first, last  int // of the body; -1: the whole content
	}{
		{"bytes=-10", "", 206, size - 10, size - 1},
		{"bytes=100-", "", 206, 100, size - 1},
		{"bytes=10-20", etag, 206, 10, 20},
		{"bytes=0-" + itoa(10*size), "", 206, 0, size - 1},
		{"bytes=-" + itoa(10*size), "", 206, 0, size - 1},
		{"bytes=" + itoa(size-1) + "-", "", 206, size - 1, size - 1},
		{"bytes=10-20", `"another"`, 200, -1, -1},
		{"bytes=0-1,5-6", "", 200, -1, -1},
		{"bytes=x-y", "", 200, -1, -1},
		{"bytes=20-10", "", 200, -1, -1},
		{"pages=1-2", "", 200, -1, -1},
	} {
		h := with(auth, "Range", c.rng)
		if c.ifRange != "" {
			h.Set("If-Range", c.ifRange)
		}
		res, body := send(t, "GET", url, h)
		want := f.material
		if c.first >= 0 {
			want = f.material[c.first : c.last+1]
		}
		if res.StatusCode != c.status || !bytes.Equal(body, want) || res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Range %s, If-Range %s: %d, %d bytes, want %d, %d bytes", c.rng, c.ifRange, res.StatusCode, len(body), c.status, len(want))
		}
		if c.status == 206 && res.Header.Get("Content-Range") != "bytes "+itoa(c.first)+"-"+itoa(c.last)+"/"+itoa(size) {
			t.Errorf("Range %s: Content-Range %q", c.rng, res.Header.Get("Content-Range"))
		}
	}
	for _, rng := range []string{"bytes=" + itoa(size) + "-", "bytes=" + itoa(size+5) + "-" + itoa(size+9), "bytes=-0"} {
		res, body := send(t, "GET", url, with(auth, "Range", rng))
		var doc struct {
			Error struct{ Code, Message string }
		}
		if res.StatusCode != http.StatusRequestedRangeNotSatisfiable || res.Header.Get("Content-Range") != "bytes */"+itoa(size) ||
			json.Unmarshal(body, &doc) != nil || doc.Error.Code != archive.EINVALID || doc.Error.Message == "" ||
			res.Header.Get("Content-Disposition") != "" {
			t.Errorf("Range %s: %d %v %s", rng, res.StatusCode, res.Header, body)
		}
	}
	// HEAD ignores Range.
	if res, body := send(t, "HEAD", url, with(auth, "Range", "bytes=0-9")); res.StatusCode != 200 || len(body) != 0 || res.Header.Get("Content-Length") != itoa(size) {
		t.Errorf("HEAD with Range: %d %v", res.StatusCode, res.Header)
	}

	// The notice, through the API and the pages' route, and the material
	// through the pages' route.
	b := pagesBrowser(t, f.e, "f.clerk")
	for _, u := range []string{f.e.Srv.URL + "/api/v1/notices/" + f.nid, f.e.Srv.URL + "/notices/" + f.nid} {
		h := http.Header{"Range": {"bytes=0-7"}}
		if strings.Contains(u, "/api/") {
			h.Set("Authorization", "Bearer "+f.clerk)
		}
		res, body := b.send(t, "GET", u, h)
		if res.StatusCode != 206 || len(body) != 8 || !strings.HasPrefix(string(body), "%PDF-") ||
			res.Header.Get("Content-Range") != "bytes 0-7/"+itoa(f.noticeSize) || res.Header.Get("ETag") != `"`+f.noticeSHA+`"` {
			t.Errorf("notice range %s: %d %v %q", u, res.StatusCode, res.Header, body)
		}
	}
	res, body := b.send(t, "GET", f.e.Srv.URL+"/cases/"+f.caseID+"/materials/"+f.mid, http.Header{"Range": {"bytes=-5"}})
	if res.StatusCode != 206 || !bytes.Equal(body, f.material[size-5:]) || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("page material range: %d %v %q", res.StatusCode, res.Header, body)
	}
}

// A range of a content whose stored bytes no longer match the record is
// never served, not even bytes that were not changed: the whole content
// is checked first, the answer is the error, and the mismatch audited.
func TestRangeOfTamperedContent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct{ sum, path string }{
		{f.materialSHA, "/api/v1/cases/" + f.caseID + "/materials/" + f.mid},
		{f.noticeSHA, "/api/v1/notices/" + f.nid},
	} {
		key := archive.BlobKey(c.sum)
		rc, _, err := f.e.Store.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)-1] ^= 0x01 // the last byte: the first 100 are as they were
		if err := f.e.Store.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := f.e.Store.Create(ctx, key, data); err != nil {
			t.Fatal(err)
		}
		for _, rng := range []string{"bytes=0-99", "bytes=-1", "bytes=0-"} {
			a := curl(t, t.TempDir(), "-r", strings.TrimPrefix(rng, "bytes="), "-H", bearer(f.clerk), f.e.Srv.URL+c.path)
			var doc struct {
				Error struct{ Code, Message string }
			}
			if a.status != http.StatusInternalServerError || json.Unmarshal(a.body, &doc) != nil || doc.Error.Code != archive.EINTERNAL ||
				bytes.Contains(a.body, data[:20]) || a.header.Get("Content-Disposition") != "" {
				t.Fatalf("%s %s of tampered content: %d %v %q", c.path, rng, a.status, a.header, a.body)
			}
		}
		// The whole content is cut short before its last byte, as before.
		res, err := http.DefaultClient.Do(authed(t, f.e.Srv.URL+c.path, f.clerk))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil || len(got) >= len(data) {
			t.Fatalf("%s: the tampered content was served whole (%d of %d bytes, %v)", c.path, len(got), len(data), err)
		}
	}
	entries, _, err := f.e.Audit.Query(ctx, audit.AuditFilter{Action: "content.hash_mismatch"}, "", 100)
	if err != nil || len(entries) < 2 {
		t.Fatalf("mismatches audited: %d, %v", len(entries), err)
	}
}

// The ETag is the content's SHA-256; If-None-Match naming it is 304 for
// materials, notices and the OpenAPI document. Also with the real curl.
func TestETagsAndNotModified(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ path, token, etag string }{
		{"/api/v1/cases/" + f.caseID + "/materials/" + f.mid, f.app, `"` + f.materialSHA + `"`},
		{"/api/v1/notices/" + f.nid, f.app, `"` + f.noticeSHA + `"`},
		{"/api/v1/openapi.json", "", openAPIETag()},
	} {
		args := func(extra ...string) []string {
			if c.token != "" {
				extra = append(extra, "-H", bearer(c.token))
			}
			return append(extra, f.e.Srv.URL+c.path)
		}
		a := curl(t, t.TempDir(), args("-o", "/dev/null")...)
		if a.status != 200 || a.header.Get("ETag") != c.etag {
			t.Fatalf("%s: %d, ETag %q, want %s", c.path, a.status, a.header.Get("ETag"), c.etag)
		}
		for _, inm := range []string{c.etag, "W/" + c.etag, `"other", ` + c.etag, "*"} {
			a = curl(t, t.TempDir(), args("-H", "If-None-Match: "+inm)...)
			if a.status != http.StatusNotModified || len(a.body) != 0 || a.header.Get("ETag") != c.etag {
				t.Errorf("%s If-None-Match %s: %d %v %d bytes", c.path, inm, a.status, a.header, len(a.body))
			}
		}
		a = curl(t, t.TempDir(), args("-H", `If-None-Match: "other"`, "-o", "/dev/null")...)
		if a.status != 200 {
			t.Errorf("%s with another ETag: %d", c.path, a.status)
		}
	}
}

func openAPIETag() string {
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(doc)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// The file name of a download: filename*= in UTF-8, and filename= an
// ASCII stand-in with the extension, which curl -OJ saves under: the
// name itself when it is ASCII, else the stem given.
func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, stem, want string }{
		{"身份证.pdf", "id_card-m2", `attachment; filename="id_card-m2.pdf"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf`},
		{"身份证.pdf", "", `attachment; filename="_.pdf"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf`},
		{"王五 身份证 2026.pdf", "id_card-m2", `attachment; filename="id_card-m2.pdf"; filename*=UTF-8''%E7%8E%8B%E4%BA%94%20%E8%BA%AB%E4%BB%BD%E8%AF%81%202026.pdf`},
		{"scan 2.pdf", "x", `attachment; filename="scan 2.pdf"; filename*=UTF-8''scan%202.pdf`},
		{`a"b\c%d.txt`, "x", `attachment; filename="x.txt"; filename*=UTF-8''a%22b%5Cc%25d.txt`},
		{"报告", "report-n1", `attachment; filename="report-n1"; filename*=UTF-8''%E6%8A%A5%E5%91%8A`},
		{"", "", `attachment; filename="download"; filename*=UTF-8''download`},
	} {
		if got := dhttp.ContentDisposition("attachment", c.name, c.stem); got != c.want {
			t.Errorf("%q: %s, want %s", c.name, got, c.want)
		}
	}

	f := newFixture(t)
	dir := t.TempDir()
	a := curl(t, dir, "-OJ", "-H", bearer(f.app), f.e.Srv.URL+"/api/v1/cases/"+f.caseID+"/materials/"+f.mid)
	saved, err := os.ReadFile(filepath.Join(dir, "id_card-"+f.mid+".pdf"))
	if a.status != 200 || err != nil || !bytes.Equal(saved, f.material) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("curl -OJ: %d %q; saved %v (%v)", a.status, a.header.Get("Content-Disposition"), entries, err)
	}
	dir = t.TempDir()
	a = curl(t, dir, "-OJ", "-H", bearer(f.app), f.e.Srv.URL+"/api/v1/notices/"+f.nid)
	entries, _ := os.ReadDir(dir)
	if a.status != 200 || len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".pdf") || !strings.HasPrefix(a.header.Get("Content-Disposition"), "inline; filename=") ||
		!strings.Contains(a.header.Get("Content-Disposition"), "filename*=UTF-8''%E8%A1%A5") {
		t.Fatalf("curl -OJ of a notice: %d %q %v", a.status, a.header.Get("Content-Disposition"), entries)
	}
}
