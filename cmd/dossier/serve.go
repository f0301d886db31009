package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/render"
	"dossier/search"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:   "serve",
		Usage:  "run the HTTP service",
		Flags:  serveFlags(),
		Action: serve,
	}
}

func serve(c *cli.Context) error {
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Without a font no notice can be issued: refuse to start and say how
	// to fix it, rather than fail at the first decision.
	font, err := render.LoadFont(cfg.FontDir)
	if err != nil {
		return err
	}
	notices, err := render.NewNotices(font, render.NoticeOptions{})
	if err != nil {
		return err
	}
	var audit *archive.AuditLog
	cfg.renderer, cfg.reports = notices, render.NewReports(font)
	a, err := openAll(ctx, cfg, func(store archive.ObjectStore) (*archive.AuditLog, error) {
		var err error
		audit, err = archive.OpenAuditLog(ctx, store, time.Now)
		return audit, err
	})
	if err != nil {
		return err
	}
	defer a.Close()
	defer audit.Close()
	svc, db := a.svc, a.db
	clean, err := db.Clean()
	if err != nil {
		return err
	}
	reconcile := func(why string) error {
		rep, err := svc.Reconcile(ctx)
		if err != nil {
			return fmt.Errorf("reconcile with the object store: %w", err)
		}
		if len(rep.Caught) > 0 || why == "unclean stop" {
			log.Info("reconciled with the object store", "why", why, "events", rep.Events, "cases_caught_up", len(rep.Caught), "corrupt", len(rep.Corrupt))
		}
		for _, msg := range rep.Corrupt {
			log.Warn("corrupt object skipped", "object", msg)
		}
		return nil
	}
	if !clean {
		// The last process did not stop cleanly (or the database is new):
		// fold in whatever reached the object store but not BoltDB.
		if err := reconcile("unclean stop"); err != nil {
			return err
		}
	}
	// Writes a crashed process had in flight may land after the first
	// pass, and other processes may share the bucket: look again soon,
	// then now and then.
	go func() {
		for _, wait := range []time.Duration{10 * time.Second, 10 * time.Minute} {
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				if err := reconcile("periodic"); err != nil && ctx.Err() == nil {
					log.Warn("periodic reconcile", "err", err)
				}
				if wait == 10*time.Second {
					break
				}
			}
		}
	}()
	if a.indexRebuilt {
		if err := db.EnqueueAll(ctx); err != nil {
			return err
		}
	}
	// The search index follows the projection's queue off the request
	// path; after a crash it resumes where it stopped.
	indexer := archive.NewIndexer(svc, db, a.index, search.Extract, log)
	indexDone := make(chan struct{})
	go func() { indexer.Run(ctx); close(indexDone) }()
	defer func() { <-indexDone }()

	startUserSync(ctx, svc, log)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	api := dhttp.NewServer(svc, log, dhttp.Config{MaxUpload: cfg.MaxUpload, IndexLag: db.IndexLag})
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("dossier listening on http://%s\n", ln.Addr())
	fmt.Printf("record: %s; metadata: %s\n", cfg.storeDescription(), cfg.DataDir)
	if st, err := svc.WORM(ctx); err == nil {
		fmt.Printf("WORM: %s\n", st.Detail)
	}
	printLoginHelp(ctx, svc, cfg, ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	if err := db.MarkClean(); err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}

// printLoginHelp tells a new user how to get in: the API takes bearer
// tokens, and the first administrator is created from the command line.
func printLoginHelp(ctx context.Context, svc *archive.Service, cfg config, addr string) {
	n, err := svc.CountUsers(ctx)
	if err != nil {
		return
	}
	flags := ""
	if cfg.DataDir != "./data" {
		flags = " --data-dir " + cfg.DataDir
	}
	if n == 0 {
		fmt.Printf("no users yet: create the first administrator (works while this server runs):\n")
		fmt.Printf("  bin/dossier user add%s --name admin --role admin\n", flags)
	} else {
		fmt.Printf("%d users; add one with: bin/dossier user add%s --name NAME --role ROLE\n", n, flags)
	}
	fmt.Printf("then call the API with the printed token, e.g.:\n")
	fmt.Printf("  curl -H 'Authorization: Bearer <token>' http://%s/api/v1/cases\n", addr)
	fmt.Printf("API description: http://%s/api/v1/openapi.json\n", addr)
}
