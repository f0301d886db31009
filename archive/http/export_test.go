package http

import "github.com/gin-gonic/gin"

// Engine is the server's gin engine, for tests that walk its routes.
func (s *Server) Engine() *gin.Engine { return s.engine }
