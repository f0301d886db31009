package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"dossier/archive/storetest"
)

// The attack: the data dir on a file system that fills up. Uploads
// answer 201 until the disk is full, then 507 storage_full saying the
// server's storage is full and nothing was stored (never 400 blaming the
// client); /metrics reports the free space and /readyz fails under
// DOSSIER_MIN_FREE naming the data dir. The file system is a real 48 MiB
// tmpfs.
func TestFullDataDir(t *testing.T) {
	bin := dossierBinary(t)
	dir := storetest.SmallFS(t, 48<<20)
	out, err := exec.Command(bin, "user", "add", "--data-dir", dir, "--name", "clerk", "--role", "clerk").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]
	t.Setenv("DOSSIER_MIN_FREE", strconv.Itoa(4<<20))
	srv := startServer(t, bin, dir)
	defer srv.stop(t, syscall.SIGTERM)

	free := func() float64 {
		res, err := http.Get(srv.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		m := regexp.MustCompile(`(?m)^dossier_data_dir_free_bytes (\S+)$`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("/metrics has no dossier_data_dir_free_bytes:\n%s", b)
		}
		for _, name := range []string{`dossier_search_segments{index="cases"}`, `dossier_search_segments{index="materials"}`, "dossier_search_compactions_total"} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` \d+$`).Match(b) {
				t.Fatalf("/metrics has no %s:\n%s", name, b)
			}
		}
		f, _ := strconv.ParseFloat(string(m[1]), 64)
		return f
	}
	if f := free(); f < 8<<20 || f > 48<<20 {
		t.Fatalf("dossier_data_dir_free_bytes = %.0f on an almost empty 48 MiB file system", f)
	}

	body := `{"business_type":"pension_claim","applicant":{"name":"测试","id_number":"11010519491231002X"}}`
	code, res, err := call("POST", srv.url+"/api/v1/cases", token, "application/json", strings.NewReader(body))
	if err != nil || code != 201 {
		t.Fatalf("create case: %d %v %v", code, res, err)
	}
	id := res["id"].(string)
	uploaded := 0
	for i := 0; ; i++ {
		if i == 60 {
			t.Fatal("60 MiB of uploads went into a 48 MiB file system")
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("material", "id_card")
		fw, _ := mw.CreateFormFile("file", "scan.pdf")
		fmt.Fprintf(fw, "%%PDF-1.4\n")
		io.CopyN(fw, rand.Reader, 1<<20)
		mw.Close()
		code, res, err := call("POST", srv.url+"/api/v1/cases/"+id+"/materials", token, mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		if code == 201 {
			uploaded++
			continue
		}
		e, _ := res["error"].(map[string]any)
		// The disk fills under the blob (nothing stored) or under BoltDB
		// (stored in the object store, shown once space is freed); the
		// message is Chinese, as no Accept-Language asks for English.
		msg := fmt.Sprint(e["message"])
		if code != http.StatusInsufficientStorage || e["code"] != "storage_full" || !strings.Contains(msg, "存储空间已满") && !strings.Contains(msg, "磁盘已满") {
			t.Fatalf("upload %d on a filling disk: %d %v, want 507 storage_full saying the storage is full", i, code, res)
		}
		break
	}
	t.Logf("%d uploads of 1 MiB, then 507", uploaded)
	if uploaded < 10 {
		t.Fatalf("only %d uploads fitted", uploaded)
	}
	if f := free(); f >= 4<<20 {
		t.Fatalf("dossier_data_dir_free_bytes = %.0f on a full file system", f)
	}
	resp, err := http.Get(srv.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(rb), "数据目录") || !strings.Contains(string(rb), "DOSSIER_MIN_FREE") {
		t.Fatalf("/readyz on a full data dir: %d %s", resp.StatusCode, rb)
	}
	// The case and what was acknowledged still read (masked: an unmasked
	// read needs its audit entry written, and the disk is full).
	code, res, err = call("GET", srv.url+"/api/v1/cases/"+id+"?unmask=false", token, "", nil)
	// A 507 from BoltDB means the upload reached the object store: it may
	// show once the projection catches up, so one more is allowed.
	if err != nil || code != 200 || n(res["materials"]) < uploaded || n(res["materials"]) > uploaded+1 {
		t.Fatalf("case after the disk filled: %d, %v materials, want %d (%v)", code, res["materials"], uploaded, res)
	}
}

// n is the length of a JSON array, 0 for anything else.
func n(v any) int {
	a, _ := v.([]any)
	return len(a)
}
