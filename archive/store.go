package archive

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
)

// ObjectInfo describes one object in the store.
type ObjectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// BlobOptions tunes a content-addressed put.
type BlobOptions struct {
	// ExpectedSHA256, when set (lowercase hex), must equal the hash of the
	// content; on mismatch nothing is stored and the error is EINVALID.
	ExpectedSHA256 string
	// MaxSize, when > 0, is the largest accepted content; more is ETOOLARGE
	// and nothing is stored.
	MaxSize int64
	// ContentType is recorded with the object where the back end can.
	ContentType string
}

// BlobInfo is the result of a content-addressed put.
type BlobInfo struct {
	Key    string // blobs/sha256/<hex>
	SHA256 string
	Size   int64
	// Existed is true when the same content was already stored; the put was
	// then a no-op.
	Existed bool
}

// ListPage is one page of a listing in key order.
type ListPage struct {
	Objects []ObjectInfo
	// Next is the key to pass as after for the following page; empty when
	// this was the last page.
	Next string
}

// BlobStore stores content-addressed material contents.
type BlobStore interface {
	// PutBlob streams r into blobs/sha256/<hex>, hashing while it reads.
	// It never overwrites: storing content that exists is a successful
	// no-op. Errors: ETOOLARGE over opts.MaxSize, EINVALID on a hash
	// mismatch (nothing is stored in either case), EUNAVAILABLE when the
	// store cannot be reached.
	PutBlob(ctx context.Context, r io.Reader, opts BlobOptions) (BlobInfo, error)
}

// ObjectGetter reads objects.
type ObjectGetter interface {
	// Get streams an object. Errors: ENOTFOUND, EUNAVAILABLE.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
}

// ObjectStore is the system of record. Both back ends (S3 and the local
// directory) implement it and pass archive/storetest.
type ObjectStore interface {
	BlobStore
	ObjectGetter
	// Create stores a small object only if key does not exist yet (S3
	// If-None-Match: *). Errors: ECONFLICT when the key exists, EINVALID
	// for a malformed key, EUNAVAILABLE.
	Create(ctx context.Context, key string, data []byte) error
	// Stat describes an object. Errors: ENOTFOUND, EUNAVAILABLE.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List returns up to limit objects whose keys start with prefix and sort
	// after after, in key order.
	List(ctx context.Context, prefix, after string, limit int) (ListPage, error)
	// Walk calls fn for every object under prefix in key order; an error
	// from fn stops the walk and is returned.
	Walk(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Delete removes an object; deleting a missing key is not an error.
	// Errors: EFORBIDDEN when retention forbids it, EUNAVAILABLE.
	Delete(ctx context.Context, key string) error
	// Ping checks that the store answers. Errors: EUNAVAILABLE.
	Ping(ctx context.Context) error
}

// WORMStatus says whether a store keeps objects write-once (S3 Object
// Lock) and in which mode retention is applied.
type WORMStatus struct {
	// Enabled is true when the bucket has Object Lock.
	Enabled bool `json:"enabled"`
	// Mode is COMPLIANCE or GOVERNANCE when Enabled.
	Mode string `json:"mode,omitempty"`
	// Detail explains the status for people (e.g. why it is off).
	Detail string `json:"detail,omitempty"`
}

// Retainer is implemented by stores that can keep objects under WORM
// retention. Stores without it (the embedded directory store) report WORM
// as off. While an object is retained, Delete fails with EFORBIDDEN and it
// cannot be overwritten.
type Retainer interface {
	// WORM reports whether retention is enforced. Errors: EUNAVAILABLE.
	WORM(ctx context.Context) (WORMStatus, error)
	// Retain keeps key unchangeable until the given time; the zero time
	// means permanent (永久: S3 stores retain until 9999-12-31, in the
	// configured mode rather than with a legal hold, which dossier's own
	// credentials could lift). It only ever extends a retention; a shorter
	// or equal one is a no-op, so objects shared by several cases (blobs)
	// keep the longest. Errors: ENOTFOUND, EUNSUPPORTED when WORM is off,
	// EFORBIDDEN when the store refuses the change, EUNAVAILABLE.
	Retain(ctx context.Context, key string, until time.Time) error
}

// ValidateKey checks that key is a safe object key: relative, slash
// separated, no empty, "." or ".." segments, printable ASCII only. Both back
// ends call it so that a key can never become a path outside the store.
func ValidateKey(key string) error {
	if key == "" || len(key) > 512 {
		return Errorf(EINVALID, "object key must be 1 to 512 characters")
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c <= 0x20 || c >= 0x7f || c == '\\' {
			return Errorf(EINVALID, "object key %q has a character that is not allowed at position %d", key, i)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return Errorf(EINVALID, "object key %q has an empty, \".\" or \"..\" segment", key)
		}
	}
	return nil
}

// ValidateSHA256 checks a lowercase hex SHA-256.
func ValidateSHA256(sum string) error {
	if len(sum) != 64 {
		return Errorf(EINVALID, "sha256 must be 64 lowercase hex characters")
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return Errorf(EINVALID, "sha256 must be 64 lowercase hex characters")
		}
	}
	return nil
}

// CheckBlobOptions validates opts before any byte is read.
func CheckBlobOptions(opts BlobOptions) error {
	if opts.ExpectedSHA256 != "" {
		return ValidateSHA256(opts.ExpectedSHA256)
	}
	return nil
}

// ReadAll reads a whole small object.
func ReadAll(ctx context.Context, s ObjectGetter, key string) ([]byte, error) {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, E("archive.ReadAll", EUNAVAILABLE, err)
	}
	return b, nil
}

// IsCode reports whether err carries code.
func IsCode(err error, code string) bool {
	var e *Error
	for errors.As(err, &e) {
		if e.Code == code {
			return true
		}
		err = e.Err
	}
	return false
}

// LastKey returns the greatest key under prefix, "" when there is none.
func LastKey(ctx context.Context, store ObjectStore, prefix string) (string, error) {
	last, after := "", ""
	for {
		page, err := store.List(ctx, prefix, after, 1000)
		if err != nil {
			return "", err
		}
		if len(page.Objects) > 0 {
			last = page.Objects[len(page.Objects)-1].Key
		}
		if page.Next == "" {
			return last, nil
		}
		after = page.Next
	}
}

// ReadCasePointer reads a pointer object — a 档号's or a verification
// code's — and returns the id of the case it names. Errors: missing when
// there is no such pointer; EINTERNAL for a damaged one; EUNAVAILABLE.
func ReadCasePointer(ctx context.Context, store ObjectGetter, key string, missing error) (string, error) {
	b, err := ReadAll(ctx, store, key)
	if IsCode(err, ENOTFOUND) {
		return "", missing
	}
	if err != nil {
		return "", err
	}
	var ptr struct {
		CaseID string `json:"case_id"`
	}
	if err := json.Unmarshal(b, &ptr); err != nil || !ValidCaseID(ptr.CaseID) {
		return "", Wrapf("archive.ReadCasePointer", EINTERNAL, err, "%s is damaged", key)
	}
	return ptr.CaseID, nil
}
