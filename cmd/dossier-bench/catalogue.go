package main

import (
	"context"
	"dossier/archive/reports"
	"dossier/render/registers"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"dossier/render"
)

const catalogueRows = 100000

// benchCatalogue renders a 100,000-row archive catalogue in a child
// process, which reports its own peak RSS (VmHWM), next to the same rows written as
// CSV (the raw cost of producing the rows) in another child.
func benchCatalogue(ctx context.Context, e *env) error {
	fmt.Printf("archive catalogue, %d rows, each in its own process (peak RSS = the child's VmHWM)\n", catalogueRows)
	times, err := children(ctx, [2]string{"catalogue-pdf", "catalogue-csv"}, nil, catalogueRows, "rows/s")
	if err != nil {
		return err
	}
	fmt.Printf("ratio (csv time / pdf time) %.2f\n\n", times[1].Seconds()/times[0].Seconds())
	return nil
}

// children runs the two kinds of a bench each in its own process (so
// that each peak RSS is the child's own), prints each one's time, peak
// RSS and rate over n units, and returns the two times. Each child
// prints "<duration> <peak MB>".
func children(ctx context.Context, kinds [2]string, env []string, n int, unit string) ([2]time.Duration, error) {
	fmt.Printf("%-22s %10s %12s %12s\n", "", "time", "peak RSS", unit)
	var times [2]time.Duration
	for i, kind := range kinds {
		cmd := exec.CommandContext(ctx, os.Args[0], "-child", kind)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return times, fmt.Errorf("%s: %v", kind, err)
		}
		f := strings.Fields(string(out))
		if len(f) != 2 {
			return times, fmt.Errorf("%s said %q", kind, out)
		}
		d, err := time.ParseDuration(f[0])
		if err != nil {
			return times, fmt.Errorf("%s said %q", kind, out)
		}
		times[i] = d
		fmt.Printf("%-22s %10s %10sMB %12.0f\n", kind, d.Round(time.Millisecond), f[1], float64(n)/d.Seconds())
	}
	return times, nil
}

// runChild is the child side of benchCatalogue: it prints its time.
func runChild(kind string) error {
	font, err := render.LoadFont("")
	if err != nil {
		return err
	}
	rows := registers.GenerateCatalogueEntries(catalogueRows)
	start := time.Now()
	switch kind {
	case "catalogue-pdf":
		err = registers.NewReports(font).RenderCatalogue(io.Discard, "某市社会保险事业管理中心", "", rows)
	case "catalogue-csv":
		w := csv.NewWriter(io.Discard)
		err = rows(func(e reports.CatalogueEntry) bool {
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
	fmt.Println(time.Since(start), peakRSS())
	return nil
}

// peakRSS is the process's own peak resident set in MB: VmHWM starts
// afresh at exec, so nothing of the parent is counted (rusage of a child
// would be).
func peakRSS() string {
	peak := "?"
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
					peak = fmt.Sprintf("%.1f", float64(kb)/1024)
				}
			}
		}
	}
	return peak
}
