package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"dossier/archive/storetest"
	"dossier/cmd/dossier/clustertest"
)

// clusterClients is how many clients drive the workflow mix, as in the
// cluster test.
const clusterClients = 8

// benchCluster runs the workflow mix of the cluster test (web sign-in,
// pages, filing, two uploads, acceptance and three reviews by four users,
// sign-out; clustertest.Client.Round) through HAProxy in front of one
// and then three real dossier servers on the same MinIO, and prints the
// throughput of each and their ratio; then the write-on-A read-on-B
// visibility latency between two of the three servers.
func benchCluster(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-cluster-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := clustertest.Build(dir)
	if err != nil {
		return err
	}
	// Long enough for a few dozen rounds of eight clients.
	run := max(5*e.duration, 15*time.Second)
	fmt.Printf("workflow mix through HAProxy (%d clients, %v each; sign-in, pages, case, 2 uploads, 4 decisions, sign-out), dossier servers on one MinIO\n", clusterClients, run)
	fmt.Printf("%-8s %12s %10s %8s %8s %8s\n", "servers", "requests/s", "rounds/s", "502/503", "stale", "other")
	var one float64
	var three *clustertest.Set
	for _, n := range []int{1, 3} {
		eps := make([]string, n)
		for i := range eps {
			eps[i] = e.minio.Endpoint
		}
		st := clustertest.Store{AccessKey: e.minio.AccessKey, SecretKey: e.minio.SecretKey, Bucket: storetest.NewBucketName()}
		set, err := clustertest.StartSet(bin, filepath.Join(dir, fmt.Sprint(n)), st, eps)
		if err != nil {
			return err
		}
		rps, err := clusterMix(ctx, set, n, run)
		if err != nil {
			set.Stop()
			return err
		}
		if n == 1 {
			one = rps
			set.Stop()
			continue
		}
		three = set
		fmt.Printf("ratio 3 servers / 1 server: %.2f\n", rps/one)
	}
	defer three.Stop()
	crew, err := three.AddCrew(ctx, "vis", 0)
	if err != nil {
		return err
	}
	lat, err := clustertest.Visibility(ctx, three.Servers[0].URL, three.Servers[1].URL, crew.ClerkToken, 200)
	if err != nil {
		return err
	}
	fmt.Printf("visibility, a case filed on server A read on server B (GET, polled every 2 ms), %d writes: p50 %v, p99 %v\n",
		len(lat), clustertest.Percentile(lat, 50).Round(time.Millisecond), clustertest.Percentile(lat, 99).Round(time.Millisecond))
	return nil
}

// clusterMix runs clusterClients clients for d through set's balancer,
// prints one line and returns the requests per second. Errors: a client
// failed, or the servers answered something unexpected.
func clusterMix(ctx context.Context, set *clustertest.Set, n int, d time.Duration) (float64, error) {
	crews := make([]clustertest.Crew, clusterClients)
	for i := range crews {
		var err error
		if crews[i], err = set.AddCrew(ctx, "", i); err != nil {
			return 0, err
		}
	}
	log := &clustertest.Log{}
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(crews))
	for i, crew := range crews {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clustertest.NewClient(set.Proxy.URL, i, crew, log)
			for rctx.Err() == nil {
				if err := c.Round(rctx); err != nil && rctx.Err() == nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		return 0, err
	}
	requests, rounds, _, gateway, anomaly, stale := log.Snapshot()
	rps := float64(requests) / elapsed.Seconds()
	fmt.Printf("%-8d %12.1f %10.2f %8d %8d %8d\n", n, rps, float64(rounds)/elapsed.Seconds(), len(gateway), len(stale), len(anomaly))
	if len(anomaly) > 0 {
		return 0, fmt.Errorf("%d servers: unexpected answer: %s", n, anomaly[0])
	}
	return rps, nil
}
