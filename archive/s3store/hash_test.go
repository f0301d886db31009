package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"dossier/archive"
	"dossier/archive/storetest"
)

// The payload hash signs the upload: bytes that do not match it (damaged
// on the way) are refused by the server and nothing is stored.
func TestServerChecksPayloadHash(t *testing.T) {
	m := storetest.SharedMinIO(t)
	ctx := context.Background()
	s, err := Open(ctx, Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: storetest.NewBucketName(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	good := []byte("the content the hash was computed over")
	sum := sha256.Sum256(good)
	hexSum := hex.EncodeToString(sum[:])
	damaged := bytes.Clone(good)
	damaged[3] ^= 1
	err = s.putHashed(ctx, archive.BlobKey(hexSum), bytes.NewReader(damaged), int64(len(damaged)), "text/plain", hexSum)
	if archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("damaged payload: %v", err)
	}
	if _, err := s.Stat(ctx, archive.BlobKey(hexSum)); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Fatalf("damaged payload was stored: %v", err)
	}
	if err := s.putHashed(ctx, archive.BlobKey(hexSum), bytes.NewReader(good), int64(len(good)), "text/plain", hexSum); err != nil {
		t.Fatal(err)
	}
}
