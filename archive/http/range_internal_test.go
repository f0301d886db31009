package http

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"dossier/archive"
)

// A range longer than what is kept in memory waits in a temp file that
// is gone from the directory at once; of a content that fails its check
// at the end, or is shorter than its record, nothing is returned.
func TestReadRange(t *testing.T) {
	s := &Server{tmp: t.TempDir()}
	content := bytes.Repeat([]byte("0123456789"), 300_000)
	for _, n := range []int64{1, rangeInMemory, rangeInMemory + 1, 2 << 20} {
		part, err := s.readRange(iotest.HalfReader(bytes.NewReader(content)), 100, n)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if entries, _ := os.ReadDir(s.tmp); len(entries) != 0 {
			t.Fatalf("%d bytes: %d files left in the temp dir", n, len(entries))
		}
		got, err := io.ReadAll(part)
		part.Close()
		if err != nil || !bytes.Equal(got, content[100:100+n]) {
			t.Fatalf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
	damaged := archive.Errorf(archive.EINTERNAL, "the stored content does not match its recorded SHA-256")
	for _, n := range []int64{10, 2 << 20} {
		_, err := s.readRange(io.MultiReader(bytes.NewReader(content), iotest.ErrReader(damaged)), 0, n)
		if err != damaged {
			t.Fatalf("%d bytes of a damaged content: %v", n, err)
		}
	}
	if _, err := s.readRange(bytes.NewReader(content[:50]), 100, 10); archive.ErrorCode(err) != archive.EINTERNAL {
		t.Fatalf("a content shorter than its record: %v", err)
	}
	s.tmp = filepath.Join(s.tmp, "missing")
	if _, err := s.readRange(bytes.NewReader(content), 0, 2<<20); archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("no temp dir: %v", err)
	}
}
