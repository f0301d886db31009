package preview

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/content"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"
)

func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNG is a PNG header declaring w×h pixels, with no pixels: a
// decompression bomb is refused on its declared size.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// bigPagePDF is a hand-made PDF (no valid xref; poppler repairs it)
// whose one page is 5 m square.
const bigPagePDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func longSide(t *testing.T, b []byte) int {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a picture: %v", err)
	}
	return max(cfg.Width, cfg.Height)
}

func TestThumbnails(t *testing.T) {
	r := New()
	ctx := context.Background()
	pdf, err := os.ReadFile("../testdata/correction.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewGray(image.Rect(0, 0, 300, 900)), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ctype string
		in          []byte
		side        int
	}{
		{"pdf", content.TypePDF, pdf, ThumbSize},
		{"wide png", content.TypePNG, pngOf(t, 2000, 1000), ThumbSize},
		{"tall jpeg", content.TypeJPEG, photo.Bytes(), ThumbSize},
		{"small png stays small", content.TypePNG, pngOf(t, 40, 20), 40},
		{"5 m page", content.TypePDF, []byte(bigPagePDF), ThumbSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := r.Thumbnail(ctx, tc.name, tc.ctype, bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := longSide(t, b); got != tc.side {
				t.Errorf("long side %d, want %d", got, tc.side)
			}
			if !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
				t.Errorf("thumbnail is not a JPEG")
			}
		})
	}
}

func TestThumbnailIsCachedByKey(t *testing.T) {
	r := New()
	first, err := r.Thumbnail(context.Background(), "k", content.TypePNG, bytes.NewReader(pngOf(t, 500, 500)))
	if err != nil {
		t.Fatal(err)
	}
	// A hit does not read the source.
	again, err := r.Thumbnail(context.Background(), "k", content.TypePNG, failingReader{})
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("cached thumbnail: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { panic("read on a cache hit") }

func TestPages(t *testing.T) {
	r := New()
	ctx := context.Background()
	pdf, err := os.ReadFile("../testdata/correction.pdf")
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Pages(ctx, "c", content.TypePDF, bytes.NewReader(pdf))
	if err != nil || n != 1 {
		t.Fatalf("Pages = %d, %v; want 1", n, err)
	}
	b, err := r.Page(ctx, "c", content.TypePDF, 1, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if got := longSide(t, b); got != PageSize {
		t.Errorf("page long side %d, want %d", got, PageSize)
	}
	for _, p := range []int{0, 2, MaxPages + 1} {
		if _, err := r.Page(ctx, "c", content.TypePDF, p, bytes.NewReader(pdf)); !archive.IsCode(err, archive.ENOTFOUND) {
			t.Errorf("page %d: %v, want not found", p, err)
		}
	}
	if _, err := r.Pages(ctx, "t", content.TypeText, strings.NewReader("text")); !archive.IsCode(err, archive.EUNSUPPORTED) {
		t.Errorf("pages of text: %v, want unsupported", err)
	}
}

// stalled is a source that never delivers: a PDF that does not come.
type stalled struct{ done chan struct{} }

func (s stalled) Read([]byte) (int, error) { <-s.done; return 0, os.ErrClosed }

func TestHostileInput(t *testing.T) {
	ctx := context.Background()
	r := New()
	for _, tc := range []struct {
		name, ctype string
		in          []byte
		code        string
	}{
		{"not a pdf", content.TypePDF, []byte("%PDF-1.7\ngarbage"), archive.EINVALID},
		{"empty pdf", content.TypePDF, nil, archive.EINVALID},
		{"bomb png", content.TypePNG, hugePNG(100_000, 100_000), archive.ETOOLARGE},
		{"truncated png", content.TypePNG, pngOf(t, 300, 300)[:100], archive.EINVALID},
		{"jpeg that is text", content.TypeJPEG, []byte("hello"), archive.EINVALID},
		{"docx", content.TypeDOCX, []byte("PK"), archive.EUNSUPPORTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.Thumbnail(ctx, tc.name, tc.ctype, bytes.NewReader(tc.in)); !archive.IsCode(err, tc.code) {
				t.Errorf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	t.Run("pdf that never ends", func(t *testing.T) {
		r := New()
		r.Timeout = 300 * time.Millisecond
		src := stalled{done: make(chan struct{})}
		defer close(src.done)
		if _, err := r.Thumbnail(ctx, "stall", content.TypePDF, src); !archive.IsCode(err, archive.EUNAVAILABLE) {
			t.Errorf("err = %v, want unavailable", err)
		}
	})
	t.Run("output over its bound", func(t *testing.T) {
		out := &boundedBuffer{max: 4}
		if _, err := out.Write([]byte("12345")); err == nil || !out.over {
			t.Errorf("a write over the bound was kept")
		}
	})
}

// FuzzThumbnail feeds arbitrary bytes, typed as the upload sniffer types
// them, to the thumbnailer: it answers a picture or a coded error, never
// a panic or a hang.
func FuzzThumbnail(f *testing.F) {
	f.Add(pngOf(f, 30, 10))
	f.Add(hugePNG(70_000, 70_000))
	f.Add([]byte(bigPagePDF))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj"))
	r := New()
	r.Timeout = 5 * time.Second
	f.Fuzz(func(t *testing.T, b []byte) {
		ctype, err := content.SniffContentType(b)
		if err != nil || !Thumbnailable(ctype) {
			return
		}
		pic, err := r.Thumbnail(context.Background(), string(b), ctype, bytes.NewReader(b))
		if err != nil {
			if archive.ErrorCode(err) == archive.EINTERNAL {
				t.Fatalf("uncoded or internal error: %v", err)
			}
			return
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(pic)); err != nil {
			t.Fatalf("thumbnail does not decode: %v", err)
		}
	})
}
