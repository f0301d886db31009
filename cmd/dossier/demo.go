package main

import (
	"context"
	"dossier/archive"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/demo"
	"dossier/search"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "seed an empty data set with realistic sample data and print the logins",
		UsageText: "dossier demo [--cases N] [--password PW] [--if-empty]\n" +
			"   users for every role, a few hundred cases of every business type at every stage,\n" +
			"   materials (PDF forms, scanned identity cards), notices, archived files, a legal hold,\n" +
			"   overdue cases; refuses a data set that holds users or cases",
		Flags: append(serveFlags(),
			&cli.IntFlag{Name: "cases", Value: 300, Usage: "how many cases to file (40 or more)"},
			&cli.StringFlag{Name: "password", Value: demo.DefaultPassword, Usage: "web password of every demo user (10 characters or more)"},
			&cli.Uint64Flag{Name: "seed", Value: 2026, Usage: "random seed of names, numbers and outcomes (dates follow the day of seeding)"},
			&cli.BoolFlag{Name: "if-empty", Usage: "do nothing (and succeed) when the data set already holds data, and leave the logins to serve; `make run` uses it"},
		),
		Action: demoSeed,
	}
}

// demoFile lists the demo users in the data dir, so that `dossier serve`
// can say how to log in. It holds no secret: only names, roles and
// whether the documented default password was used.
const demoFile = "demo-logins.json"

type demoLogins struct {
	Users           []demo.Login    `json:"users"`
	DefaultPassword bool            `json:"default_password"`
	Portal          demo.PortalCase `json:"portal"`
}

func demoSeed(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	a, font, closeAll, err := openServing(c.Context, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	empty, err := a.svc.Empty(c.Context)
	if err != nil {
		return err
	}
	if !empty && c.Bool("if-empty") {
		fmt.Fprintf(c.App.Writer, "%s already holds data; no demo data added\n", cfg.storeDescription())
		return nil
	}
	fmt.Fprintf(c.App.Writer, "seeding demo data into %s\n", cfg.storeDescription())
	start := time.Now()
	// The index follows the cases as they are written, as under serve;
	// extracting the text of the materials overlaps with writing them.
	ictx, stopIndexer := context.WithCancel(c.Context)
	indexer := a.svc.NewIndexer(a.db, a.index, search.Extract, slog.New(slog.NewTextHandler(c.App.ErrWriter, nil)))
	indexed := make(chan struct{})
	go func() { indexer.Run(ictx); close(indexed) }()
	defer func() { stopIndexer(); <-indexed }()
	bar, finish := progress(c, "actions")
	res, err := demo.Seed(c.Context, demo.Options{
		NewService: a.withClock, Calendar: a.opts.Calendar, Catalogue: a.opts.Catalogue,
		Font: font, Cases: c.Int("cases"), Password: c.String("password"), Now: time.Now(), Seed: c.Uint64("seed"),
		Progress: bar,
	})
	finish()
	if err != nil {
		return err
	}
	if err := awaitIndex(c, a); err != nil {
		return err
	}
	stopIndexer()
	<-indexed
	if err := a.db.MarkClean(); err != nil {
		return err
	}
	marker, _ := json.MarshalIndent(demoLogins{Users: res.Logins, DefaultPassword: res.Password == demo.DefaultPassword, Portal: res.Portal}, "", "  ")
	if err := os.WriteFile(filepath.Join(cfg.DataDir, demoFile), marker, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "seeded in %s: %d users, %d notices\n", time.Since(start).Round(time.Second), len(res.Logins), res.Notices)
	printDemoCounts(c.App.Writer, res)
	if c.Bool("if-empty") {
		// `make run` starts serve next, which prints the logins with
		// the address it listens on; printing them here too would show
		// them twice.
		fmt.Fprintln(c.App.Writer, "the server prints the demo logins when it starts")
		return nil
	}
	fmt.Fprintln(c.App.Writer)
	printDemoLogins(c.App.Writer, cfg.PublicURL, res.Logins, res.Password)
	printPortalCase(c.App.Writer, cfg.PublicURL, res.Portal)
	fmt.Fprintf(c.App.Writer, "start the server with: bin/dossier serve%s\n", dataDirFlag(cfg))
	return nil
}

// awaitIndex waits, with a progress bar, until the search index has
// caught up with the cases.
func awaitIndex(c *cli.Context, a *app) error {
	lag, err := a.db.IndexLag(c.Context)
	if err != nil || lag == 0 {
		return err
	}
	bar := newBar(c, lag, "index")
	defer bar.Finish()
	for first := lag; lag > 0; {
		select {
		case <-c.Context.Done():
			return c.Context.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if lag, err = a.db.IndexLag(c.Context); err != nil {
			return err
		}
		bar.Set(first - min(lag, first))
	}
	return nil
}

func printDemoCounts(w io.Writer, res *demo.Result) {
	total := 0
	var parts []string
	for _, st := range archive.Statuses {
		if n := res.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
			total += n
		}
	}
	fmt.Fprintf(w, "%d cases: %s\n", total, strings.Join(parts, ", "))
	fmt.Fprintf(w, "under legal hold: %s; past retention: %d; overdue: %s\n", res.Held, res.Expired, strings.Join(res.Overdue, " "))
}

// printDemoLogins prints the web logins as a table.
func printDemoLogins(w io.Writer, url string, logins []demo.Login, password string) {
	fmt.Fprintf(w, "log in at %s/ as any of these users, password: %s\n", url, password)
	fmt.Fprintf(w, "  %-12s %-12s %s\n", "user", "role", "name")
	for _, l := range logins {
		fmt.Fprintf(w, "  %-12s %-12s %s\n", l.Name, strings.Join(l.Roles, ","), l.DisplayName)
	}
}

// printPortalCase says how an applicant without an account opens a case.
func printPortalCase(w io.Writer, url string, p demo.PortalCase) {
	if p.Number != "" {
		fmt.Fprintf(w, "applicant without an account: %s/portal with case %s, verification code %s, date of birth %s\n",
			url, p.Number, p.VerifyCode, p.Birth)
	}
}

func dataDirFlag(cfg config) string {
	if cfg.DataDir == "./data" {
		return ""
	}
	return " --data-dir " + cfg.DataDir
}

// printDemoHelp tells serve's user how to log in to demo data, if the
// data dir holds demo data; it reports whether it did.
func printDemoHelp(w io.Writer, cfg config, addr string) bool {
	data, err := os.ReadFile(filepath.Join(cfg.DataDir, demoFile))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	var d demoLogins
	if err != nil || json.Unmarshal(data, &d) != nil || len(d.Users) == 0 {
		return false
	}
	password := demo.DefaultPassword
	if !d.DefaultPassword {
		password = "(the one given to dossier demo)"
	}
	fmt.Fprintln(w, "demo data:")
	printDemoLogins(w, "http://"+addr, d.Users, password)
	printPortalCase(w, "http://"+addr, d.Portal)
	return true
}
