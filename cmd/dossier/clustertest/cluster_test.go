package clustertest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"dossier/archive/storetest"
)

// build compiles dossier once for the package's tests.
var build = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dossier-clustertest-bin-*")
	if err != nil {
		return "", err
	}
	return Build(dir)
})

// startAll starts a four-node MinIO and n dossier servers behind HAProxy
// on one bucket, server i reaching it through node i; everything stops
// when the test ends.
func startAll(t *testing.T, n int) (*storetest.Cluster, *Set) {
	t.Helper()
	dir := t.TempDir()
	began := time.Now()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	built := time.Now()
	mc, err := storetest.StartCluster()
	if err != nil {
		t.Fatalf("a real distributed MinIO is required: %v", err)
	}
	minio := time.Now()
	t.Cleanup(mc.Stop)
	var eps []string
	for i := 0; i < n; i++ {
		eps = append(eps, mc.Nodes[i].Endpoint)
	}
	set, err := StartSet(bin, dir, Store{AccessKey: mc.AccessKey, SecretKey: mc.SecretKey, Bucket: "dossier"}, eps)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("start: go build %v, MinIO %v, %d servers and HAProxy %v", built.Sub(began).Round(time.Millisecond),
		minio.Sub(built).Round(time.Millisecond), n, time.Since(minio).Round(time.Millisecond))
	t.Cleanup(func() {
		set.Stop()
		if t.Failed() {
			for i, s := range set.Servers {
				t.Logf("--- the end of server %d's log (%s) ---\n%s", i+1, s.Addr, Tail(s.Log, 4000))
			}
		}
	})
	return mc, set
}

// addCrews creates n crews, a few at a time (each is four runs of the
// CLI).
func addCrews(t *testing.T, set *Set, prefix string, n int) []Crew {
	t.Helper()
	defer func(began time.Time) { t.Logf("%d crews created in %v", n, time.Since(began).Round(time.Millisecond)) }(time.Now())
	crews := make([]Crew, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range crews {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			crews[i], errs[i] = set.AddCrew(context.Background(), prefix, i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return crews
}

// fault is one failure the test caused, and when.
type fault struct {
	at   time.Time
	what string
}

// gatewayWindow is how long after a failure the clients may see 502 or
// 503: the balancer takes a dead server out after two failed checks 400
// ms apart, requests already sent to it fail, and MinIO needs a moment
// to stop waiting for a dead node.
const gatewayWindow = 10 * time.Second

// Issue 16, "Done when": eight clients work through HAProxy in front of
// three servers on a four-node MinIO for a minute — web sign-in, pages,
// filing, uploads, the four decisions by four users, sign-out — while
// one dossier server and one MinIO node are SIGKILLed (the node comes
// back later). Afterwards every acknowledged write is readable through
// each surviving server directly, `dossier verify` passes, and the
// clients saw no answer but the expected ones, apart from 502/503 in the
// seconds after a failure.
func TestThreeServersUnderLoadAndFailure(t *testing.T) {
	mc, set := startAll(t, 3)
	crews := addCrews(t, set, "", 8)

	const run = 60 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	log := &Log{}
	start := time.Now()
	var wg sync.WaitGroup
	clientErrs := make(chan error, len(crews))
	for i, crew := range crews {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := NewClient(set.Proxy.URL, i, crew, log)
			for ctx.Err() == nil {
				if err := c.Round(ctx); err != nil && ctx.Err() == nil {
					clientErrs <- err
					return
				}
			}
		}()
	}

	// The failures: the second dossier server at 20 s; the fourth MinIO
	// node (no server's own endpoint: the erasure set loses a drive) at
	// 25 s, back at 45 s.
	var faults []fault
	at := func(d time.Duration, what string, do func() error) {
		select {
		case <-time.After(time.Until(start.Add(d))):
		case <-ctx.Done():
			return
		}
		faults = append(faults, fault{time.Now(), what})
		if err := do(); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	at(20*time.Second, "SIGKILL dossier server 2", func() error { set.Servers[1].Kill(); return nil })
	at(25*time.Second, "SIGKILL MinIO node 4", func() error { return mc.Kill(3) })
	at(45*time.Second, "restart MinIO node 4", func() error { return mc.Restart(3) })
	wg.Wait()
	close(clientErrs)
	for err := range clientErrs {
		t.Errorf("client: %v", err)
	}
	elapsed := time.Since(start)
	requests, rounds, writes, gateway, anomaly, stale := log.Snapshot()
	kinds := map[string]int{}
	for _, w := range writes {
		kinds[w.Kind]++
	}

	// What verify says before the killed server comes back: a case
	// event it stored just before the kill may still lack its audit
	// entry, which only a starting server writes (reported, not
	// asserted: see the summary).
	before, beforeErr := set.CLI(context.Background(), "", "verify", "--no-store")
	verdictBefore := "passes"
	if beforeErr != nil {
		verdictBefore = "fails: " + strings.Join(failures(before), "; ")
	}

	// The operator restarts the killed server on its address and data
	// dir; it catches up and HAProxy takes it back.
	if err := set.Servers[1].Restart(); err != nil {
		t.Fatal(err)
	}

	// Every acknowledged write through each server itself. They follow
	// the bucket within a second; after the failures give them half a
	// minute before calling a write lost.
	for i := range set.Servers {
		var missing []string
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
			var err error
			missing, err = Check(context.Background(), set.Servers[i].URL, crews[0].ClerkToken, writes)
			if err != nil {
				t.Fatalf("server %d: %v", i+1, err)
			}
			if len(missing) == 0 || time.Now().After(deadline) {
				break
			}
		}
		for _, m := range missing {
			t.Errorf("server %d: acknowledged write missing: %s", i+1, m)
		}
	}

	// The restarted server writes the late audit entries beside its
	// start: give it half a minute.
	var out string
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(2 * time.Second) {
		out, err = set.CLI(context.Background(), "", "verify", "--no-store")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("dossier verify: %v\n%s", err, out)
			break
		}
	}

	for _, a := range anomaly {
		t.Errorf("unexpected answer: %s", a)
	}
	// A case read is caught up with the store (cases.readThrough), so the
	// next request of a client never meets a server that has not seen
	// its previous write.
	for _, a := range stale {
		t.Errorf("a server answered as if it had not seen the client's previous write: %s", a)
	}
	var late []Answer
	spread := map[string]int{}
	for _, a := range gateway {
		in := ""
		for _, f := range faults {
			if !a.At.Before(f.at) && a.At.Sub(f.at) <= gatewayWindow {
				in = f.what
			}
		}
		if in == "" {
			late = append(late, a)
			continue
		}
		spread[in]++
	}
	for _, a := range late {
		t.Errorf("502/503 outside the %v after a failure: %s", gatewayWindow, a)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "cluster run: 3 servers behind HAProxy, 4-node MinIO, 8 clients, %v\n", elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "  requests %d, rounds completed %d (%.1f requests/s)\n", requests, rounds, float64(requests)/elapsed.Seconds())
	fmt.Fprintf(&b, "  acknowledged writes %d: %d cases, %d materials, %d decisions, read back through each server directly\n",
		len(writes), kinds["case"], kinds["material"], kinds["decision"])
	dropped := 0
	for _, a := range gateway {
		if a.Status == 0 {
			dropped++
		}
	}
	fmt.Fprintf(&b, "  502/503 or dropped connections: %d (%d dropped)", len(gateway), dropped)
	for _, f := range faults {
		fmt.Fprintf(&b, "; %d after %q (at %v)", spread[f.what], f.what, f.at.Sub(start).Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "\n  answers of a server that had not yet seen the previous write (retried): %d", len(stale))
	for i, a := range stale {
		if i < 5 {
			fmt.Fprintf(&b, "\n    %s", a)
		}
	}
	fmt.Fprintf(&b, "\n  other unexpected answers: %d\n  dossier verify before server 2 restarted: %s\n  after: %s\n",
		len(anomaly), verdictBefore, verdict(err, out))
	t.Log(b.String())
	fmt.Print(b.String())
	if rounds == 0 {
		t.Error("no round of the workflow completed")
	}
}

// failures are the FAIL lines of verify's summary.
func failures(out string) []string {
	var f []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "FAIL ") && len(strings.Fields(l)) > 3 {
			f = append(f, strings.Join(strings.Fields(l)[:4], " "))
		}
	}
	return f
}

func verdict(err error, out string) string {
	if err == nil {
		return "passes"
	}
	return "fails: " + strings.Join(failures(out), "; ")
}

// A case filed on server A and polled on server B directly: how long
// until B shows it, over 200 writes (printed; issue 16 asks for p99 ≤ 1
// s, a figure to read, not a timing assertion).
func TestVisibilityAcrossServers(t *testing.T) {
	_, set := startAll(t, 2)
	crew := addCrews(t, set, "vis", 1)[0]
	lat, err := Visibility(context.Background(), set.Servers[0].URL, set.Servers[1].URL, crew.ClerkToken, 200)
	if err != nil {
		t.Fatal(err)
	}
	p50, p99 := Percentile(lat, 50), Percentile(lat, 99)
	msg := fmt.Sprintf("write on A, read on B: %d writes, p50 %v, p99 %v, max %v", len(lat), p50, p99, Percentile(lat, 100))
	t.Log(msg)
	fmt.Fprintln(os.Stdout, msg)
}
