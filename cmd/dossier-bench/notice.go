package main

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/notices"
	"fmt"
	"sort"
	"time"

	"dossier/render"
)

// benchNotice renders a correction notice repeatedly, as the request path
// does, and prints the median and p99 time and the size. Its baseline is
// the same notice for a name with a character outside the subset and the
// main font, which parses the full font and the fallback (what every notice
// would cost without the per-process subset).
func benchNotice(ctx context.Context, e *env) error {
	font, err := render.LoadFont("")
	if err != nil {
		return err
	}
	n, err := render.NewNotices(font, render.NoticeOptions{})
	if err != nil {
		return err
	}
	d := notices.NoticeData{Kind: archive.NoticeCorrection, DocNumber: "社保补字〔2026〕SB2026-000042-3号", VerifyCode: "K7QM-3XPA-9DTF",
		VerifyURL: "http://127.0.0.1:8080/verify/K7QM-3XPA-9DTF", Agency: "某市社会保险事业管理中心", CaseNumber: "SB2026-000042",
		ApplicantName: "欧阳娜娜", MaskedIDNumber: "110105********002X", BusinessName: "失业保险金申领",
		ReceivedAt: time.Now(), IssuedAt: time.Now(), Reasons: "身份证复印件不清晰（须正反面），请补交原件扫描件。",
		Missing: []notices.NoticeMaterial{{Code: "id_card", Name: "居民身份证"}, {Code: "termination_proof", Name: "解除或终止劳动关系证明"}}}
	run := func(d notices.NoticeData) (median, p99 time.Duration, size int, err error) {
		var ds []time.Duration
		deadline := time.Now().Add(e.duration)
		for len(ds) < 20 || time.Now().Before(deadline) {
			var buf bytes.Buffer
			t := time.Now()
			if err := n.RenderNotice(&buf, d); err != nil {
				return 0, 0, 0, err
			}
			ds = append(ds, time.Since(t))
			size = buf.Len()
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2], ds[len(ds)*99/100], size, nil
	}
	m, p, size, err := run(d)
	if err != nil {
		return err
	}
	rare := d
	rare.ApplicantName = "王喆䶮" // outside GB 2312 and WenQuanYi: full font plus the fallback
	rm, rp, rsize, err := run(rare)
	if err != nil {
		return err
	}
	fmt.Println("notice render (补正材料通知书, one A4 page): per-process font subset vs the full font parsed per document")
	fmt.Printf("%-22s %10s %10s %10s\n", "", "median", "p99", "size")
	fmt.Printf("%-22s %10s %10s %9.1fK\n", "dossier (subset)", m.Round(10*time.Microsecond), p.Round(10*time.Microsecond), float64(size)/1024)
	fmt.Printf("%-22s %10s %10s %9.1fK\n", "full + fallback font", rm.Round(10*time.Microsecond), rp.Round(10*time.Microsecond), float64(rsize)/1024)
	fmt.Printf("ratio (full/subset time) %.2f\n\n", float64(rm)/float64(m))
	return nil
}
