package http

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3 description of every route NewServer
// registers. TestOpenAPIMatchesRoutes fails when a route and the document
// disagree, so edit both together.
//
//go:embed openapi.json
var openapiDoc []byte

// openapiETag is the document's SHA-256, quoted.
var openapiETag = func() string {
	sum := sha256.Sum256(openapiDoc)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}()

// openapi serves the API description at /api/v1/openapi.json, publicly:
// any cache may keep it, asking again with If-None-Match (304 while it
// is the same).
func (s *Server) openapi(c *gin.Context) {
	c.Header("Cache-Control", "public, no-cache")
	if tag, ok := matchETag(c.GetHeader("If-None-Match"), openapiETag); ok {
		c.Header("ETag", tag)
		c.Status(http.StatusNotModified)
		return
	}
	c.Header("ETag", openapiETag)
	c.Data(http.StatusOK, "application/json; charset=utf-8", openapiDoc)
}
