package s3store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// A frozen server (SIGSTOP: the kernel still accepts connections, nothing
// answers) makes every call of the store fail within its timeout, as
// EUNAVAILABLE saying the store is not answering within it; a download
// that was streaming stops the same way. Once the server resumes, the
// store works again. Before calls had deadlines, each hung for good.
func TestFrozenServer(t *testing.T) {
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	defer m.Stop()
	const limit = 2 * time.Second
	ctx := context.Background()
	s, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: t.TempDir(), Timeout: limit})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 32<<20)
	rand.Read(big)
	info, err := s.PutBlob(ctx, bytes.NewReader(big), archive.BlobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "k/one", []byte("1")); err != nil {
		t.Fatal(err)
	}
	stream, _, err := s.Get(ctx, info.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := io.ReadFull(stream, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	defer m.Thaw() // before Stop, which runs later
	// A bound on a hang, generous for a loaded machine: not a speed test.
	const bound = 15 * time.Second
	for _, c := range []struct {
		name string
		call func() error
		want string
	}{
		{"ping", func() error { return s.Ping(ctx) }, "not answering within 2s"},
		{"create", func() error { return s.Create(ctx, "k/two", []byte("2")) }, "not answering within 2s"},
		{"put", func() error {
			_, err := s.PutBlob(ctx, strings.NewReader("small"), archive.BlobOptions{})
			return err
		}, "not answering within 2s"},
		{"put staged", func() error {
			_, err := s.PutBlob(ctx, bytes.NewReader(big[:s3store.MemoryLimit+1]), archive.BlobOptions{})
			return err
		}, "not answering within 2s"},
		{"stat", func() error { _, err := s.Stat(ctx, "k/one"); return err }, "not answering within 2s"},
		{"get", func() error { _, err := archive.ReadAll(ctx, s, "k/one"); return err }, "not answering within 2s"},
		{"list", func() error { _, err := s.List(ctx, "k/", "", 10); return err }, "not answering within 2s"},
		{"walk", func() error { return s.Walk(ctx, "", func(archive.ObjectInfo) error { return nil }) }, "not answering within 2s"},
		{"delete", func() error { return s.Delete(ctx, "k/one") }, "not answering within 2s"},
		{"streaming download", func() error { _, err := io.Copy(io.Discard, stream); return err }, "not answering within 2s"},
		{"caller's shorter deadline", func() error {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			return s.Create(ctx, "k/three", []byte("3"))
		}, "not answering within 1s"},
	} {
		start := time.Now()
		err := c.call()
		took := time.Since(start)
		if took > bound {
			t.Errorf("%s on a frozen server took %v", c.name, took)
		}
		if archive.ErrorCode(err) != archive.EUNAVAILABLE || !strings.Contains(archive.ErrorMessage(err), c.want) {
			t.Errorf("%s on a frozen server: %v (message %q), want %s saying %q", c.name, err, archive.ErrorMessage(err), archive.EUNAVAILABLE, c.want)
		}
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the server resumed: %v", err)
	}
	if err := s.Create(ctx, "k/four", []byte("4")); err != nil {
		t.Fatalf("create after the server resumed: %v", err)
	}
}
