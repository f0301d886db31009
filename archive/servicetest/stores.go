package servicetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	"dossier/archive/s3store"
	"dossier/archive/service"
	"dossier/archive/storetest"
)

// Backends are the stores the domain tests run on: the embedded one and a
// bucket on a real MinIO server.
var Backends = []string{"disk", "minio"}

// Test actors that tests of several capabilities share.
var (
	Clerk     = archive.Actor{UserID: "u-clerk", Name: "clerk", Roles: []string{archive.RoleClerk}}
	Archivist = archive.Actor{UserID: "u-arch", Name: "archivist", Roles: []string{archive.RoleArchivist}}
)

// StoreSpec says where a test's store lives, so that a second process or
// a reopened store finds the same one.
type StoreSpec struct {
	Kind, Dir                        string
	Endpoint, Access, Secret, Bucket string
}

// NewStoreSpec makes a fresh store of kind "disk", "minio" or
// "minio-cluster": a bucket on the shared four-node distributed MinIO
// (storetest.SharedCluster), reached through its first node; set
// Endpoint to another node's to reach it through that one, as a second
// server would.
func NewStoreSpec(t testing.TB, kind string) StoreSpec {
	sp := StoreSpec{Kind: kind, Dir: t.TempDir()}
	switch kind {
	case "minio":
		m := storetest.SharedMinIO(t)
		sp.Endpoint, sp.Access, sp.Secret, sp.Bucket = m.Endpoint, m.AccessKey, m.SecretKey, storetest.NewBucketName()
	case "minio-cluster":
		c := storetest.SharedCluster(t)
		sp.Endpoint, sp.Access, sp.Secret, sp.Bucket = c.Nodes[0].Endpoint, c.AccessKey, c.SecretKey, storetest.NewBucketName()
	}
	return sp
}

// Open opens the store sp describes.
func (sp StoreSpec) Open(t testing.TB) archive.ObjectStore {
	if sp.Kind == "disk" {
		s, err := diskstore.Open(filepath.Join(sp.Dir, "store"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := s3store.Open(context.Background(), s3store.Config{
		Endpoint: sp.Endpoint, AccessKey: sp.Access, SecretKey: sp.Secret, Bucket: sp.Bucket, TempDir: sp.Dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// OpenDB opens a BoltDB projection, closed when the test ends.
func OpenDB(t testing.TB, path string) *boltdb.DB {
	db, err := boltdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewService is a Service over store with a BoltDB projection at dbPath
// and the audit log (closed when the test ends), but no renderer or
// index. Its events have their audit entries, as `dossier verify` wants.
func NewService(t testing.TB, store archive.ObjectStore, dbPath string) (*service.Service, *boltdb.DB) {
	db := OpenDB(t, dbPath)
	log, err := audit.OpenAuditLog(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	return service.New(service.Options{Store: store, Projection: db, Audit: log}), db
}

// Following is one server of several sharing store: a Service with its
// own BoltDB projection of cases and users at dbPath and the audit log,
// its follower running (the periodic catch-up an hour away, so that only
// the journal brings the other servers' writes) and caught up, until the
// test ends.
func Following(t testing.TB, store archive.ObjectStore, dbPath string) (*service.Service, *boltdb.DB) {
	t.Helper()
	db := OpenDB(t, dbPath)
	log, err := audit.OpenAuditLog(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: log})
	f := svc.NewFollower(nil)
	f.Every = time.Hour
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	select {
	case <-f.Live():
	case <-time.After(30 * time.Second):
		t.Fatal("the follower did not catch up at start")
	}
	if !f.State().Watching {
		t.Fatalf("the follower is not reading the journal: %+v", f.State())
	}
	return svc, db
}
