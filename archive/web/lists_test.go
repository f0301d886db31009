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

	rv := e.browser()
	tok := csrfOf(t, rv.login("ui.reviewer", testPassword))
	p := rv.post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"archive"}, "id": {other}})
	if p.status != 200 || !strings.Contains(p.body, "已归档 <b>0</b> 件") || !strings.Contains(p.body, "未归档：") {
		t.Fatalf("a reviewer's bulk archiving: %d %.2000s", p.status, p.body)
	}

	b := e.browser()
	tok = csrfOf(t, b.login("ui.archivist", testPassword))
	p = b.post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"archive"}, "id": {decided, waiting, "nosuchcase", decided}})
	if p.status != 200 || !strings.Contains(p.body, "已归档 <b>1</b> 件") || !strings.Contains(p.body, "<b class=\"status-denied\">2</b> 件未归档") {
		t.Fatalf("bulk archiving: %d %.3000s", p.status, p.body)
	}
	if !strings.Contains(p.body, decidedNo) || !strings.Contains(p.body, waitingNo) || strings.Count(p.body, "未归档：") != 2 || strings.Count(p.body, "已归档，档号") != 1 {
		t.Fatalf("bulk archiving does not report each case: %.3000s", p.body)
	}
	for _, bad := range []url.Values{{"action": {"archive"}}, {"action": {"shred"}, "id": {waiting}}} {
		bad.Set("csrf", tok)
		if p := b.post("/cases/bulk", bad); p.status != http.StatusBadRequest || !strings.Contains(p.body, "填写有误") {
			t.Fatalf("%v: %d", bad, p.status)
		}
	}
	if p := b.post("/cases/bulk", url.Values{"action": {"export"}, "id": {waiting}}); p.status != http.StatusForbidden {
		t.Fatalf("bulk export without the CSRF token: %d", p.status)
	}

	p = b.post("/cases/bulk", url.Values{"csrf": {tok}, "action": {"export"}, "id": {waiting, "nosuchcase"}})
	if p.status != 200 || !strings.HasPrefix(p.body, "\ufeff案件编号,业务类型,申请人,身份证号,联系电话,") || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %q %.500s", p.status, p.header.Get("Content-Type"), p.body)
	}
	if strings.Contains(p.body, apitest.ValidID) || strings.Contains(p.body, "13812345678") ||
		!strings.Contains(p.body, identity.MaskIDNumber(apitest.ValidID)) || !strings.Contains(p.body, identity.MaskPhone("13812345678")) {
		t.Fatalf("export shows unmasked numbers: %s", p.body)
	}
	if !strings.Contains(p.body, waitingNo+",失业保险金申领,王五") || !strings.Contains(p.body, "nosuchcase,") || !strings.Contains(p.body, "无法导出") {
		t.Fatalf("export rows: %s", p.body)
	}

	// Stale list links still show the list; a bad filter says what to type.
	if p := b.get("/?arc-sort=bogus&arc-page=x"); p.status != 200 {
		t.Fatalf("stale list link: %d", p.status)
	}
	if p := b.get("/?due=tomorrow"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "YYYY-MM-DD") {
		t.Fatalf("bad due date: %d", p.status)
	}
}
