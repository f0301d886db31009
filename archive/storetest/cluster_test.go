package storetest_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The S3 store passes the whole suite on a distributed MinIO too.
func TestClusterConformance(t *testing.T) {
	storetest.Test(t, func(t *testing.T) archive.ObjectStore {
		return servicetest.NewStoreSpec(t, "minio-cluster").Open(t)
	})
}

// The node the test kills; the stores on the other nodes keep working.
const victim = 3

// A node of the cluster dies with SIGKILL while writes go on through the
// others: every write a store acknowledged, before, during and after, is
// readable through every node once the dead one is back, conditional
// creates still let exactly one writer win, and the node that was down
// does not accept a create of a key written while it was away.
func TestClusterNodeKilled(t *testing.T) {
	c := storetest.SharedCluster(t)
	t.Cleanup(func() {
		if !c.Running(victim) {
			if err := c.Restart(victim); err != nil {
				t.Errorf("restart node %d for the next test: %v", victim, err)
			}
		}
	})
	ctx := storetest.WaitCtx(t)
	sp := servicetest.NewStoreSpec(t, "minio-cluster")
	// One store per node, as several dossier servers would each reach
	// the bucket through a node of their own.
	stores := make([]archive.ObjectStore, len(c.Nodes))
	for i, n := range c.Nodes {
		nsp := sp
		nsp.Endpoint = n.Endpoint
		nsp.Dir = t.TempDir()
		stores[i] = nsp.Open(t)
	}
	survivors := stores[:victim]

	var mu sync.Mutex
	acked := map[string][]byte{} // every write a store said it made
	ack := func(key string, data []byte) {
		mu.Lock()
		defer mu.Unlock()
		acked[key] = data
	}
	create := func(s archive.ObjectStore, key string) error {
		data := []byte(fmt.Sprintf(`{"key":%q,"name":"𠮷野 😀"}`, key))
		err := s.Create(ctx, key, data)
		if err == nil {
			ack(key, data)
		}
		return err
	}

	for i := 0; i < 20; i++ {
		if err := create(stores[i%len(stores)], fmt.Sprintf("ack/before/%04d", i)); err != nil {
			t.Fatalf("write %d with every node up: %v", i, err)
		}
	}
	race(t, ctx, stores, "race/before")

	// A writer keeps creating through the survivors while the victim is
	// killed; a write in flight then may fail, but none that succeeded
	// may be lost.
	var written atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	var failed []error
	go func() {
		defer close(writerDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if ctx.Err() != nil {
				return
			}
			if err := create(survivors[i%len(survivors)], fmt.Sprintf("ack/during/%06d", i)); err != nil {
				failed = append(failed, err)
				continue
			}
			written.Add(1)
		}
	}()
	waitWritten := func(n int64) {
		t.Helper()
		for written.Load() < n {
			if ctx.Err() != nil {
				close(stop)
				<-writerDone
				if len(failed) > 5 {
					failed = failed[:5]
				}
				t.Fatalf("the writer made %d of %d writes before the deadline; first failures: %v", written.Load(), n, failed)
			}
			select {
			case <-writerDone:
				t.Fatalf("the writer stopped after %d writes", written.Load())
			default:
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitWritten(10)
	if err := c.Kill(victim); err != nil {
		close(stop)
		<-writerDone
		t.Fatal(err)
	}
	atKill := written.Load()
	waitWritten(atKill + 30)
	close(stop)
	<-writerDone
	t.Logf("%d writes around the kill (%d after it), %d failed: %v", written.Load(), written.Load()-atKill, len(failed), failed)

	// The store on the dead node says so, as unavailable.
	if err := stores[victim].Ping(ctx); archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("ping through the killed node = %v, want %s", err, archive.EUNAVAILABLE)
	}
	// With the node down, every write goes through: small objects, a
	// blob of a megabyte, and If-None-Match.
	for i := 0; i < 20; i++ {
		if err := create(survivors[i%len(survivors)], fmt.Sprintf("ack/down/%04d", i)); err != nil {
			t.Fatalf("write %d with node %d down: %v", i, victim, err)
		}
	}
	blob := bytes.Repeat([]byte("失业保险金 𠮷 "), 1<<20/19+1)
	info, err := survivors[1].PutBlob(ctx, bytes.NewReader(blob), archive.BlobOptions{})
	if err != nil {
		t.Fatalf("blob with node %d down: %v", victim, err)
	}
	ack(info.Key, blob)
	for i := range survivors {
		if err := survivors[i].Create(ctx, "ack/before/0000", []byte("overwrite")); archive.ErrorCode(err) != archive.ECONFLICT {
			t.Fatalf("create of an existing key through node %d with node %d down = %v, want %s", i, victim, err, archive.ECONFLICT)
		}
	}
	race(t, ctx, survivors, "race/down")
	readAll(t, ctx, survivors, acked)

	if err := c.Restart(victim); err != nil {
		t.Fatal(err)
	}
	// The node that missed the writes reads them (from the others'
	// shards) and refuses to create over them — once it sees its peers
	// again: just after a restart, while it reconnects, MinIO can answer
	// not found for an object written while it was down (seen on a
	// loaded machine, even after /minio/health/cluster/read said yes).
	start := time.Now()
	for key := range acked {
		for {
			_, err := archive.ReadAll(ctx, stores[victim], key)
			if err == nil {
				break
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the restarted node %d still cannot read %s after 30 s: %v", victim, key, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("the restarted node read everything written while it was down %s after it said it was ready", time.Since(start).Round(time.Millisecond))
	readAll(t, ctx, stores, acked)
	for _, key := range []string{"ack/down/0007", "race/down", info.Key} {
		if err := stores[victim].Create(ctx, key, []byte("overwrite")); archive.ErrorCode(err) != archive.ECONFLICT {
			t.Fatalf("create through the restarted node of %s, written while it was down = %v, want %s", key, err, archive.ECONFLICT)
		}
	}
	race(t, ctx, stores, "race/after")
	for i := 0; i < 20; i++ {
		if err := create(stores[i%len(stores)], fmt.Sprintf("ack/after/%04d", i)); err != nil {
			t.Fatalf("write %d after the restart: %v", i, err)
		}
	}
	readAll(t, ctx, stores, acked)
}

// race has a writer per store (two per store) create key at once: exactly
// one wins, the others get ECONFLICT, and every store reads the winner's.
func race(t *testing.T, ctx context.Context, stores []archive.ObjectStore, key string) {
	t.Helper()
	const perStore = 2
	var wg sync.WaitGroup
	errs := make([]error, len(stores)*perStore)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = stores[i%len(stores)].Create(ctx, key, []byte(fmt.Sprint(i)))
		}(i)
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch archive.ErrorCode(err) {
		case "":
			if winner >= 0 {
				t.Fatalf("%s: writers %d and %d both created it", key, winner, i)
			}
			winner = i
		case archive.ECONFLICT:
		default:
			t.Fatalf("%s: writer %d: %v", key, i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: no writer won: %v", key, errs)
	}
	for i, s := range stores {
		got, err := archive.ReadAll(ctx, s, key)
		if err != nil || string(got) != fmt.Sprint(winner) {
			t.Fatalf("%s through store %d = %q, %v; want the winner's %d", key, i, got, err, winner)
		}
	}
}

// readAll reads every acknowledged write through every store, and finds
// every key in each store's listing.
func readAll(t *testing.T, ctx context.Context, stores []archive.ObjectStore, acked map[string][]byte) {
	t.Helper()
	for i, s := range stores {
		listed := map[string]bool{}
		if err := s.Walk(ctx, "", func(oi archive.ObjectInfo) error {
			listed[oi.Key] = true
			return nil
		}); err != nil {
			t.Fatalf("walk through store %d: %v", i, err)
		}
		for key, want := range acked {
			got, err := archive.ReadAll(ctx, s, key)
			if err != nil {
				t.Fatalf("acknowledged %s through store %d: %v", key, i, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("acknowledged %s through store %d: %d bytes differ from the %d written", key, i, len(got), len(want))
			}
			if !listed[key] {
				t.Fatalf("acknowledged %s is missing from store %d's listing", key, i)
			}
		}
	}
}
