// Package content holds the rules for what people and clients hand in:
// typed text (NFC, no control or bidi-override characters, limits), file
// names made safe to show, and what a material is from its bytes (never from
// what the client says).
package content

import (
	"bytes"
	"dossier/archive"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/unicode/norm"
)

// Content types dossier accepts for materials (SPEC §8: sniffed from the
// bytes, never trusted from the client).
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeTIFF = "image/tiff"
	TypeText = "text/plain; charset=utf-8"
	TypeGBK  = "text/plain; charset=gb18030"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeOFD  = "application/ofd"
)

// SniffHead is how many leading bytes SniffContentType wants to see.
const SniffHead = 64 << 10

// SniffContentType decides a material's type from its first bytes. Errors:
// EUNSUPPORTED naming the accepted formats, EINVALID for empty content.
func SniffContentType(head []byte) (string, error) {
	if len(head) == 0 {
		return "", archive.Errorf(archive.EINVALID, "the file is empty")
	}
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TypeTIFF, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(head)
	}
	if t := sniffText(head); t != "" {
		return t, nil
	}
	return "", archive.Errorf(archive.EUNSUPPORTED, "this file type (%s) is not accepted; upload PDF, JPEG, PNG, TIFF, plain text, DOCX or OFD", http.DetectContentType(head))
}

// sniffZip tells DOCX and OFD packages apart by the member names in the
// local file headers at the start of the archive.
func sniffZip(head []byte) (string, error) {
	names := string(head)
	switch {
	case strings.Contains(names, "word/"):
		return TypeDOCX, nil
	case strings.Contains(names, "OFD.xml"):
		return TypeOFD, nil
	}
	return "", archive.Errorf(archive.EUNSUPPORTED, "this ZIP archive is neither a DOCX nor an OFD document; upload PDF, JPEG, PNG, TIFF, plain text, DOCX or OFD")
}

// sniffText accepts UTF-8 or GB18030 text without control characters
// other than tab, newline, carriage return and form feed. The head may end
// inside a character, so the last few bytes are given leeway.
func sniffText(head []byte) string {
	body := head
	if len(head) == SniffHead {
		body = head[:len(head)-4]
	}
	if bytes.ContainsFunc(body, func(r rune) bool {
		return r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f'
	}) {
		return ""
	}
	if utf8.Valid(body) || utf8.Valid(bytes.TrimRightFunc(body, func(r rune) bool { return r == utf8.RuneError })) {
		return TypeText
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
	if err == nil && !bytes.ContainsRune(dec, utf8.RuneError) {
		return TypeGBK
	}
	return ""
}

// SafeFilename reduces a client's file name to a display name: the last
// path element, without control characters, at most 120 characters. It is
// metadata only and never used as a path. An empty result becomes
// "material".
func SafeFilename(name string) string {
	name = norm.NFC.String(strings.ToValidUTF8(name, ""))
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || bidiControl(r) || r == '/' || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	if r := []rune(name); len(r) > 120 {
		name = string(r[len(r)-120:])
	}
	if name == "" || name == "/" || !Shows(name) {
		return "material"
	}
	return name
}
