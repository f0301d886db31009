package http

import (
	"dossier/archive"
	"dossier/archive/users"
	"net/http"
	"strconv"
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

// listUsers answers GET /api/v1/users?role=&q=&disabled=&limit=&cursor=.
func (s *Server) listUsers(c *gin.Context) {
	f := users.UserFilter{Role: c.Query("role"), Query: c.Query("q")}
	if d := c.Query("disabled"); d != "" {
		b, err := strconv.ParseBool(d)
		if err != nil {
			s.Fail(c, archive.Errorf(archive.EINVALID, "disabled: must be true or false"))
			return
		}
		f.Disabled = &b
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, err := s.svc.ListUsers(c.Request.Context(), Actor(c), f, c.Query("cursor"), limit)
	s.answer(c, page, err)
}

func (s *Server) getUser(c *gin.Context) {
	u, err := s.svc.User(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, u, err)
}

// updateUser answers PATCH /api/v1/users/{id} {roles?, display_name?,
// disabled?}.
func (s *Server) updateUser(c *gin.Context) {
	var in users.UserUpdate
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	u, err := s.svc.UpdateUser(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, u, err)
}

// password answers POST /api/v1/users/{id}/password: the holder changes
// their own password (204); an administrator resets someone else's and
// gets the activation token to hand over (201). The administrator's body
// may be left out.
func (s *Server) password(c *gin.Context) {
	var in users.PasswordChange
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			s.Fail(c, err)
			return
		}
	}
	a, id := Actor(c), c.Param("id")
	if a.UserID == id {
		if err := s.svc.ChangePassword(c.Request.Context(), a, id, in); err != nil {
			s.Fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
		return
	}
	act, err := s.svc.ResetPassword(c.Request.Context(), a, id, in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, act)
}

// revokeTokens answers DELETE /api/v1/users/{id}/tokens: every token of
// the user is revoked.
func (s *Server) revokeTokens(c *gin.Context) {
	n, err := s.svc.RevokeTokens(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, gin.H{"revoked": n}, err)
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
