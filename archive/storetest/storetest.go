// Package storetest is the conformance suite every archive.ObjectStore back
// end passes, and the harness that runs a real MinIO server for tests.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"dossier/archive"
)

// Test runs the suite. newStore returns an empty store for each subtest.
func Test(t *testing.T, newStore func(t *testing.T) archive.ObjectStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s archive.ObjectStore)
	}{
		{"BlobRoundTrip", testBlobRoundTrip},
		{"BlobIdempotent", testBlobIdempotent},
		{"BlobExpectedHash", testBlobExpectedHash},
		{"BlobTooLarge", testBlobTooLarge},
		{"BlobLarge", testBlobLarge},
		{"BlobReaderFails", testBlobReaderFails},
		{"BlobBadOptions", testBlobBadOptions},
		{"CreateOnce", testCreateOnce},
		{"CreateRace", testCreateRace},
		{"BadKeys", testBadKeys},
		{"NotFound", testNotFound},
		{"ListOrderAndPages", testList},
		{"Delete", testDelete},
		{"Ping", testPing},
		{"Cancelled", testCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func content(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := archive.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func get(t *testing.T, s archive.ObjectStore, key string) []byte {
	t.Helper()
	b, err := archive.ReadAll(context.Background(), s, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

// keys lists every key in the store.
func keys(t *testing.T, s archive.ObjectStore, prefix string) []string {
	t.Helper()
	var ks []string
	if err := s.Walk(context.Background(), prefix, func(oi archive.ObjectInfo) error {
		ks = append(ks, oi.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ks
}

func testBlobRoundTrip(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	data := content(4096, 1)
	info, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != sum(data) || info.Size != int64(len(data)) || info.Key != "blobs/sha256/"+sum(data) || info.Existed {
		t.Fatalf("info = %+v", info)
	}
	if got := get(t, s, info.Key); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	st, err := s.Stat(ctx, info.Key)
	if err != nil || st.Size != int64(len(data)) || st.Key != info.Key {
		t.Fatalf("stat = %+v, %v", st, err)
	}
	// Empty content is a valid blob too.
	info, err = s.PutBlob(ctx, bytes.NewReader(nil), archive.BlobOptions{})
	if err != nil || info.Size != 0 || info.SHA256 != sum(nil) {
		t.Fatalf("empty blob: %+v, %v", info, err)
	}
}

func testBlobIdempotent(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	data := content(1000, 2)
	a, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ExpectedSHA256: sum(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Existed || b.Key != a.Key || b.Size != a.Size {
		t.Fatalf("second put = %+v, want Existed with the same key", b)
	}
	if ks := keys(t, s, ""); len(ks) != 1 {
		t.Fatalf("store holds %v, want one blob", ks)
	}
}

func testBlobExpectedHash(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	data := content(5000, 3)
	_, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ExpectedSHA256: sum([]byte("other"))})
	mustCode(t, err, archive.EINVALID)
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("a rejected blob left %v behind", ks)
	}
	info, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ExpectedSHA256: sum(data)})
	if err != nil || info.SHA256 != sum(data) {
		t.Fatalf("matching hash: %+v, %v", info, err)
	}
}

func testBlobTooLarge(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	data := content(10001, 4)
	_, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{MaxSize: 10000})
	mustCode(t, err, archive.ETOOLARGE)
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("a too large blob left %v behind", ks)
	}
	// Exactly at the limit is accepted.
	if _, err := s.PutBlob(ctx, bytes.NewReader(data[:10000]), archive.BlobOptions{MaxSize: 10000}); err != nil {
		t.Fatal(err)
	}
}

func testBlobLarge(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	data := content(9<<20+17, 5) // larger than the S3 store's memory staging
	info, err := s.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ExpectedSHA256: sum(data)})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, info.Key); !bytes.Equal(got, data) {
		t.Fatal("large content differs")
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset by client")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	f.n -= len(p)
	return len(p), nil
}

func testBlobReaderFails(t *testing.T, s archive.ObjectStore) {
	_, err := s.PutBlob(context.Background(), &failingReader{n: 3000}, archive.BlobOptions{})
	// The client's fault, told apart from the store's (EFULL, EUNAVAILABLE).
	mustCode(t, err, archive.EINVALID)
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("a failed upload left %v behind", ks)
	}
}

func testBlobBadOptions(t *testing.T, s archive.ObjectStore) {
	_, err := s.PutBlob(context.Background(), strings.NewReader("x"), archive.BlobOptions{ExpectedSHA256: "../../etc/passwd"})
	mustCode(t, err, archive.EINVALID)
}

func testCreateOnce(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	key := "cases/c1/events/00000001.json"
	if err := s.Create(ctx, key, []byte(`{"seq":1}`)); err != nil {
		t.Fatal(err)
	}
	mustCode(t, s.Create(ctx, key, []byte(`{"seq":1,"other":true}`)), archive.ECONFLICT)
	if got := get(t, s, key); string(got) != `{"seq":1}` {
		t.Fatalf("create overwrote: %s", got)
	}
}

func testCreateRace(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	const writers = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := s.Create(ctx, "race/key", []byte(fmt.Sprint(i)))
			mu.Lock()
			defer mu.Unlock()
			switch archive.ErrorCode(err) {
			case "":
				won++
			case archive.ECONFLICT:
				lost++
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if won != 1 || lost != writers-1 {
		t.Fatalf("won %d, lost %d; want exactly one winner", won, lost)
	}
}

func testBadKeys(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	for _, k := range []string{"", "/abs", "../up", "a/../b", "a//b", "a/", "nul\x00byte", "back\\slash", "sp ace", strings.Repeat("k", 600)} {
		mustCode(t, s.Create(ctx, k, []byte("x")), archive.EINVALID)
		_, _, err := s.Get(ctx, k)
		mustCode(t, err, archive.EINVALID)
	}
}

func testNotFound(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	_, _, err := s.Get(ctx, "no/such/key")
	mustCode(t, err, archive.ENOTFOUND)
	_, err = s.Stat(ctx, "no/such/key")
	mustCode(t, err, archive.ENOTFOUND)
	_, err = s.Stat(ctx, "no")
	mustCode(t, err, archive.ENOTFOUND)
}

func testList(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	// No key is both an object and a "directory" of others: S3 back ends
	// such as MinIO's cannot hold that, and dossier never writes it.
	all := []string{"p/a-b", "p/a/c", "p/a/d/e", "p/b", "p/b0", "p/c/x", "q/z", "p-sibling", "p/a.txt"}
	for _, k := range all {
		if err := s.Create(ctx, k, []byte(k)); err != nil {
			t.Fatalf("create %s: %v", k, err)
		}
	}
	want := []string{"p/a-b", "p/a.txt", "p/a/c", "p/a/d/e", "p/b", "p/b0", "p/c/x"}
	if got := keys(t, s, "p/"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("walk p/ = %v, want %v", got, want)
	}
	sorted := append([]string(nil), all...)
	sort.Strings(sorted)
	if got := keys(t, s, ""); strings.Join(got, ",") != strings.Join(sorted, ",") {
		t.Fatalf("walk all = %v, want %v", got, sorted)
	}
	// A prefix that ends inside a segment.
	if got := keys(t, s, "p/a"); strings.Join(got, ",") != "p/a-b,p/a.txt,p/a/c,p/a/d/e" {
		t.Fatalf("walk p/a = %v", got)
	}
	for _, limit := range []int{1, 2, 3, 7, 100} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			page, err := s.List(ctx, "p/", after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Objects) > limit {
				t.Fatalf("page of %d with limit %d", len(page.Objects), limit)
			}
			for _, o := range page.Objects {
				got = append(got, o.Key)
				if o.Size != int64(len(o.Key)) {
					t.Fatalf("%s size %d", o.Key, o.Size)
				}
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("limit %d: pages = %v, want %v", limit, got, want)
		}
	}
	page, err := s.List(ctx, "p/", "p/a/c", 2)
	if err != nil || len(page.Objects) != 2 || page.Objects[0].Key != "p/a/d/e" || page.Objects[1].Key != "p/b" {
		t.Fatalf("list after p/a/c = %+v, %v", page, err)
	}
	page, err = s.List(ctx, "none/", "", 10)
	if err != nil || len(page.Objects) != 0 || page.Next != "" {
		t.Fatalf("empty list = %+v, %v", page, err)
	}
}

func testDelete(t *testing.T, s archive.ObjectStore) {
	ctx := context.Background()
	if err := s.Create(ctx, "d/one", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "d/one")
	mustCode(t, err, archive.ENOTFOUND)
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	// The key can be created again after a delete.
	if err := s.Create(ctx, "d/one", []byte("2")); err != nil {
		t.Fatal(err)
	}
}

func testPing(t *testing.T, s archive.ObjectStore) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func testCancelled(t *testing.T, s archive.ObjectStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.PutBlob(ctx, io.LimitReader(bytes.NewReader(content(100000, 6)), 100000), archive.BlobOptions{})
	if err == nil {
		t.Fatal("a put with a cancelled context succeeded")
	}
	if err := s.Create(ctx, "cancelled/key", []byte("x")); err == nil {
		t.Fatal("a create with a cancelled context succeeded")
	}
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("cancelled writes left %v", ks)
	}
}
