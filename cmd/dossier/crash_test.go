package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/storetest"
)

func openDBForTest(path string) (*boltdb.DB, error) { return boltdb.Open(path) }

// buildDossier compiles the real binary once per test run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dossier-bin-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dossier")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func dossierBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

type server struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// startServer runs `dossier serve` on a free port and waits until ready.
func startServer(t *testing.T, bin, dataDir string) *server {
	t.Helper()
	port, err := storetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--listen", addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("dossier serve exited: %v\n%s", err, logs.String())
		default:
		}
		if res, err := http.Get(s.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("dossier serve not ready:\n%s", logs.String())
	return nil
}

func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("dossier serve did not stop")
	}
}

func call(method, url, token, ctype string, body io.Reader) (int, map[string]any, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, nil
}

// The real binary is SIGKILLed in the middle of 1,000 concurrent appends
// (material uploads) over several cases. After a restart every
// acknowledged append is there, and the projection equals what `dossier
// rebuild` makes from the store alone.
func TestSIGKILLServeDuringAppends(t *testing.T) {
	bin := dossierBinary(t)
	dir := t.TempDir()
	out, err := exec.Command(bin, "user", "add", "--data-dir", dir, "--name", "clerk", "--role", "clerk").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]

	srv := startServer(t, bin, dir)
	var cases []string
	// Ten cases hold 500 materials at the catalogue's limit of 50 each,
	// more than the 300 acknowledged before the kill.
	for i := 0; i < 10; i++ {
		body := `{"business_type":"pension_claim","applicant":{"name":"测试","id_number":"11010519491231002X"}}`
		code, res, err := call("POST", srv.url+"/api/v1/cases", token, "application/json", strings.NewReader(body))
		if err != nil || code != 201 {
			t.Fatalf("create case: %d %v %v", code, res, err)
		}
		cases = append(cases, res["id"].(string))
	}
	type ack struct{ caseID, materialID string }
	acks := make(chan ack, 1000)
	var n atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				id := cases[i%len(cases)]
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				mw.WriteField("material", "id_card")
				fw, _ := mw.CreateFormFile("file", "scan.pdf")
				fmt.Fprintf(fw, "%%PDF-1.4\n%% upload %d\n", i)
				mw.Close()
				code, res, err := call("POST", srv.url+"/api/v1/cases/"+id+"/materials", token, mw.FormDataContentType(), &b)
				if err != nil || code != 201 {
					continue // the server died under it: not acknowledged
				}
				acks <- ack{id, res["id"].(string)}
				n.Add(1)
			}
		}()
	}
	killed := make(chan struct{})
	go func() {
		for deadline := time.Now().Add(2 * time.Minute); n.Load() < 300 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		srv.cmd.Process.Signal(syscall.SIGKILL)
		close(killed)
	}()
	go func() {
		defer close(jobs)
		for i := 0; i < 1000; i++ {
			select {
			case jobs <- i:
			case <-killed:
				return
			}
		}
	}()
	wg.Wait()
	<-killed
	<-srv.done
	close(acks)
	t.Logf("killed after %d acknowledged appends", n.Load())

	srv = startServer(t, bin, dir) // reconciles: the last stop was not clean
	have := map[string]map[string]bool{}
	for _, id := range cases {
		code, res, err := call("GET", srv.url+"/api/v1/cases/"+id, token, "", nil)
		if err != nil || code != 200 {
			t.Fatalf("get case after restart: %d %v", code, err)
		}
		have[id] = map[string]bool{}
		for _, m := range res["materials"].([]any) {
			have[id][m.(map[string]any)["id"].(string)] = true
		}
	}
	count := 0
	for a := range acks {
		count++
		if !have[a.caseID][a.materialID] {
			t.Fatalf("acknowledged material %s of case %s is lost", a.materialID, a.caseID)
		}
	}
	srv.stop(t, syscall.SIGTERM)

	live := dumpProjection(t, dir)
	if err := os.Remove(filepath.Join(dir, "dossier.db")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "rebuild", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	assertDump(t, dir, live)
	t.Logf("%d acknowledged appends all present; rebuild equals the live projection", count)
}

func dumpProjection(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	db, err := openDBForTest(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
