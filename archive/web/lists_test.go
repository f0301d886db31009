package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/identity"
)

// TestUIBulkActions: 归档所选 archives the decided cases and says, per
// case, why the others were not (not decided, unknown, not an
// archivist); 导出所选 answers CSV with a byte order mark and masked
// numbers; a post without ticked cases or action is a 400 that says
// what to do.
func TestUIBulkActions(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	decided, decidedNo := e.caseAt(archive.StatusApproved, tokens, apitest.ValidID)
	waiting, waitingNo := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	other, _ := e.caseAt(archive.StatusApproved, tokens, apitest.ValidID)
	// An approved unemployment benefit is archived once paid or closed
	// without payment; decided is closed.
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+decided+"/execution/close", tokens["supervisor"], map[string]any{"reason": "申请人书面放弃领取"}), 200, "close without payment")

	rv := e.browser()
	tok := csrfOf(t, signIn(rv, "ui.reviewer", testPassword))
	p := rv.Post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"archive"}, "id": {other}})
	if p.Status != 200 || !strings.Contains(p.Body, "已归档 <b>0</b> 件") || !strings.Contains(p.Body, "未归档：") {
		t.Fatalf("a reviewer's bulk archiving: %d %.2000s", p.Status, p.Body)
	}

	b := e.browser()
	tok = csrfOf(t, signIn(b, "ui.archivist", testPassword))
	p = b.Post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"archive"}, "id": {decided, waiting, "nosuchcase", decided}})
	if p.Status != 200 || !strings.Contains(p.Body, "已归档 <b>1</b> 件") || !strings.Contains(p.Body, "<b class=\"status-denied\">2</b> 件未归档") {
		t.Fatalf("bulk archiving: %d %.3000s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, decidedNo) || !strings.Contains(p.Body, waitingNo) || strings.Count(p.Body, "未归档：") != 2 || strings.Count(p.Body, "已归档，档号") != 1 {
		t.Fatalf("bulk archiving does not report each case: %.3000s", p.Body)
	}
	for _, bad := range []url.Values{{"action": {"archive"}}, {"action": {"shred"}, "id": {waiting}}} {
		bad.Set("csrf", tok)
		if p := b.Post("/cases/bulk", bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "填写有误") {
			t.Fatalf("%v: %d", bad, p.Status)
		}
	}
	if p := b.Post("/cases/bulk", url.Values{"action": {"export"}, "id": {waiting}}); p.Status != http.StatusForbidden {
		t.Fatalf("bulk export without the CSRF token: %d", p.Status)
	}

	p = b.Post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"export"}, "id": {waiting, "nosuchcase"}})
	if p.Status != 200 || !strings.HasPrefix(p.Body, "\ufeff案件编号,业务类型,申请人,身份证号,联系电话,") || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %q %.500s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	if strings.Contains(p.Body, apitest.ValidID) || strings.Contains(p.Body, "13812345678") ||
		!strings.Contains(p.Body, identity.MaskIDNumber(apitest.ValidID)) || !strings.Contains(p.Body, identity.MaskPhone("13812345678")) {
		t.Fatalf("export shows unmasked numbers: %s", p.Body)
	}
	if !strings.Contains(p.Body, waitingNo+",失业保险金申领,王五") || !strings.Contains(p.Body, "nosuchcase,") || !strings.Contains(p.Body, "无法导出") {
		t.Fatalf("export rows: %s", p.Body)
	}

	// Stale list links still show the list; a bad filter says what to type.
	if p := b.Get("/?arc-sort=bogus&arc-page=x"); p.Status != 200 {
		t.Fatalf("stale list link: %d", p.Status)
	}
	if p := b.Get("/?due=tomorrow"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "YYYY-MM-DD") {
		t.Fatalf("bad due date: %d", p.Status)
	}
}
