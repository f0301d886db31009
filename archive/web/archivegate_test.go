package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
)

// An approved case that is to be paid is not offered for the archive
// while the payment gate holds it: the case page shows no 归档 button but
// says, in Chinese, what it waits for; the API's actions say archive
// false with the same reason, in the case and in the list; posting the
// form anyway is refused. Once a supervisor closes it without payment,
// the button is offered and the post archives it.
func TestUIArchiveOfferedOnlyWhenThePaymentGateLetsIt(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusApproved, tokens, apitest.ValidID)
	b := e.browser()
	signIn(b, "ui.archivist", testPassword)

	p := b.Get("/cases/" + id)
	if p.Status != http.StatusOK {
		t.Fatalf("case page: %d", p.Status)
	}
	if strings.Contains(p.Body, `id="archive-form"`) {
		t.Errorf("the page offers 归档 for a payable case with no execution")
	}
	if !strings.Contains(p.Body, `id="archive-wait"`) || !strings.Contains(p.Body, "尚未办理执行") || !strings.Contains(p.Body, "无支付结案") {
		t.Errorf("the page does not say why the case is not archived yet:\n%s", p.Body)
	}
	r := e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil)
	actions, _ := r.Body["actions"].(map[string]any)
	wait, _ := actions["archive_wait"].(string)
	if actions["archive"] != false || !strings.Contains(wait, "首笔支付成功") {
		t.Errorf("API actions of the held case: %v", actions)
	}
	list := e.JSON("GET", "/api/v1/cases?status=approved", tokens["archivist"], nil)
	cases, _ := list.Body["cases"].([]any)
	found := false
	for _, c := range cases {
		c, _ := c.(map[string]any)
		if c["id"] == id {
			found = true
			if a, _ := c["actions"].(map[string]any); a["archive"] != false || a["archive_wait"] == "" {
				t.Errorf("listed actions of the held case: %v", a)
			}
		}
	}
	if !found {
		t.Fatalf("the held case is not listed: %v", list.Body)
	}
	// Who could not archive anyway is not told what the archive waits for.
	clerkActions, _ := e.JSON("GET", "/api/v1/cases/"+id, tokens["clerk"], nil).Body["actions"].(map[string]any)
	if clerkActions["archive"] != false || clerkActions["archive_wait"] != "" {
		t.Errorf("a clerk's actions: %v", clerkActions)
	}
	post := b.Post("/cases/"+id+"/archive", url.Values{"csrf": {csrfOf(t, p)}})
	if post.Status != http.StatusConflict {
		t.Errorf("posting 归档 for the held case answers %d, want 409", post.Status)
	}

	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/execution/close", tokens["supervisor"], map[string]any{"reason": "申请人已就业，放弃申领 𠮷"}), 200, "close without payment")
	p = b.Get("/cases/" + id)
	if !strings.Contains(p.Body, `id="archive-form"`) || strings.Contains(p.Body, `id="archive-wait"`) {
		t.Errorf("the page does not offer 归档 once the case is closed without payment")
	}
	actions, _ = e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil).Body["actions"].(map[string]any)
	if actions["archive"] != true || actions["archive_wait"] != "" {
		t.Errorf("API actions of the closed case: %v", actions)
	}
	if post := b.Post("/cases/"+id+"/archive", url.Values{"csrf": {csrfOf(t, p)}}); post.Status != http.StatusSeeOther {
		t.Errorf("archiving the closed case answers %d %.300s", post.Status, post.Body)
	}
}
