// Command dossier-bench is the driver behind `make bench`: it starts a real
// MinIO server and measures dossier's operations next to their raw
// baseline on the same server in the same run, printing each ratio.
// Figures on a shared 2-core machine are noisy: compare ratios.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"dossier/archive/storetest"
)

type bench struct {
	name string
	run  func(ctx context.Context, env *env) error
}

// env is what every benchmark shares.
type env struct {
	minio    *storetest.MinIO
	duration time.Duration
}

var benches = []bench{
	{"blobput", benchBlobPut},
	{"upload", benchUpload},
	{"notice", benchNotice},
	{"catalogue", benchCatalogue},
	{"search", benchSearch},
	{"lists", benchLists},
	{"verify", benchVerify},
	{"pages", benchPages},
	{"returns", benchReturns},
	{"cluster", benchCluster},
}

func main() {
	only := flag.String("only", "", "comma-separated benchmarks to run (default all): "+names())
	dur := flag.Duration("duration", 3*time.Second, "time spent on each side of each measurement")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	child := flag.String("child", "", "internal: run one measured part in this process")
	flag.Parse()
	if *child != "" {
		run := runChild
		if strings.HasPrefix(*child, "returns-") {
			run = runReturnsChild
		}
		if err := run(*child); err != nil {
			fmt.Fprintln(os.Stderr, "dossier-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dossier-bench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	m, err := storetest.StartMinIO()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dossier-bench:", err)
		os.Exit(1)
	}
	defer m.Stop()
	e := &env{minio: m, duration: *dur}
	ctx := context.Background()
	failed := false
	for _, b := range benches {
		if *only != "" && !contains(strings.Split(*only, ","), b.name) {
			continue
		}
		if err := b.run(ctx, e); err != nil {
			fmt.Fprintf(os.Stderr, "dossier-bench: %s: %v\n", b.name, err)
			failed = true
		}
	}
	if failed {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for _, b := range benches {
		n = append(n, b.name)
	}
	return strings.Join(n, ",")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}
