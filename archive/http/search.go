package http

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
)

// search answers GET /api/v1/search?q=&business_type=&status=&year=&from=&to=&limit=&cursor=.
func (s *Server) search(c *gin.Context) {
	q := archive.SearchQuery{Q: c.Query("q"), BusinessType: c.Query("business_type"), Status: c.Query("status"), Cursor: c.Query("cursor")}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 9999 {
			s.fail(c, archive.Errorf(archive.EINVALID, "year: a four-digit year"))
			return
		}
		q.Year = n
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		t, dateOnly, err := parseTime(v)
		if err != nil {
			s.fail(c, archive.Errorf(archive.EINVALID, "%s: use a date (2026-01-31) or an RFC 3339 time", p.name))
			return
		}
		if dateOnly && p.name == "to" {
			t = t.AddDate(0, 0, 1)
		}
		*p.dst = t
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q.Limit = limit
	res, err := s.svc.Search(c.Request.Context(), actor(c), q)
	s.answer(c, res, err)
}
