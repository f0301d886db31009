// Package web is dossier's web interface: the staff pages and the
// applicant portal, server-rendered from embedded templates, with one
// stylesheet and one small script, all served by this binary. The pages
// are mounted on the JSON API's server (archive/http) and share its
// engine, middleware, error table and the handlers both serve. Every page
// gets its data from the service with the signed-in actor, so access is
// checked there and only there.
//
// This package composes the site: the page kit (archive/web/kit:
// sessions, sign-in, layout, errors) and one page package per area
// (archive/web/dashboard, archive/web/casework, archive/web/records,
// archive/web/auditlog, archive/web/admin), which import the kit and
// never each other.
package web

import (
	"log/slog"

	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/web/admin"
	"dossier/archive/web/auditlog"
	"dossier/archive/web/casework"
	"dossier/archive/web/dashboard"
	"dossier/archive/web/handovers"
	"dossier/archive/web/kit"
	"dossier/archive/web/payments"
	"dossier/archive/web/records"
)

// Config tunes the pages: secure cookies, the public URL (see
// kit.Config).
type Config = kit.Config

// Mount serves the pages on api, calling svc; log takes what goes wrong
// in them. It panics, as the program starts, when a page's template does
// not parse.
func Mount(api *dhttp.Server, svc *service.Service, log *slog.Logger, cfg Config) {
	k := kit.New(api, svc, log, cfg)
	dashboard.Register(k) // first: the home page leads the navigation bar
	casework.Register(k)
	records.Register(k)
	auditlog.Register(k)
	admin.Register(k)
	handovers.Register(k)
	payments.Register(k)
	api.Mount(k)
}
