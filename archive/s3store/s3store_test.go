package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func open(t testing.TB) *s3store.Store {
	m := storetest.SharedMinIO(t)
	s, err := s3store.Open(context.Background(), s3store.Config{
		Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), Region: "us-east-1", TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Test(t, func(t *testing.T) archive.ObjectStore { return open(t) })
}

// A store whose server is gone answers unavailable, never anything that
// could be mistaken for success or for the client's fault.
func TestUnreachable(t *testing.T) {
	port, err := storetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = s3store.Open(ctx, s3store.Config{
		Endpoint: fmt.Sprintf("127.0.0.1:%d", port), AccessKey: "x", SecretKey: "yyyyyyyy", Bucket: "bucket",
	})
	if archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("open unreachable: %v", err)
	}
}

func TestStoppedServer(t *testing.T) {
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	s, err := s3store.Open(context.Background(), s3store.Config{
		Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: storetest.NewBucketName(), TempDir: t.TempDir(),
	})
	if err != nil {
		m.Stop()
		t.Fatal(err)
	}
	m.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, err := range map[string]error{
		"ping":   s.Ping(ctx),
		"create": s.Create(ctx, "k", []byte("x")),
		"put": func() error {
			_, err := s.PutBlob(ctx, bytes.NewReader([]byte("x")), archive.BlobOptions{})
			return err
		}(),
	} {
		if archive.ErrorCode(err) != archive.EUNAVAILABLE {
			t.Errorf("%s on a stopped server: %v", name, err)
		}
	}
}
