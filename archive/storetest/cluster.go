package storetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ClusterNodes is the size of a test cluster: four servers with one drive
// each form one erasure set of 2 data and 2 parity shards, which keeps
// reading and writing (If-None-Match included) with any one node down.
const ClusterNodes = 4

// Cluster is a real distributed MinIO started for tests: ClusterNodes
// server processes on free 127.0.0.1 ports, each with its own drive
// directory under one temporary directory, sharing one set of
// credentials. Any node answers for the whole cluster.
type Cluster struct {
	Nodes     []*MinIO
	AccessKey string
	SecretKey string
	dir       string
}

var (
	sharedCluster    *Cluster
	sharedClusterErr error
)

// clusterReady bounds how long a cluster, or a restarted node, may take to
// answer: nodes wait for each other, and the machine may be busy.
const clusterReady = 120 * time.Second

// SharedCluster returns the package's one cluster, starting it on first
// use; Main stops it. A test that kills a node restarts it before it
// ends. A test that needs the cluster fails (never skips) when it cannot
// start.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedCluster == nil && sharedClusterErr == nil {
		sharedCluster, sharedClusterErr = StartCluster()
	}
	if sharedClusterErr != nil {
		t.Fatalf("a real distributed MinIO is required: %v", sharedClusterErr)
	}
	return sharedCluster
}

// StartCluster starts a new cluster and waits until every node says the
// cluster has its write quorum (/minio/health/cluster) and answers S3
// requests. Errors: the binary is missing, a node exits, or the cluster
// is not ready within two minutes (each node's log is in the error).
func StartCluster() (*Cluster, error) {
	bin, err := MinIOBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dossier-minio-cluster-*")
	if err != nil {
		return nil, err
	}
	var lastErr error
	// A port FreePort handed out can be taken before a node binds it.
	for attempt := 0; attempt < 3; attempt++ {
		c, err := startCluster(bin, dir)
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func startCluster(bin, dir string) (*Cluster, error) {
	c := &Cluster{AccessKey: "dossier-test", SecretKey: randomHex(16), dir: dir}
	var drives []string
	for i := 0; i < ClusterNodes; i++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		console, err := FreePort()
		if err != nil {
			return nil, err
		}
		node := filepath.Join(dir, fmt.Sprintf("node%d", i+1))
		// A fresh drive on every attempt: a half-formatted one from a
		// failed start belongs to other ports.
		os.RemoveAll(node)
		if err := os.MkdirAll(node, 0o700); err != nil {
			return nil, err
		}
		endpoint := fmt.Sprintf("127.0.0.1:%d", port)
		drives = append(drives, "http://"+endpoint+filepath.Join(node, "data"))
		c.Nodes = append(c.Nodes, &MinIO{
			Endpoint: endpoint, AccessKey: c.AccessKey, SecretKey: c.SecretKey,
			bin: bin, logPath: filepath.Join(node, "minio.log"), cluster: true,
			args: []string{"--console-address", fmt.Sprintf("127.0.0.1:%d", console)},
			env: []string{
				// The drives are directories on the root file system,
				// which a distributed MinIO refuses without this.
				"MINIO_CI_CD=1",
				// In a container (/.dockerenv) MinIO will not take a
				// loopback address for its own until told which one is.
				"_MINIO_SERVER_LOCAL=" + endpoint,
			},
		})
	}
	// Every node is started with the same list of drives, its own first
	// among equals only by its --address.
	for _, n := range c.Nodes {
		n.args = append(n.args, drives...)
		if err := n.launch(); err != nil {
			c.halt()
			return nil, err
		}
	}
	for _, n := range c.Nodes {
		if err := n.waitReady(clusterReady); err != nil {
			c.halt()
			return nil, fmt.Errorf("cluster: %w%s", err, c.logs())
		}
	}
	return c, nil
}

// logs is every node's log, for an error message.
func (c *Cluster) logs() string {
	var b strings.Builder
	for i, n := range c.Nodes {
		log, _ := os.ReadFile(n.logPath)
		if len(log) > 4000 {
			log = log[len(log)-4000:]
		}
		fmt.Fprintf(&b, "\n--- node %d (%s) ---\n%s", i, n.Endpoint, log)
	}
	return b.String()
}

// Kill stops node i with SIGKILL, as a crash or a pulled plug would, and
// waits until the process is gone; its drive stays. Errors: no such
// node, or it is not running.
func (c *Cluster) Kill(i int) error {
	n, err := c.node(i)
	if err != nil {
		return err
	}
	if n.cmd == nil {
		return fmt.Errorf("cluster: node %d is not running", i)
	}
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("cluster: kill node %d: %w", i, err)
	}
	<-n.exited
	n.cmd = nil
	return nil
}

// Restart starts node i again on its port and drive and waits until it
// answers and says the cluster has its write quorum. Errors: no such
// node, it is running, or it does not come back within two minutes.
func (c *Cluster) Restart(i int) error {
	n, err := c.node(i)
	if err != nil {
		return err
	}
	if n.cmd != nil {
		return fmt.Errorf("cluster: node %d is running", i)
	}
	if err := n.launch(); err != nil {
		return err
	}
	if err := n.waitReady(clusterReady); err != nil {
		return fmt.Errorf("cluster: restart node %d: %w", i, err)
	}
	return nil
}

// Running reports whether node i's process is running (it was not
// killed, or was restarted since).
func (c *Cluster) Running(i int) bool {
	n, err := c.node(i)
	return err == nil && n.cmd != nil
}

func (c *Cluster) node(i int) (*MinIO, error) {
	if i < 0 || i >= len(c.Nodes) {
		return nil, fmt.Errorf("cluster: no node %d (there are %d)", i, len(c.Nodes))
	}
	return c.Nodes[i], nil
}

// Stop ends every node and removes the drives.
func (c *Cluster) Stop() {
	c.halt()
	os.RemoveAll(c.dir)
}

// halt ends every running node, all at once, keeping the drives.
func (c *Cluster) halt() {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func(n *MinIO) {
			defer wg.Done()
			n.terminate()
		}(n)
	}
	wg.Wait()
}
