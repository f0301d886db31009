package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"dossier/archive/storetest"
)

// hangBound bounds how long a test waits for the server to give up on
// what hangs: generous for a loaded machine, since it bounds a hang and
// is no speed test.
const hangBound = 15 * time.Second

func addUser(t *testing.T, bin, dir, name, role string) string {
	t.Helper()
	out, err := exec.Command(bin, "user", "add", "--data-dir", dir, "--name", name, "--role", role).Output()
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func newCase(t *testing.T, url, token string) string {
	t.Helper()
	body := `{"business_type":"pension_claim","applicant":{"name":"测试","id_number":"11010519491231002X"}}`
	code, res, err := call("POST", url+"/api/v1/cases", token, "application/json", strings.NewReader(body))
	if err != nil || code != 201 {
		t.Fatalf("create case: %d %v %v", code, res, err)
	}
	return res["id"].(string)
}

// multipartUpload is an upload of a small PDF as material code.
func multipartUpload(code string) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("material", code)
	fw, _ := mw.CreateFormFile("file", "scan.pdf")
	fmt.Fprintf(fw, "%%PDF-1.4\n%s\n", strings.Repeat("x", 2000))
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// Slow-loris clients are cut off: one that sends headers and then stalls
// in the middle of its body (within DOSSIER_BODY_TIMEOUT, here 2 s), one
// that never finishes its headers (within 10 s). A client that sends
// slowly but steadily — every second, for longer than the timeout in all
// — is not cut off: the limit is on each wait for bytes, not on the whole.
func TestSlowClientsCutOff(t *testing.T) {
	bin := dossierBinary(t)
	dir := t.TempDir()
	token := addUser(t, bin, dir, "clerk", "clerk")
	t.Setenv("DOSSIER_BODY_TIMEOUT", "2s")
	srv := startServer(t, bin, dir)
	defer srv.stop(t, syscall.SIGTERM)
	id := newCase(t, srv.url, token)
	ctype, body := multipartUpload("id_card")
	head := fmt.Sprintf("POST /api/v1/cases/%s/materials HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		id, token, ctype, len(body))
	addr := strings.TrimPrefix(srv.url, "http://")

	// cutOff sends what, then nothing, and waits for the server to close.
	cutOff := func(name, what string) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, what); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		conn.SetReadDeadline(start.Add(hangBound + 10*time.Second))
		got, err := io.ReadAll(conn) // until the server closes
		took := time.Since(start)
		if err != nil || took > hangBound {
			t.Fatalf("%s: connection still open after %v (%v); read %q", name, took, err, got)
		}
		t.Logf("%s: cut off after %v: %.60q", name, took.Round(100*time.Millisecond), got)
	}
	cutOff("stalled mid-body", head+string(body[:len(body)/2]))
	cutOff("stalled in the headers", "GET /readyz HTTP/1.1\r\nHost: x\r\n")

	// Slow but steady: a chunk every second, 6 s in all.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, head)
	for i, n := 0, len(body)/6+1; i < len(body); i += n {
		time.Sleep(time.Second)
		if _, err := conn.Write(body[i:min(i+n, len(body))]); err != nil {
			t.Fatalf("slow client cut off after %d bytes: %v", i, err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(hangBound))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("slow but steady upload: %s", res.Status)
	}
}

// A frozen object store (MinIO stopped with SIGSTOP: it accepts
// connections and answers nothing) no longer holds writes without limit:
// a decision and an upload answer 503 within a few seconds, and /readyz
// names the store as not answering within its 3 s.
func TestFrozenObjectStore(t *testing.T) {
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	defer m.Stop()
	for k, v := range map[string]string{"DOSSIER_S3_ENDPOINT": m.Endpoint, "DOSSIER_S3_ACCESS_KEY": m.AccessKey,
		"DOSSIER_S3_SECRET_KEY": m.SecretKey, "DOSSIER_S3_BUCKET": storetest.NewBucketName()} {
		t.Setenv(k, v)
	}
	bin := dossierBinary(t)
	dir := t.TempDir()
	token := addUser(t, bin, dir, "clerk", "clerk")
	srv := startServer(t, bin, dir)
	defer srv.stop(t, syscall.SIGTERM)
	id := newCase(t, srv.url, token)
	ctype, body := multipartUpload("id_card")
	if code, res, err := call("POST", srv.url+"/api/v1/cases/"+id+"/materials", token, ctype, bytes.NewReader(body)); err != nil || code != 201 {
		t.Fatalf("upload: %d %v %v", code, res, err)
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	defer m.Thaw() // runs before Stop
	for _, c := range []struct {
		name, method, path, ctype string
		body                      []byte
	}{
		{"decision", "POST", "/api/v1/cases/" + id + "/acceptance", "application/json", []byte(`{"decision":"reject","reason":"不属于本机构受理范围"}`)},
		{"upload", "POST", "/api/v1/cases/" + id + "/materials", ctype, body},
	} {
		start := time.Now()
		code, res, err := call(c.method, srv.url+c.path, token, c.ctype, bytes.NewReader(c.body))
		took := time.Since(start)
		if err != nil || code != http.StatusServiceUnavailable || took > hangBound {
			t.Fatalf("%s with the store frozen: %d %v %v after %v, want 503 within %v", c.name, code, res, err, took, hangBound)
		}
		t.Logf("%s: 503 after %v: %v", c.name, took.Round(100*time.Millisecond), res["error"])
	}
	start := time.Now()
	res, err := http.Get(srv.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if took := time.Since(start); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(rb), "对象存储：3s 内没有应答") || took > hangBound {
		t.Fatalf("/readyz with the store frozen: %d %s after %v", res.StatusCode, rb, took)
	}

	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(hangBound)
	for {
		res, err := http.Get(srv.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			// Ready again, and the search indexer, which paused while the
			// store was frozen, has resumed by itself.
			if res.StatusCode == 200 && strings.Contains(string(body), `"search_indexer":{"paused":false`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready again, indexer resumed, after the store resumed: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
