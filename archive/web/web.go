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
// (archive/web/casework, archive/web/records), which import the kit and
// never each other.
package web

import (
	"log/slog"

	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/web/casework"
	"dossier/archive/web/handovers"
	"dossier/archive/web/kit"
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
	casework.Register(k) // first: its entries lead the navigation bar
	records.Register(k)
	handovers.Register(k)
	api.Mount(k)
}
