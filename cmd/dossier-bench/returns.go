package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/notices"
	"dossier/archive/payment"
	"dossier/archive/payment/bankfile"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
	"dossier/render"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/xid"
)

const returnLines = 100000

// benchReturns imports a bank return file of 100,000 lines into an
// approved batch of 100,000 items on MinIO — read the batch, check every
// line against it, keep the file, record the outcome — in a child process
// that reports its peak RSS, next to parsing the same file alone in
// another child. The batch's events are written straight into the bucket
// (carrying out 100,000 cases first would measure something else).
func benchReturns(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-returns-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bucket := storetest.NewBucketName()
	store, err := s3store.Open(ctx, s3store.Config{Endpoint: e.minio.Endpoint, AccessKey: e.minio.AccessKey,
		SecretKey: e.minio.SecretKey, Bucket: bucket, TempDir: dir})
	if err != nil {
		return err
	}
	id, file := xid.New().String(), filepath.Join(dir, "returns.csv")
	if err := seedBatch(ctx, store, id, file); err != nil {
		return err
	}
	fmt.Printf("bank return file, %d lines, each side in its own process (peak RSS = the child's VmHWM)\n", returnLines)
	times, err := children(ctx, [2]string{"returns-import", "returns-parse"},
		[]string{"BENCH_S3=" + strings.Join([]string{e.minio.Endpoint, e.minio.AccessKey, e.minio.SecretKey, bucket, id, file, dir}, "\x1f")},
		returnLines, "lines/s")
	if err != nil {
		return err
	}
	fmt.Printf("ratio (parse time / import time) %.2f\n", times[1].Seconds()/times[0].Seconds())
	return benchReturnNotices(ctx, store, times[0])
}

// noticeSample is how many payment result notices benchReturnNotices
// issues to measure their rate.
const noticeSample = 400

// benchReturnNotices measures what issuing the return file's payment
// result notices costs: a sample rendered (the real PDF, with the
// notices capability's 8 workers) and stored as blobs on the same MinIO —
// less than issuing costs, which also appends an event to each case —
// and prints what the 100,000 would add to the import were they issued
// before it answers (payment.DefaultInlineNotices bounds that; a larger
// file's notices follow in the background).
func benchReturnNotices(ctx context.Context, store archive.ObjectStore, imported time.Duration) error {
	font, err := render.LoadFont("")
	if err != nil {
		return err
	}
	r, err := render.NewNotices(font, render.NoticeOptions{})
	if err != nil {
		return err
	}
	jobs := make(chan int)
	errs := make(chan error, noticeSample)
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				var buf bytes.Buffer
				at := time.Now()
				d := notices.NoticeData{Kind: archive.NoticePaymentResult, DocNumber: fmt.Sprintf("社保付字〔2026〕SB2026-%06d-2号", i),
					VerifyCode: "K7QM-3XPA-9DTF", VerifyURL: "http://127.0.0.1:8080/verify/K7QM-3XPA-9DTF", Agency: "某市社会保险事业管理中心",
					CaseNumber: fmt.Sprintf("SB2026-%06d", i), ApplicantName: "王𠮷", MaskedIDNumber: "110105********002X", BusinessName: "医疗费用报销",
					IssuedAt: at, Payment: &notices.PaymentData{Paid: i%10 != 9, Period: payment.Once, AmountFen: int64(10000 + i), ReturnedAt: at,
						Bank: "中国工商银行", Account: "************" + fmt.Sprintf("%04d", i%10000), Reason: "账户已销户"}}
				if err := r.RenderNotice(&buf, d); err != nil {
					errs <- err
					continue
				}
				if _, err := store.PutBlob(ctx, &buf, archive.BlobOptions{ContentType: "application/pdf"}); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range noticeSample {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	took := time.Since(start)
	rate := float64(noticeSample) / took.Seconds()
	inline := time.Duration(float64(returnLines) / rate * float64(time.Second))
	fmt.Printf("payment result notices, %d rendered and stored (8 workers): %s, %.0f notices/s\n", noticeSample, took.Round(time.Millisecond), rate)
	fmt.Printf("issued before the answer, the %d lines' notices would take the import from %s to about %s (%.0fx); it answers once recorded and they follow in the background\n\n",
		returnLines, imported.Round(time.Millisecond), (imported + inline).Round(time.Second), (imported+inline).Seconds()/imported.Seconds())
	return nil
}

// seedBatch writes batch id, approved with its bank file taken, of
// returnLines one-off items, and its return file (every tenth failed).
func seedBatch(ctx context.Context, store archive.ObjectStore, id, file string) error {
	type line struct {
		ID           string   `json:"id"`
		CaseID       string   `json:"case_id"`
		CaseNumber   string   `json:"case_number"`
		BusinessType string   `json:"business_type"`
		Period       string   `json:"period"`
		AmountFen    int64    `json:"amount_fen"`
		Name         string   `json:"name"`
		Bank         string   `json:"bank"`
		Account      string   `json:"account"`
		Handlers     []string `json:"handlers"`
	}
	var lines []line
	var ids []string
	var ret bytes.Buffer
	ret.WriteString(strings.Join(bankfile.ReturnHeader, ",") + "\n")
	for i := 0; i < returnLines; i++ {
		c := fmt.Sprintf("b%019d", i)
		l := line{ID: payment.ItemID(c, payment.Once), CaseID: c, CaseNumber: fmt.Sprintf("SB2026-%06d", i), BusinessType: "medical_reimbursement",
			Period: payment.Once, AmountFen: int64(10000 + i), Name: "王𠮷", Bank: "中国工商银行", Account: fmt.Sprintf("62220200%08d", i), Handlers: []string{"c1", "r1"}}
		lines, ids = append(lines, l), append(ids, l.ID)
		status, reason := "paid", ""
		if i%10 == 9 {
			status, reason = "failed", "账户已销户"
		}
		ret.WriteString(l.ID + "," + l.Account + "," + strconv.FormatInt(l.AmountFen, 10) + "," + status + "," + reason + "\n")
	}
	if err := os.WriteFile(file, ret.Bytes(), 0o644); err != nil {
		return err
	}
	at := time.Now().UTC()
	events := []map[string]any{
		{"type": payment.BatchEventOpened, "actor": "c2", "lines": lines},
		{"type": payment.BatchEventListed, "actor": "c2", "listed": ids},
		{"type": payment.BatchEventChecked, "actor": "f1", "decision": payment.BatchApprove},
		{"type": payment.BatchEventApproved, "actor": "f2", "decision": payment.BatchApprove},
		{"type": payment.BatchEventBankFile, "actor": "f1", "sha256": strings.Repeat("ab", 32), "format": "csv"},
	}
	prev := ""
	for i, ev := range events {
		ev["seq"], ev["batch"], ev["at"] = i+1, id, at
		if prev != "" {
			ev["prev"] = prev
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if err := store.Create(ctx, archive.PaymentBatchEventKey(id, uint64(i+1)), data); err != nil {
			return err
		}
		prev = archive.Sha256Hex(data)
	}
	return nil
}

// runReturnsChild is the child side of benchReturns: it prints its time
// and peak RSS.
func runReturnsChild(kind string) error {
	f := strings.Split(os.Getenv("BENCH_S3"), "\x1f")
	if len(f) != 7 {
		return fmt.Errorf("BENCH_S3 is not set")
	}
	ctx := context.Background()
	start := time.Now()
	switch kind {
	case "returns-import":
		store, err := s3store.Open(ctx, s3store.Config{Endpoint: f[0], AccessKey: f[1], SecretKey: f[2], Bucket: f[3], TempDir: f[6]})
		if err != nil {
			return err
		}
		svc := payment.New(archive.NewEnv(store, nil, nil, nil, nil), nil, nil)
		r, err := os.Open(f[5])
		if err != nil {
			return err
		}
		defer r.Close()
		start = time.Now()
		b, err := svc.ImportReturns(ctx, archive.Actor{UserID: "f1", Roles: []string{archive.RoleFinance}}, f[4], r)
		if err != nil {
			return err
		}
		if b.Status != payment.BatchCompleted || !b.Reconciled {
			return fmt.Errorf("the batch is %s after the import", b.Status)
		}
	case "returns-parse":
		r, err := os.Open(f[5])
		if err != nil {
			return err
		}
		defer r.Close()
		n := 0
		if err := (bankfile.CSV{}).ReadReturnFile(r, func(bankfile.ReturnLine) error { n++; return nil }); err != nil {
			return err
		}
		if n != returnLines {
			return fmt.Errorf("parsed %d lines", n)
		}
	default:
		return fmt.Errorf("unknown child %q", kind)
	}
	fmt.Println(time.Since(start), peakRSS())
	return nil
}
