package search

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"dossier/archive/content"
	"dossier/archive/indexing"
)

// Limits of text extraction: what is read of a file and what is kept.
const (
	maxInput = 64 << 20
	maxText  = indexing.MaxMaterialText
)

// OCRAvailable reports whether tesseract with Simplified Chinese data is
// installed.
func OCRAvailable() bool {
	if _, err := exec.LookPath("tesseract"); err != nil {
		return false
	}
	out, err := exec.Command("tesseract", "--list-langs").CombinedOutput()
	return err == nil && bytes.Contains(out, []byte("chi_sim"))
}

// Extract returns the text of a material for the index (archive.Extractor).
// Files it cannot read give a note saying why, never a panic; time is
// bounded by ctx.
func Extract(ctx context.Context, contentType string, r io.Reader) (text, note string, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return "", "", err
	}
	if len(data) > maxInput {
		return "", fmt.Sprintf("not extracted: larger than %d MiB", maxInput>>20), nil
	}
	switch contentType {
	case content.TypePDF:
		text, err = run(ctx, data, "pdftotext", "-enc", "UTF-8", "-q", "-", "-")
		if err != nil {
			return "", "PDF text layer unreadable: " + err.Error(), nil
		}
		// pdftotext ends each page with a form feed, which a highlighted
		// fragment would show as a box.
		text = strings.ReplaceAll(text, "\f", "\n")
		if strings.TrimSpace(text) == "" {
			note = "PDF has no text layer (a scan); no OCR is run on PDFs"
		}
	case content.TypeText:
		text = strings.ToValidUTF8(string(data), "")
	case content.TypeGBK:
		b, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if derr != nil {
			return "", "GB18030 text could not be decoded", nil
		}
		text = string(b)
	case content.TypeDOCX:
		text, err = docxText(data)
		if err != nil {
			return "", "DOCX unreadable: " + err.Error(), nil
		}
	case content.TypeJPEG, content.TypePNG, content.TypeTIFF:
		if !OCRAvailable() {
			return "", "OCR unavailable: tesseract with chi_sim is not installed", nil
		}
		text, err = run(ctx, data, "tesseract", "-", "-", "-l", "chi_sim+eng")
		if err != nil {
			return "", "OCR failed: " + err.Error(), nil
		}
		// Tesseract puts spaces between Chinese characters.
		text = joinCJK(text)
	default:
		return "", "no text extraction for " + contentType, nil
	}
	if len(text) > maxText {
		text = strings.ToValidUTF8(text[:maxText], "")
		note = fmt.Sprintf("text cut at %d KiB", maxText>>10)
	}
	return text, note, nil
}

func run(ctx context.Context, in []byte, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &limitWriter{w: &out, n: maxText + 1}, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", errors.New("took too long")
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return "", fmt.Errorf("%s: %v %s", name, err, msg)
	}
	return out.String(), nil
}

type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if len(q) > l.n {
		q = q[:l.n]
	}
	l.n -= len(q)
	l.w.Write(q)
	return len(p), nil
}

// docxText reads the text runs of word/document.xml, bounded against
// zip bombs.
func docxText(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		dec := xml.NewDecoder(io.LimitReader(rc, 32<<20))
		var sb strings.Builder
		inText := false
		for sb.Len() < maxText {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return sb.String(), nil
			}
			switch t := tok.(type) {
			case xml.StartElement:
				inText = t.Name.Local == "t"
			case xml.EndElement:
				if t.Name.Local == "p" {
					sb.WriteByte('\n')
				}
				inText = false
			case xml.CharData:
				if inText {
					sb.Write(t)
				}
			}
		}
		return sb.String(), nil
	}
	return "", errors.New("no word/document.xml")
}

// joinCJK removes the spaces OCR leaves between two CJK characters.
func joinCJK(s string) string {
	rs := []rune(s)
	var sb strings.Builder
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && isCJK(rs[i-1]) && isCJK(rs[i+1]) {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func isCJK(r rune) bool {
	return r >= 0x3000 && r <= 0x9fff || r >= 0xff00 && r <= 0xffef || r >= 0x20000 && utf8.ValidRune(r)
}
