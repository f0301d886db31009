package http

import (
	"dossier/archive"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
)

// MaxHeaderBytes bounds a request's line and headers together. A request
// over it is answered 431 like every other error: the error document, or
// an error page outside /api/.
const MaxHeaderBytes = 64 << 10

// ServerMaxHeaderBytes is for http.Server.MaxHeaderBytes: net/http answers
// requests over its own limit itself, in plain text, so that limit is set
// well above MaxHeaderBytes and only a request too big to read at all
// meets it.
const ServerMaxHeaderBytes = 1 << 20

// limitHeaders answers 431 to a request whose line and headers are
// larger than MaxHeaderBytes.
func (s *Server) limitHeaders(c *gin.Context) {
	r := c.Request
	// As they came on the wire: "GET /path HTTP/1.1", "Name: value", each
	// line with its CRLF.
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: ") + len(r.Host) + 2
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	if n <= MaxHeaderBytes {
		c.Next()
		return
	}
	s.pageOutsideAPI(c)
	s.answerError(c, http.StatusRequestHeaderFieldsTooLarge, archive.ETOOLARGE,
		archive.Errorf(archive.ETOOLARGE, "the request's headers are %d bytes, more than the %d allowed: send fewer or shorter headers (in a browser, delete this site's cookies)", n, MaxHeaderBytes))
}

// openapiPath is where the OpenAPI document is served.
const openapiPath = "/api/v1/openapi.json"

// apiHeaders marks every answer under /api/ nosniff and, but for the
// OpenAPI document, not to be stored by any cache: nearly every one of
// them carries personal data, errors included (they may quote a request),
// and so do ?unmask=true answers. Downloads set their own.
func apiHeaders(c *gin.Context) {
	if p := c.Request.URL.Path; strings.HasPrefix(p, "/api/") {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if p != openapiPath {
			h.Set("Cache-Control", "no-store")
		}
	}
	c.Next()
}

// compress gzips JSON, HTML, CSS and JavaScript answers for clients that
// send Accept-Encoding: gzip (Vary: Accept-Encoding on every answer):
// never PDFs, images or other contents, never a range, never HEAD. A
// compressed answer's ETag gets "-gzip" added (it is another
// representation), and a compressed answer is padded by up to 32 bytes
// chosen from its content, so that its length tells less about secrets in
// it (BREACH: pages hold CSRF tokens beside text a request can put there).
func compress(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.EnableZstd(false),
		gzhttp.ContentTypes([]string{"application/json", "text/html", "text/css", "text/javascript", "application/javascript"}),
		gzhttp.SuffixETag("-gzip"),
		gzhttp.RandomJitter(32, 0, false),
	)
	if err != nil {
		panic(err) // only for invalid options, which these are not
	}
	return wrap(h)
}
