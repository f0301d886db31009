package http

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/staging"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Content describes a stored content a download sends: a material or a
// notice.
type Content struct {
	// Type is the content type; Size and SHA256 are as the case records
	// them.
	Type   string
	Size   int64
	SHA256 string
	// Filename is the name a browser saves it under; Inline asks a
	// browser to show it rather than save it.
	Filename string
	Inline   bool
	// ASCIIStem names the file, before its extension, to clients that
	// know only filename= when Filename is not printable ASCII (身份证.pdf
	// is saved as id_card-m2.pdf by curl -OJ, not ___.pdf).
	ASCIIStem string
}

// SendContent answers a download of d from rc, the service's stream of
// it, which is hash-checked as it is read and fails at its end when the
// bytes differ from the record; SendContent closes rc. The ETag is the
// SHA-256, so If-None-Match answers 304. A GET with Range (and an
// If-Range, if any, naming this ETag) asks for one range of bytes: the
// whole content is read and checked first, so no byte of a range of a
// damaged content is ever sent — an error is. Several ranges, or a Range
// that does not parse, get the whole content; a range past its end 416.
// The whole content streams with its last byte held back until the hash
// is known (a damaged one is never delivered whole).
func (s *Server) SendContent(c *gin.Context, rc io.ReadCloser, d Content) {
	defer rc.Close()
	etag := `"` + d.SHA256 + `"`
	h := c.Writer.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if tag, ok := matchETag(c.GetHeader("If-None-Match"), etag); ok {
		h.Set("ETag", tag)
		c.Status(http.StatusNotModified)
		return
	}
	first, last, ranged, err := askedRange(c.Request, etag, d.Size)
	if err != nil {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", d.Size))
		s.answerError(c, http.StatusRequestedRangeNotSatisfiable, archive.EINVALID, err)
		return
	}
	// Set once the answer is the content, so that an error is never
	// saved under the content's name.
	start := func(status int, length int64) {
		disposition := "attachment"
		if d.Inline {
			disposition = "inline"
		}
		h.Set("ETag", etag)
		h.Set("Accept-Ranges", "bytes")
		h.Set("Content-Disposition", ContentDisposition(disposition, d.Filename, d.ASCIIStem))
		h.Set("Content-Type", d.Type)
		h.Set("Content-Length", strconv.FormatInt(length, 10))
		c.Status(status)
	}
	if !ranged {
		start(http.StatusOK, d.Size)
		if c.Request.Method == http.MethodHead {
			return
		}
		if _, err := io.Copy(c.Writer, rc); err != nil {
			s.log.Debug("download cut short", "route", c.FullPath(), "err", err)
		}
		return
	}
	part, err := s.readRange(rc, first, last-first+1)
	if err != nil {
		s.Fail(c, err)
		return
	}
	defer part.Close()
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, d.Size))
	start(http.StatusPartialContent, last-first+1)
	io.Copy(c.Writer, part)
}

// askedRange is the one byte range a GET asks for of a content of size
// bytes and tag etag: ok is false when the whole content is to be sent
// (no Range, another method, an If-Range that does not name etag, a unit
// other than bytes, several ranges, a range that does not parse), and the
// error says why a range cannot be satisfied (416).
func askedRange(r *http.Request, etag string, size int64) (first, last int64, ok bool, err error) {
	spec, found := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
	if r.Method != http.MethodGet || !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	if ir := r.Header.Get("If-Range"); ir != "" && ir != etag {
		return 0, 0, false, nil
	}
	from, to, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	if from == "" { // the last n bytes
		n, err := strconv.ParseInt(to, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 {
			return 0, 0, false, archive.Errorf(archive.EINVALID, "Range: bytes=-0 asks for no bytes; ask for the last N bytes with N from 1")
		}
		first, last = max(size-n, 0), size-1
	} else {
		if first, err = strconv.ParseInt(from, 10, 64); err != nil || first < 0 {
			return 0, 0, false, nil
		}
		last = size - 1
		if to != "" {
			if last, err = strconv.ParseInt(to, 10, 64); err != nil || last < first {
				return 0, 0, false, nil
			}
			last = min(last, size-1)
		}
	}
	if first >= size {
		return 0, 0, false, archive.Errorf(archive.EINVALID, "Range: the content is %d bytes long, so a range must start before byte %d", size, size)
	}
	return first, last, true, nil
}

// rangeInMemory is the most bytes of a range kept in memory while the
// rest of its content is read; larger ranges wait in a temp file.
const rangeInMemory = 1 << 20

// readRange reads all of rc and returns the n bytes from first once the
// whole has been read, and so checked against its recorded hash: rc
// fails at its end when the content is damaged, and then nothing of it is
// returned.
func (s *Server) readRange(rc io.Reader, first, n int64) (io.ReadCloser, error) {
	if _, err := io.CopyN(io.Discard, rc, first); err != nil {
		return nil, contentReadErr(err)
	}
	var part io.ReadWriteCloser
	if n <= rangeInMemory {
		part = &memRange{}
	} else {
		f, err := os.CreateTemp(s.tmp, "dossier-range-*")
		if err != nil {
			return nil, staging.WriteErr("http.readRange", err)
		}
		os.Remove(f.Name()) // the open file stays readable; nothing is left behind
		part = f
	}
	fail := func(err error) (io.ReadCloser, error) {
		part.Close()
		return nil, err
	}
	w := &staging.ErrWriter{W: part}
	if _, err := io.CopyN(w, rc, n); err != nil {
		if w.Err != nil {
			return fail(staging.WriteErr("http.readRange", w.Err))
		}
		return fail(contentReadErr(err))
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fail(contentReadErr(err))
	}
	if f, ok := part.(*os.File); ok {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(staging.WriteErr("http.readRange", err))
		}
	}
	return part, nil
}

// contentReadErr is the error of a stored content that could not be read
// through: the store's or the hash check's, which have codes, or one
// shorter than its record.
func contentReadErr(err error) error {
	var ae *archive.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return archive.Errorf(archive.EINTERNAL, "the stored content is shorter than its record says (run dossier verify)")
	}
	return archive.Wrapf("", archive.EUNAVAILABLE, err, "the stored content could not be read")
}

// memRange is a small range, in memory.
type memRange struct{ bytes.Buffer }

func (*memRange) Close() error { return nil }

// matchETag reports whether an If-None-Match value names etag (weakly, as
// RFC 9110 compares them there), "-gzip" added by compress included, and
// which tag it named.
func matchETag(ifNoneMatch, etag string) (string, bool) {
	if strings.TrimSpace(ifNoneMatch) == "*" {
		return etag, true
	}
	gz := strings.TrimSuffix(etag, `"`) + `-gzip"`
	for t := range strings.SplitSeq(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == gz {
			return t, true
		}
	}
	return "", false
}

// ContentDisposition is a Content-Disposition of disposition (inline,
// attachment) with name as filename*= (UTF-8, RFC 6266 and 5987) and,
// for clients that know only filename=, an ASCII stand-in: the name
// itself when it is printable ASCII, else stem with the name's extension
// (curl -OJ saves 身份证.pdf as id_card-m2.pdf when stem is id_card-m2),
// or without a stem the name with each run of other characters made one
// _. An empty name is "download".
func ContentDisposition(disposition, name, stem string) string {
	if name == "" {
		name = "download"
	}
	ascii := asciiStandIn(name)
	if ascii != name && stem != "" {
		ascii = asciiStandIn(stem) + path.Ext(ascii)
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return disposition + `; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}

// asciiStandIn is name with each run of characters a quoted filename=
// cannot carry as one _.
func asciiStandIn(name string) string {
	var b strings.Builder
	under := false
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == '/' {
			if !under {
				b.WriteByte('_')
			}
			under = true
			continue
		}
		under = false
		b.WriteRune(r)
	}
	return b.String()
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// isAttrChar reports whether b stands for itself in an RFC 5987 value.
func isAttrChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
