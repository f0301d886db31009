package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"dossier/archive"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the store: event chains, archival packages (fixity), 档号, audit log; exits 1 on any problem",
		Flags: append(storageFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		),
		Action: verify,
	}
}

// verify reads only the object store, so it runs beside a server.
func verify(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	store, err := openStore(c.Context, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	rep, err := archive.Verify(c.Context, store, func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(c.App.ErrWriter),
				progressbar.OptionSetDescription("cases"), progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		}
		bar.Set(done)
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		took := time.Since(start)
		fmt.Fprintf(c.App.Writer, "checked %d cases (%d archived), %d archived objects, %.1f MB, %d audit entries in %s\n",
			rep.Cases, rep.ArchivedCases, rep.Objects, float64(rep.Bytes)/1e6, rep.AuditEntries, took.Round(time.Millisecond))
		for _, p := range rep.Problems {
			fmt.Fprintf(c.App.Writer, "FAIL %-12s case %s  %s: %s\n", p.Check, p.CaseID, p.Object, p.Detail)
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d problems found", len(rep.Problems))
	}
	if !c.Bool("json") {
		fmt.Fprintln(c.App.Writer, "all checks passed")
	}
	return nil
}
