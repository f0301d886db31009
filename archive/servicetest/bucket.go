package servicetest

import (
	"context"
	"testing"

	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// OpenBucket opens a fresh bucket on the shared MinIO, with Object Lock
// when lock is set, retaining in mode.
func OpenBucket(t *testing.T, lock bool, mode string) *s3store.Store {
	t.Helper()
	m := storetest.SharedMinIO(t)
	s, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: t.TempDir(), ObjectLock: lock, WORMMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
