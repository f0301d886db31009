package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"dossier/archive"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIO is a real MinIO server started for tests on a free 127.0.0.1 port
// with its data in a temporary directory.
type MinIO struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	cmd       *exec.Cmd
	exited    chan error
	dir       string
	// What launch starts, kept so that a cluster node can be restarted.
	bin     string
	args    []string
	env     []string
	logPath string
	// cluster makes ready also wait for /minio/health/cluster.
	cluster bool
}

var (
	shared    *MinIO
	sharedErr error
	sharedMu  sync.Mutex
)

// MinIOBinary finds the server: $DOSSIER_MINIO_BIN (set by the Makefile),
// then the cache that `make test` fills (~/.cache/dossier/minio-*/minio),
// then $PATH.
func MinIOBinary() (string, error) {
	if p := os.Getenv("DOSSIER_MINIO_BIN"); p != "" {
		return p, nil
	}
	if dir, err := os.UserCacheDir(); err == nil {
		if ps, _ := filepath.Glob(filepath.Join(dir, "dossier", "minio-*", "minio")); len(ps) > 0 {
			return ps[len(ps)-1], nil
		}
	}
	p, err := exec.LookPath("minio")
	if err != nil {
		return "", fmt.Errorf("minio server not found: run `make test` (it installs it) or set DOSSIER_MINIO_BIN")
	}
	return p, nil
}

// SharedMinIO returns the package's one server, starting it on first use.
// A test that needs MinIO fails (never skips) when it cannot start.
func SharedMinIO(t testing.TB) *MinIO {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = StartMinIO()
	}
	if sharedErr != nil {
		t.Fatalf("real MinIO is required: %v", sharedErr)
	}
	return shared
}

// Main runs the tests of a package and stops the shared server and
// cluster after.
func Main(m *testing.M) {
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		shared.Stop()
	}
	if sharedCluster != nil {
		sharedCluster.Stop()
	}
	sharedMu.Unlock()
	os.Exit(code)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartMinIO starts a new server and waits until it answers.
func StartMinIO() (*MinIO, error) { return StartMinIOOn("") }

// StartMinIOOn starts a new server keeping its data in dataDir (a
// directory of its own under the server's temporary directory when
// empty), e.g. on a small file system that fills up.
func StartMinIOOn(dataDir string) (*MinIO, error) {
	bin, err := MinIOBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dossier-minio-*")
	if err != nil {
		return nil, err
	}
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		m, err := startMinIO(bin, dir, dataDir)
		if err == nil {
			return m, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func startMinIO(bin, dir, dataDir string) (*MinIO, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	console, err := FreePort()
	if err != nil {
		return nil, err
	}
	m := &MinIO{
		Endpoint:  fmt.Sprintf("127.0.0.1:%d", port),
		AccessKey: "dossier-test",
		SecretKey: randomHex(16),
		dir:       dir,
		bin:       bin,
		logPath:   filepath.Join(dir, "minio.log"),
	}
	m.args = []string{"--console-address", fmt.Sprintf("127.0.0.1:%d", console), dataDir}
	if err := m.launch(); err != nil {
		return nil, err
	}
	if err := m.waitReady(60 * time.Second); err != nil {
		m.cmd.Process.Kill()
		return nil, err
	}
	return m, nil
}

// launch starts the server process: `minio server` on m.Endpoint with
// m.args, m's credentials and m.env, its output appended to m.logPath.
func (m *MinIO) launch() error {
	args := append([]string{"server", "--quiet", "--address", m.Endpoint}, m.args...)
	m.cmd = exec.Command(m.bin, args...)
	m.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	m.cmd.Env = append(m.cmd.Env, m.env...)
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own descriptor
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	// The server dies with the test process, even on SIGKILL.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	exited := make(chan error, 1)
	m.exited = exited
	cmd := m.cmd
	go func() { exited <- cmd.Wait() }()
	return nil
}

// waitReady waits until the server answers S3 requests (and, for a
// cluster node, /minio/health/cluster says the cluster has its write
// quorum). It fails when the process exits or d passes.
func (m *MinIO) waitReady(d time.Duration) error {
	client, err := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""), MaxRetries: 1})
	if err != nil {
		return err
	}
	probe := &http.Client{Timeout: 5 * time.Second}
	deadline := archive.SystemClock().Add(d)
	for archive.SystemClock().Before(deadline) {
		select {
		case err := <-m.exited:
			m.exited <- err // for Stop and Kill, which wait on it too
			log, _ := os.ReadFile(m.logPath)
			return fmt.Errorf("minio exited: %v\n%s", err, log)
		default:
		}
		// Ready means S3 requests succeed, which can lag the health probe.
		if _, err := client.ListBuckets(context.Background()); err == nil && (!m.cluster || m.clusterHealthy(probe)) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("minio did not become ready on %s within %v (log: %s)", m.Endpoint, d, m.logPath)
}

// clusterHealthy asks the node whether, as it sees the cluster, it has
// its write quorum and its read quorum: a node just restarted can say
// the first before it sees enough of its peers' drives to read what was
// written while it was down.
func (m *MinIO) clusterHealthy(c *http.Client) bool {
	for _, path := range []string{"/minio/health/cluster", "/minio/health/cluster/read"} {
		resp, err := c.Get("http://" + m.Endpoint + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// Stop ends the server and removes its data.
func (m *MinIO) Stop() {
	m.terminate()
	os.RemoveAll(m.dir)
}

// terminate ends the server (SIGTERM, then SIGKILL after 5s) and keeps
// its data.
func (m *MinIO) terminate() {
	if m.cmd != nil && m.cmd.Process != nil {
		m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exited:
		case <-time.After(5 * time.Second):
			m.cmd.Process.Kill()
		}
	}
}

// Freeze stops the server with SIGSTOP: it keeps its port and accepts
// connections (the kernel does), but answers nothing, like a hung or
// overloaded store. Thaw resumes it.
//
// The signal takes effect when the server's threads next enter the
// kernel, so on a busy machine a request sent at once may still be
// answered: Freeze returns only once every thread is stopped.
func (m *MinIO) Freeze() error {
	if err := m.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	tasks := fmt.Sprintf("/proc/%d/task", m.cmd.Process.Pid)
	for deadline := archive.SystemClock().Add(10 * time.Second); archive.SystemClock().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if allStopped(tasks) {
			return nil
		}
	}
	return fmt.Errorf("minio did not stop within 10s of SIGSTOP")
}

// allStopped reports whether every thread under /proc/<pid>/task is in
// state T (stopped).
func allStopped(tasks string) bool {
	entries, err := os.ReadDir(tasks)
	if err != nil || len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join(tasks, e.Name(), "stat"))
		if err != nil {
			return false
		}
		// The state follows the command name in parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}

// Thaw resumes a frozen server (SIGCONT).
func (m *MinIO) Thaw() error { return m.cmd.Process.Signal(syscall.SIGCONT) }

// SmallFS mounts a tmpfs of size bytes on a new directory, unmounted
// (lazily, so open files do not keep it) when the test ends: a real file
// system that fills up, for tests of a full disk. Mounting needs root, or
// a user and mount namespace (`unshare -rm go test …`); the test fails,
// never skips, without it.
func SmallFS(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Fatalf("mount a %d-byte tmpfs on %s for a full-disk test (run as root, or under `unshare -rm`): %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// NewBucketName returns a fresh, valid bucket name.
func NewBucketName() string { return "t-" + randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// WaitCtx is a context for test I/O bounded by a generous deadline.
func WaitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
