package payments

import "testing"

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"1234.56", 123456, true}, {"1234.5", 123450, true}, {"1234", 123400, true}, {" 0.01 ", 1, true},
		{"1,234.56", 123456, true}, {"12,345,678.90", 1234567890, true}, {"999999999999999.99", 99999999999999999, true},
		{"0.07", 7, true}, {"19.99", 1999, true}, // 19.99 through float64 is 1998.9999…
		{"", 0, false}, {".5", 0, false}, {"5.", 0, false}, {"1.234", 0, false}, {"-1", 0, false}, {"+1", 0, false},
		{"1e3", 0, false}, {"1,23", 0, false}, {"1234,567.00", 0, false}, {",123", 0, false}, {"１２", 0, false},
		{"1000000000000000", 0, false}, {"12 34", 0, false}, {"¥12", 0, false},
	} {
		fen, ok := ParseYuan(c.in)
		if fen != c.fen || ok != c.ok {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, %v", c.in, fen, ok, c.fen, c.ok)
		}
	}
}

func TestYuan(t *testing.T) {
	for in, want := range map[int64]string{0: "0.00", 7: "0.07", 199999: "1,999.99", 123456789: "1,234,567.89", -150: "-1.50",
		9223372036854775807: "92,233,720,368,547,758.07", -9223372036854775808: "-92,233,720,368,547,758.08"} {
		if got := Yuan(in); got != want {
			t.Errorf("Yuan(%d) = %s, want %s", in, got, want)
		}
	}
}

// Whatever ParseYuan accepts shows again as the same amount.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"1234.56", "1,234.5", "0", "1e3", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, ok := ParseYuan(s)
		if !ok {
			return
		}
		if fen < 0 {
			t.Fatalf("ParseYuan(%q) = %d", s, fen)
		}
		back, ok := ParseYuan(Yuan(fen))
		if !ok || back != fen {
			t.Fatalf("ParseYuan(%q) = %d, but Yuan shows %q which reads %d, %v", s, fen, Yuan(fen), back, ok)
		}
	})
}
