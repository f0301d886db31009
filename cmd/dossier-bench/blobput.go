package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"dossier/archive"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// benchBlobPut compares archive's content-addressed PutBlob on the S3
// store with raw minio-go PutObject of the same bytes on the same server.
func benchBlobPut(ctx context.Context, e *env) error {
	tmp, err := os.MkdirTemp("", "dossier-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	store, err := s3store.Open(ctx, s3store.Config{
		Endpoint: e.minio.Endpoint, AccessKey: e.minio.AccessKey, SecretKey: e.minio.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: tmp,
	})
	if err != nil {
		return err
	}
	client, bucket := store.Client(), store.Bucket()
	fmt.Println("blob put: dossier PutBlob (hash while staging, conditional PUT) vs raw minio-go PutObject, same MinIO")
	fmt.Printf("%-8s %5s %14s %14s %7s\n", "size", "conc", "dossier MB/s", "raw MB/s", "ratio")
	for _, size := range []int{4 << 10, 256 << 10, 2 << 20} {
		for _, conc := range []int{1, 8} {
			var counter atomic.Uint64
			raw := func(ctx context.Context, buf []byte) error {
				key := fmt.Sprintf("raw/%d", counter.Add(1))
				_, err := client.PutObject(ctx, bucket, key, bytes.NewReader(buf), int64(len(buf)), minio.PutObjectOptions{ContentType: "application/octet-stream"})
				return err
			}
			ours := func(ctx context.Context, buf []byte) error {
				_, err := store.PutBlob(ctx, bytes.NewReader(buf), archive.BlobOptions{ContentType: "application/octet-stream"})
				return err
			}
			// Warm both paths, then alternate so drift hits both sides.
			if _, err := throughput(ctx, raw, size, conc, e.duration/4); err != nil {
				return err
			}
			rawMB, ourMB, err := compare(ctx, raw, ours, size, conc, e.duration)
			if err != nil {
				return err
			}
			fmt.Printf("%-8s %5d %14.1f %14.1f %7.2f\n", human(size), conc, ourMB, rawMB, ourMB/rawMB)
		}
	}
	fmt.Println()
	return nil
}

// throughput runs op with conc workers for d, each call on fresh content
// (unique bytes, so content addressing never turns a put into a no-op),
// and returns MB/s.
func throughput(ctx context.Context, op func(context.Context, []byte) error, size, conc int, d time.Duration) (float64, error) {
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, size)
			for i := range buf {
				buf[i] = byte(rand.Uint32())
			}
			for time.Now().Before(deadline) {
				binary.LittleEndian.PutUint64(buf, rand.Uint64())
				if err := op(ctx, buf); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				total.Add(int64(size))
			}
		}()
	}
	wg.Wait()
	return float64(total.Load()) / 1e6 / time.Since(start).Seconds(), firstErr
}

func human(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
