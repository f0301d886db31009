package main

import (
	"dossier/archive/service"
	"encoding/json"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

func retainCommand() *cli.Command {
	return &cli.Command{
		Name:  "retain",
		Usage: "put every archived case's objects under WORM retention (repairs a retention that failed at archiving); exits 1 on any failure",
		Flags: append(storageFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		),
		Action: retain,
	}
}

// retain works on the object store alone, so it runs beside a server;
// retention only ever extends, so running it again is harmless.
func retain(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	store, err := openExistingStore(c.Context, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := service.New(service.Options{Store: store}).Retain(c.Context, nil, nil)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Fprintf(c.App.Writer, "%d archived cases, %d objects retained in %s\n",
			rep.ArchivedCases, rep.Objects, time.Since(start).Round(time.Millisecond))
		for _, p := range rep.Problems {
			fmt.Fprintf(c.App.Writer, "FAIL case %s  %s: %s\n", p.CaseID, p.Object, p.Detail)
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d objects could not be retained", len(rep.Problems))
	}
	return nil
}
