package main

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/notices"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	"dossier/archive/s3store"
	"dossier/search"
)

var fondsRE = regexp.MustCompile(`^[A-Z0-9]{4}$`)

// config is every setting; each is a flag and a DOSSIER_* variable.
type config struct {
	DataDir    string
	Listen     string
	S3Endpoint string
	AccessKey  string
	SecretKey  string
	Bucket     string
	Region     string
	TLS        bool
	// ObjectLock creates a missing bucket with Object Lock; WORMMode is
	// the retention mode of archived objects.
	ObjectLock bool
	WORMMode   string
	// S3Timeout bounds each call to the S3 store.
	S3Timeout time.Duration
	MaxUpload int64
	Catalogue string
	Calendar  string
	FontDir   string
	PublicURL string
	Agency    string
	Fonds     string
	// SecureCookies marks the web session cookie Secure (also on when
	// the public URL is https).
	SecureCookies bool
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []string
	// MinFree is the free space of the data dir under which /readyz
	// fails.
	MinFree int64
	// BodyTimeout cuts off a client that stops sending its request body.
	BodyTimeout time.Duration
	// renderer draws notices (serve sets it).
	renderer notices.Renderer
	reports  service.Renderers
}

func storageFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data-dir", Value: "./data", EnvVars: []string{"DOSSIER_DATA_DIR"}, Usage: "BoltDB, index and the embedded object store"},
		&cli.StringFlag{Name: "s3-endpoint", EnvVars: []string{"DOSSIER_S3_ENDPOINT"}, Usage: "S3 endpoint host:port; empty = embedded store in the data dir"},
		&cli.StringFlag{Name: "s3-access-key", EnvVars: []string{"DOSSIER_S3_ACCESS_KEY"}, Usage: "S3 access key"},
		&cli.StringFlag{Name: "s3-secret-key", EnvVars: []string{"DOSSIER_S3_SECRET_KEY"}, Usage: "S3 secret key"},
		&cli.StringFlag{Name: "s3-bucket", Value: "dossier", EnvVars: []string{"DOSSIER_S3_BUCKET"}, Usage: "bucket, created if missing"},
		&cli.StringFlag{Name: "s3-region", Value: "us-east-1", EnvVars: []string{"DOSSIER_S3_REGION"}, Usage: "S3 region"},
		&cli.BoolFlag{Name: "s3-tls", EnvVars: []string{"DOSSIER_S3_TLS"}, Usage: "use https to reach S3"},
		&cli.BoolFlag{Name: "s3-object-lock", EnvVars: []string{"DOSSIER_S3_OBJECT_LOCK"}, Usage: "create a missing bucket with Object Lock (WORM); it cannot be enabled later"},
		&cli.DurationFlag{Name: "s3-timeout", Value: s3store.DefaultTimeout, EnvVars: []string{"DOSSIER_S3_TIMEOUT"}, Usage: "how long the S3 store may keep a call waiting: a metadata call or small object must be answered, a streamed content must move bytes, within it (then 503)"},
		&cli.StringFlag{Name: "worm-mode", Value: "compliance", EnvVars: []string{"DOSSIER_WORM_MODE"}, Usage: "Object Lock mode of archived objects: compliance (nobody can shorten it) or governance"},
		&cli.Int64Flag{Name: "max-upload", Value: 50 << 20, EnvVars: []string{"DOSSIER_MAX_UPLOAD"}, Usage: "largest material in bytes"},
		&cli.StringFlag{Name: "catalogue", EnvVars: []string{"DOSSIER_CATALOGUE"}, Usage: "business catalogue JSON overriding the built-in one"},
		&cli.StringFlag{Name: "calendar", EnvVars: []string{"DOSSIER_CALENDAR"}, Usage: "working-day calendar JSON extending the built-in 2025–2026 one"},
	}
}

func serveFlags() []cli.Flag {
	return append(storageFlags(),
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", EnvVars: []string{"DOSSIER_LISTEN"}, Usage: "HTTP listen address"},
		&cli.StringFlag{Name: "font-dir", EnvVars: []string{"DOSSIER_FONT_DIR"}, Usage: "directory with wqy-microhei.ttc for PDFs (default: system fonts)"},
		&cli.StringFlag{Name: "public-url", EnvVars: []string{"DOSSIER_PUBLIC_URL"}, Usage: "URL the public reaches this service at, printed on notices for verification (default: http://<listen>)"},
		&cli.StringFlag{Name: "agency", Value: "某市社会保险事业管理中心", EnvVars: []string{"DOSSIER_AGENCY"}, Usage: "issuing agency printed on notices"},
		&cli.StringFlag{Name: "fonds", Value: "Z109", EnvVars: []string{"DOSSIER_FONDS"}, Usage: "全宗号 of archive numbers (4 letters or digits)"},
		&cli.StringSliceFlag{Name: "trusted-proxy", EnvVars: []string{"DOSSIER_TRUSTED_PROXIES"}, Usage: "address or CIDR of a reverse proxy whose X-Forwarded-For names the client (repeat, or comma-separated); none by default"},
		&cli.DurationFlag{Name: "body-timeout", Value: 30 * time.Second, EnvVars: []string{"DOSSIER_BODY_TIMEOUT"}, Usage: "longest wait for the next bytes of a request body before the client is cut off (headers: 10s)"},
		&cli.Int64Flag{Name: "min-free", Value: 512 << 20, EnvVars: []string{"DOSSIER_MIN_FREE"}, Usage: "bytes that must stay free in the data dir; /readyz fails under it (writes then soon fail with 507)"},
		&cli.BoolFlag{Name: "secure-cookies", EnvVars: []string{"DOSSIER_SECURE_COOKIES"}, Usage: "mark the web session cookie Secure and send HSTS, for https behind a proxy (on by itself when --public-url is https)"},
	)
}

func loadConfig(c *cli.Context) (config, error) {
	cfg := config{
		DataDir:    c.String("data-dir"),
		Listen:     c.String("listen"),
		S3Endpoint: c.String("s3-endpoint"),
		AccessKey:  c.String("s3-access-key"),
		SecretKey:  c.String("s3-secret-key"),
		Bucket:     c.String("s3-bucket"),
		Region:     c.String("s3-region"),
		TLS:        c.Bool("s3-tls"),
		ObjectLock: c.Bool("s3-object-lock"),
		WORMMode:   strings.ToUpper(c.String("worm-mode")),
		S3Timeout:  c.Duration("s3-timeout"),
		MaxUpload:  c.Int64("max-upload"),
		Catalogue:  c.String("catalogue"),
		Calendar:   c.String("calendar"),
		FontDir:    c.String("font-dir"),
		PublicURL:  c.String("public-url"),
		Agency:     c.String("agency"),
		Fonds:      c.String("fonds"),
	}
	cfg.TrustedProxies = c.StringSlice("trusted-proxy")
	cfg.MinFree = c.Int64("min-free")
	if cfg.S3Timeout <= 0 {
		return cfg, fmt.Errorf("--s3-timeout (DOSSIER_S3_TIMEOUT) must be a positive duration such as 5s, not %v", cfg.S3Timeout)
	}
	// Flags the command does not have read as zero.
	if cfg.BodyTimeout = c.Duration("body-timeout"); cfg.BodyTimeout < 0 {
		return cfg, fmt.Errorf("--body-timeout (DOSSIER_BODY_TIMEOUT) must be a positive duration such as 30s, not %v", cfg.BodyTimeout)
	}
	if cfg.MinFree < 0 {
		return cfg, fmt.Errorf("--min-free (DOSSIER_MIN_FREE) must be a number of bytes, not %d", cfg.MinFree)
	}
	for _, p := range cfg.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return cfg, fmt.Errorf("--trusted-proxy (DOSSIER_TRUSTED_PROXIES): %q is not an IP address or CIDR", p)
		}
	}
	cfg.SecureCookies = c.Bool("secure-cookies") || strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://")
	if cfg.Fonds != "" && !fondsRE.MatchString(cfg.Fonds) {
		return cfg, fmt.Errorf("--fonds (DOSSIER_FONDS) must be 4 capital letters or digits, not %q", cfg.Fonds)
	}
	if cfg.WORMMode != "COMPLIANCE" && cfg.WORMMode != "GOVERNANCE" {
		return cfg, fmt.Errorf("--worm-mode (DOSSIER_WORM_MODE) must be compliance or governance, not %q", c.String("worm-mode"))
	}
	if cfg.PublicURL == "" && cfg.Listen != "" {
		cfg.PublicURL = "http://" + cfg.Listen
	}
	if cfg.DataDir == "" {
		return cfg, fmt.Errorf("--data-dir (DOSSIER_DATA_DIR) must not be empty")
	}
	if cfg.MaxUpload <= 0 {
		return cfg, fmt.Errorf("--max-upload (DOSSIER_MAX_UPLOAD) must be a positive number of bytes, not %d", cfg.MaxUpload)
	}
	return cfg, nil
}

// storeDescription says where the record lives, for start-up messages.
func (cfg config) storeDescription() string {
	if cfg.S3Endpoint == "" {
		return "embedded store in " + filepath.Join(cfg.DataDir, "store")
	}
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
	}
	return fmt.Sprintf("S3 bucket %s at %s://%s", cfg.Bucket, scheme, cfg.S3Endpoint)
}

func openStore(ctx context.Context, cfg config) (archive.ObjectStore, error) {
	return openStoreFor(ctx, cfg, false)
}

// openExistingStore opens a store that must exist already, for commands
// that check or read one (verify, export, retain): a mistyped data dir or
// bucket is an error naming it, not an empty store created on the spot
// that then passes every check.
func openExistingStore(ctx context.Context, cfg config) (archive.ObjectStore, error) {
	return openStoreFor(ctx, cfg, true)
}

func openStoreFor(ctx context.Context, cfg config, mustExist bool) (archive.ObjectStore, error) {
	if mustExist && cfg.S3Endpoint == "" {
		dir := filepath.Join(cfg.DataDir, "store")
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no object store in %s: check --data-dir / DOSSIER_DATA_DIR, or the DOSSIER_S3_* settings", dir)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if cfg.S3Endpoint == "" {
		return diskstore.Open(filepath.Join(cfg.DataDir, "store"))
	}
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	st, err := s3store.Open(ctx, s3store.Config{
		Endpoint: cfg.S3Endpoint, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		Bucket: cfg.Bucket, Region: cfg.Region, TLS: cfg.TLS, TempDir: tmp,
		ObjectLock: cfg.ObjectLock, WORMMode: cfg.WORMMode, MustExist: mustExist, Timeout: cfg.S3Timeout,
	})
	if mustExist && archive.IsCode(err, archive.ENOTFOUND) {
		return nil, fmt.Errorf("%s: check --s3-bucket / DOSSIER_S3_BUCKET", archive.ErrorMessage(err))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// app is everything a command works with.
type app struct {
	svc   *service.Service
	db    *boltdb.DB
	index *search.Index
	// indexRebuilt is set when the index was (re)created empty and every
	// case must be queued for it.
	indexRebuilt bool
	// opts wired svc; withClock makes more services like it.
	opts service.Options
}

// withClock returns a Service on the same parts as a.svc with another
// clock (the demo writes the past).
func (a *app) withClock(now func() time.Time) *service.Service {
	o := a.opts
	o.Now = now
	return service.New(o)
}

// Close closes the index and BoltDB.
func (a *app) Close() {
	a.index.Close()
	a.db.Close()
}

// openAll opens the store, the projection, the search index and the
// service on them. audit, when not nil, is opened on the same store and
// records every write.
func openAll(ctx context.Context, cfg config, audit func(archive.ObjectStore) (*audit.AuditLog, error)) (*app, error) {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	opts := service.Options{Store: store, MaxUpload: cfg.MaxUpload,
		Agency: cfg.Agency, PublicURL: cfg.PublicURL, Fonds: cfg.Fonds, Renderer: cfg.renderer, Reports: cfg.reports}
	if cfg.Catalogue != "" {
		if opts.Catalogue, err = refdata.LoadCatalogueFile(cfg.Catalogue); err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", cfg.Catalogue, err)
		}
	}
	if cfg.Calendar != "" {
		if opts.Calendar, err = refdata.LoadCalendarFile(cfg.Calendar); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", cfg.Calendar, err)
		}
	}
	db, err := boltdb.Open(filepath.Join(cfg.DataDir, "dossier.db"))
	if err != nil {
		return nil, err
	}
	opts.Projection, opts.Users = db, db
	idx, rebuilt, err := search.Open(filepath.Join(cfg.DataDir, "index"), opts.Catalogue)
	if err != nil {
		db.Close()
		return nil, err
	}
	opts.Index = idx
	a := &app{db: db, index: idx, indexRebuilt: rebuilt}
	if audit != nil {
		if opts.Audit, err = audit(store); err != nil {
			a.Close()
			return nil, fmt.Errorf("open the audit log: %w", err)
		}
	}
	a.svc, a.opts = service.New(opts), opts
	return a, nil
}

// openAudited is openAll with the audit log on the store, which every
// command that writes records its changes in (and which vouches for the
// case events it stores). closeAll closes the audit log, then the rest.
func openAudited(ctx context.Context, cfg config) (a *app, closeAll func(), err error) {
	var log *audit.AuditLog
	a, err = openAll(ctx, cfg, func(store archive.ObjectStore) (*audit.AuditLog, error) {
		var err error
		log, err = audit.OpenAuditLog(ctx, store, time.Now)
		return log, err
	})
	if err != nil {
		return nil, nil, err
	}
	return a, func() { log.Close(); a.Close() }, nil
}
