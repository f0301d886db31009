package kit

import (
	"dossier/archive"
	"dossier/archive/zh"
	"html/template"
	"net/url"
	"strings"
	"time"
)

// Names are the Chinese names of codes, for the pages.
type Names map[string]string

// Of is the name of code, or code itself when it has none.
func (n Names) Of(code string) string {
	if v, ok := n[code]; ok {
		return v
	}
	return code
}

// Option is one choice of a form's select or radio buttons.
type Option struct{ Value, Label string }

var decisionNames = Names{
	archive.DecisionAccept:  "受理",
	archive.DecisionCorrect: "要求补正",
	archive.DecisionReject:  "不予受理/不予核准",
	archive.DecisionApprove: "同意",
	archive.DecisionReturn:  "退回",
}

// DecisionName is the Chinese of a decision (a case's or a disposal's);
// the template function decision.
func DecisionName(d string) string { return decisionNames.Of(d) }

// CasePath is the page of the case id.
func CasePath(id string) string { return "/cases/" + url.PathEscape(id) }

// ArchivePath is the page of the archive record no; the template
// function archivePath.
func ArchivePath(no string) string { return "/archives/" + url.PathEscape(no) }

// When is a moment as the pages show it, in the agency's zone to the
// minute (2026-03-05 14:07); the zero time is empty. The template
// function when.
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(archive.Zone).Format("2006-01-02 15:04")
}

// funcs are the template functions every template has.
var funcs = template.FuncMap{
	"status":   zh.Status,
	"stage":    zh.Stage,
	"category": zh.Category,
	"role":     zh.Role,
	"decision": DecisionName,
	"when":     When,
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(archive.Zone).Format("2006-01-02")
	},
	"size":        zh.Size,
	"pathEscape":  url.PathEscape,
	"archivePath": ArchivePath,
	"has":         func(a *archive.Actor, r string) bool { return a != nil && a.Has(r) },
	"join":        strings.Join,
	"inc":         func(n int) int { return n + 1 },
	"dec":         func(n int) int { return n - 1 },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
}
