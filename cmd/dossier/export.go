package main

import (
	"bufio"
	"context"
	"dossier/archive/packages"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write archived cases as one self-describing archival package (zip with manifest, hashes and index)",
		UsageText: "dossier export (--archive-no 档号 ... | --year YEAR) [--out FILE]",
		Flags: append(storageFlags(),
			&cli.StringSliceFlag{Name: "archive-no", Usage: "档号 to export, e.g. Z109-SB·2026-D30-YL-0001 (repeatable)"},
			&cli.IntFlag{Name: "year", Usage: "export every archive formed in this year (年度)"},
			&cli.StringFlag{Name: "out", Usage: "package file to write; - for standard output (default dossier-export-<time>.zip)"},
		),
		Action: exportPackages,
	}
}

// exportPackages reads only the object store, so it runs beside a server.
// The package is written to a temporary file and renamed when complete, so
// a failed export leaves no partial package behind.
func exportPackages(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("export takes no arguments (got %q); use --archive-no or --year", c.Args().First())
	}
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	sel := packages.PackageSelection{ArchiveNos: c.StringSlice("archive-no"), Year: c.Int("year")}
	if len(sel.ArchiveNos) == 0 && sel.Year == 0 {
		return fmt.Errorf("choose what to export: --archive-no 档号 (repeatable) or --year YEAR")
	}
	store, err := openExistingStore(c.Context, cfg)
	if err != nil {
		return err
	}
	svc, done, err := storeService(c.Context, store)
	if err != nil {
		return err
	}
	defer done()
	out := c.String("out")
	if out == "" {
		out = "dossier-export-" + time.Now().Format("20060102-150405") + ".zip"
	}
	opts := packages.PackageOptions{Progress: progressBars(c)}
	if cfg.Catalogue != "" {
		if opts.Catalogue, err = refdata.LoadCatalogueFile(cfg.Catalogue); err != nil {
			return fmt.Errorf("catalogue %s: %w", cfg.Catalogue, err)
		}
	}
	start := time.Now()
	audit := func(rep *packages.PackageReport) error {
		return svc.RecordTransfer(c.Context, cliBy(), "archive.export", rep, filepath.Base(out))
	}
	var rep *packages.PackageReport
	if out == "-" {
		w := bufio.NewWriterSize(c.App.Writer, 1<<20)
		if rep, err = svc.Export(c.Context, sel, w, opts); err == nil {
			if err = audit(rep); err == nil {
				err = w.Flush()
			}
		}
	} else {
		rep, err = exportToFile(c.Context, svc, sel, out, opts, audit)
	}
	if err != nil {
		return err
	}
	msg := c.App.Writer
	if out == "-" {
		msg = c.App.ErrWriter
	}
	fmt.Fprintf(msg, "exported %d archives (%d objects, %.1f MB) to %s in %s\n",
		rep.Archives, rep.Objects, float64(rep.Bytes)/1e6, out, time.Since(start).Round(time.Millisecond))
	return nil
}

// exportToFile writes the package to out; audit runs once the package is
// complete, before it is given its name.
func exportToFile(ctx context.Context, svc *service.Service, sel packages.PackageSelection, out string, opts packages.PackageOptions, audit func(*packages.PackageReport) error) (*packages.PackageReport, error) {
	if _, err := os.Stat(out); err == nil {
		return nil, fmt.Errorf("%s exists; choose another --out or remove it", out)
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.part")
	if err != nil {
		return nil, fmt.Errorf("create the package file: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	w := bufio.NewWriterSize(f, 1<<20)
	rep, err := svc.Export(ctx, sel, w, opts)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = audit(rep)
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return nil, fmt.Errorf("write %s: %w", out, err)
	}
	return rep, nil
}

// progressBars shows one bar per stage of an export or import on the
// error stream.
func progressBars(c *cli.Context) func(stage string, done, total int) {
	var bar *progressbar.ProgressBar
	var current string
	return func(stage string, done, total int) {
		if bar == nil || stage != current {
			if bar != nil {
				bar.Finish()
			}
			current = stage
			bar = newBar(c, total, stage)
		}
		bar.Set(done)
		if done == total {
			bar.Finish()
		}
	}
}
