package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dossier/archive"
	"dossier/render"
)

const catalogueRows = 100000

// benchCatalogue renders a 100,000-row archive catalogue in a child
// process, so its peak RSS is its own, next to the same rows written as
// CSV (the raw cost of producing the rows) in another child.
func benchCatalogue(ctx context.Context, e *env) error {
	fmt.Printf("archive catalogue, %d rows, each in its own process (peak RSS from rusage)\n", catalogueRows)
	fmt.Printf("%-22s %10s %12s %12s\n", "", "time", "peak RSS", "rows/s")
	var times [2]time.Duration
	for i, kind := range []string{"catalogue-pdf", "catalogue-csv"} {
		cmd := exec.CommandContext(ctx, os.Args[0], "-child", kind)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %v", kind, err)
		}
		d, err := time.ParseDuration(strings.TrimSpace(string(out)))
		if err != nil {
			return fmt.Errorf("%s said %q", kind, out)
		}
		times[i] = d
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		fmt.Printf("%-22s %10s %10.1fMB %12.0f\n", kind, d.Round(time.Millisecond), float64(rss)/1024, catalogueRows/d.Seconds())
	}
	fmt.Printf("ratio (csv time / pdf time) %.2f\n\n", times[1].Seconds()/times[0].Seconds())
	return nil
}

// runChild is the child side of benchCatalogue: it prints its time.
func runChild(kind string) error {
	font, err := render.LoadFont("")
	if err != nil {
		return err
	}
	rows := render.GenerateCatalogueEntries(catalogueRows)
	start := time.Now()
	switch kind {
	case "catalogue-pdf":
		err = render.NewReports(font).RenderCatalogue(io.Discard, "某市社会保险事业管理中心", "", rows)
	case "catalogue-csv":
		w := csv.NewWriter(io.Discard)
		err = rows(func(e archive.CatalogueEntry) bool {
			w.Write([]string{strconv.Itoa(e.Seq), e.ArchiveNo, e.DocNo, e.Responsible, e.Title, e.Date.Format("20060102"), e.Classification, strconv.Itoa(e.Pages), e.Remarks})
			return true
		})
		w.Flush()
	default:
		return fmt.Errorf("unknown child %q", kind)
	}
	if err != nil {
		return err
	}
	fmt.Println(time.Since(start))
	return nil
}
