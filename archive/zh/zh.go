// Package zh holds dossier's Chinese: the catalogue of its messages, each
// English format string with its Chinese one (catalogue.go), and the
// Chinese names of the codes that messages and pages show (names.go). The
// API answers in Chinese unless a client asks for English; the web pages
// always do.
package zh

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"dossier/archive"
)

// Message returns the message a user is shown for err (archive.UserError)
// in Chinese: its format's Chinese from the catalogue, with codes among
// its arguments shown by their Chinese names and nested errors by their
// Chinese messages. A message the catalogue lacks is returned in English,
// which tells the user more than a generic text would.
func Message(err error) string {
	e := archive.UserError(err)
	zh, ok := catalogue[e.Format]
	if !ok {
		return e.Message
	}
	return fmt.Sprintf(zh, args(e.Args)...)
}

// args are a message's arguments as the Chinese shows them.
func args(in []any) []any {
	out := make([]any, len(in))
	for i, a := range in {
		out[i] = arg(a)
	}
	return out
}

func arg(a any) any {
	switch v := a.(type) {
	case archive.StatusArg:
		return shown(Status(string(v)))
	case archive.StageArg:
		return shown(Stage(string(v)))
	case archive.RoleArg:
		return shown(Role(string(v)))
	case archive.LoanStatusArg:
		return shown(LoanStatus(string(v)))
	case archive.DisposalStatusArg:
		return shown(DisposalStatus(string(v)))
	case archive.FieldArg:
		return shown(Field(string(v)))
	case archive.BusinessTypeArg:
		if v.Name == "" {
			return shown(v.Code)
		}
		return shown(v.Name)
	case archive.SizeArg:
		return shown(Size(int64(v)))
	case []*archive.Error:
		msgs := make([]string, len(v))
		for j, e := range v {
			msgs[j] = part(e)
		}
		return shown(strings.Join(msgs, "；"))
	case error:
		if errors.As(v, new(*archive.Error)) {
			return shown(part(v))
		}
	}
	return a
}

// part is the Chinese message of err as part of another: without its
// full stop, which the message around it places.
func part(err error) string { return strings.TrimSuffix(Message(err), "。") }

// shown is an argument already in its Chinese words: it prints as it is
// whatever the verb (the Chinese keeps the English verbs, and puts its
// own quotation marks where the English said %q), cut to the precision
// when one is given (%.0[2]s leaves argument 2 out).
type shown string

func (s shown) Format(f fmt.State, _ rune) {
	str := string(s)
	if p, ok := f.Precision(); ok && p < utf8.RuneCountInString(str) {
		str = string([]rune(str)[:p])
	}
	io.WriteString(f, str)
}

// Size words a size in bytes as the pages show it: "50 MB", "1.5 KB",
// "300 字节".
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		return decimal(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return decimal(float64(n)/(1<<10)) + " KB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

// decimal is x with one decimal, none when it is 0.
func decimal(x float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(x, 'f', 1, 64), ".0")
}
