// Package staging is what the store adapters share for taking in
// uploads: hashing and counting the bytes as they stream, and telling a
// client's broken upload (400) from the server's full disk (507).
package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"

	"dossier/archive"
)

// HashingReader counts and hashes what passes through it and fails with
// archive.ETOOLARGE once more than Max bytes (when Max > 0) have been read. Both
// store back ends read uploads through it.
type HashingReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	max int64
}

// NewHashingReader wraps r; max ≤ 0 means no limit.
func NewHashingReader(r io.Reader, max int64) *HashingReader {
	return &HashingReader{r: r, h: sha256.New(), max: max}
}

func (h *HashingReader) Read(p []byte) (int, error) {
	if h.max > 0 && int64(len(p)) > h.max-h.n+1 {
		// Read at most one byte past the limit, enough to know it is over.
		p = p[:h.max-h.n+1]
	}
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if h.max > 0 && h.n > h.max {
		return n, archive.Errorf(archive.ETOOLARGE, "content is larger than the limit of %d bytes", archive.SizeArg(h.max))
	}
	return n, err
}

// Size is the number of bytes read so far.
func (h *HashingReader) Size() int64 { return h.n }

// Sum is the hex SHA-256 of what was read so far.
func (h *HashingReader) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// Check compares the hash with opts.ExpectedSHA256 once all was read.
func (h *HashingReader) Check(opts archive.BlobOptions) error {
	if opts.ExpectedSHA256 == "" {
		return nil
	}
	if got := h.Sum(); got != opts.ExpectedSHA256 {
		return archive.Errorf(archive.EINVALID, "content sha256 %s does not match the expected %s", got, opts.ExpectedSHA256)
	}
	return nil
}

// CopyUpload copies an upload from src into dst, a store's staging, and
// tells whose fault a failure is: the client's when src fails (archive.EINVALID,
// "could not be read to the end"; or the code src raised, such as
// archive.ETOOLARGE), the server's when dst does (WriteErr: EFULL when out of
// space). A full disk is never blamed on the client.
func CopyUpload(op string, dst io.Writer, src io.Reader) (int64, error) {
	w := &ErrWriter{W: dst}
	n, err := io.Copy(w, src)
	switch {
	case err == nil:
		return n, nil
	case w.Err != nil:
		return n, WriteErr(op, w.Err)
	}
	return n, ReadErr(op, err)
}

// ReadErr translates a failure to read an upload: codes raised by the
// reader chain (archive.ETOOLARGE, …) are kept, a cancelled or timed-out context
// is archive.EUNAVAILABLE, anything else is the client's content that could not be
// read to the end (archive.EINVALID).
func ReadErr(op string, err error) error {
	var ae *archive.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return archive.E(op, archive.EUNAVAILABLE, err)
	}
	return archive.Wrapf(op, archive.EINVALID, err, "the content could not be read to the end")
}

// WriteErr translates a failure to write the server's own files: out of
// space or quota is EFULL, anything else archive.EUNAVAILABLE.
func WriteErr(op string, err error) error {
	if archive.NoSpace(err) {
		return archive.Full(op, err)
	}
	return archive.E(op, archive.EUNAVAILABLE, err)
}

// ErrWriter remembers the error of its writer W, so that a copy can tell
// a failed write (Err set) from a failed read.
type ErrWriter struct {
	W   io.Writer
	Err error
}

// Write writes p to W, keeping W's error in Err.
func (e *ErrWriter) Write(p []byte) (int, error) {
	n, err := e.W.Write(p)
	if err != nil {
		e.Err = err
	}
	return n, err
}
