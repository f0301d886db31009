package main

import (
	"dossier/archive"
	"dossier/archive/fixity"
	"dossier/archive/service"
	"dossier/render/registers"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/render"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name: "verify",
		Usage: "four-properties check (四性检测): authenticity, integrity, usability and security of every archived case, " +
			"event chains and audit log; stores the report under reports/fixity/; exits 1 on any failure",
		Flags: append(storageFlags(),
			&cli.StringFlag{Name: "json", Usage: "also write the report as JSON to this file; - prints it instead of the summary"},
			&cli.StringFlag{Name: "pdf", Usage: "also write the report as PDF (档案四性检测报告) to this file"},
			&cli.StringFlag{Name: "font-dir", EnvVars: []string{"DOSSIER_FONT_DIR"}, Usage: "directory with wqy-microhei.ttc for --pdf (default: system fonts)"},
			&cli.StringFlag{Name: "agency", Value: "某市社会保险事业管理中心", EnvVars: []string{"DOSSIER_AGENCY"}, Usage: "agency printed on the PDF report"},
			&cli.BoolFlag{Name: "no-store", Usage: "do not store the report in the object store"},
		),
		Action: verify,
	}
}

var resultWords = map[string]string{fixity.ResultPass: "PASS", fixity.ResultWarn: "WARN", fixity.ResultFail: "FAIL"}

// verify reads only the object store (and writes its report there), so
// it runs beside a server.
func verify(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	store, err := openExistingStore(c.Context, cfg)
	if err != nil {
		return err
	}
	var font *render.Font
	if c.String("pdf") != "" {
		// Find the font before a long check, not after.
		if font, err = render.LoadFont(c.String("font-dir")); err != nil {
			return err
		}
	}
	// Open the output files before a long check too: a path that cannot
	// be written fails now, not after hours of reading.
	toStdout := c.String("json") == "-"
	outputs := map[string]*os.File{}
	for _, flag := range []string{"json", "pdf"} {
		if p := c.String(flag); p != "" && !(flag == "json" && toStdout) {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
			if err != nil {
				return fmt.Errorf("--%s: %w", flag, err)
			}
			defer f.Close()
			outputs[flag] = f
		}
	}
	start := time.Now()
	bar, finish := progress(c, "cases")
	rep, key, err := service.New(service.Options{Store: store}).Check(c.Context, !c.Bool("no-store"), bar)
	finish()
	if err != nil {
		if rep != nil {
			return fmt.Errorf("store the report: %w", err)
		}
		return err
	}
	if key != "" {
		fmt.Fprintf(c.App.ErrWriter, "report stored as %s\n", key)
	}
	if f := outputs["json"]; f != nil {
		data, _ := json.MarshalIndent(rep, "", "  ")
		_, err := f.Write(append(data, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	if f := outputs["pdf"]; f != nil {
		p := f.Name()
		err = registers.NewReports(font).RenderFixity(f, c.String("agency"), rep)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	if toStdout {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		took := time.Since(start)
		w := c.App.Writer
		fmt.Fprintf(w, "checked %d cases (%d archived), %d disposed, %d archived objects, %d audit entries; read %d objects, %.1f MB in %s\n",
			rep.Cases, rep.ArchivedCases, rep.DisposedCases, rep.Objects, rep.AuditEntries, rep.ReadObjects, float64(rep.ReadBytes)/1e6, took.Round(time.Millisecond))
		for _, p := range rep.Properties {
			fmt.Fprintf(w, "%s %s (%s)\n", resultWords[p.Result], fixity.PropertyName(p.ID), p.ID)
			for _, it := range p.Items {
				note := ""
				if it.Note != "" {
					note = "  " + it.Note
				}
				fmt.Fprintf(w, "  %s %-16s %s: %d checked, %d failed, %d warnings%s\n", resultWords[it.Result], it.ID, it.Name, it.Checked, it.Failed, it.Warnings, note)
			}
		}
		for _, p := range append(append([]archive.Problem{}, rep.Problems...), rep.Warnings...) {
			where := ""
			if p.CaseID != "" {
				where = "case " + p.CaseID
				if p.CaseNumber != "" {
					where += " (" + p.CaseNumber + ")"
				}
				if p.ArchiveNo != "" {
					where += " " + p.ArchiveNo
				}
				where += "  "
			}
			fmt.Fprintf(w, "%s %-12s %-16s %s%s: %s\n", resultWords[p.Severity], p.Check, p.Item, where, p.Object, p.Detail)
		}
	}
	if n := rep.Failures(); n > 0 {
		return fmt.Errorf("%d problems found", n)
	}
	if !toStdout {
		if w := len(rep.Warnings); w > 0 {
			fmt.Fprintf(c.App.Writer, "all checks passed (%d warnings)\n", w)
		} else {
			fmt.Fprintln(c.App.Writer, "all checks passed")
		}
	}
	return nil
}
