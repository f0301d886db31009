package archive

import (
	"os"
	"strings"
	"testing"
)

// Every key builder makes a key of the kind the layout names for it.
func TestLayoutDescribesEveryBuilder(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	id := "d4rkq4hksdu4bq6l0f80"
	for _, tc := range []struct {
		key, pattern string
	}{
		{BlobKey(sum), "blobs/sha256/<hex>"},
		{EventKey(id, 7), "cases/<case-id>/events/<seq>.json"},
		{ManifestKey(id, 12), "cases/<case-id>/manifest-<件号>.json"},
		{CaseClaimNoteKey(id), "cases/<case-id>/archive-claim.json"},
		{CaseNumberKey(2026, 41), "numbers/<year>/<n>"},
		{VerifyKey("K7QM-3XPA-9DTF"), "notices/verify/<code>"},
		{ArchivePointer("Z109-SB·2026-D30-YL-0001"), "archives/<档号>"},
		{ArchivePointer("Z109-SB·2026-Y-0012"), "archives/<档号>"},
		{ItemClaimKey("Z109", 2026, "D30", 3), "archive-numbers/<fonds>/<year>/<retention>/<件号>"},
		{UserEventKey(id, 1), "users/<user-id>/events/<seq>.json"},
		{UserNameKey("张敏.zhang"), "usernames/<folded name>"},
		{UserNameKey(strings.Repeat("很", 40)), "usernames/<folded name>"},
		{TokenKey(sum), "tokens/<sha256>"},
		{AuditSegmentKey(42), "audit/<seq>.json"},
		{DisposalEventKey(id, 3), "disposals/<id>/events/<seq>.json"},
		{FixityReportKey("20261206T031324.123456789Z", 1), "reports/fixity/<start time>.json"},
		{FixityReportKey("20261206T031324.123456789Z", 2), "reports/fixity/<start time>.json"},
		{ExecutionEventKey(id, 2), "executions/<case-id>/events/<seq>.json"},
		{PaymentItemEventKey(id+"-202603", 1), "payments/items/<case-id>-<period>/events/<seq>.json"},
		{PaymentItemEventKey(id+"-once", 1), "payments/items/<case-id>-<period>/events/<seq>.json"},
		{PaymentBatchEventKey(id, 4), "payments/batches/<id>/events/<seq>.json"},
		{PaymentSettledKey(id), "payments/settled/<id>"},
	} {
		k, ok := DescribeKey(tc.key)
		if !ok || k.Pattern != tc.pattern {
			t.Errorf("%s: described as %q (%v), want %q", tc.key, k.Pattern, ok, tc.pattern)
		}
		if err := ValidateKey(tc.key); err != nil {
			t.Errorf("%s: not a valid key: %v", tc.key, err)
		}
	}
	for _, key := range []string{"cases/x/other.json", "blobs/sha256/ABC", "tmp/x", "audit/1.json", "archives/../x"} {
		if k, ok := DescribeKey(key); ok {
			t.Errorf("%s is described as %q; dossier never writes it", key, k.Pattern)
		}
	}
	if id, seq, ok := ParseEventKey(EventKey(id, 9)); !ok || id != "d4rkq4hksdu4bq6l0f80" || seq != 9 {
		t.Errorf("ParseEventKey: %s %d %v", id, seq, ok)
	}
	if seq, ok := ParseAuditSegmentKey(AuditSegmentKey(42)); !ok || seq != 42 {
		t.Errorf("ParseAuditSegmentKey: %d %v", seq, ok)
	}
}

// LayoutMarkdown is README's storage table, made from Layout.
func layoutMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | what |\n|---|---|\n")
	for _, k := range Layout {
		b.WriteString("| `" + k.Pattern + "` | " + k.What + " |\n")
	}
	return b.String()
}

// README's storage section lists exactly the layout, in its order.
func TestREADMEListsLayout(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- layout:begin (archive.Layout; TestREADMEListsLayout) -->\n", "<!-- layout:end -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README has no layout section between %q and %q", begin, end)
	}
	if got, want := s[i+len(begin):j], layoutMarkdown(); got != want {
		t.Errorf("README's storage table differs from archive.Layout; it should read:\n%s", want)
	}
}
