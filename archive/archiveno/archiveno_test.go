package archiveno_test

import (
	"testing"

	"dossier/archive"
	"dossier/archive/archiveno"
)

// TestCanonical: a 档号 typed with "." (as in the store and in export
// packages), a full-width dot or spaces around it is the same number;
// anything else stays invalid.
func TestCanonical(t *testing.T) {
	const no = "Z109-SB·2026-D100-YL-0004"
	for _, in := range []string{no, " " + no + "\n", "Z109-SB.2026-D100-YL-0004", "Z109-SB．2026-D100-YL-0004", "Z109-SB・2026-D100-YL-0004"} {
		if got := archiveno.Canonical(in); got != no {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, no)
		}
	}
	for _, in := range []string{"", "xyz", "Z109-SB.2026.D100-YL-0004", "Z109-SB·2026-D100-YL-0004.", "Z109.SB·2026-D100-YL-0004", "Z109-SB..2026-D100-YL-0004"} {
		if got := archiveno.Canonical(in); archiveno.Valid(got) {
			t.Errorf("Canonical(%q) = %q, a valid number", in, got)
		}
	}
}

func TestRetentionEnd(t *testing.T) {
	end, err := archiveno.RetentionEnd(2026, "D10")
	if err != nil || end.Year() != 2037 || end.Month() != 1 || end.Day() != 1 {
		t.Fatalf("D10 formed in 2026: %v %v (counted from 1 Jan 2027, kept through 2036)", end, err)
	}
	if end, err := archiveno.RetentionEnd(2026, "Y"); end != nil || err != nil {
		t.Fatalf("永久: %v %v", end, err)
	}
	if _, err := archiveno.RetentionEnd(2026, "D20x"); archive.ErrorCode(err) != archive.EINVALID {
		t.Fatal(err)
	}
}
