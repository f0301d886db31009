package payments

import (
	"strconv"
	"strings"

	"dossier/archive"
)

// ParseYuan reads an amount typed in yuan — 1234.56, 1234.5, 1234,
// with no more than two decimals — as whole fen, by its digits alone,
// never through floating point: 1234.56 is 123456. Spaces around it and
// commas grouping the yuan by thousands (1,234.56) are allowed. ok is
// false for anything else, a sign included, or more than 15 digits of
// yuan.
func ParseYuan(s string) (fen int64, ok bool) {
	s = strings.TrimSpace(s)
	y, f, dot := strings.Cut(s, ".")
	if strings.Contains(y, ",") {
		groups := strings.Split(y, ",")
		for i, g := range groups {
			if i == 0 && (len(g) < 1 || len(g) > 3) || i > 0 && len(g) != 3 {
				return 0, false
			}
		}
		y = strings.Join(groups, "")
	}
	if y == "" || len(y) > 15 || len(f) > 2 || dot && f == "" || !digits(y) || !digits(f) {
		return 0, false
	}
	f += strings.Repeat("0", 2-len(f))
	n, err := strconv.ParseInt(y+f, 10, 64)
	return n, err == nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Yuan shows fen as yuan with separators: 123456 is 1,234.56; the
// template function yuan.
func Yuan(fen int64) string { return archive.Yuan(fen) }
