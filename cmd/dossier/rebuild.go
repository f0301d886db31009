package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/search"
)

func rebuildCommand() *cli.Command {
	return &cli.Command{
		Name:   "rebuild",
		Usage:  "recreate BoltDB (and the search index) from the object store alone",
		Flags:  storageFlags(),
		Action: rebuild,
	}
}

func rebuild(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	a, err := openAll(c.Context, cfg, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	svc, db := a.svc, a.db
	fmt.Fprintf(c.App.Writer, "rebuilding from %s\n", cfg.storeDescription())
	start := time.Now()
	bar, finish := progress(c, "events")
	rep, err := svc.Rebuild(c.Context, bar)
	finish()
	if err != nil {
		return err
	}
	if err := rebuildUsers(c.Context, c.App.Writer, svc); err != nil {
		return err
	}
	if err := rebuildIndex(c, a); err != nil {
		return err
	}
	if err := db.MarkClean(); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "rebuilt %d cases from %d events in %s\n", rep.Cases, rep.Events, time.Since(start).Round(time.Millisecond))
	for _, msg := range rep.Corrupt {
		fmt.Fprintf(c.App.Writer, "corrupt, skipped: %s\n", msg)
	}
	if len(rep.Corrupt) > 0 {
		return fmt.Errorf("%d corrupt objects were skipped; the rest was rebuilt", len(rep.Corrupt))
	}
	return nil
}

// rebuildIndex empties the search index and indexes every case again
// (the projection rebuild queued them all).
func rebuildIndex(c *cli.Context, a *app) error {
	if err := a.index.Reset(c.Context); err != nil {
		return fmt.Errorf("reset the search index: %w", err)
	}
	return drainIndex(c, a)
}

// drainIndex indexes every case queued for the search index, with a
// progress bar.
func drainIndex(c *cli.Context, a *app) error {
	total, err := a.db.IndexLag(c.Context)
	if err != nil {
		return err
	}
	bar := newBar(c, total, "index")
	ix := a.svc.NewIndexer(a.db, a.index, search.Extract, slog.New(slog.NewTextHandler(c.App.ErrWriter, nil)))
	done := 0
	for {
		n, err := ix.RunOnce(c.Context)
		if err != nil {
			return fmt.Errorf("index: %w", err)
		}
		if n == 0 {
			break
		}
		done += n
		bar.Set(done)
	}
	bar.Finish()
	fmt.Fprintf(c.App.Writer, "indexed %d cases\n", done)
	return nil
}
