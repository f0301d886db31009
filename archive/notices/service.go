// Package notices issues the written notices a decision owes the
// applicant (受理, 补正, 不予受理, 审核结果) and answers the public check
// of their verification codes.
package notices

import (
	"context"
	"strings"

	"dossier/archive"
)

// Cases is what notices needs of the cases capability.
type Cases interface {
	Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error)
}

// Service is the notices capability.
type Service struct {
	*archive.Env
	proj      archive.Projection
	cases     Cases
	renderer  Renderer
	agency    string
	publicURL string
}

// New returns the notices capability; without a renderer no notice is
// issued (unit tests).
func New(env *archive.Env, proj archive.Projection, cases Cases, renderer Renderer, agency, publicURL string) *Service {
	if agency == "" {
		agency = "某市社会保险事业管理中心"
	}
	publicURL = strings.TrimRight(publicURL, "/")
	if publicURL == "" {
		publicURL = "http://127.0.0.1:8080"
	}
	return &Service{Env: env, proj: proj, cases: cases, renderer: renderer, agency: agency, publicURL: publicURL}
}
