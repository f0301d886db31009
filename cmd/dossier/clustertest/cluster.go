// Package clustertest runs several real `dossier serve` processes on one
// bucket behind a real HAProxy, for the cluster test (issue 16) and the
// cluster benchmark (cmd/dossier-bench -only cluster): the binary is built
// with go build, every server has its own data dir (BoltDB, search index)
// and the balancer checks /readyz, round robin, without stickiness.
package clustertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"dossier/archive/storetest"
)

// Store is the bucket the servers share.
type Store struct {
	AccessKey, SecretKey, Bucket string
}

// env is the environment of a dossier process reaching the bucket at
// endpoint; the CLI and the servers read the same DOSSIER_S3_* settings.
func (s Store) env(endpoint, dataDir string) []string {
	return append(os.Environ(),
		"DOSSIER_S3_ENDPOINT="+endpoint,
		"DOSSIER_S3_ACCESS_KEY="+s.AccessKey,
		"DOSSIER_S3_SECRET_KEY="+s.SecretKey,
		"DOSSIER_S3_BUCKET="+s.Bucket,
		"DOSSIER_DATA_DIR="+dataDir,
	)
}

// Build compiles dossier into dir and returns the binary's path. Errors:
// the compiler's output.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "dossier")
	out, err := exec.Command("go", "build", "-o", bin, "dossier/cmd/dossier").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build dossier: %v\n%s", err, out)
	}
	return bin, nil
}

// ready bounds how long a server or the balancer may take to answer
// /readyz: the machine is shared and a server catches up on start.
const ready = 2 * time.Minute

// Server is one `dossier serve` process.
type Server struct {
	URL    string // http://127.0.0.1:port, the server itself
	Addr   string
	Log    string // its log file
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartServer starts `dossier serve` on a free loopback port with its own
// data dir under dir, reaching the bucket at endpoint, trusting the
// balancer on 127.0.0.1 for X-Forwarded-For, and waits until /readyz
// answers 200. Errors: it exits or is not ready within two minutes (the
// end of its log is in the error).
func StartServer(bin, dir string, st Store, endpoint, publicURL string) (*Server, error) {
	port, err := storetest.FreePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logPath := filepath.Join(dir, "server.log")
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
		"--public-url", publicURL, "--trusted-proxy", "127.0.0.1")
	cmd.Env = st.env(endpoint, filepath.Join(dir, "data"))
	s := &Server{URL: "http://" + addr, Addr: addr, Log: logPath}
	if err := s.start(cmd); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(cmd *exec.Cmd) error {
	s.cmd, s.exited = cmd, make(chan struct{})
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { cmd.Wait(); close(s.exited) }()
	if err := waitReady(s.URL+"/readyz", s.exited); err != nil {
		s.Kill()
		return fmt.Errorf("dossier serve on %s: %w\n%s", s.Addr, err, Tail(s.Log, 3000))
	}
	return nil
}

// Restart starts a server that has exited again, on its address and data
// dir, and waits until it is ready. Errors: those of StartServer.
func (s *Server) Restart() error {
	old := s.cmd
	cmd := exec.Command(old.Path, old.Args[1:]...)
	cmd.Env = old.Env
	return s.start(cmd)
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone.
func (s *Server) Kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// Stop ends the server with SIGTERM (it marks its projection clean) and
// waits; after 30 seconds it kills it.
func (s *Server) Stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.Kill()
	}
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Proxy is an HAProxy in front of the servers.
type Proxy struct {
	URL    string
	Log    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartProxy starts HAProxy on a loopback port in front of backends
// (host:port each): round robin, no stickiness, a health check of
// /readyz every 400 ms that takes a server out after two failures and
// back after two successes — a dead server (refused connections) leaves
// the rotation within about a second; a slow answer counts as a failure
// only after 2 s, so a busy machine does not empty the rotation. Errors: haproxy is missing (scripts/install-test-deps.sh
// installs it), exits, or does not answer /readyz within two minutes.
func StartProxy(dir string, port int, backends []string) (*Proxy, error) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		return nil, fmt.Errorf("HAProxy is required: run scripts/install-test-deps.sh (Debian package haproxy): %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "    server s%d %s check inter 400ms fall 2 rise 2\n", i+1, b)
	}
	cfg := fmt.Sprintf(`global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 2m
    timeout server 2m
    timeout check 2s
    option forwardfor
frontend dossier
    bind 127.0.0.1:%d
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
%s`, port, servers.String())
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o640); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "haproxy.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(haproxy, "-f", cfgPath, "-db")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proxy{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Log: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	if err := waitReady(p.URL+"/readyz", p.exited); err != nil {
		p.Stop()
		return nil, fmt.Errorf("haproxy: %w\n%s", err, Tail(logPath, 3000))
	}
	return p, nil
}

// Stop ends HAProxy.
func (p *Proxy) Stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func waitReady(url string, exited <-chan struct{}) error {
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(ready)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("the process exited")
		default:
		}
		if res, err := c.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %v", url, ready)
}

// Tail is the last n bytes of a log file, for an error message.
func Tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// Set is N servers on one bucket behind one HAProxy.
type Set struct {
	Bin     string
	Store   Store
	Servers []*Server
	Proxy   *Proxy
	dir     string
	// endpoint is the MinIO node the CLI reaches the bucket through.
	endpoint string
}

// StartSet starts len(endpoints) servers, server i reaching the bucket
// through endpoints[i] (each its own MinIO node, as if on its own
// machine), and HAProxy in front, all under dir. Errors: those of
// StartServer and StartProxy; what was started is stopped.
func StartSet(bin, dir string, st Store, endpoints []string) (*Set, error) {
	s := &Set{Bin: bin, Store: st, dir: dir, endpoint: endpoints[0]}
	// The servers are told the balancer's address as their public URL
	// (notices print it; forms posted from it pass the Origin check).
	port, err := storetest.FreePort()
	if err != nil {
		return nil, err
	}
	public := fmt.Sprintf("http://127.0.0.1:%d", port)
	var backends []string
	for i, ep := range endpoints {
		srv, err := StartServer(bin, filepath.Join(dir, fmt.Sprintf("server%d", i+1)), st, ep, public)
		if err != nil {
			s.Stop()
			return nil, err
		}
		s.Servers = append(s.Servers, srv)
		backends = append(backends, srv.Addr)
	}
	p, err := StartProxy(filepath.Join(dir, "haproxy"), port, backends)
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Proxy = p
	return s, nil
}

// Stop ends the balancer and every server still running.
func (s *Set) Stop() {
	if s.Proxy != nil {
		s.Proxy.Stop()
	}
	for _, srv := range s.Servers {
		if !srv.Exited() {
			srv.Stop()
		}
	}
}

// CLI runs a dossier command against the bucket with stdin and returns
// its standard output. Errors: it fails (its standard error is in the
// error).
func (s *Set) CLI(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = s.Store.env(s.endpoint, filepath.Join(s.dir, "cli"))
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("dossier %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// AddUser creates a user with role and password through the CLI and
// returns an API token of theirs.
func (s *Set) AddUser(ctx context.Context, name, role, password string) (string, error) {
	out, err := s.CLI(ctx, password+"\n", "user", "add", "--name", name, "--role", role, "--password-stdin")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}
