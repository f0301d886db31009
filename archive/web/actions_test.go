package web_test

import (
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/refdata"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The case page offers a form exactly when posting it is accepted, for a
// case at each stage and each member of staff (and the applicant), and
// the API's actions say the same: the page asks the domain instead of
// deciding for itself. A reviewer who decided the initial review and also
// holds the supervisor role is neither offered the second review nor let
// through when posting it.
func TestUIFormsOfferedExactlyWhenAccepted(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	delete(tokens, "applicant") // who sees none of these cases
	_, tokens["both"] = e.staff("ui.both", archive.RoleReviewer, archive.RoleSupervisor)
	ownerID, owner := e.staff("ui.owner", archive.RoleApplicant)
	tokens["owner"] = owner
	// A type that pays nothing: an approved payable case waits for its
	// payment before the archive, which the case's actions do not know.
	bt, _ := refdata.DefaultCatalogue().Lookup("injury_determination")

	// fileAt files a case for ui.owner and moves it to status: accepted by
	// the clerk, the initial review by ui.both, then the supervisor and
	// the approver.
	fileAt := func(status string) string {
		t.Helper()
		r := e.JSON("POST", "/api/v1/cases", tokens["clerk"], map[string]any{"business_type": bt.Code, "applicant_user_id": ownerID,
			"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID}})
		apitest.Expect(t, r, 201, "create case")
		id := r.Str("id")
		if status == archive.StatusCorrectionRequested {
			apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", tokens["clerk"], map[string]any{"decision": "correct", "reason": "请补交材料"}), 200, "correct")
		}
		if status == archive.StatusSubmitted || status == archive.StatusCorrectionRequested {
			return id
		}
		for _, m := range bt.MissingMandatory(nil) {
			apitest.Expect(t, e.Upload(tokens["clerk"], id, m.Code, m.Name+".pdf", apitest.PDF(m.Code)), 201, "upload "+m.Code)
		}
		steps := []struct{ who, path string }{{"clerk", "acceptance"}, {"both", "reviews"}, {"supervisor", "reviews"}, {"approver", "reviews"}}
		for _, s := range steps {
			body := map[string]any{"decision": "approve", "opinion": "同意"}
			if s.path == "acceptance" {
				body = map[string]any{"decision": "accept"}
			}
			apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/"+s.path, tokens[s.who], body), 200, s.who)
			if e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil).Str("status") == status {
				return id
			}
		}
		t.Fatalf("no case reaches %s", status)
		return ""
	}

	forms := []struct {
		id, path, action string
		form             func(stage string) url.Values
	}{
		{"decision-form", "decision", "decide", func(stage string) url.Values {
			if stage == archive.StageAcceptance {
				return url.Values{"stage": {stage}, "decision": {"reject"}, "opinion": {"不属于本机构管辖范围"}, "confirm": {"1"}}
			}
			return url.Values{"stage": {stage}, "decision": {"approve"}, "opinion": {"同意"}, "confirm": {"1"}}
		}},
		{"extension-form", "extension", "extend", func(string) url.Values { return url.Values{"reason": {"材料需核实"}} }},
		{"resubmit-form", "resubmit", "resubmit", func(string) url.Values { return url.Values{} }},
		{"archive-form", "archive", "archive", func(string) url.Values { return url.Values{} }},
	}
	browsers := map[string]*browser{}
	for who := range tokens {
		browsers[who] = e.browser()
		signIn(browsers[who], "ui."+who, testPassword)
	}
	accepted := map[string][]string{}
	for _, status := range []string{archive.StatusSubmitted, archive.StatusCorrectionRequested, archive.StatusInitialReview,
		archive.StatusSecondReview, archive.StatusFinalReview, archive.StatusApproved} {
		id := fileAt(status)
		stage := archive.StageOf(status)
		for _, who := range slices.Sorted(maps.Keys(tokens)) {
			b := browsers[who]
			for _, f := range forms {
				p := b.Get("/cases/" + id)
				if p.Status != http.StatusOK {
					t.Fatalf("%s opens a case at %s: %d", who, status, p.Status)
				}
				shown := strings.Contains(p.Body, `id="`+f.id+`"`)
				actions, _ := e.JSON("GET", "/api/v1/cases/"+id, tokens[who], nil).Body["actions"].(map[string]any)
				if actions[f.action] != shown {
					t.Errorf("%s at %s: the page shows %s %v, the API says %s %v", who, status, f.id, shown, f.action, actions[f.action])
				}
				form := f.form(stage)
				form.Set("csrf", csrfOf(t, p))
				r := b.Post("/cases/"+id+"/"+f.path, form)
				if ok := r.Status == http.StatusSeeOther; ok != shown {
					t.Errorf("%s at %s: %s shown %v, but the post answers %d %.300s", who, status, f.id, shown, r.Status, r.Body)
				} else if !ok && r.Status != http.StatusForbidden && r.Status != http.StatusConflict {
					t.Errorf("%s at %s: %s refused with %d, want 403 or 409", who, status, f.path, r.Status)
				}
				if r.Status == http.StatusSeeOther {
					accepted[status+" "+f.path] = append(accepted[status+" "+f.path], who)
					id = fileAt(status)
				}
			}
		}
	}
	want := map[string][]string{
		"submitted decision":            {"clerk"},
		"submitted extension":           {"clerk"},
		"correction_requested resubmit": {"clerk", "owner"},
		"initial_review decision":       {"both", "reviewer"},
		"second_review decision":        {"supervisor"},
		"final_review decision":         {"approver"},
		"approved archive":              {"archivist"},
	}
	if !maps.EqualFunc(accepted, want, slices.Equal) {
		t.Errorf("accepted posts: %v, want %v", accepted, want)
	}
}
