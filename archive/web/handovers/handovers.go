// Package handovers holds the pages of case handling and handovers
// (交接): taking a case or assigning it, a supervisor's handover of a
// person's open work (all of it, or the cases selected on the worklist)
// to another, the list of handovers, one handover with its 交接清单, and
// the receiver's acknowledgement. Every page asks the Service with the
// signed-in actor; forms are offers only.
package handovers

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"dossier/archive"
	"dossier/archive/handover"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the handover pages with the kit.
type pages struct{ *kit.Kit }

// Register adds the handover pages to k.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes})
}

var nav = []kit.NavItem{
	{Key: "handovers", Href: "/handovers", Label: "交接", Roles: []string{archive.RoleClerk, archive.RoleReviewer,
		archive.RoleSupervisor, archive.RoleApprover, archive.RoleAuditor}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.POST("/cases/:id/handler", s.Staff, s.CSRF, s.takeCase)
	w.GET("/handovers", s.Staff, s.handoversPage)
	w.POST("/handovers", s.Staff, s.CSRF, s.handoverCreate)
	w.GET("/handovers/selected", s.Staff, s.selectedPage)
	w.POST("/handovers/selected/assign", s.Staff, s.CSRF, s.assignSelected)
	w.GET("/handovers/:id", s.Staff, s.handoverPage)
	w.POST("/handovers/:id/ack", s.Staff, s.CSRF, s.handoverAck)
	w.GET("/handovers/:id/list.pdf", s.Staff, s.API.HandoverListPDF)
}

var statusNames = kit.Names{
	handover.StatusPending:      "待接收确认",
	handover.StatusAcknowledged: "已接收",
	handover.StatusWithdrawn:    "已撤回",
}

var funcs = template.FuncMap{"handoverStatus": statusNames.Of}

func handoverPath(id string) string { return "/handovers/" + url.PathEscape(id) }

// person is a member of staff as a form offers them.
type person struct{ ID, Name string }

// staff lists colleagues by display name, for the forms' choices.
func (s *pages) staff(c *gin.Context, a archive.Actor) []person {
	var out []person
	for id, name := range s.StaffNames(c, a).ByID {
		out = append(out, person{id, name})
	}
	slices.SortFunc(out, func(x, y person) int { return strings.Compare(x.Name+x.ID, y.Name+y.ID) })
	return out
}

// takeCase posts "领取": the handler field, or the actor when empty,
// becomes the case's handler.
func (s *pages) takeCase(c *gin.Context) {
	a := dhttp.Actor(c)
	handler := c.PostForm("handler")
	if handler == "" {
		handler = a.UserID
	}
	id := c.Param("id")
	if _, err := s.Svc.Assign(c.Request.Context(), a, id, handler); err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := "已领取此案件，由您经办。"
	if handler != a.UserID {
		msg = "已分派经办人。"
	}
	s.Redirect(c, msg, kit.CasePath(id))
}

type handoversView struct {
	Create    bool
	Staff     []person
	Mine      string
	Pending   []*handover.Handover
	Handovers []*handover.Handover
}

// handoversPage lists the handovers the actor may read, those waiting
// for the actor's acknowledgement first, with the form that hands a
// person's open work over (supervisors).
func (s *pages) handoversPage(c *gin.Context) {
	a := dhttp.Actor(c)
	hs, err := s.Svc.Handovers(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v := handoversView{Create: a.Has(archive.RoleSupervisor), Mine: a.UserID, Handovers: hs}
	for _, h := range hs {
		if h.To == a.UserID && h.Status == handover.StatusPending {
			v.Pending = append(v.Pending, h)
		}
	}
	if v.Create {
		v.Staff = s.staff(c, a)
	}
	s.Render(c, http.StatusOK, "handovers", "交接", v)
}

// handoverCreate posts a handover: from, to, reason, and the case ids
// selected (none: all of from's open work).
func (s *pages) handoverCreate(c *gin.Context) {
	in := handover.NewHandover{From: c.PostForm("from"), To: c.PostForm("to"), Reason: c.PostForm("reason"), Cases: c.PostFormArray("case")}
	h, err := s.Svc.CreateHandover(dhttp.Detached(c), dhttp.Actor(c), in)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, fmt.Sprintf("已将 %d 件案件交接给 %s，等待其确认接收。", len(h.Items), h.ToName), handoverPath(h.ID))
}

type selectedView struct {
	Cases []*archive.CaseView
	Names map[string]string
	Staff []person
	// From is the one handler of every selected case, the handover's
	// giver; empty when they have several or none, and then only
	// assigning is offered.
	From string
}

// selectedPage is the form for cases selected on the worklist
// (/handovers/selected?case=…&case=…): hand them over, when one person
// handles them all, or assign them to someone.
func (s *pages) selectedPage(c *gin.Context) {
	a := dhttp.Actor(c)
	if !a.Has(archive.RoleSupervisor) {
		s.API.Fail(c, archive.Errorf(archive.EFORBIDDEN, "handovers are made by supervisors"))
		return
	}
	ids := append(c.QueryArray("case"), c.QueryArray("id")...) // id: the worklist's ticked cases
	if len(ids) == 0 {
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "select the cases to hand over on the worklist first"))
		return
	}
	v := selectedView{Names: s.StaffNames(c, a).ByID, Staff: s.staff(c, a)}
	handlers := map[string]bool{}
	for _, id := range ids {
		cv, err := s.Svc.GetCase(c.Request.Context(), a, id, false)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		v.Cases = append(v.Cases, cv)
		handlers[cv.Handler] = true
	}
	if len(handlers) == 1 && !handlers[""] {
		v.From = v.Cases[0].Handler
	}
	s.Render(c, http.StatusOK, "handoverselected", "交接所选案件", v)
}

// assignSelected posts assigning every selected case to one person.
func (s *pages) assignSelected(c *gin.Context) {
	a := dhttp.Actor(c)
	to := c.PostForm("to")
	ids := c.PostFormArray("case")
	for i, id := range ids {
		if _, err := s.Svc.Assign(c.Request.Context(), a, id, to); err != nil {
			if i > 0 {
				err = archive.Wrapf("", archive.ErrorCode(err), err, "%d of the %d cases were assigned; then: %s", i, len(ids), err)
			}
			s.API.Fail(c, err)
			return
		}
	}
	s.Redirect(c, fmt.Sprintf("已分派 %d 件案件。", len(ids)), "/")
}

type handoverView struct {
	*handover.Handover
	Path string
	// Ack offers the acknowledgement: the receiver, while it waits.
	Ack bool
}

// handoverPage shows one handover with its cases.
func (s *pages) handoverPage(c *gin.Context) {
	a := dhttp.Actor(c)
	h, err := s.Svc.GetHandover(c.Request.Context(), a, c.Param("id"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v := handoverView{Handover: h, Path: handoverPath(h.ID), Ack: h.To == a.UserID && h.Status == handover.StatusPending}
	s.Render(c, http.StatusOK, "handover", "案件交接："+h.FromName+" → "+h.ToName, v)
}

// handoverAck posts the receiver's acknowledgement.
func (s *pages) handoverAck(c *gin.Context) {
	id := c.Param("id")
	h, err := s.Svc.Acknowledge(dhttp.Detached(c), dhttp.Actor(c), id)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, fmt.Sprintf("已确认接收 %d 件案件。", len(h.Items)), handoverPath(id))
}
