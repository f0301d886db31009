package http

import (
	"dossier/archive"
	"dossier/archive/indexing"
	"strconv"

	"github.com/gin-gonic/gin"
)

// search answers GET /api/v1/search?q=&business_type=&status=&year=&from=&to=&limit=&cursor=.
func (s *Server) search(c *gin.Context) {
	q := indexing.SearchQuery{Q: c.Query("q"), BusinessType: c.Query("business_type"), Status: c.Query("status"), Cursor: c.Query("cursor")}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 9999 {
			s.Fail(c, archive.Errorf(archive.EINVALID, "year: a four-digit year"))
			return
		}
		q.Year = n
	}
	limit, ok := s.rangeAndLimit(c, &q.From, &q.To)
	if !ok {
		return
	}
	q.Limit = limit
	res, err := s.svc.Search(c.Request.Context(), Actor(c), q)
	s.answer(c, res, err)
}
