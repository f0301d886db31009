package diskstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/diskstore"
	"dossier/archive/storetest"
)

// A store on a file system that fills up answers EFULL ("the server's
// storage is full, so nothing was stored"), never the client's EINVALID;
// what it had stored stays intact, nothing half-written is left behind,
// and once space is freed it stores again. The file system is a real 4
// MiB tmpfs.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	root := storetest.SmallFS(t, 4<<20)
	s, err := diskstore.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string][]byte{}
	var full error
	for i := 0; i < 100 && full == nil; i++ {
		data := make([]byte, 300<<10)
		rand.Read(data)
		info, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{MaxSize: 1 << 20})
		if err != nil {
			full = err
			break
		}
		stored[info.Key] = data
	}
	if full == nil {
		t.Fatal("30 MB went into a 4 MiB file system")
	}
	wantFull(t, "upload", full)
	if len(stored) < 5 {
		t.Fatalf("only %d uploads of 300 KiB fit into 4 MiB", len(stored))
	}
	// Small objects (events, audit segments) fill the rest.
	var created []string
	for i := 0; ; i++ {
		if i == 100000 {
			t.Fatal("creates never filled the file system")
		}
		key := fmt.Sprintf("cases/c/events/%08d.json", i+1)
		if err := s.Create(ctx, key, bytes.Repeat([]byte("x"), 2000)); err != nil {
			wantFull(t, "create", err)
			break
		}
		created = append(created, key)
	}
	// The failure above may be for want of inodes as well as blocks; an
	// upload fails the same way now.
	_, err = s.PutBlob(ctx, bytes.NewReader(make([]byte, 64<<10)), archive.BlobOptions{})
	wantFull(t, "upload on a full disk", err)
	// A client that breaks off is still the client's fault.
	_, err = s.PutBlob(ctx, &brokenReader{}, archive.BlobOptions{})
	if archive.ErrorCode(err) != archive.EINVALID && archive.ErrorCode(err) != archive.EFULL {
		t.Fatalf("broken client on a full disk: %v", err)
	}
	for key, data := range stored {
		got, err := archive.ReadAll(ctx, s, key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s after the disk filled: %v", key, err)
		}
	}
	staged, _ := os.ReadDir(filepath.Join(root, "tmp"))
	if len(staged) != 0 {
		t.Fatalf("failed writes left %d staging files", len(staged))
	}
	var n int
	if err := s.Walk(ctx, "", func(oi archive.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(stored)+len(created) {
		t.Fatalf("store lists %d objects, %d were acknowledged", n, len(stored)+len(created))
	}
	// Space freed: it stores again.
	for key := range stored {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutBlob(ctx, bytes.NewReader(make([]byte, 300<<10)), archive.BlobOptions{}); err != nil {
		t.Fatalf("upload after space was freed: %v", err)
	}
}

func wantFull(t *testing.T, what string, err error) {
	t.Helper()
	if archive.ErrorCode(err) != archive.EFULL || !strings.Contains(archive.ErrorMessage(err), "storage is full") {
		t.Fatalf("%s: %v (code %q, message %q), want %s saying the storage is full", what, err, archive.ErrorCode(err), archive.ErrorMessage(err), archive.EFULL)
	}
}

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }
