package kit

import (
	"bytes"
	"html/template"

	"dossier/archive"

	"github.com/gin-gonic/gin"
)

// CasePanel is a page package's part of the case page (the execution
// and payments of a decided case, say): the HTML it adds below the
// case's own forms, or "" when it has nothing for this case and actor.
// It asks the Service with the signed-in actor, like any page.
type CasePanel func(c *gin.Context, v *archive.CaseView) template.HTML

// AddCasePanel adds p to the case page, after those added before it.
// The case page's package calls CasePanels; neither knows the other.
func (k *Kit) AddCasePanel(p CasePanel) { k.panels = append(k.panels, p) }

// CasePanels are the panels' HTML for the case v, in the order added.
func (k *Kit) CasePanels(c *gin.Context, v *archive.CaseView) []template.HTML {
	var out []template.HTML
	for _, p := range k.panels {
		if h := p(c, v); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// Fragment renders the "content" of the page name, without the layout,
// for a CasePanel: it sees .Data, .CSRF and .Actor as a page does. A
// template failure is logged and shows a line saying so, never half a
// panel.
func (k *Kit) Fragment(c *gin.Context, name string, data any) template.HTML {
	p := page{Data: data, Active: name}
	if v, ok := c.Get(sessionKey); ok {
		ss := v.(*session)
		p.CSRF, p.Actor = ss.csrf, ss.actor()
	}
	var buf bytes.Buffer
	t := k.pages[name]
	if t == nil {
		k.log.Error("no such page template", "page", name)
		return template.HTML(`<p class="error">此部分无法显示（内部错误）</p>`)
	}
	if err := t.ExecuteTemplate(&buf, "content", p); err != nil {
		k.log.Error("panel render failed", "page", name, "err", err)
		return template.HTML(`<p class="error">此部分无法显示（内部错误）</p>`)
	}
	return template.HTML(buf.String())
}
