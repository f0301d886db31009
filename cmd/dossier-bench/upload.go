package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/identity"
	"dossier/archive/service"
	"dossier/archive/users"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"dossier/archive/boltdb"
	dhttp "dossier/archive/http"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// benchUpload compares a material upload through the whole HTTP API
// (multipart, auth, sniffing, hashing, blob put, case event, BoltDB, audit
// entry) with a raw minio-go PutObject of the same bytes on the same
// MinIO.
func benchUpload(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := s3store.Open(ctx, s3store.Config{
		Endpoint: e.minio.Endpoint, AccessKey: e.minio.AccessKey, SecretKey: e.minio.SecretKey,
		Bucket: storetest.NewBucketName(), TempDir: dir,
	})
	if err != nil {
		return err
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		return err
	}
	defer audit.Close()
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
	srv := httptest.NewServer(dhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), dhttp.Config{}).Handler())
	defer srv.Close()
	_, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "bench", Roles: []string{archive.RoleApplicant}}, time.Now())
	if err != nil {
		return err
	}
	const conc = 8
	// One case per worker: uploads to one case are ordered by its lock,
	// which is not what is being measured.
	cases := make(chan string, conc)
	for i := 0; i < conc; i++ {
		id, err := benchCreateCase(srv.URL, token)
		if err != nil {
			return err
		}
		cases <- id
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	upload := func(ctx context.Context, buf []byte) error {
		id := <-cases
		defer func() { cases <- id }()
		// The header overwrites the bytes throughput made unique: make
		// them unique again after it, or every upload of a worker would be
		// the same blob and content addressing would skip the store.
		copy(buf, "%PDF-1.7\n")
		binary.LittleEndian.PutUint64(buf[9:], rand.Uint64())
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("material", "id_card")
		fw, _ := mw.CreateFormFile("file", "scan.pdf")
		fw.Write(buf)
		mw.Close()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/v1/cases/"+id+"/materials", &body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(res.Body)
			return fmt.Errorf("upload: %d %s", res.StatusCode, b)
		}
		io.Copy(io.Discard, res.Body)
		return nil
	}
	var counter atomic.Uint64
	mc, bucket := store.Client(), store.Bucket()
	raw := func(ctx context.Context, buf []byte) error {
		_, err := mc.PutObject(ctx, bucket, fmt.Sprintf("raw/%d", counter.Add(1)), bytes.NewReader(buf), int64(len(buf)), minio.PutObjectOptions{ContentType: "application/pdf"})
		return err
	}
	fmt.Println("material upload: POST /api/v1/cases/{id}/materials (multipart, auth, sniff, hash, blob, event, BoltDB, audit) vs raw minio-go PutObject, same MinIO")
	fmt.Printf("%-8s %5s %14s %14s %7s\n", "size", "conc", "dossier MB/s", "raw MB/s", "ratio")
	for _, size := range []int{256 << 10, 2 << 20} {
		if _, err := throughput(ctx, upload, size, conc, e.duration/4); err != nil {
			return err
		}
		r, o, err := compare(ctx, raw, upload, size, conc, e.duration)
		if err != nil {
			return err
		}
		fmt.Printf("%-8s %5d %14.1f %14.1f %7.2f\n", human(size), conc, o, r, o/r)
	}
	fmt.Println()
	return nil
}

// compare alternates raw and ours twice for d each in all and returns
// their mean throughputs (MB/s).
func compare(ctx context.Context, raw, ours func(context.Context, []byte) error, size, conc int, d time.Duration) (rawMB, ourMB float64, err error) {
	for round := 0; round < 2; round++ {
		r, err := throughput(ctx, raw, size, conc, d/2)
		if err != nil {
			return 0, 0, err
		}
		o, err := throughput(ctx, ours, size, conc, d/2)
		if err != nil {
			return 0, 0, err
		}
		rawMB += r / 2
		ourMB += o / 2
	}
	return rawMB, ourMB, nil
}

func benchCreateCase(url, token string) (string, error) {
	id, err := identity.IDCheckChar("11010519800101001")
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{"business_type": "pension_claim",
		"applicant": map[string]any{"name": "测试", "id_number": "11010519800101001" + string(id)}})
	req, _ := http.NewRequest("POST", url+"/api/v1/cases", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create case: %d %v", res.StatusCode, err)
	}
	return out.ID, nil
}
