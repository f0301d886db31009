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

	dhttp "dossier/archive/http"
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

	svc, db, err := openAll(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	clean, err := db.Clean()
	if err != nil {
		return err
	}
	if !clean {
		// The last process did not stop cleanly (or the database is new):
		// fold in whatever reached the object store but not BoltDB.
		rep, err := svc.Reconcile(ctx)
		if err != nil {
			return fmt.Errorf("reconcile with the object store: %w", err)
		}
		log.Info("reconciled with the object store", "events", rep.Events, "cases_caught_up", len(rep.Caught), "corrupt", len(rep.Corrupt))
		for _, msg := range rep.Corrupt {
			log.Warn("corrupt object skipped", "object", msg)
		}
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           dhttp.NewServer(svc, log, dhttp.Config{MaxUpload: cfg.MaxUpload}).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("dossier listening on http://%s\n", ln.Addr())
	fmt.Printf("record: %s; metadata: %s\n", cfg.storeDescription(), cfg.DataDir)
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
