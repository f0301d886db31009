package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"

	"dossier/archive"
)

// errCorrupt ends a download whose bytes do not hash to what the case
// records: the last byte is withheld, so a client never receives the
// whole of a damaged file as if it were sound.
var errCorrupt = archive.Errorf(archive.EINTERNAL, "the stored content does not match its recorded SHA-256; it was not served whole, and the damage is recorded in the audit log (run dossier verify)")

// verifyingReader hashes a blob while it streams and holds back its last
// byte until the hash is known: at the end it releases that byte when
// the hash is the recorded one, and fails with errCorrupt (after calling
// bad once) when it is not.
type verifyingReader struct {
	r          io.ReadCloser
	h          hash.Hash
	want       string
	bad        func()
	buf        []byte
	start, end int
	err        error // of the underlying reader, once it ended
	checked    bool
}

func newVerifyingReader(r io.ReadCloser, want string, bad func()) *verifyingReader {
	return &verifyingReader{r: r, h: sha256.New(), want: want, bad: bad, buf: make([]byte, 32<<10)}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	// Keep at least two bytes buffered (one to give, one to hold back)
	// until the underlying reader ends.
	for v.end-v.start < 2 && v.err == nil {
		if v.start > 0 {
			v.end = copy(v.buf, v.buf[v.start:v.end])
			v.start = 0
		}
		n, err := v.r.Read(v.buf[v.end:])
		v.h.Write(v.buf[v.end : v.end+n])
		v.end += n
		if err != nil {
			v.err = err
		}
	}
	if v.err != nil && !v.checked {
		v.checked = true
		if v.err == io.EOF && hex.EncodeToString(v.h.Sum(nil)) != v.want {
			v.bad()
			v.err = errCorrupt
		}
	}
	avail := v.end - v.start
	switch v.err {
	case nil:
		avail-- // the last byte read so far may be the file's last
	case io.EOF:
	case errCorrupt:
		avail-- // never the last byte of a damaged file
	default:
		return 0, v.err
	}
	n := copy(p, v.buf[v.start:v.start+max(avail, 0)])
	v.start += n
	if n == 0 && v.err != nil {
		return 0, v.err
	}
	return n, nil
}

func (v *verifyingReader) Close() error { return v.r.Close() }
