// Package s3store keeps dossier's objects in an S3-compatible bucket through
// minio-go. Only plain S3 calls are used (conditional PUT with
// If-None-Match, listing with StartAfter), plus Object Lock when the bucket
// has it.
package s3store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"dossier/archive"
	"dossier/archive/changes"
	"dossier/archive/staging"
)

// Config says how to reach the bucket.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	TLS       bool
	// TempDir is where uploads larger than MemoryLimit are staged while they
	// are hashed; empty means the system temp dir.
	TempDir string
	// ObjectLock asks for a bucket created with Object Lock enabled (when
	// Open creates it; Object Lock cannot be turned on later).
	ObjectLock bool
	// WORMMode is the Object Lock mode Retain applies: COMPLIANCE (the
	// default; nobody can shorten or lift it) or GOVERNANCE (users with
	// s3:BypassGovernanceRetention can).
	WORMMode string
	// MustExist makes Open fail with ENOTFOUND when the bucket does not
	// exist, instead of creating it (for commands that only read a store).
	MustExist bool
	// Timeout is how long the store may keep a call waiting
	// (DOSSIER_S3_TIMEOUT): a metadata call or small object must be
	// answered within it, a streamed blob must move bytes within it. 0
	// means DefaultTimeout.
	Timeout time.Duration
}

// MemoryLimit is the largest upload staged in memory; larger ones are
// staged in a temporary file, so memory does not grow with upload size.
const MemoryLimit = 8 << 20

// Store implements archive.ObjectStore on one bucket.
type Store struct {
	c      *minio.Client
	core   *minio.Core
	bucket string
	tmp    string
	bufs   sync.Pool
	mode   minio.RetentionMode
	// timeout bounds every call (see watch).
	timeout time.Duration
	// locked is set when the bucket has Object Lock: it is then versioned,
	// and Delete removes versions rather than hiding them behind a delete
	// marker.
	locked atomic.Bool
	// changes reports this process's writes to its watchers.
	changes changes.ChangeFeed
}

var (
	_ archive.ObjectStore = (*Store)(nil)
	_ archive.Retainer    = (*Store)(nil)
	_ changes.Watcher     = (*Store)(nil)
)

// Open connects and creates the bucket if it is missing. Errors:
// EUNAVAILABLE when the endpoint does not answer, EINVALID for a bad
// configuration.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	const op = "s3store.Open"
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, archive.Errorf(archive.EINVALID, "S3 endpoint and bucket must be set")
	}
	tr, err := minio.DefaultTransport(cfg.TLS)
	if err != nil {
		return nil, archive.E(op, archive.EINTERNAL, err)
	}
	tr.MaxIdleConnsPerHost = 64
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.TLS,
		Region:    cfg.Region,
		Transport: tr,
		// A few quick retries ride out a blip; more would keep a user
		// waiting long before hearing that storage is unavailable.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, archive.Wrapf(op, archive.EINVALID, err, "bad S3 endpoint: %v", err)
	}
	mode := minio.RetentionMode(strings.ToUpper(cfg.WORMMode))
	if mode == "" {
		mode = minio.Compliance
	}
	if !mode.IsValid() {
		return nil, archive.Errorf(archive.EINVALID, "WORM mode must be compliance or governance, not %q", cfg.WORMMode)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	s := &Store{c: c, core: &minio.Core{Client: c}, bucket: cfg.Bucket, tmp: cfg.TempDir, mode: mode, timeout: cfg.Timeout}
	var ok bool
	err = s.bounded(ctx, op, "", func(ctx context.Context) (err error) {
		ok, err = c.BucketExists(ctx, cfg.Bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok && cfg.MustExist {
		return nil, archive.Errorf(archive.ENOTFOUND, "bucket %s does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	if !ok {
		err := s.bounded(ctx, op, "", func(ctx context.Context) error {
			err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: cfg.ObjectLock})
			if minio.ToErrorResponse(err).Code == "BucketAlreadyOwnedByYou" {
				return nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if _, _, err := s.lockConfig(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Client exposes the minio client for benchmarks that compare against raw
// minio-go on the same server.
func (s *Store) Client() *minio.Client { return s.c }

// Bucket is the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// bounded runs one call to the store within the store's timeout (see
// watch) and translates its error.
func (s *Store) bounded(ctx context.Context, op, key string, call func(ctx context.Context) error) error {
	w := s.watch(ctx)
	defer w.done()
	return w.err(s, op, key, call(w.ctx))
}

// err translates minio-go errors into archive codes at the edge.
func (s *Store) err(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ae *archive.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return archive.E(op, archive.EUNAVAILABLE, err)
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NotFound":
		return archive.Wrapf(op, archive.ENOTFOUND, err, "object %s does not exist", key)
	case "PreconditionFailed":
		return archive.Wrapf(op, archive.ECONFLICT, err, "object %s exists already", key)
	case "AccessDenied", "ObjectLocked", "InvalidRequest":
		if resp.StatusCode == http.StatusForbidden || resp.Code == "ObjectLocked" {
			return archive.Wrapf(op, archive.EFORBIDDEN, err, "object %s is protected: %s", key, resp.Message)
		}
	case "XAmzContentSHA256Mismatch", "BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest":
		return archive.Wrapf(op, archive.EINVALID, err, "the content arrived at the object store damaged: its hash does not match")
	case "InvalidBucketName", "XMinioInvalidObjectName", "KeyTooLongError":
		return archive.Wrapf(op, archive.EINVALID, err, "the object store refused the name: %s", resp.Message)
	case "NoSuchBucket":
		return archive.Wrapf(op, archive.EUNAVAILABLE, err, "bucket %s does not exist", s.bucket)
	case "XMinioStorageFull", "XMinioAdminBucketQuotaExceeded":
		return archive.Full(op, err)
	case "IncompleteBody":
		return archive.Wrapf(op, archive.EUNAVAILABLE, err, "the object store stopped receiving the content (it may be out of space); nothing was stored")
	}
	// MinIO also answers a drive that filled up mid-write with a 500
	// whose message names the cause.
	if resp.StatusCode == http.StatusInsufficientStorage || strings.Contains(resp.Message, "no space left on device") {
		return archive.Full(op, err)
	}
	var ne net.Error
	if errors.As(err, &ne) || resp.StatusCode == 0 || resp.StatusCode >= 500 {
		return archive.Wrapf(op, archive.EUNAVAILABLE, err, "object store unavailable")
	}
	return archive.E(op, archive.EINTERNAL, err)
}

// PutBlob implements archive.BlobStore. The content is staged (in memory up
// to MemoryLimit, then in a temp file) while it is hashed, because its key
// is its hash; then it is sent with If-None-Match: * so an existing blob is
// never overwritten.
func (s *Store) PutBlob(ctx context.Context, r io.Reader, opts archive.BlobOptions) (archive.BlobInfo, error) {
	const op = "s3store.PutBlob"
	if err := archive.CheckBlobOptions(opts); err != nil {
		return archive.BlobInfo{}, err
	}
	hr := staging.NewHashingReader(r, opts.MaxSize)
	buf := s.getBuf()
	defer s.bufs.Put(buf)
	// Writes to the buffer never fail: an error here is the client's.
	n, err := io.CopyN(buf, hr, MemoryLimit+1)
	if err != nil && err != io.EOF {
		return archive.BlobInfo{}, staging.ReadErr(op, err)
	}
	var body io.ReadSeeker = bytes.NewReader(buf.Bytes())
	if n > MemoryLimit {
		f, err := os.CreateTemp(s.tmp, "dossier-blob-*")
		if err != nil {
			return archive.BlobInfo{}, staging.WriteErr(op, err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := f.Write(buf.Bytes()); err != nil {
			return archive.BlobInfo{}, staging.WriteErr(op, err)
		}
		if _, err := staging.CopyUpload(op, f, hr); err != nil {
			return archive.BlobInfo{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return archive.BlobInfo{}, staging.WriteErr(op, err)
		}
		body = f
	}
	if err := hr.Check(opts); err != nil {
		return archive.BlobInfo{}, err
	}
	info := archive.BlobInfo{SHA256: hr.Sum(), Size: hr.Size()}
	info.Key = archive.BlobKey(info.SHA256)
	err = s.putHashed(ctx, info.Key, body, info.Size, opts.ContentType, info.SHA256)
	if archive.IsCode(err, archive.ECONFLICT) {
		info.Existed = true
		return info, nil
	}
	if err != nil {
		return archive.BlobInfo{}, err
	}
	return info, nil
}

func (s *Store) getBuf() *bytes.Buffer {
	if b, ok := s.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (s *Store) put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error {
	opts := minio.PutObjectOptions{ContentType: contentType, DisableMultipart: size <= 64<<20}
	if contentType == "" {
		opts.ContentType = "application/octet-stream"
	}
	opts.SetMatchETagExcept("*")
	w := s.watch(ctx)
	defer w.done()
	_, err := s.c.PutObject(w.ctx, s.bucket, key, body, size, opts)
	return w.writeErr(s, "s3store.put", key, err)
}

// putHashed sends content whose SHA-256 is already known. The hash signs
// the request as its payload hash (x-amz-content-sha256), so the server
// checks the bytes it received against it, and the client does not hash
// the content a second time as streaming signatures would.
func (s *Store) putHashed(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType, sum string) error {
	opts := minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: true}
	if contentType == "" {
		opts.ContentType = "application/octet-stream"
	}
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return archive.E("s3store.putHashed", archive.EINTERNAL, err)
	}
	// A checksum of our own also keeps minio-go from adding a CRC trailer,
	// which cannot go with a signed payload hash.
	opts.UserMetadata = map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(raw)}
	opts.SetMatchETagExcept("*")
	// The upload may take as long as it needs while the store takes in
	// bytes; once it has them all, it has the limit to answer.
	w := s.watch(ctx)
	defer w.done()
	in := progressReader{body, w}
	_, err = s.core.PutObject(w.ctx, s.bucket, key, in, size, "", sum, opts)
	if minio.ToErrorResponse(err).Code == "IncompleteBody" {
		// The body is ours, whole and replayable: the server stopped
		// reading it, as MinIO does when its drive fills mid-write. Once
		// more tells why (XMinioStorageFull) or gets it through.
		if _, serr := body.Seek(0, io.SeekStart); serr == nil {
			w.arm()
			_, err = s.core.PutObject(w.ctx, s.bucket, key, in, size, "", sum, opts)
		}
	}
	return w.writeErr(s, "s3store.put", key, err)
}

// Create implements archive.ObjectStore with a conditional PUT.
func (s *Store) Create(ctx context.Context, key string, data []byte) error {
	if err := archive.ValidateKey(key); err != nil {
		return err
	}
	if err := s.put(ctx, key, bytes.NewReader(data), int64(len(data)), "application/json"); err != nil {
		return err
	}
	s.changes.Tell(changes.Change{Key: key, At: time.Now()})
	return nil
}

// Get implements archive.ObjectGetter. The object is stat'ed first so that
// a missing key is reported before any byte is streamed.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, archive.ObjectInfo, error) {
	const op = "s3store.Get"
	if err := archive.ValidateKey(key); err != nil {
		return nil, archive.ObjectInfo{}, err
	}
	// One GET answers both the object's description and its body
	// (minio.Client.GetObject followed by Stat would first send a HEAD);
	// the body is read straight from the response, each read bounded by
	// the store's timeout.
	w := s.watch(ctx)
	body, st, _, err := s.core.GetObject(w.ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		err = w.err(s, op, key, err)
		w.done()
		return nil, archive.ObjectInfo{}, err
	}
	w.disarm()
	return &streamBody{ReadCloser: body, w: w, op: op}, archive.ObjectInfo{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Stat implements archive.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (archive.ObjectInfo, error) {
	if err := archive.ValidateKey(key); err != nil {
		return archive.ObjectInfo{}, err
	}
	var st minio.ObjectInfo
	err := s.bounded(ctx, "s3store.Stat", key, func(ctx context.Context) (err error) {
		st, err = s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
		return err
	})
	if err != nil {
		return archive.ObjectInfo{}, err
	}
	return archive.ObjectInfo{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// List implements archive.ObjectStore.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) (archive.ListPage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var page archive.ListPage
	err := s.bounded(ctx, "s3store.List", prefix, func(ctx context.Context) error {
		for oi := range s.c.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
			Prefix: prefix, StartAfter: after, Recursive: true, MaxKeys: limit + 1,
		}) {
			if oi.Err != nil {
				return oi.Err
			}
			if len(page.Objects) == limit {
				page.Next = page.Objects[limit-1].Key
				break
			}
			page.Objects = append(page.Objects, archive.ObjectInfo{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified})
		}
		return nil
	})
	if err != nil {
		return archive.ListPage{}, err
	}
	return page, nil
}

// Walk implements archive.ObjectStore. It lists page by page, each page
// one call bounded by the store's timeout, so that fn may take as long as
// it needs between them.
func (s *Store) Walk(ctx context.Context, prefix string, fn func(archive.ObjectInfo) error) error {
	after := ""
	for {
		page, err := s.List(ctx, prefix, after, 1000)
		if err != nil {
			return err
		}
		for _, oi := range page.Objects {
			if err := fn(oi); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}

// Delete implements archive.ObjectStore. On a bucket with Object Lock
// (always versioned) a plain DELETE would only hide the object behind a
// delete marker, and succeed even while it is retained; so every version
// of the key is removed by its id, and a retained one fails with
// EFORBIDDEN.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.delete(ctx, key); err != nil {
		return err
	}
	s.changes.Tell(changes.Change{Key: key, Removed: true, At: time.Now()})
	return nil
}

func (s *Store) delete(ctx context.Context, key string) error {
	const op = "s3store.Delete"
	if err := archive.ValidateKey(key); err != nil {
		return err
	}
	w := s.watch(ctx)
	defer w.done()
	ctx = w.ctx
	if !s.locked.Load() {
		return w.err(s, op, key, s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
	}
	for oi := range s.c.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: key, Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			return w.err(s, op, key, oi.Err)
		}
		if oi.Key != key {
			break // longer keys sort after all versions of key
		}
		err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: oi.VersionID})
		if err != nil && w.timedOut() {
			return w.notAnswering(op, err)
		}
		if err != nil {
			return s.lockErr(op, key, archive.Errorf(archive.EFORBIDDEN, "object %s is under WORM retention (S3 Object Lock) and cannot be deleted", key), err)
		}
	}
	return nil
}

// lockErr translates a refusal because of Object Lock into EFORBIDDEN
// saying what was refused: MinIO answers 400 InvalidRequest ("Object is
// WORM protected"), AWS 403 AccessDenied.
func (s *Store) lockErr(op, key string, refused *archive.Error, err error) error {
	switch resp := minio.ToErrorResponse(err); resp.Code {
	case "InvalidRequest", "AccessDenied", "ObjectLocked":
		return archive.Wrapf(op, archive.EFORBIDDEN, err, "%s: %s", refused, resp.Message)
	}
	return s.err(op, key, err)
}

// forever is the retain-until date of permanent (永久) records: the last
// day S3's date format can express. A far date in the configured mode is
// used rather than a legal hold because in COMPLIANCE mode nobody, not even
// the bucket's owner, can lift it, while anyone allowed
// s3:PutObjectLegalHold (dossier's own credentials) can remove a legal
// hold.
var forever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// lockConfig reads the bucket's Object Lock configuration: whether it is
// enabled and a note: its default retention rule, if any ("GOVERNANCE 30
// DAYS"), or why the configuration could not be read.
func (s *Store) lockConfig(ctx context.Context) (enabled bool, note string, err error) {
	w := s.watch(ctx)
	defer w.done()
	state, mode, validity, unit, err := s.c.GetObjectLockConfig(w.ctx, s.bucket)
	if err != nil && w.timedOut() {
		return false, "", w.notAnswering("s3store.WORM", err)
	}
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case "ObjectLockConfigurationNotFoundError", "NotImplemented":
			s.locked.Store(false)
			return false, "", nil
		case "AccessDenied":
			// Credentials without s3:GetBucketObjectLockConfiguration
			// must not keep the service from starting; WORM is then
			// reported off with the reason. The last known state stays.
			return false, "无法读取存储桶 " + s.bucket + " 的对象锁定配置（拒绝访问：请授予 s3:GetBucketObjectLockConfiguration 权限）", nil
		}
		return false, "", s.err("s3store.WORM", "", err)
	}
	enabled = state == "Enabled"
	s.locked.Store(enabled)
	if enabled && mode != nil && validity != nil && unit != nil {
		note = fmt.Sprintf("%s %d %s", *mode, *validity, *unit)
	}
	return enabled, note, nil
}

// WORM implements archive.Retainer: WORM is on when the bucket has Object
// Lock. Errors: EUNAVAILABLE.
func (s *Store) WORM(ctx context.Context) (archive.WORMStatus, error) {
	enabled, note, err := s.lockConfig(ctx)
	if err != nil {
		return archive.WORMStatus{}, err
	}
	if !enabled && note != "" {
		return archive.WORMStatus{Detail: "WORM 未启用：" + note}, nil
	}
	if !enabled {
		return archive.WORMStatus{Detail: "存储桶 " + s.bucket + " 未开启对象锁定（Object Lock），已归档的对象可被删除或覆盖；" +
			"对象锁定只能在创建存储桶时开启（DOSSIER_S3_OBJECT_LOCK=true 会在创建缺失的存储桶时开启它）"}, nil
	}
	st := archive.WORMStatus{Enabled: true, Mode: string(s.mode),
		Detail: "存储桶 " + s.bucket + " 已开启对象锁定（Object Lock）：已归档的对象以 " + string(s.mode) + " 模式保留至保管期结束"}
	if note != "" {
		st.Detail += "；存储桶的默认保留规则（" + note + "）还会锁定每个新写入的对象"
	}
	return st, nil
}

// Retain implements archive.Retainer with PutObjectRetention on the
// current version of key. It only extends: a retention ending at or after
// until is left alone, and a COMPLIANCE retention stays COMPLIANCE even
// when the store is configured for GOVERNANCE (S3 refuses to weaken it).
// A GOVERNANCE retention is raised to COMPLIANCE when that is the mode,
// which needs s3:BypassGovernanceRetention. Zero until means permanent
// (9999-12-31). Errors: ENOTFOUND, EUNSUPPORTED on a bucket without Object
// Lock, EFORBIDDEN when S3 refuses (e.g. no bypass permission), EUNAVAILABLE.
func (s *Store) Retain(ctx context.Context, key string, until time.Time) error {
	const op = "s3store.Retain"
	if err := archive.ValidateKey(key); err != nil {
		return err
	}
	if !s.locked.Load() {
		return archive.Errorf(archive.EUNSUPPORTED, "bucket %s has no Object Lock; objects cannot be retained", s.bucket)
	}
	if until.IsZero() {
		until = forever
	}
	until = until.UTC().Truncate(time.Second)
	var err error
	// A concurrent archiving of another case sharing a blob may extend it
	// between the read and the write; then S3 refuses ours if it is
	// shorter, and a second look finds the retention long enough.
	w := s.watch(ctx)
	defer w.done()
	for attempt := 0; attempt < 3; attempt++ {
		w.arm()
		cur, curUntil, gerr := s.c.GetObjectRetention(w.ctx, s.bucket, key, "")
		if gerr != nil && minio.ToErrorResponse(gerr).Code != "NoSuchObjectLockConfiguration" {
			return w.err(s, op, key, gerr)
		}
		if gerr == nil && curUntil != nil && !curUntil.Before(until) {
			return nil
		}
		mode, bypass := s.mode, false
		if cur != nil && *cur == minio.Compliance {
			mode = minio.Compliance
		}
		if cur != nil && *cur == minio.Governance && mode == minio.Compliance {
			bypass = true
		}
		err = s.c.PutObjectRetention(w.ctx, s.bucket, key, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until, GovernanceBypass: bypass})
		if err == nil {
			return nil
		}
		if w.timedOut() {
			return w.notAnswering(op, err)
		}
	}
	return s.lockErr(op, key, archive.Errorf(archive.EFORBIDDEN, "the object store refused to retain %s", key), err)
}

// Ping implements archive.ObjectStore. A store that does not answer in
// time is "not answering within 3s" (readiness names the store).
func (s *Store) Ping(ctx context.Context) error {
	w := s.watch(ctx)
	defer w.done()
	ok, err := s.c.BucketExists(w.ctx, s.bucket)
	if err != nil && w.timedOut() {
		return archive.Wrapf("s3store.Ping", archive.EUNAVAILABLE, err, "not answering within %s", w.limit)
	}
	if err != nil {
		return s.err("s3store.Ping", "", err)
	}
	if !ok {
		return archive.Errorf(archive.EUNAVAILABLE, "bucket %s does not exist", s.bucket)
	}
	return nil
}
