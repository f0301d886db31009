package indexing

import (
	"strings"
	"unicode/utf8"
)

// MaskFragment masks the identity and phone numbers in a highlight
// fragment (HTML: <mark> tags and entities are passed over) by their
// digits, whatever the fragment cut off, and reports whether it masked
// anything. A number is a run of digits (an X after a digit included),
// its groups joined by up to three spaces, hyphens, slashes, dots or
// underscores when the next group has three digits or more or runs to
// the end of the fragment. Then:
//
//   - a run that reaches the end of the fragment may be the start of a
//     cut number: all of it is masked;
//   - a run that reaches the start of the fragment may be the end of a
//     cut number: all but its last four characters are masked (every
//     mask shows the last four);
//   - a whole run of seven or more characters is masked as an identity
//     number (18 characters: the first six and the last four shown), a
//     mobile number (11 digits from 1: the first three and last four) or
//     else all but the last four, as identity.MaskIDNumber and
//     identity.MaskPhone do; shorter ones (amounts, years, post codes)
//     stay.
//
// A run right after "SB" is a case number, not personal data.
func MaskFragment(fr string) (string, bool) {
	cs := fragmentChars(fr)
	masked := false
	for k := 0; k < len(cs); {
		if !isDigit(cs[k].r) {
			k++
			continue
		}
		run, end := numberRun(cs, k)
		k = end
		if caseNumberBefore(cs, run[0]) {
			continue
		}
		head, tail, ok := keep(cs, run)
		if !ok {
			continue
		}
		for i, p := range run {
			if i >= head && i < len(run)-tail {
				cs[p].masked = true
				masked = true
			}
		}
	}
	if !masked {
		return fr, false
	}
	var b strings.Builder
	b.Grow(len(fr))
	last := 0
	for _, c := range cs {
		if c.masked {
			b.WriteString(fr[last:c.at])
			b.WriteByte('*')
			last = c.at + c.size
		}
	}
	b.WriteString(fr[last:])
	return b.String(), true
}

// fragmentChar is a character of a fragment's text, at byte offset at.
type fragmentChar struct {
	r        rune
	at, size int
	masked   bool
}

// fragmentChars returns the text characters of an HTML fragment, tags and
// entities left out.
func fragmentChars(fr string) []fragmentChar {
	var cs []fragmentChar
	for i := 0; i < len(fr); {
		switch fr[i] {
		case '<':
			if j := strings.IndexByte(fr[i:], '>'); j > 0 {
				i += j + 1
				continue
			}
		case '&':
			if j := strings.IndexByte(fr[i:], ';'); j > 1 && j <= 10 {
				cs = append(cs, fragmentChar{r: '&', at: i, size: j + 1}) // an entity is one character, never a digit
				i += j + 1
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(fr[i:])
		cs = append(cs, fragmentChar{r: r, at: i, size: size})
		i += size
	}
	return cs
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func isCheckX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

func isJoiner(r rune) bool { return strings.ContainsRune(" -－/._·\u3000\u00a0", r) }

// isEdge is what may stand between a cut and a number: the ellipsis
// bleve marks a cut with, spaces and joiners.
func isEdge(r rune) bool { return r == '…' || r == '\n' || r == '\t' || isJoiner(r) }

// numberRun returns the positions of the digits (and check X) of the
// number starting at cs[k], and the position after it.
func numberRun(cs []fragmentChar, k int) (run []int, end int) {
	for {
		for k < len(cs) && (isDigit(cs[k].r) || isCheckX(cs[k].r) && len(run) > 0 && isDigit(cs[k-1].r)) {
			run = append(run, k)
			k++
		}
		j := k
		for j < len(cs) && j-k < 3 && isJoiner(cs[j].r) {
			j++
		}
		if j == k {
			return run, k
		}
		g := j
		for g < len(cs) && isDigit(cs[g].r) {
			g++
		}
		if g-j == 0 || g-j < 3 && !onlyEdgeFrom(cs, g) {
			return run, k
		}
		k = j
	}
}

// onlyEdgeFrom reports whether nothing but edge characters follow cs[k-1].
func onlyEdgeFrom(cs []fragmentChar, k int) bool {
	for ; k < len(cs); k++ {
		if !isEdge(cs[k].r) {
			return false
		}
	}
	return true
}

// onlyEdgeBefore reports whether nothing but edge characters precede cs[k].
func onlyEdgeBefore(cs []fragmentChar, k int) bool {
	for k--; k >= 0; k-- {
		if !isEdge(cs[k].r) {
			return false
		}
	}
	return true
}

func caseNumberBefore(cs []fragmentChar, k int) bool {
	return k >= 2 && (cs[k-2].r == 'S' || cs[k-2].r == 's') && (cs[k-1].r == 'B' || cs[k-1].r == 'b')
}

// keep says how many characters of a run stay at its head and its tail;
// ok is false when the run stays whole.
func keep(cs []fragmentChar, run []int) (head, tail int, ok bool) {
	n := len(run)
	switch {
	case onlyEdgeFrom(cs, run[n-1]+1):
		return 0, 0, true
	case onlyEdgeBefore(cs, run[0]):
		return 0, 4, n > 4
	case n < 7:
		return 0, 0, false
	case n == 18:
		return 6, 4, true
	case n == 11 && cs[run[0]].r == '1':
		return 3, 4, true
	}
	return 0, 4, true
}
