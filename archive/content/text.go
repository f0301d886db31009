package content

import (
	"dossier/archive"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The rules for text people type into dossier: what they see is what is
// stored, searched and printed on notices.

// bidiControl reports the characters that make text display in another
// order than it is stored: embeddings, overrides and isolates. A file
// name "\u202efdp.exe" shows as "exe.pdf".
func bidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// Text normalises and checks free text: valid UTF-8 (invalid bytes are
// refused, not replaced), NFC, no control characters but line breaks and
// tabs where multiline, no bidirectional overrides or isolates, at most
// max characters. It returns the text in NFC. Errors: archive.EINVALID naming the
// field, the character and the limit.
func Text(field, v string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(v) {
		return "", archive.Errorf(archive.EINVALID, "field %s: must be UTF-8 text", archive.FieldArg(field))
	}
	v = norm.NFC.String(v)
	for _, r := range v {
		switch {
		case r == 0:
			return "", archive.Errorf(archive.EINVALID, "field %s: must not contain a NUL character (\\u0000)", archive.FieldArg(field))
		case (r == '\n' || r == '\r' || r == '\t') && multiline:
		case unicode.IsControl(r):
			return "", archive.Errorf(archive.EINVALID, "field %s: must not contain the control character U+%04X", archive.FieldArg(field), r)
		case bidiControl(r):
			return "", archive.Errorf(archive.EINVALID, "field %s: must not contain the bidirectional control U+%04X, which makes text show in another order than it reads", archive.FieldArg(field), r)
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", archive.Errorf(archive.EINVALID, "field %s: at most %d characters (this has %d)", archive.FieldArg(field), max, n)
	}
	return v, nil
}

// CheckText checks multi-line free text with Text.
func CheckText(field, v string, max int) error {
	_, err := Text(field, v, max, true)
	return err
}

// Shows reports whether s shows anything: not only spaces and
// invisible characters (zero-width spaces and joiners, other format
// characters, variation selectors).
func Shows(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Variation_Selector, r) && r != '\u3164' && r != '\u115F' && r != '\u1160' {
			return true
		}
	}
	return false
}

// Name normalises and checks a name (of a person, an employer, a file):
// Text on one line, trimmed, and it must show something. Errors: archive.EINVALID.
func Name(field, v string, max int) (string, error) {
	v, err := Text(field, strings.TrimSpace(v), max, false)
	if err != nil {
		return "", err
	}
	if !Shows(v) {
		return "", archive.Errorf(archive.EINVALID, "field %s: required, and it must show something (not only spaces or invisible characters)", archive.FieldArg(field))
	}
	return v, nil
}
