package main

import (
	"dossier/archive/packages"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "verify an archival package completely, then add its archives to the store and the projection",
		UsageText: "dossier import [storage flags] FILE.zip",
		Flags:     storageFlags(),
		Action:    importPackages,
	}
}

// importPackages needs BoltDB to itself (like rebuild): the imported cases
// are folded into the projection and the search index at once.
func importPackages(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("import takes one package file, e.g. dossier import dossier-export-20260101-120000.zip")
	}
	file := c.Args().First()
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open the package: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open the package: %w", err)
	}
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	// The import is audited (archive.import per archive), which vouches
	// for the events it brings in.
	a, closeAll, err := openAudited(c.Context, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	start := time.Now()
	rep, rr, err := a.svc.Import(c.Context, cliBy(), f, info.Size(), packages.PackageOptions{Progress: progressBars(c)}, filepath.Base(file))
	if rep == nil && err != nil {
		return fmt.Errorf("%s was not imported: %w", file, err)
	}
	if err != nil {
		return err
	}
	if rr != nil {
		if len(rr.Problems) > 0 {
			return fmt.Errorf("the archives were imported but %d objects are not under WORM retention, first %s: %s (run dossier retain)", len(rr.Problems), rr.Problems[0].Object, rr.Problems[0].Detail)
		}
		mode := ""
		if st, err := a.svc.WORM(c.Context); err == nil {
			mode = st.Mode + " "
		}
		fmt.Fprintf(c.App.Writer, "WORM: %d objects of %d archived cases under %sretention\n", rr.Objects, rr.ArchivedCases, mode)
	}
	if _, err := a.svc.Reconcile(c.Context); err != nil {
		return fmt.Errorf("the archives are in the store but the projection could not be updated (run dossier rebuild): %w", err)
	}
	if err := drainIndex(c, a); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "imported %d archives from %s: %d objects written, %d already present (%.1f MB) in %s\n",
		rep.Archives, file, rep.Written, rep.Existing, float64(rep.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}
