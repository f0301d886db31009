// Package identity validates and masks the personal numbers on a case:
// resident identity numbers (GB 11643, with the ISO 7064 MOD 11-2 check
// character) and phone numbers.
package identity

import (
	"dossier/archive"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// idLen is the length of a resident identity number (GB 11643-1999): a
// 6-digit address code, an 8-digit birth date, a 3-digit sequence and a
// check character.
const idLen = 18

// idWeights and idCheckChars are ISO 7064 MOD 11-2 as GB 11643 states it:
// the weighted digit sum modulo 11 indexes the check character.
var idWeights = [idLen - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// now is the clock identity checks read; tests fix it.
var now = time.Now

// earliestBirth is the earliest birth date accepted: nobody alive holds a
// number that says otherwise.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// demoRegions are real county-level address codes GenerateIDNumber picks
// from when given none.
var demoRegions = []string{"110105", "310104", "440305", "510107", "330106", "420106", "610113", "230103"}

// today returns the current date in Beijing, where the numbers are issued,
// so a server on UTC does not reject someone born this morning.
func today() time.Time {
	y, m, d := now().In(archive.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ValidateIDNumber checks an 18-character resident identity number (GB
// 11643-1999) and returns it normalised: surrounding spaces trimmed and a
// lowercase check character x made X. It checks the length, the digits, the
// province prefix of the address code, that the birth date is a real date
// between 1900-01-01 and today (Beijing time) and the ISO 7064 MOD 11-2 check
// character. Any failure is an *Error with code EINVALID whose message names
// the problem; it never repeats the number, which is personal data.
func ValidateIDNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n != idLen {
		return "", archive.Errorf(archive.EINVALID, "identity number must have 18 characters, %d given", n)
	}
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case r >= '0' && r <= '9':
		case pos == idLen && (r == 'X' || r == 'x'):
		case pos == idLen:
			return "", archive.Errorf(archive.EINVALID, "identity number: the last character must be a digit or X")
		default:
			return "", archive.Errorf(archive.EINVALID, "identity number: character %d must be a digit", pos)
		}
	}
	// Only ASCII is left, so byte offsets are character positions.
	s = s[:idLen-1] + strings.ToUpper(s[idLen-1:])
	if err := checkRegion(s[:6]); err != nil {
		return "", err
	}
	if err := checkBirth(atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])); err != nil {
		return "", err
	}
	if want := checkChar(s[:idLen-1]); s[idLen-1] != want {
		return "", archive.Errorf(archive.EINVALID, "identity number: check character should be '%c' not '%c'; look for a mistyped digit", want, s[idLen-1])
	}
	return s, nil
}

// IDCheckChar returns the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X')
// for the first 17 digits of an identity number. It returns an *Error with
// code EINVALID if first17 is not exactly 17 digits.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != idLen-1 || !allDigits(first17) {
		return 0, archive.Errorf(archive.EINVALID, "identity number: a check character needs exactly 17 digits")
	}
	return checkChar(first17), nil
}

// checkChar computes the check character of 17 ASCII digits.
func checkChar(first17 string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(first17[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

// checkRegion reports whether code is a 6-digit address code whose first two
// digits are a province-level code: the mainland provinces, Taiwan (71), and
// the 81/82/83 codes of the residence permits for people from Hong Kong,
// Macao and Taiwan.
func checkRegion(code string) error {
	if len(code) != 6 || !allDigits(code) {
		return archive.Errorf(archive.EINVALID, "identity number: the region code must be 6 digits")
	}
	switch p := atoi(code[:2]); {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37,
		p >= 41 && p <= 46, p >= 50 && p <= 54, p >= 61 && p <= 65,
		p == 71, p >= 81 && p <= 83:
		return nil
	default:
		return archive.Errorf(archive.EINVALID, "identity number: unknown region code; %s is not a province code", code[:2])
	}
}

// checkBirth reports whether y-m-d is a real date from 1900-01-01 to today.
func checkBirth(y, m, d int) error {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return archive.Errorf(archive.EINVALID, "identity number: invalid birth date %04d%02d%02d", y, m, d)
	}
	if t.Before(earliestBirth) {
		return archive.Errorf(archive.EINVALID, "identity number: birth date %04d%02d%02d is before 1900", y, m, d)
	}
	if t.After(today()) {
		return archive.Errorf(archive.EINVALID, "identity number: birth date %04d%02d%02d is in the future", y, m, d)
	}
	return nil
}

// MaskIDNumber hides the personal part of an identity number for display:
// the first 6 and last 4 characters stay, the 8 between become '*'
// (110105********002X). A string not 18 characters long keeps only its last 4,
// or nothing if it has 4 or fewer. Surrounding spaces are trimmed. It never
// fails.
func MaskIDNumber(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) != idLen {
		return maskAllButLast4(r)
	}
	return string(r[:6]) + "********" + string(r[14:])
}

// ValidatePhone checks an optional Chinese phone number and returns it
// normalised: a mobile number (11 digits starting 13–19) as its digits, a
// landline (3-digit area code 010 or 02x, else 4 digits, then a 7- or 8-digit
// local number) as area code, hyphen and local number. Spaces and hyphens in
// the input are ignored, and a +86 prefix is accepted before a mobile number.
// A blank s returns "" and no error. Any other input is an *Error with code
// EINVALID whose message says what is wrong without repeating the number.
func ValidatePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ' ' || r == '-':
		case r >= '0' && r <= '9', r == '+' && i == 0:
			b.WriteRune(r)
		default:
			return "", archive.Errorf(archive.EINVALID, "phone number may contain only digits, spaces and hyphens")
		}
	}
	d := b.String()
	if rest, ok := strings.CutPrefix(d, "+"); ok {
		d, ok = strings.CutPrefix(rest, "86")
		if !ok || len(d) != 11 || !strings.HasPrefix(d, "1") {
			return "", archive.Errorf(archive.EINVALID, "phone number: after +86 only an 11-digit mobile number is accepted; write a landline with its area code, such as 010-12345678")
		}
	}
	switch {
	case strings.HasPrefix(d, "1"):
		if len(d) != 11 {
			return "", archive.Errorf(archive.EINVALID, "mobile number must have 11 digits, %d given", len(d))
		}
		if d[1] < '3' {
			return "", archive.Errorf(archive.EINVALID, "mobile number must start with 13 to 19")
		}
		return d, nil
	case strings.HasPrefix(d, "0"):
		area := 4
		if len(d) > 1 && (d[1] == '1' || d[1] == '2') {
			area = 3
		}
		if len(d) < area || d[1] == '0' || (d[1] == '1' && d[2] != '0') {
			return "", archive.Errorf(archive.EINVALID, "landline number: unknown area code; write it like 010-12345678 or 0755-1234567")
		}
		local := d[area:]
		if len(local) < 7 || len(local) > 8 || local[0] == '0' {
			return "", archive.Errorf(archive.EINVALID, "landline number: after the area code must come a 7- or 8-digit local number not starting with 0")
		}
		return d[:area] + "-" + local, nil
	default:
		return "", archive.Errorf(archive.EINVALID, "phone number must be a mobile number starting with 1 or a landline starting with its area code 0")
	}
}

// MaskPhone hides a phone number for display. A valid mobile number keeps its
// first 3 and last 4 digits (138****1234); anything else keeps only its last
// 4 characters, or nothing if it has 4 or fewer. It never fails.
func MaskPhone(s string) string {
	p, err := ValidatePhone(s)
	if err != nil {
		return maskAllButLast4([]rune(strings.TrimSpace(s)))
	}
	if len(p) == 11 {
		return p[:3] + "****" + p[7:]
	}
	return maskAllButLast4([]rune(p))
}

// maskAllButLast4 replaces every rune of r but the last 4 with '*', and all
// of them when there are no more than 4.
func maskAllButLast4(r []rune) string {
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// GenerateIDNumber returns a valid identity number with the address code
// region, the birth date of birth (its calendar date in its own location) and
// a sequence drawn from rng, for tests and demo data. An empty region picks a
// real one at random. It panics if region is not a 6-digit code with a known
// province prefix or birth lies outside 1900-01-01 to today, since callers
// choose both.
func GenerateIDNumber(rng *rand.Rand, region string, birth time.Time) string {
	if region == "" {
		region = demoRegions[rng.IntN(len(demoRegions))]
	}
	if err := checkRegion(region); err != nil {
		panic("archive.GenerateIDNumber: " + err.Error())
	}
	y, m, d := birth.Date()
	if err := checkBirth(y, int(m), d); err != nil {
		panic("archive.GenerateIDNumber: " + err.Error())
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, m, d, rng.IntN(1000))
	return first17 + string(checkChar(first17))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi converts a string of ASCII digits the caller has checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
