package http

import (
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/users"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) createUser(c *gin.Context) {
	var in users.NewUser
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	u, token, err := s.svc.CreateUser(c.Request.Context(), Actor(c), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	// The new token is the user's last (users.Service.CreateUser).
	c.JSON(http.StatusCreated, gin.H{"id": u.ID, "token": token, "token_id": u.Tokens[len(u.Tokens)-1].ID, "user": u})
}

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.svc.ListUsers(c.Request.Context(), Actor(c))
	s.answer(c, gin.H{"users": users}, err)
}

func (s *Server) issueToken(c *gin.Context) {
	var in struct {
		Label string `json:"label"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	token, tid, err := s.svc.IssueToken(c.Request.Context(), Actor(c), c.Param("id"), in.Label)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"token": token, "token_id": tid})
}

// activate answers POST /api/v1/users/{id}/activation {password}: with
// the account's activation token, the person chooses their password and
// gets their first working token.
func (s *Server) activate(c *gin.Context) {
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	token, tid, err := s.svc.Activate(c.Request.Context(), Actor(c), c.Param("id"), in.Password)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"token": token, "token_id": tid})
}

func (s *Server) revokeToken(c *gin.Context) {
	if err := s.svc.RevokeToken(c.Request.Context(), Actor(c), c.Param("id"), c.Param("tid")); err != nil {
		s.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// audit answers GET /api/v1/audit?case=&actor=&action=&from=&to=.
func (s *Server) audit(c *gin.Context) {
	f := audit.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action")}
	if id := c.Query("case"); id != "" {
		f.Target = "case/" + id
	}
	limit, ok := s.rangeAndLimit(c, &f.From, &f.To)
	if !ok {
		return
	}
	entries, next, err := s.svc.AuditEntries(c.Request.Context(), Actor(c), f, c.Query("cursor"), limit)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "next_cursor": next})
}

// queryRange reads the from and to query parameters into from and to
// when present: dates (Beijing time) or RFC 3339 times; a date given as to
// includes that whole day. Errors: EINVALID naming the parameter.
func queryRange(c *gin.Context, from, to *time.Time) error {
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"from", from}, {"to", to}} {
		v := c.Query(q.name)
		if v == "" {
			continue
		}
		t, dateOnly, err := parseTime(v)
		if err != nil {
			return archive.Errorf(archive.EINVALID, "%s: use a date (2026-01-31) or an RFC 3339 time", q.name)
		}
		if dateOnly && q.name == "to" {
			t = t.AddDate(0, 0, 1)
		}
		*q.dst = t
	}
	return nil
}

// parseTime accepts a date (start of that day, Beijing time) or RFC 3339.
func parseTime(v string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, false, nil
	}
	t, err = time.ParseInLocation("2006-01-02", v, archive.Zone)
	return t, true, err
}

// rangeAndLimit reads the from/to dates and the limit of a listing, or
// answers 400 saying which is wrong and reports false.
func (s *Server) rangeAndLimit(c *gin.Context, from, to *time.Time) (int, bool) {
	if err := queryRange(c, from, to); err != nil {
		s.Fail(c, err)
		return 0, false
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return 0, false
	}
	return limit, true
}
