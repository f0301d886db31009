package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/minio/minio-go/v7"

	"dossier/archive/boltdb"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

// benchVerify archives 1 GiB of materials on MinIO (64 cases × 16 MiB)
// and times `dossier verify` (archive.Verify) over it next to a raw
// sequential read of the same objects with minio-go in the same run, in
// alternating rounds.
func benchVerify(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-verify-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := s3store.Open(ctx, s3store.Config{Endpoint: e.minio.Endpoint, AccessKey: e.minio.AccessKey,
		SecretKey: e.minio.SecretKey, Bucket: storetest.NewBucketName(), TempDir: dir})
	if err != nil {
		return err
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, MaxUpload: 32 << 20})
	clerk := archive.Actor{UserID: "c1", Roles: []string{archive.RoleClerk}}
	archivist := archive.Actor{UserID: "a1", Roles: []string{archive.RoleArchivist}}
	const nCases, size = 64, 16 << 20
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(rand.Uint32())
	}
	copy(buf, "%PDF-1.7\n")
	trailer := "\nstartxref\n0\n%%EOF\n" // so the usability check opens it as a PDF
	copy(buf[len(buf)-len(trailer):], trailer)
	var keys []string
	for i := 0; i < nCases; i++ {
		v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(buf[16:], uint64(i))
		m, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "scan.pdf", bytes.NewReader(buf))
		if err != nil {
			return err
		}
		keys = append(keys, archive.BlobKey(m.SHA256))
		if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "测试"}); err != nil {
			return err
		}
		if _, err := svc.ArchiveCase(ctx, archivist, v.ID); err != nil {
			return err
		}
	}
	verify := func() (time.Duration, *fixity.FixityReport, error) {
		start := time.Now()
		rep, err := fixity.Verify(ctx, store, nil)
		if err != nil {
			return 0, nil, err
		}
		if rep.Failures() > 0 {
			return 0, nil, fmt.Errorf("verify found %d problems in an untouched store: %+v", rep.Failures(), rep.Problems)
		}
		return time.Since(start), rep, nil
	}
	var rawBytes int64
	rawRead := func() (time.Duration, error) {
		start := time.Now()
		rawBytes = 0
		for _, k := range keys {
			obj, err := store.Client().GetObject(ctx, store.Bucket(), k, minio.GetObjectOptions{})
			if err != nil {
				return 0, err
			}
			n, err := io.Copy(io.Discard, obj)
			obj.Close()
			if err != nil {
				return 0, err
			}
			rawBytes += n
		}
		return time.Since(start), nil
	}
	// Rounds alternate which side goes first; each side's median is
	// compared, so a burst of load from elsewhere on the machine or a
	// cache warmed by the side before weighs on neither alone.
	const rounds = 5
	var ourTimes, rawTimes []time.Duration
	var rep *fixity.FixityReport
	for r := 0; r < rounds; r++ {
		for side := 0; side < 2; side++ {
			if (r+side)%2 == 0 {
				t, err := rawRead()
				if err != nil {
					return err
				}
				rawTimes = append(rawTimes, t)
			} else {
				t, rp, err := verify()
				if err != nil {
					return err
				}
				ourTimes, rep = append(ourTimes, t), rp
			}
		}
	}
	fmt.Printf("verify rounds %v\nraw rounds    %v\n", roundAll(ourTimes), roundAll(rawTimes))
	ours, raw := median(ourTimes), median(rawTimes)
	fmt.Printf("dossier verify over %d archived cases (read %.2f GiB in %d objects: materials once each, events, manifests, pointers) vs raw sequential read of the materials, same MinIO\n",
		nCases, float64(rep.ReadBytes)/(1<<30), rep.ReadObjects)
	fmt.Printf("%-20s %10s %10s %12s\n", "", "time", "MB/s", "objects/s")
	fmt.Printf("%-20s %10s %10.1f %12.1f\n", "dossier verify", ours.Round(time.Millisecond), float64(rep.ReadBytes)/1e6/ours.Seconds(), float64(rep.ReadObjects)/ours.Seconds())
	fmt.Printf("%-20s %10s %10.1f %12.1f\n", "raw read", raw.Round(time.Millisecond), float64(rawBytes)/1e6/raw.Seconds(), float64(len(keys))/raw.Seconds())
	fmt.Printf("ratio (MB/s, medians of %d alternating rounds) %.2f\n\n", rounds, (float64(rep.ReadBytes)/ours.Seconds())/(float64(rawBytes)/raw.Seconds()))
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
