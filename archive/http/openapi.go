package http

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3 description of every route NewServer
// registers. TestOpenAPIMatchesRoutes fails when a route and the document
// disagree, so edit both together.
//
//go:embed openapi.json
var openapiDoc []byte

// openapi serves the API description at /api/v1/openapi.json, publicly.
func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openapiDoc)
}
