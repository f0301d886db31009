package main

import (
	"context"
	"dossier/archive"
	"dossier/archive/service"
	"dossier/render/registers"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	dhttp "dossier/archive/http"
	"dossier/archive/web"
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

	a, _, closeAll, err := openServing(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	svc, db := a.svc, a.db
	clean, err := db.Clean()
	if err != nil {
		return err
	}
	if !clean {
		// The last process did not stop cleanly (or the database is new):
		// fold in whatever reached the object store but not BoltDB before
		// serving anything.
		rep, err := svc.Reconcile(ctx)
		if err != nil {
			return fmt.Errorf("reconcile with the object store: %w", err)
		}
		log.Info("reconciled with the object store", "why", "unclean stop", "events", rep.Events, "cases_caught_up", len(rep.Caught), "corrupt", len(rep.Corrupt))
		for _, msg := range rep.Corrupt {
			log.Warn("corrupt object skipped", "object", msg)
		}
	}
	// Other servers may share the bucket, and a crashed process's writes
	// may land late: follow the journal of the store, catching up by
	// listing whenever reading it (re)starts and every ten minutes. The
	// first catch-up also issues the notices a crash left owing.
	follower := svc.NewFollower(log)
	followDone := make(chan struct{})
	go func() { follower.Run(ctx); close(followDone) }()
	defer func() { <-followDone }()
	// Case events stored while the audit log could not be written — by
	// the last process, which died before its own retry wrote them, or
	// by another sharing the bucket — get their entries, marked late. It
	// reads the whole log, so it runs beside the server.
	auditReconciled := make(chan struct{})
	go func() {
		defer close(auditReconciled)
		rep, err := a.opts.Audit.ReconcileEvents(ctx)
		if len(rep.Late) > 0 {
			log.Warn("wrote late audit entries for stored case events that had none", "events", len(rep.Late), "first", rep.Late[0])
		}
		for _, key := range rep.Unreadable {
			log.Warn("case event does not decode; it has no audit entry", "object", key)
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("audit reconciliation", "err", err)
		}
	}()
	defer func() { <-auditReconciled }()
	if a.indexRebuilt {
		if err := db.EnqueueAll(ctx); err != nil {
			return err
		}
	}
	// The search index follows the projection's queue off the request
	// path; after a crash it resumes where it stopped.
	indexer := svc.NewIndexer(db, a.index, search.Extract, log)
	indexDone := make(chan struct{})
	go func() { indexer.Run(ctx); close(indexDone) }()
	defer func() { <-indexDone }()

	startUserSync(ctx, svc, log)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	space := dataDirSpace(cfg.DataDir)
	if free, _, err := space(); err == nil && free < uint64(cfg.MinFree) {
		log.Warn("the data dir is nearly full: /readyz fails until space is freed", "dir", cfg.DataDir, "free_mib", free>>20, "min_free_mib", cfg.MinFree>>20)
	}
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return fmt.Errorf("create temp dir: %w", err)
	}
	api := dhttp.NewServer(svc, log, dhttp.Config{MaxUpload: cfg.MaxUpload, IndexLag: db.IndexLag, Indexer: indexer.State,
		SearchSegments: a.index.Segments, SearchCompactions: a.index.Compactions, Follow: follower.State, TrustedProxies: cfg.TrustedProxies,
		DataDirSpace: space, MinFree: uint64(cfg.MinFree), TempDir: tmp, Version: version, Revision: revision})
	web.Mount(api, svc, log, web.Config{SecureCookies: cfg.SecureCookies, PublicURL: cfg.PublicURL})
	srv := newHTTPServer(api.Handler(), cfg.BodyTimeout)
	fmt.Printf("dossier listening on http://%s\n", ln.Addr())
	fmt.Printf("record: %s; metadata: %s\n", cfg.storeDescription(), cfg.DataDir)
	if st, err := svc.WORM(ctx); err == nil {
		fmt.Println(wormNotice(st))
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

// wormNotice says at start what the store's write-once protection means
// for the archives, in the words of the people who keep them; the
// store's own explanation follows for the administrator. Without Object
// Lock nothing is wrong with the service: it is a fact to know, not an
// error.
func wormNotice(st archive.WORMStatus) string {
	if st.Enabled {
		return "防篡改保存（WORM）：已启用（" + st.Mode + " 模式）。已归档的材料、通知书和归档清单在保管期限内任何人都不能修改或删除。\n  （" + st.Detail + "）"
	}
	return "防篡改保存（WORM）：未启用。归档、借阅、销毁和四性检测照常进行，本系统不会修改或删除保管期内的档案；" +
		"但能直接访问存储的人仍可改动或删除档案文件——四性检测能发现这种改动，却不能阻止。" +
		"需要防篡改保存时，请改用开启对象锁定（Object Lock）的 S3 存储（见 README 的“WORM (Object Lock)”一节）。\n  （" + st.Detail + "）"
}

// headerTimeout is how long a client has to send a request's headers.
const headerTimeout = 10 * time.Second

// newHTTPServer is the server of handler with bounded waits on clients:
// headers within headerTimeout, each next bytes of a body within
// bodyTimeout (0: no limit), an idle keep-alive connection closed after
// two minutes. A client that sends headers and stalls, or stops in the
// middle of a body, is cut off rather than holding a connection and a
// request for good.
func newHTTPServer(handler http.Handler, bodyTimeout time.Duration) *http.Server {
	if bodyTimeout > 0 {
		next := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil && r.Body != http.NoBody {
				b := &idleBody{ReadCloser: r.Body, rc: http.NewResponseController(w), d: bodyTimeout}
				// Also when the handler reads none of it: the server
				// reads what is left before it answers.
				b.arm()
				r.Body = b
			}
			next.ServeHTTP(w, r)
		})
	}
	// The handler answers headers over dhttp.MaxHeaderBytes itself (431
	// in the error shape); the server's own, plain-text limit is far above.
	return &http.Server{Handler: handler, ReadHeaderTimeout: headerTimeout, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: dhttp.ServerMaxHeaderBytes}
}

// idleBody gives each read of a request body its own deadline: the client
// must send the next bytes within d of being asked for them. Once the body
// is read to its end the deadline is lifted, so the connection stays
// usable however long the handler then works. A body left unread keeps
// its deadline: the server's own reading of the rest, before it answers,
// cuts off a stalled client too (and closes the connection).
type idleBody struct {
	io.ReadCloser
	rc *http.ResponseController
	d  time.Duration
}

func (b *idleBody) arm() { b.rc.SetReadDeadline(time.Now().Add(b.d)) }

func (b *idleBody) Read(p []byte) (int, error) {
	b.arm()
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.rc.SetReadDeadline(time.Time{})
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = archive.Wrapf("", archive.EINVALID, err, "the request body stopped arriving: no bytes for %s", b.d)
	}
	return n, err
}

// dataDirSpace reports the bytes free to dossier (not counting blocks
// reserved for root) and the size of the file system holding dir.
func dataDirSpace(dir string) func() (free, total uint64, err error) {
	return func() (uint64, uint64, error) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			return 0, 0, err
		}
		return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
	}
}

// printLoginHelp tells a new user how to get in: the API takes bearer
// tokens, and the first administrator is created from the command line.
func printLoginHelp(ctx context.Context, svc *service.Service, cfg config, addr string) {
	n, err := svc.CountUsers(ctx)
	if err != nil {
		return
	}
	flags := dataDirFlag(cfg)
	switch {
	case n > 0 && printDemoHelp(os.Stdout, cfg, addr):
		fmt.Printf("an API token for a demo user: bin/dossier user token%s --name NAME\n", flags)
	case n == 0:
		fmt.Printf("no users yet: create the first administrator (works while this server runs):\n")
		fmt.Printf("  bin/dossier user add%s --name admin --role admin\n", flags)
	default:
		fmt.Printf("%d users; add one with: bin/dossier user add%s --name NAME --role ROLE\n", n, flags)
	}
	fmt.Printf("then call the API with the printed token, e.g.:\n")
	fmt.Printf("  curl -H 'Authorization: Bearer <token>' http://%s/api/v1/cases\n", addr)
	fmt.Printf("API description: http://%s/api/v1/openapi.json\n", addr)
}

// openServing opens everything a writing service needs: the font (without
// one no notice can be issued, so this refuses to start and says how to
// fix it rather than fail at the first decision), notice and report
// rendering, the store, projection, index and the audit log. closeAll
// closes the audit log, then the rest.
func openServing(ctx context.Context, cfg config) (a *app, font *render.Font, closeAll func(), err error) {
	if font, err = render.LoadFont(cfg.FontDir); err != nil {
		return nil, nil, nil, err
	}
	notices, err := render.NewNotices(font, render.NoticeOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.renderer, cfg.reports = notices, registers.NewReports(font)
	if a, closeAll, err = openAudited(ctx, cfg); err != nil {
		return nil, nil, nil, err
	}
	return a, font, closeAll, nil
}
