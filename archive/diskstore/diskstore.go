// Package diskstore is the embedded object store: a directory on the local
// file system. It is the default for a single machine with no S3 at hand.
package diskstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"dossier/archive"
	"dossier/archive/changes"
	"dossier/archive/staging"
)

// Store keeps objects as files under Root/objects and stages writes in
// Root/tmp on the same file system so that publishing is one link(2).
type Store struct {
	objects string
	tmp     string
	changes changes.ChangeFeed
}

var (
	_ archive.ObjectStore = (*Store)(nil)
	_ changes.Watcher     = (*Store)(nil)
)

// Open creates the directories under root if needed.
func Open(root string) (*Store, error) {
	s := &Store{objects: filepath.Join(root, "objects"), tmp: filepath.Join(root, "tmp")}
	for _, d := range []string{s.objects, s.tmp} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, staging.WriteErr("diskstore.Open", err)
		}
	}
	return s, nil
}

func (s *Store) path(key string) string {
	return filepath.Join(s.objects, filepath.FromSlash(key))
}

// PutBlob implements archive.BlobStore.
func (s *Store) PutBlob(ctx context.Context, r io.Reader, opts archive.BlobOptions) (archive.BlobInfo, error) {
	const op = "diskstore.PutBlob"
	if err := archive.CheckBlobOptions(opts); err != nil {
		return archive.BlobInfo{}, err
	}
	f, err := os.CreateTemp(s.tmp, "blob-*")
	if err != nil {
		return archive.BlobInfo{}, staging.WriteErr(op, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	hr := staging.NewHashingReader(r, opts.MaxSize)
	if _, err := staging.CopyUpload(op, f, ctxReader{ctx, hr}); err != nil {
		return archive.BlobInfo{}, err
	}
	if err := hr.Check(opts); err != nil {
		return archive.BlobInfo{}, err
	}
	info := archive.BlobInfo{SHA256: hr.Sum(), Size: hr.Size()}
	info.Key = archive.BlobKey(info.SHA256)
	if err := f.Sync(); err != nil {
		return archive.BlobInfo{}, staging.WriteErr(op, err)
	}
	err = s.publish(f.Name(), info.Key)
	if archive.IsCode(err, archive.ECONFLICT) {
		info.Existed = true
		return info, nil
	}
	return info, err
}

// publish links the staged file to key; link(2) fails when the target
// exists, which makes the publish atomic and never overwriting.
func (s *Store) publish(staged, key string) error {
	const op = "diskstore.publish"
	dst := s.path(key)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return staging.WriteErr(op, err)
	}
	if err := os.Link(staged, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return archive.Errorf(archive.ECONFLICT, "object %s exists already", key)
		}
		return staging.WriteErr(op, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	s.changes.Tell(changes.Change{Key: key, At: time.Now()})
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return staging.WriteErr("diskstore.syncDir", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return staging.WriteErr("diskstore.syncDir", err)
	}
	return nil
}

// Create implements archive.ObjectStore: O_EXCL staging file, fsync, then
// link to the key.
func (s *Store) Create(ctx context.Context, key string, data []byte) error {
	const op = "diskstore.Create"
	if err := archive.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return archive.E(op, archive.EUNAVAILABLE, err)
	}
	f, err := os.CreateTemp(s.tmp, "obj-*")
	if err != nil {
		return staging.WriteErr(op, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return staging.WriteErr(op, err)
	}
	if err := f.Sync(); err != nil {
		return staging.WriteErr(op, err)
	}
	return s.publish(f.Name(), key)
}

// Get implements archive.ObjectGetter.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, archive.ObjectInfo, error) {
	if err := archive.ValidateKey(key); err != nil {
		return nil, archive.ObjectInfo{}, err
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, archive.ObjectInfo{}, fileErr("diskstore.Get", key, err)
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, archive.ObjectInfo{}, archive.Errorf(archive.ENOTFOUND, "object %s does not exist", key)
	}
	return f, archive.ObjectInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Stat implements archive.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (archive.ObjectInfo, error) {
	if err := archive.ValidateKey(key); err != nil {
		return archive.ObjectInfo{}, err
	}
	st, err := os.Stat(s.path(key))
	if err != nil {
		return archive.ObjectInfo{}, fileErr("diskstore.Stat", key, err)
	}
	if st.IsDir() {
		return archive.ObjectInfo{}, archive.Errorf(archive.ENOTFOUND, "object %s does not exist", key)
	}
	return archive.ObjectInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

func fileErr(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return archive.Errorf(archive.ENOTFOUND, "object %s does not exist", key)
	}
	return archive.E(op, archive.EUNAVAILABLE, err)
}

// Delete implements archive.ObjectStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := archive.ValidateKey(key); err != nil {
		return err
	}
	err := os.Remove(s.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return archive.E("diskstore.Delete", archive.EUNAVAILABLE, err)
	}
	if err == nil {
		s.changes.Tell(changes.Change{Key: key, Removed: true, At: time.Now()})
	}
	return nil
}

// Ping implements archive.ObjectStore.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := os.Stat(s.objects); err != nil {
		return archive.E("diskstore.Ping", archive.EUNAVAILABLE, err)
	}
	return nil
}

var errStop = errors.New("stop")

// List implements archive.ObjectStore.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) (archive.ListPage, error) {
	if limit <= 0 {
		limit = 1000
	}
	var page archive.ListPage
	err := s.walk(ctx, prefix, after, func(oi archive.ObjectInfo) error {
		if len(page.Objects) == limit {
			page.Next = page.Objects[limit-1].Key
			return errStop
		}
		page.Objects = append(page.Objects, oi)
		return nil
	})
	if err != nil && err != errStop {
		return archive.ListPage{}, err
	}
	return page, nil
}

// Walk implements archive.ObjectStore.
func (s *Store) Walk(ctx context.Context, prefix string, fn func(archive.ObjectInfo) error) error {
	return s.walk(ctx, prefix, "", fn)
}

// walk visits files in the byte order of their keys. A directory's entries
// are sorted as if directories carried their trailing slash, which is what
// makes file order equal key order ("a-b" sorts before "a/c").
func (s *Store) walk(ctx context.Context, prefix, after string, fn func(archive.ObjectInfo) error) error {
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i+1]
	}
	return s.walkDir(ctx, dir, prefix, after, fn)
}

func (s *Store) walkDir(ctx context.Context, dir, prefix, after string, fn func(archive.ObjectInfo) error) error {
	if err := ctx.Err(); err != nil {
		return archive.E("diskstore.List", archive.EUNAVAILABLE, err)
	}
	entries, err := os.ReadDir(filepath.Join(s.objects, filepath.FromSlash(dir)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return archive.E("diskstore.List", archive.EUNAVAILABLE, err)
	}
	type item struct {
		key string
		dir bool
	}
	items := make([]item, 0, len(entries))
	for _, e := range entries {
		k := dir + e.Name()
		if e.IsDir() {
			k += "/"
		}
		items = append(items, item{k, e.IsDir()})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	for _, it := range items {
		if it.dir {
			// Skip directories entirely outside the prefix or before after.
			if !strings.HasPrefix(it.key, prefix) && !strings.HasPrefix(prefix, it.key) {
				continue
			}
			if after != "" && it.key < after && !strings.HasPrefix(after, it.key) {
				continue
			}
			if err := s.walkDir(ctx, it.key, prefix, after, fn); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(it.key, prefix) || (after != "" && it.key <= after) {
			continue
		}
		st, err := os.Stat(s.path(it.key))
		if err != nil {
			continue // removed while walking
		}
		if err := fn(archive.ObjectInfo{Key: it.key, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
