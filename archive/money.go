package archive

import "strconv"

// Yuan shows an amount of fen (int64, never float) in yuan for people,
// with thousands separated: 123456 → 1,234.56; -5 → -0.05. The one
// writer of amounts for notices, reports and pages.
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", -u
	}
	y := strconv.FormatUint(u/100, 10)
	for i := len(y) - 3; i > 0; i -= 3 {
		y = y[:i] + "," + y[i:]
	}
	c := strconv.FormatUint(u%100, 10)
	if len(c) < 2 {
		c = "0" + c
	}
	return sign + y + "." + c
}
