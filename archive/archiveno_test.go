package archive_test

import (
	"testing"

	"dossier/archive"
)

// TestCanonicalArchiveNo: a 档号 typed with "." (as in the store and in
// export packages), a full-width dot or spaces around it is the same
// number; anything else stays invalid.
func TestCanonicalArchiveNo(t *testing.T) {
	const no = "Z109-SB·2026-D100-YL-0004"
	for _, in := range []string{no, " " + no + "\n", "Z109-SB.2026-D100-YL-0004", "Z109-SB．2026-D100-YL-0004", "Z109-SB・2026-D100-YL-0004"} {
		if got := archive.CanonicalArchiveNo(in); got != no {
			t.Errorf("CanonicalArchiveNo(%q) = %q, want %q", in, got, no)
		}
	}
	for _, in := range []string{"", "xyz", "Z109-SB.2026.D100-YL-0004", "Z109-SB·2026-D100-YL-0004.", "Z109.SB·2026-D100-YL-0004", "Z109-SB..2026-D100-YL-0004"} {
		if got := archive.CanonicalArchiveNo(in); archive.ValidArchiveNo(got) {
			t.Errorf("CanonicalArchiveNo(%q) = %q, a valid number", in, got)
		}
	}
}
