package http_test

import (
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
)

// handoverScenario takes two cases to their 初审, has a reviewer take
// them, hands them over to another reviewer who acknowledges, and prints
// the 交接清单: every status the handover routes declare.
func handoverScenario(t *testing.T, r *recorder) {
	e := r.e
	_, clerk := e.User("h.clerk", archive.RoleClerk)
	revID, rev := e.User("h.reviewer", archive.RoleReviewer)
	rev2ID, rev2 := e.User("h.reviewer2", archive.RoleReviewer)
	_, sup := e.User("h.supervisor", archive.RoleSupervisor)
	approverID, approver := e.User("h.approver", archive.RoleApprover)
	_, auditor := e.User("h.auditor", archive.RoleAuditor)
	admin := e.Admin
	atInitial := func() string {
		c := e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "unemployment_benefit",
			"applicant": map[string]any{"name": "司马懿𠮷", "id_number": apitest.ValidID}})
		apitest.Expect(t, c, 201, "create")
		id := c.Str("id")
		for _, code := range []string{"id_card", "termination_certificate"} {
			apitest.Expect(t, e.Upload(clerk, id, code, code+".pdf", apitest.PDF(code)), 201, "upload")
		}
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
		return id
	}
	a, b := atInitial(), atInitial()
	unknown := "/api/v1/cases/c0000000000000000000/handler"

	r.json(400, "take a case with an unknown field", "PUT", "/api/v1/cases/"+a+"/handler", rev, map[string]any{"handler": revID, "x": 1})
	r.json(401, "take a case without a token", "PUT", "/api/v1/cases/"+a+"/handler", "", map[string]any{"handler": revID})
	r.json(403, "a reviewer assigns a case to another", "PUT", "/api/v1/cases/"+a+"/handler", rev, map[string]any{"handler": rev2ID})
	r.json(404, "take an unknown case", "PUT", unknown, rev, map[string]any{"handler": revID})
	r.json(409, "assign the 初审 to an approver", "PUT", "/api/v1/cases/"+a+"/handler", sup, map[string]any{"handler": approverID})
	r.json(200, "take a case", "PUT", "/api/v1/cases/"+a+"/handler", rev, map[string]any{"handler": revID})
	r.json(200, "a supervisor assigns a case", "PUT", "/api/v1/cases/"+b+"/handler", sup, map[string]any{"handler": revID})
	r.get(200, "my cases", "/api/v1/cases?handler=me", rev)

	in := map[string]any{"from": revID, "to": rev2ID, "reason": "休年假 🏖"}
	r.json(400, "a handover to its giver", "POST", "/api/v1/handovers", sup, map[string]any{"from": revID, "to": revID, "reason": "x"})
	r.json(401, "a handover without a token", "POST", "/api/v1/handovers", "", in)
	r.json(403, "a reviewer hands over", "POST", "/api/v1/handovers", rev, in)
	r.json(404, "a handover of an unknown case", "POST", "/api/v1/handovers", sup, map[string]any{"from": revID, "to": rev2ID, "reason": "x", "cases": []string{"c0000000000000000000"}})
	r.json(409, "a handover to someone without the stage's role", "POST", "/api/v1/handovers", sup, map[string]any{"from": revID, "to": approverID, "reason": "x"})
	id := r.json(201, "hand over", "POST", "/api/v1/handovers", sup, in).Str("id")
	r.json(409, "a case in an unacknowledged handover", "PUT", "/api/v1/cases/"+a+"/handler", sup, map[string]any{"handler": revID})
	one := "/api/v1/handovers/" + id

	r.get(200, "list handovers", "/api/v1/handovers", sup)
	r.get(400, "list handovers with a bad limit", "/api/v1/handovers?limit=many", sup)
	r.get(401, "list handovers without a token", "/api/v1/handovers", "")
	r.get(403, "the administrator lists handovers", "/api/v1/handovers", admin)
	r.get(200, "the receiver reads the handover", one, rev2)
	r.get(401, "read a handover without a token", one, "")
	r.get(403, "an approver reads a handover", one, approver)
	r.get(404, "read an unknown handover", "/api/v1/handovers/c0000000000000000000", sup)

	r.json(401, "acknowledge without a token", "POST", one+"/ack", "", nil)
	r.json(403, "the giver acknowledges", "POST", one+"/ack", rev, nil)
	r.json(404, "acknowledge an unknown handover", "POST", "/api/v1/handovers/c0000000000000000000/ack", rev2, nil)
	r.json(200, "the receiver acknowledges", "POST", one+"/ack", rev2, nil)
	r.json(409, "acknowledge twice", "POST", one+"/ack", rev2, nil)

	r.get(200, "the 交接清单", one+"/list.pdf", auditor)
	r.get(401, "the 交接清单 without a token", one+"/list.pdf", "")
	r.get(403, "an approver reads the 交接清单", one+"/list.pdf", approver)
	r.get(404, "an unknown 交接清单", "/api/v1/handovers/c0000000000000000000/list.pdf", sup)
}
