package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dossier/archive"
)

// shotBoth saves the page at 1280 px and at 390 px wide as
// <name>-1280.png and <name>-390.png.
func (b *tab) shotBoth(name string) {
	b.t.Helper()
	b.do("narrow the window", chromedp.EmulateViewport(390, 844))
	b.screenshot(name + "-390")
	b.do("widen the window", chromedp.EmulateViewport(1280, 900))
	b.screenshot(name + "-1280")
}

// A reviewer takes a case on its page; a supervisor hands the reviewer's
// open work to a second reviewer on the 交接 page; the cases show 交接中
// on the receiver's worklist until the receiver acknowledges on the
// handover's page; the 交接清单 downloads as a PDF; the form for cases
// selected on the worklist offers the handover.
func TestHandoverPages(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	shots := artefacts(t)
	ctx := context.Background()
	rev, rev2 := s.actor("reviewer"), s.actor("reviewer2")
	waiting, err := s.svc.ListCases(ctx, rev, archive.CaseFilter{Status: archive.StatusInitialReview}, "", 0)
	if err != nil || len(waiting.Cases) < 2 {
		t.Fatalf("cases waiting for the 初审: %v, %v", waiting, err)
	}
	first, second := waiting.Cases[0], waiting.Cases[1]

	r := s.tab(browser, "reviewer", shots)
	r.login("reviewer")
	r.open("/cases/" + first.ID)
	r.submit("take the case", `#take-form button`)
	r.expect(".flash", "已领取此案件")
	r.expect("#handler", rev.DisplayName)
	if _, err := s.svc.Assign(ctx, rev, second.ID, rev.UserID); err != nil {
		t.Fatal(err)
	}
	r.open("/?mine=1")
	r.expect("#mine-switch", "我经办的")
	r.expect("main", first.Number)
	r.expect("main", "我经办")

	sup := s.tab(browser, "supervisor", shots)
	sup.login("supervisor")
	sup.open("/handovers/selected?case=" + first.ID + "&case=" + second.ID)
	sup.expect("main h1", "交接所选案件")
	sup.expect("#selected-handover-form", rev.DisplayName)
	sup.shotBoth("handover-selected")
	sup.open("/handovers")
	sup.shotBoth("handovers-new")
	sup.do("fill in the handover form",
		chromedp.SetValue(chromedp.CSS(`#handover-form select[name=from]`), rev.UserID),
		chromedp.SetValue(chromedp.CSS(`#handover-form select[name=to]`), rev2.UserID),
		chromedp.SendKeys(chromedp.CSS(`#handover-form input[name=reason]`), "休年假 🏖 𠮷"))
	sup.submit("hand over", `#handover-form button[type=submit]`)
	sup.expect(".flash", "已将 2 件案件交接给 "+rev2.DisplayName)
	sup.expect("#handover-status", "待接收确认")
	sup.expect("main", "休年假 🏖 𠮷")
	sup.expect("main", first.Number)
	sup.shotBoth("handover-pending")

	r2 := s.tab(browser, "reviewer2", shots)
	r2.login("reviewer2")
	r2.expect("main", "交接中")
	r2.shotBoth("worklist-handover")
	r2.open("/handovers")
	r2.expect("#pending", rev.DisplayName+" 移交的 2 件案件")
	r2.shotBoth("handovers-receiver")
	r2.open("/cases/" + first.ID)
	r2.expect("#handler", "交接中")
	r2.shotBoth("case-handover")
	r2.do("open the handover", chromedp.Click(chromedp.CSS(`#handler a`)))
	r2.expect("main h1", "案件交接")
	r2.submit("acknowledge", `#ack-form button`)
	r2.expect(".flash", "已确认接收 2 件案件")
	r2.expect("#handover-status", "已接收")
	r2.shotBoth("handover-acknowledged")
	if f := r2.download("#handover-pdf"); f.Status != 200 || !strings.HasPrefix(f.Type, "application/pdf") || f.Head != "%PDF-" {
		t.Fatalf("the 交接清单: %+v", f)
	}
	r2.open("/cases/" + first.ID)
	r2.expect("#handler", rev2.DisplayName)
	if strings.Contains(r2.text("#handler"), "交接中") {
		t.Fatalf("the case still shows 交接中 after the acknowledgement")
	}
	r2.open("/?mine=1")
	r2.expect("main", second.Number)
}
