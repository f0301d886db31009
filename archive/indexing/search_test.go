package indexing_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/indexing"
	"dossier/archive/loans"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/search"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
)

var (
	archivist  = servicetest.Archivist
	archivist2 = archive.Actor{UserID: "u-arch2", Name: "archivist2", Roles: []string{archive.RoleArchivist}}
	auditor    = archive.Actor{UserID: "u-aud", Name: "auditor", Roles: []string{archive.RoleAuditor}}
	approver   = archive.Actor{UserID: "u-appr", Name: "approver", Roles: []string{archive.RoleApprover}}
)

const (
	testID    = "11010519491231002X"
	testPhone = "13812345678"
)

// stack is a service over real parts with an indexer the test drives.
type stack struct {
	*servicetest.Stack
	svc *service.Service
	ix  *indexing.Indexer
}

func newStack(t *testing.T) *stack {
	st := servicetest.New(t, 2<<20)
	svc := st.Service(nil)
	return &stack{st, svc, svc.NewIndexer(st.DB, st.Index, search.Extract, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

// fileCase files a case as clerk with one text material.
func (s *stack) fileCase(t *testing.T, name, summary, material string) *archive.CaseView {
	t.Helper()
	ctx := context.Background()
	v, err := s.svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_claim", Summary: summary,
		Applicant: archive.Applicant{Name: name, IDNumber: testID, Phone: testPhone}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddMaterial(ctx, clerk, v.ID, "id_card", "证明.txt", strings.NewReader(material)); err != nil {
		t.Fatal(err)
	}
	return v
}

func (s *stack) search(t *testing.T, a archive.Actor, q indexing.SearchQuery) *indexing.SearchResult {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	res, err := s.svc.Search(context.Background(), a, q)
	if err != nil {
		t.Fatalf("search %q as %s: %v", q.Q, a.Name, err)
	}
	return res
}

func (s *stack) audited(t *testing.T, action string) []archive.AuditEntry {
	t.Helper()
	entries, _, err := s.Audit.Query(context.Background(), audit.AuditFilter{Action: action}, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

var digitRun = regexp.MustCompile(`[0-9Xx*]+`)

// TestHighlightsMaskNumbersWhateverTheCut is issue 13's item 10 from the
// outside: a material quotes the applicant's identity and phone numbers
// around the phone number searched for, at distances that make the
// highlighter cut the identity numbers at every position. Archivists and
// auditors see no digit a mask hides; a case handler asking through the
// API sees them unmasked, and that is audited per case; the web page's
// masked view is not.
func TestHighlightsMaskNumbersWhateverTheCut(t *testing.T) {
	s := newStack(t)
	pad := func(n int) string { return strings.Repeat("的", n) }
	ids := map[string]bool{}
	for k := 76; k <= 100; k++ {
		text := pad(300) + "身份号码" + testID + pad(k) + "联系电话" + testPhone + pad(k) + "身份号码" + testID + pad(300)
		v := s.fileCase(t, "王五", "申请养老金", text)
		ids[v.ID] = true
	}
	drain(t, s.ix)
	before := len(s.audited(t, "case.read_personal_data"))

	for _, a := range []archive.Actor{archivist, auditor} {
		res := s.search(t, a, indexing.SearchQuery{Q: testPhone})
		if len(res.Hits) != len(ids) {
			t.Fatalf("%s found %d cases by the phone number, want %d", a.Name, len(res.Hits), len(ids))
		}
		for _, h := range res.Hits {
			frs := h.Fragments["material_text"]
			if len(frs) == 0 {
				t.Fatalf("hit %s has no material fragment: %v", h.Number, h.Fragments)
			}
			for _, fr := range frs {
				plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fr)
				if !strings.Contains(plain, "138****5678") {
					t.Errorf("%s: the phone number searched for is not shown masked: %s", a.Name, fr)
				}
				// What a mask of the identity number shows: its first
				// six and last four, or, cut, at most its last four.
				for _, run := range digitRun.FindAllString(plain, -1) {
					if shown := strings.Trim(run, "*"); len(shown) > 4 && run != "110105********002X" && run != "138****5678" {
						t.Errorf("%s sees %q in %s", a.Name, run, fr)
					}
				}
			}
		}
	}
	if n := len(s.audited(t, "case.read_personal_data")); n != before {
		t.Fatalf("masked highlights were audited as reads of personal data (%d entries)", n-before)
	}

	// The web pages ask for masked highlights: masked, not audited.
	res := s.search(t, approver, indexing.SearchQuery{Q: testPhone, MaskIDNumbers: true})
	for _, h := range res.Hits {
		for _, fr := range h.Fragments["material_text"] {
			if strings.Contains(fr, testPhone) {
				t.Fatalf("masked view shows the phone number: %s", fr)
			}
		}
	}
	if n := len(s.audited(t, "case.read_personal_data")); n != before {
		t.Fatalf("a masked search was audited (%d entries)", n-before)
	}

	// A case handler through the API sees the numbers, audited per case.
	res = s.search(t, approver, indexing.SearchQuery{Q: testPhone})
	for _, h := range res.Hits {
		if frs := h.Fragments["material_text"]; len(frs) == 0 || !strings.Contains(frs[0], testPhone) {
			t.Fatalf("the approver's unmasked view: %v", h.Fragments)
		}
	}
	audited := map[string]bool{}
	for _, e := range s.audited(t, "case.read_personal_data")[before:] {
		if e.Actor != approver.UserID || !strings.Contains(e.Detail, "search highlights") {
			t.Fatalf("audit entry %+v", e)
		}
		audited[strings.TrimPrefix(e.Target, "case/")] = true
	}
	for id := range ids {
		if !audited[id] {
			t.Fatalf("case %s was shown unmasked to the approver without an audit entry", id)
		}
	}
}

// TestRestrictedArchivesStayRestricted is issue 13's item 11 from the
// outside: an approver who did not handle an archived case, and holds no
// loan of it, gets 403 on it and must not find it by its identity number,
// phone, name or contents; found by its catalogue entry (case number, 档号,
// business) it shows only that. Those who handled it, archivists, and the
// approver once a loan is approved, find it as before.
func TestRestrictedArchivesStayRestricted(t *testing.T) {
	ctx := context.Background()
	s := newStack(t)
	v := s.fileCase(t, "欧阳娜娜", "申请人电话"+testPhone, "宏远精密仪器集团 离职证明 身份号码"+testID)
	if _, err := s.svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.svc.ArchiveCase(ctx, archivist, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s.ix)
	if _, err := s.svc.GetCase(ctx, approver, v.ID, false); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("the approver reads the archived case: %v", err)
	}
	find := func(a archive.Actor, q string) *indexing.SearchHit {
		t.Helper()
		for _, h := range s.search(t, a, indexing.SearchQuery{Q: q}).Hits {
			if h.ID == v.ID {
				return &h
			}
		}
		return nil
	}
	personal := []string{testID, testID[:10], strings.ToLower(testID), testPhone, "欧阳娜娜", `"欧阳娜娜"`, "宏远精密仪器", "离职证明", "宏远 " + v.Number,
		"欧", "娜", "歐陽娜娜", "欧阳那娜", "宏遠精密儀器", "宏远精密仪哭", "離職證明", "职"}
	for _, q := range personal {
		if h := find(approver, q); h != nil {
			t.Errorf("the approver finds the archived case by %q: %+v", q, h)
		}
	}
	for _, q := range []string{v.Number, rec.ArchiveNo, strings.ReplaceAll(rec.ArchiveNo, "·", "."), "基本养老金申领",
		strings.ToLower(rec.ArchiveNo[:strings.LastIndex(rec.ArchiveNo, "-")]), "基本養老金", "领"} {
		h := find(approver, q)
		if h == nil {
			t.Errorf("the approver does not find the archived case by its catalogue entry %q", q)
			continue
		}
		if !h.Restricted || h.Fragments != nil || h.Name != "欧***" || h.Number != v.Number {
			t.Errorf("found by %q, the hit shows more than the catalogue entry: %+v", q, h)
		}
	}
	// Those who may read it find it by personal data, unrestricted.
	for _, a := range []archive.Actor{clerk, archivist} {
		if h := find(a, testID); h == nil || h.Restricted {
			t.Errorf("%s by the identity number: %+v", a.Name, h)
		}
	}
	// A loan makes the approver a reader.
	l, err := s.svc.RequestLoan(ctx, approver, rec.ArchiveNo, loans.LoanRequest{Purpose: "复核"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.DecideLoan(ctx, archivist2, rec.ArchiveNo, l.ID, loans.LoanDecision{Action: archive.LoanApprove}); err != nil {
		t.Fatal(err)
	}
	drain(t, s.ix)
	if h := find(approver, testPhone); h == nil || h.Restricted || len(h.Fragments) == 0 {
		t.Errorf("the approver with a loan, by the phone number: %+v", h)
	}
	if _, err := s.svc.DecideLoan(ctx, approver, rec.ArchiveNo, l.ID, loans.LoanDecision{Action: archive.LoanReturn}); err != nil {
		t.Fatal(err)
	}
	drain(t, s.ix)
	if h := find(approver, testID); h != nil {
		t.Errorf("after returning the loan the approver still finds the case by its identity number: %+v", h)
	}
}

// Fragments found by one character, by traditional characters for
// simplified ones and with a typo mask identity and phone numbers as any
// other.
func TestHighlightsMaskNumbersForEveryQueryKind(t *testing.T) {
	s := newStack(t)
	v := s.fileCase(t, "王五", "申请养老金", "居民身份證 號碼"+testID+" 聯繫電話"+testPhone)
	drain(t, s.ix)
	for _, q := range []string{"號", "码", "身份证", "联系电话", "联系电活", "联系"} {
		res := s.search(t, archivist, indexing.SearchQuery{Q: q})
		if len(res.Hits) != 1 || res.Hits[0].ID != v.ID {
			t.Fatalf("%q finds %+v", q, res.Hits)
		}
		frs := res.Hits[0].Fragments["material_text"]
		if len(frs) == 0 || !strings.Contains(frs[0], "<mark>") {
			t.Fatalf("%q: fragments %v", q, res.Hits[0].Fragments)
		}
		for _, fr := range frs {
			if plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fr); strings.Contains(plain, testID) || strings.Contains(plain, testPhone) ||
				!strings.Contains(plain, "110105********002X") {
				t.Errorf("%q: fragment %s", q, fr)
			}
		}
	}
}
