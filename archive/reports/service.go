// Package reports is the archive catalogue (归档文件目录) and the
// workload and timeliness statistics (考核), as JSON and streamed PDFs.
package reports

import "dossier/archive"

// Service is the reports capability.
type Service struct {
	*archive.Env
	proj    archive.Projection
	people  archive.People
	reports ReportRenderer
	agency  string
}

// New returns the reports capability; people names deciders (nil: ids
// only), reports draws PDFs (nil: none).
func New(env *archive.Env, proj archive.Projection, people archive.People, reports ReportRenderer, agency string) *Service {
	return &Service{Env: env, proj: proj, people: people, reports: reports, agency: agency}
}
