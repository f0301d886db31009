package s3store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

func wantFull(t *testing.T, what string, err error) {
	t.Helper()
	if archive.ErrorCode(err) != archive.EFULL || !strings.Contains(archive.ErrorMessage(err), "storage is full") {
		t.Fatalf("%s: %v (code %q, message %q), want %s saying the storage is full", what, err, archive.ErrorCode(err), archive.ErrorMessage(err), archive.EFULL)
	}
}

// A MinIO server whose drive fills up refuses writes (XMinioStorageFull,
// 507): the store answers EFULL, and what it acknowledged reads back. The
// drive is a real 40 MiB tmpfs.
func TestFullMinIO(t *testing.T) {
	ctx := context.Background()
	m, err := storetest.StartMinIOOn(storetest.SmallFS(t, 40<<20) + "/data")
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	defer m.Stop()
	s, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string][]byte{}
	sawFull := false
	for i, failed := 0, 0; !sawFull; i++ {
		if i == 100 {
			t.Fatal("100 MiB went into a 40 MiB drive")
		}
		data := make([]byte, 1<<20)
		rand.Read(data)
		info, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{})
		switch archive.ErrorCode(err) {
		case "":
			stored[info.Key] = data
			continue
		case archive.EFULL:
			wantFull(t, "upload", err)
			sawFull = true
		case archive.EUNAVAILABLE:
			// MinIO answers a write that filled the drive with a 400
			// IncompleteBody ("it may be out of space") until its next
			// look at the drive; then XMinioStorageFull.
			if failed++; failed == 20 {
				t.Fatalf("upload to a full drive: %v, never %s", err, archive.EFULL)
			}
			time.Sleep(250 * time.Millisecond)
		default:
			t.Fatalf("upload to a filling drive: %v (code %s), want %s", err, archive.ErrorCode(err), archive.EFULL)
		}
	}
	if err := s.Create(ctx, fmt.Sprintf("cases/c/events/%08d.json", 1), []byte("{}")); err != nil {
		wantFull(t, "create", err)
	}
	for key, data := range stored {
		got, err := archive.ReadAll(ctx, s, key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s after the drive filled: %v", key, err)
		}
	}
}

// Uploads larger than s3store.MemoryLimit are staged in TempDir (in the
// data dir); when that file system is full the upload is EFULL, not the
// client's fault.
func TestFullStagingDir(t *testing.T) {
	m := storetest.SharedMinIO(t)
	s, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: storetest.SmallFS(t, 4<<20)})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, s3store.MemoryLimit+(1<<20))
	_, err = s.PutBlob(context.Background(), bytes.NewReader(data), archive.BlobOptions{})
	wantFull(t, "upload staged on a full disk", err)
	// A smaller one is staged in memory and goes through.
	if _, err := s.PutBlob(context.Background(), bytes.NewReader(data[:1<<20]), archive.BlobOptions{}); err != nil {
		t.Fatal(err)
	}
}
