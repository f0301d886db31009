package identity

import (
	"dossier/archive"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testNow is noon in Beijing on a fixed day, so birth-date checks are stable.
var testNow = time.Date(2026, 3, 15, 12, 0, 0, 0, archive.Zone)

// setNow fixes the identity clock for the rest of tb.
func setNow(tb testing.TB, t time.Time) {
	tb.Helper()
	old := now
	now = func() time.Time { return t }
	tb.Cleanup(func() { now = old })
}

// withCheck appends the right check character, so a case fails only for the
// reason it is about.
func withCheck(t *testing.T, first17 string) string {
	t.Helper()
	c, err := IDCheckChar(first17)
	if err != nil {
		t.Fatalf("IDCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func TestValidateIDNumber(t *testing.T) {
	setNow(t, testNow)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"GB 11643 example", "11010519491231002X", "11010519491231002X"},
		{"lowercase x", "11010519491231002x", "11010519491231002X"},
		{"surrounding spaces", " \t440305198511071238\u3000", "440305198511071238"},
		{"leap day", "310104200002290540", "310104200002290540"},
		{"born in 1900", "650102190012310014", "650102190012310014"},
		{"Hong Kong permit", "81000020100101006X", "81000020100101006X"},
		{"Taiwan permit", "83000019700101003X", "83000019700101003X"},
		{"check 2", "510107198803152312", "510107198803152312"},
		{"check 5", "330106199207084565", "330106199207084565"},
		{"born today", "110105202603150015", "110105202603150015"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValidateIDNumber(tc.in)
			if err != nil {
				t.Fatalf("ValidateIDNumber(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ValidateIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidateIDNumberErrors(t *testing.T) {
	setNow(t, testNow)
	for _, tc := range []struct {
		name, in string
		msg      string // what the message must name for the user to act on
	}{
		{"empty", "", "0 given"},
		{"17 characters", "11010519491231002", "17 given"},
		{"old 15-digit number", "110105491231002", "15 given"},
		{"19 characters", "11010519491231002X1", "19 given"},
		{"letter inside", "1101a519491231002X", "character 5 must be a digit"},
		{"X inside", "X1010519491231002X", "character 1 must be a digit"},
		{"full-width digit", "１1010519491231002X", "character 1 must be a digit"},
		{"inner space", "110105 1949123100X", "character 7 must be a digit"},
		{"bad last character", "11010519491231002Y", "last character must be a digit or X"},
		{"region 00", withCheck(t, "00010519491231002"), "unknown region code"},
		{"region 16", withCheck(t, "16010519491231002"), "unknown region code"},
		{"region 84", withCheck(t, "84000019491231002"), "unknown region code"},
		{"region 99", withCheck(t, "99010519491231002"), "unknown region code"},
		{"30 February", withCheck(t, "11010519990230002"), "invalid birth date 19990230"},
		{"29 February not leap", withCheck(t, "11010519000229002"), "invalid birth date 19000229"},
		{"month 13", withCheck(t, "11010519991301002"), "invalid birth date 19991301"},
		{"day 00", withCheck(t, "11010519990100002"), "invalid birth date 19990100"},
		{"before 1900", withCheck(t, "11010518991231002"), "birth date 18991231 is before 1900"},
		{"tomorrow", withCheck(t, "11010520260316001"), "birth date 20260316 is in the future"},
		{"far future", withCheck(t, "11010530000101001"), "birth date 30000101 is in the future"},
		{"wrong check character", "110105194912310023", "check character should be 'X' not '3'"},
		{"check digit for X", "33010619920708456X", "check character should be '5' not 'X'"},
		{"swapped digits", "110105194912310202", "check character should be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValidateIDNumber(tc.in)
			if err == nil {
				t.Fatalf("ValidateIDNumber(%q) = %q, want an error", tc.in, got)
			}
			if code := archive.ErrorCode(err); code != archive.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, archive.EINVALID, err)
			}
			msg := archive.ErrorMessage(err)
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not name the problem %q", msg, tc.msg)
			}
			if in := strings.TrimSpace(tc.in); len(in) > 8 && strings.Contains(err.Error(), in) {
				t.Errorf("error %q repeats the identity number", err)
			}
		})
	}
}

// TestValidateIDNumberBeijingDate checks that "today" is Beijing's date: at
// 01:00 in Beijing a server on UTC is still on the day before.
func TestValidateIDNumberBeijingDate(t *testing.T) {
	setNow(t, time.Date(2026, 3, 15, 17, 0, 0, 0, time.UTC))
	id := withCheck(t, "11010520260316001")
	if _, err := ValidateIDNumber(id); err != nil {
		t.Errorf("born on Beijing's today: %v", err)
	}
}

func TestIDCheckChar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44030519851107123", '8'},
		{"31010420000229054", '0'},
		{"65010219001231001", '4'},
		{"51010719880315231", '2'},
	} {
		got, err := IDCheckChar(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("IDCheckChar(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X", "１101051949123100"} {
		if c, err := IDCheckChar(in); archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("IDCheckChar(%q) = %q, %v; want an %s error", in, c, err, archive.EINVALID)
		}
	}
}

func TestMaskIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"11010519491231002X", "110105********002X"},
		{" 11010519491231002x ", "110105********002x"},
		{"110105491231002", "***********1002"},
		{"12345", "*2345"},
		{"1234", "****"},
		{"12", "**"},
		{"", ""},
		{"身份证号码一二三四五六七八九十一二三", "身份证号码一********十一二三"},
	} {
		if got := MaskIDNumber(tc.in); got != tc.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"13812345678", "13812345678"},
		{"19912345678", "19912345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"010-12345678", "010-12345678"},
		{"01012345678", "010-12345678"},
		{"021 6432 1234", "021-64321234"},
		{"0755-1234567", "0755-1234567"},
		{"075512345678", "0755-12345678"},
	} {
		got, err := ValidatePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ValidatePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestValidatePhoneErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"letters", "138abcd5678", "only digits"},
		{"full-width digit", "138１2345678", "only digits"},
		{"plus inside", "138+12345678", "only digits"},
		{"mobile 10 digits", "1381234567", "11 digits, 10 given"},
		{"mobile 12 digits", "138123456789", "11 digits, 12 given"},
		{"mobile prefix 12", "12812345678", "start with 13 to 19"},
		{"foreign number", "+1 202 555 0123", "+86"},
		{"+86 landline", "+86 10 12345678", "+86"},
		{"bare plus", "+", "+86"},
		{"international prefix", "0086 138 1234 5678", "area code"},
		{"area code 011", "011-12345678", "area code"},
		{"area code only", "01", "area code"},
		{"local too short", "010-123456", "7- or 8-digit local number"},
		{"local too long", "0755-123456789", "7- or 8-digit local number"},
		{"local starts 0", "010-02345678", "7- or 8-digit local number"},
		{"no area code", "64321234", "area code 0"},
		{"only separators", " - - ", "mobile number starting with 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValidatePhone(tc.in)
			if err == nil {
				t.Fatalf("ValidatePhone(%q) = %q, want an error", tc.in, got)
			}
			if code := archive.ErrorCode(err); code != archive.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, archive.EINVALID, err)
			}
			if msg := archive.ErrorMessage(err); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not name the problem %q", msg, tc.msg)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+86 138-1234-5678", "138****5678"},
		{"010-12345678", "********5678"},
		{"0755 1234567", "********4567"},
		{"not a phone", "*******hone"},
		{"1234", "****"},
		{"", ""},
	} {
		if got := MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGenerateIDNumber(t *testing.T) {
	setNow(t, testNow)
	rng := rand.New(rand.NewPCG(1, 2))
	birth := time.Date(1985, 11, 7, 23, 30, 0, 0, archive.Zone)
	for range 50 {
		id := GenerateIDNumber(rng, "440305", birth)
		if got, err := ValidateIDNumber(id); err != nil || got != id {
			t.Fatalf("GenerateIDNumber = %q, which validates as %q, %v", id, got, err)
		}
		if !strings.HasPrefix(id, "44030519851107") {
			t.Fatalf("GenerateIDNumber = %q, want region 440305 and birth 19851107", id)
		}
	}
	id := GenerateIDNumber(rng, "", testNow)
	if _, err := ValidateIDNumber(id); err != nil {
		t.Errorf("GenerateIDNumber with a random region = %q: %v", id, err)
	}
	if id[6:14] != "20260315" {
		t.Errorf("GenerateIDNumber(born today) = %q, want birth 20260315", id)
	}
	for _, tc := range []struct {
		name, region string
		birth        time.Time
	}{
		{"unknown province", "990105", birth},
		{"short region", "11010", birth},
		{"letters in region", "11010a", birth},
		{"before 1900", "110105", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"future", "110105", testNow.AddDate(0, 0, 1)},
		{"year 10000", "110105", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if !panics(func() { GenerateIDNumber(rng, tc.region, tc.birth) }) {
			t.Errorf("GenerateIDNumber with %s did not panic", tc.name)
		}
	}
}

func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

func FuzzValidateIDNumber(f *testing.F) {
	setNow(f, testNow)
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", " 440305198511071238 ",
		"110105194912310023", "11010519990230002X", "110105491231002", "",
		"１1010519491231002X", "99010519491231002X",
	} {
		f.Add(s, uint64(len(s)))
	}
	first := earliestBirth
	span := int(today().Sub(first).Hours() / 24)
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		id, err := ValidateIDNumber(s)
		if err != nil {
			if code := archive.ErrorCode(err); code != archive.EINVALID {
				t.Fatalf("ValidateIDNumber(%q): code %q, want %q", s, code, archive.EINVALID)
			}
			// Messages hold at most 8 digits in a row (a birth date), so
			// any longer number in them would be the input leaking.
			in := strings.TrimSpace(s)
			if len(in) > 8 && strings.Trim(in, "0123456789Xx") == "" && strings.Contains(err.Error(), in) {
				t.Fatalf("error %q repeats the identity number", err)
			}
		} else {
			if n := utf8.RuneCountInString(MaskIDNumber(id)); n != idLen {
				t.Fatalf("MaskIDNumber(%q) has %d characters", id, n)
			}
			if c, err := IDCheckChar(id[:idLen-1]); err != nil || c != id[idLen-1] {
				t.Fatalf("IDCheckChar(%q) = %q, %v; the validated number ends %q", id[:idLen-1], c, err, id[idLen-1])
			}
			if again, err := ValidateIDNumber(id); err != nil || again != id {
				t.Fatalf("ValidateIDNumber(%q) = %q, %v; normalising is not idempotent", id, again, err)
			}
		}

		// Generated numbers validate, and bad arguments panic instead.
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		region := fmt.Sprintf("%06d", rng.IntN(1e6))
		birth := first.AddDate(0, 0, rng.IntN(span+2000)-1000)
		y, m, d := birth.Date()
		if checkRegion(region) != nil || checkBirth(y, int(m), d) != nil {
			if !panics(func() { GenerateIDNumber(rng, region, birth) }) {
				t.Fatalf("GenerateIDNumber(%q, %v) did not panic", region, birth)
			}
			return
		}
		gen := GenerateIDNumber(rng, region, birth)
		if got, err := ValidateIDNumber(gen); err != nil || got != gen {
			t.Fatalf("GenerateIDNumber(%q, %v) = %q, which validates as %q, %v", region, birth, gen, got, err)
		}
	})
}

func FuzzValidatePhone(f *testing.F) {
	for _, s := range []string{
		"", "13812345678", "+86 138 1234 5678", "010-12345678", "0755-1234567",
		"12812345678", "011-12345678", "+1 202 555 0123", "138１2345678", "+", "0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ValidatePhone(s)
		masked := MaskPhone(s)
		if err != nil {
			if code := archive.ErrorCode(err); code != archive.EINVALID {
				t.Fatalf("ValidatePhone(%q): code %q, want %q", s, code, archive.EINVALID)
			}
			in := strings.TrimSpace(s)
			if len(in) > 8 && strings.Trim(in, "0123456789") == "" && strings.Contains(err.Error(), in) {
				t.Fatalf("error %q repeats the phone number", err)
			}
			if got, want := utf8.RuneCountInString(masked), utf8.RuneCountInString(in); got != want {
				t.Fatalf("MaskPhone(%q) = %q, want %d characters", s, masked, want)
			}
			return
		}
		if again, err := ValidatePhone(p); err != nil || again != p {
			t.Fatalf("ValidatePhone(%q) = %q, %v; normalising is not idempotent", p, again, err)
		}
		if p == "" {
			if s = strings.TrimSpace(s); s != "" {
				t.Fatalf("ValidatePhone(%q) = \"\" for a non-blank input", s)
			}
			return
		}
		if strings.Trim(p, "0123456789-") != "" || len(p) < 10 || len(p) > 13 {
			t.Fatalf("ValidatePhone(%q) = %q, not a normalised number", s, p)
		}
		if len(masked) != len(p) || masked[len(p)-4:] != p[len(p)-4:] {
			t.Fatalf("MaskPhone(%q) = %q, want the length and last 4 of %q", s, masked, p)
		}
	})
}
