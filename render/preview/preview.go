// Package preview makes the pictures of materials the case page shows:
// a thumbnail of an image or of a PDF's first page, and the pages of a
// PDF (or a TIFF scan) as PNG images for the inline preview.
//
// PDFs are untrusted input handed to poppler (pdftoppm rasterises,
// pdfinfo counts pages) in a child process that gets a time limit, an
// address-space limit (prlimit, where util-linux has it) and a bound on
// what it may write back, and never more than two at once; so a hostile
// PDF can neither hang the server nor fill its memory or disk (nothing is
// written to disk at all: the PDF goes in on stdin, the picture comes
// out on stdout). Images are decoded only after their declared size is
// checked. Results are kept in memory, by the content's hash, within a
// byte budget: a projection of the store, lost on restart and made again
// on demand.
package preview

import (
	"bytes"
	"container/list"
	"context"
	"dossier/archive"
	"dossier/archive/content"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
)

const (
	// ThumbSize is the long side of a thumbnail, in pixels.
	ThumbSize = 240
	// PageSize is the long side of a page image of the preview, in
	// pixels.
	PageSize = 1400
	// MaxPages is the most pages the preview shows of one PDF.
	MaxPages = 300
	// maxPixels bounds the pixels of an image decoded for a thumbnail
	// (50 megapixels: a phone's largest photo; about 75 MB decoded).
	maxPixels = 50_000_000
	// maxOutput bounds what poppler may write back for one picture; a
	// page at PageSize is well under it.
	maxOutput = 16 << 20
	// maxAddressSpace bounds a poppler process's memory.
	maxAddressSpace = 1 << 30
	// cacheBytes is the budget of the in-memory cache.
	cacheBytes = 64 << 20
)

// Renderer makes thumbnails and page images, at most two at a time, and
// keeps them in memory. The zero value is not usable; call New.
type Renderer struct {
	// Timeout bounds one poppler run.
	Timeout time.Duration
	slots   chan struct{}
	prlimit string

	mu    sync.Mutex
	order *list.List // of *entry, most recently used first
	byKey map[string]*list.Element
	bytes int
}

type entry struct {
	key string
	b   []byte
}

// New returns a Renderer with a 20-second limit per poppler run.
func New() *Renderer {
	r := &Renderer{Timeout: 20 * time.Second, slots: make(chan struct{}, 2), order: list.New(), byKey: map[string]*list.Element{}}
	r.prlimit, _ = exec.LookPath("prlimit")
	return r
}

// Thumbnailable reports whether Thumbnail makes a picture of content of
// type ctype.
func Thumbnailable(ctype string) bool {
	switch ctype {
	case content.TypePDF, content.TypeJPEG, content.TypePNG, content.TypeTIFF:
		return true
	}
	return false
}

// Thumbnail returns a JPEG of the content src of type ctype (an image,
// or a PDF's first page) whose long side is ThumbSize pixels at most.
// key names the content (its SHA-256): a picture made before is
// returned without reading src. Errors: EUNSUPPORTED for a type without
// thumbnails, EINVALID for content that does not render, ETOOLARGE for
// an image of too many pixels, EUNAVAILABLE when rendering took too
// long or the context ended.
func (r *Renderer) Thumbnail(ctx context.Context, key, ctype string, src io.Reader) ([]byte, error) {
	return r.cached("thumb:"+key, func() ([]byte, error) {
		switch ctype {
		case content.TypePDF:
			return r.poppler(ctx, src, "pdftoppm", "-f", "1", "-l", "1", "-singlefile", "-scale-to", strconv.Itoa(ThumbSize), "-jpeg", "-")
		case content.TypeJPEG, content.TypePNG, content.TypeTIFF:
			img, err := decode(src)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, scale(img, ThumbSize), &jpeg.Options{Quality: 80}); err != nil {
				return nil, archive.Wrapf("preview.Thumbnail", archive.EINTERNAL, err, "the thumbnail could not be encoded")
			}
			return buf.Bytes(), nil
		}
		return nil, unsupported(ctype)
	})
}

// Pages returns how many pages the preview of the content src of type
// ctype shows: a PDF's page count (MaxPages at most), 1 for a TIFF
// scan. Errors as Thumbnail's.
func (r *Renderer) Pages(ctx context.Context, key, ctype string, src io.Reader) (int, error) {
	if ctype == content.TypeTIFF {
		return 1, nil
	}
	if ctype != content.TypePDF {
		return 0, unsupported(ctype)
	}
	b, err := r.cached("pages:"+key, func() ([]byte, error) {
		out, err := r.poppler(ctx, src, "pdfinfo", "-")
		if err != nil {
			return nil, err
		}
		n, err := pageCount(out)
		if err != nil {
			return nil, err
		}
		return []byte(strconv.Itoa(n)), nil
	})
	if err != nil {
		return 0, err
	}
	n, _ := strconv.Atoi(string(b))
	return min(n, MaxPages), nil
}

// pageCount reads the "Pages:" line of pdfinfo's answer.
func pageCount(info []byte) (int, error) {
	for line := range strings.Lines(string(info)) {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil && n > 0 {
				return n, nil
			}
		}
	}
	return 0, archive.Errorf(archive.EINVALID, "the PDF has no pages that can be shown; download the file instead")
}

// Page returns page n (from 1) of the content src as a PNG whose long
// side is PageSize pixels at most: a PDF's page, or a TIFF scan. Errors
// as Thumbnail's, and ENOTFOUND for a page the PDF does not have.
func (r *Renderer) Page(ctx context.Context, key, ctype string, n int, src io.Reader) ([]byte, error) {
	if n < 1 || n > MaxPages || ctype == content.TypeTIFF && n != 1 {
		return nil, archive.Errorf(archive.ENOTFOUND, "there is no page %d to show", n)
	}
	r.mu.Lock()
	el, counted := r.byKey["pages:"+key]
	r.mu.Unlock()
	if counted {
		if total, _ := strconv.Atoi(string(el.Value.(*entry).b)); n > total {
			return nil, archive.Errorf(archive.ENOTFOUND, "there is no page %d to show", n)
		}
	}
	return r.cached(fmt.Sprintf("page:%d:%s", n, key), func() ([]byte, error) {
		switch ctype {
		case content.TypePDF:
			p := strconv.Itoa(n)
			b, err := r.poppler(ctx, src, "pdftoppm", "-f", p, "-l", p, "-singlefile", "-scale-to", strconv.Itoa(PageSize), "-png", "-")
			if err == nil && len(b) == 0 {
				return nil, archive.Errorf(archive.ENOTFOUND, "there is no page %d to show", n)
			}
			return b, err
		case content.TypeTIFF:
			img, err := decode(src)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, scale(img, PageSize)); err != nil {
				return nil, archive.Wrapf("preview.Page", archive.EINTERNAL, err, "the page image could not be encoded")
			}
			return buf.Bytes(), nil
		}
		return nil, unsupported(ctype)
	})
}

func unsupported(ctype string) error {
	return archive.Errorf(archive.EUNSUPPORTED, "files of type %s have no preview; download the file instead", ctype)
}

// cached returns the picture under key, making it with make on a miss;
// failures are not kept.
func (r *Renderer) cached(key string, make func() ([]byte, error)) ([]byte, error) {
	r.mu.Lock()
	if el, ok := r.byKey[key]; ok {
		r.order.MoveToFront(el)
		r.mu.Unlock()
		return el.Value.(*entry).b, nil
	}
	r.mu.Unlock()
	b, err := make()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byKey[key]; !ok && len(b) <= cacheBytes/8 {
		r.byKey[key] = r.order.PushFront(&entry{key: key, b: b})
		r.bytes += len(b)
		for r.bytes > cacheBytes {
			last := r.order.Back()
			e := last.Value.(*entry)
			r.order.Remove(last)
			delete(r.byKey, e.key)
			r.bytes -= len(e.b)
		}
	}
	return b, nil
}

// poppler runs a poppler tool on src (stdin) within the limits and
// returns its standard output.
func (r *Renderer) poppler(ctx context.Context, src io.Reader, tool string, args ...string) ([]byte, error) {
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return nil, archive.Wrapf("preview", archive.EUNAVAILABLE, ctx.Err(), "the preview was not made: the request ended first")
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	name := tool
	if r.prlimit != "" {
		args = append([]string{"--as=" + strconv.Itoa(maxAddressSpace), "--", tool}, args...)
		name = r.prlimit
	}
	cmd := exec.CommandContext(ctx, name, args...)
	out := &boundedBuffer{max: maxOutput}
	cmd.Stdout = out
	// The source is copied by a goroutine of our own, not the command's:
	// Wait must not wait for a stalled source once the child is killed
	// (the caller's Close of src ends the copy).
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err == nil {
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			_, _ = io.Copy(stdin, src)
			stdin.Close()
		}()
		err = cmd.Wait()
		if ctx.Err() == nil {
			// Wait closed the pipe: the copy ends now, before the
			// caller closes src.
			<-copied
		}
	}
	switch {
	case out.over:
		return nil, archive.Errorf(archive.ETOOLARGE, "the PDF's page image is larger than %d bytes; download the file instead", archive.SizeArg(maxOutput))
	case ctx.Err() != nil:
		return nil, archive.Wrapf("preview", archive.EUNAVAILABLE, ctx.Err(), "the PDF took longer than %s to render; download the file instead", r.Timeout)
	case errors.Is(err, exec.ErrNotFound):
		return nil, archive.Wrapf("preview", archive.EUNAVAILABLE, err, "%s is not installed on the server; install the Debian package poppler-utils", tool)
	case err != nil:
		return nil, archive.Errorf(archive.EINVALID, "the PDF could not be rendered (it may be damaged); download the file instead")
	}
	return out.Bytes(), nil
}

// boundedBuffer keeps at most max bytes and then fails the write, which
// ends the child's output (and the child, on the broken pipe).
type boundedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.over = true
		return 0, errors.New("preview: output over its bound")
	}
	return b.Buffer.Write(p)
}

// decode decodes a JPEG, PNG or TIFF image after checking its declared
// size.
func decode(src io.Reader) (image.Image, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(src, &head))
	if err != nil {
		return nil, archive.Errorf(archive.EINVALID, "the image could not be read (it may be damaged); download the file instead")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, archive.Errorf(archive.ETOOLARGE, "the image is %d×%d pixels, more than a preview is made of; download the file instead", cfg.Width, cfg.Height)
	}
	var img image.Image
	full := io.MultiReader(&head, src)
	switch format {
	case "jpeg":
		img, err = jpeg.Decode(full)
	case "png":
		img, err = png.Decode(full)
	case "tiff":
		// TIFF needs random access: the scan is read whole (a material
		// is at most the upload limit).
		var b []byte
		if b, err = io.ReadAll(full); err == nil {
			img, err = tiff.Decode(bytes.NewReader(b))
		}
	}
	if err != nil || img == nil {
		return nil, archive.Errorf(archive.EINVALID, "the image could not be read (it may be damaged); download the file instead")
	}
	return img, nil
}

// scale draws img on white (transparency becomes paper), its long side
// side pixels at most.
func scale(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}
