package auditlog

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/audit"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
)

// pageSize is how many entries a page shows.
const pageSize = 50

// filterForm is the filter as typed, kept in the URL: the same names as
// GET /api/v1/audit, so that the export links pass it on as it is.
type filterForm struct {
	Case, Person, Action, From, To string
}

// query is the form as URL parameters, without the empty ones.
func (f filterForm) query() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"case", f.Case}, {"person", f.Person}, {"action", f.Action}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// row is an entry as the page shows it.
type row struct {
	audit.Entry
	When  string
	Roles string
	// Object names what the entry is about and Link leads there ("" for
	// no page).
	Object, Link string
}

// pageLink is one link of the page numbers; Number 0 is a gap (…).
type pageLink struct {
	Number  int
	Href    string
	Current bool
}

type auditView struct {
	Form filterForm
	// Problems say what is wrong with the filter; no entries are shown.
	Problems []string
	Actions  []kit.Option
	// Records: the actor reads the archive's entries only.
	Records bool
	Page    *audit.Page
	Rows    []row
	Links   []pageLink
	// Prev and Next lead to the pages before and after ("" for none).
	Prev, Next            string
	ExportCSV, ExportJSON string
	// Chain says what checking the hash chain found, in Chinese.
	Chain []string
}

// auditPage shows a page of the audit log as the filter selects it.
func (s *pages) auditPage(c *gin.Context) {
	ctx, a := c.Request.Context(), dhttp.Actor(c)
	records, err := audit.ReadScope(a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v := auditView{Records: records, Form: filterForm{Case: strings.TrimSpace(c.Query("case")), Person: strings.TrimSpace(c.Query("person")),
		Action: c.Query("action"), From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}}
	for _, act := range audit.Actions {
		if !records || act.Records {
			v.Actions = append(v.Actions, kit.Option{Value: act.Code, Label: act.Name})
		}
	}
	f, problems, err := s.filter(ctx, v.Form)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Problems = problems
	if len(problems) > 0 {
		s.Render(c, http.StatusBadRequest, "audit", "审计日志", v)
		return
	}
	number, _ := strconv.Atoi(c.Query("page"))
	p, err := s.Svc.AuditPage(ctx, a, f, max(number, 1), pageSize)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Page = p
	users := map[string]string{}
	for _, e := range p.Entries {
		v.Rows = append(v.Rows, s.row(ctx, e, users))
	}
	q := v.Form.query()
	href := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return "/audit?" + q.Encode()
	}
	v.Links = pageLinks(p.Number, p.Pages(), href)
	if p.Number > 1 {
		v.Prev = href(p.Number - 1)
	}
	if p.Number < p.Pages() {
		v.Next = href(p.Number + 1)
	}
	q.Del("page")
	q.Set("format", "csv")
	v.ExportCSV = "/audit/export?" + q.Encode()
	q.Set("format", "json")
	v.ExportJSON = "/audit/export?" + q.Encode()
	v.Chain = chainText(p)
	s.Render(c, http.StatusOK, "audit", "审计日志", v)
}

// filter turns the form into the filter, or says what is wrong with it.
// Errors: those of looking the case up, but for a number no case has.
func (s *pages) filter(ctx context.Context, form filterForm) (audit.AuditFilter, []string, error) {
	f := audit.AuditFilter{Person: form.Person, Action: form.Action}
	var problems []string
	if f.Action != "" && !audit.KnownAction(f.Action) {
		problems = append(problems, "请从列表中选择操作。")
	}
	if form.Case != "" {
		t, err := s.Svc.CaseTarget(ctx, form.Case)
		switch {
		case archive.IsCode(err, archive.ENOTFOUND) || archive.IsCode(err, archive.EINVALID):
			problems = append(problems, zh.Message(err))
		case err != nil:
			return f, nil, err
		}
		f.Target = t
	}
	for _, d := range []struct {
		label, value string
		dst          *time.Time
		next         bool
	}{{"开始日期", form.From, &f.From, false}, {"结束日期", form.To, &f.To, true}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.value, archive.Zone)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s“%s”不是日期，请按 2026-01-31 的格式填写。", d.label, d.value))
			continue
		}
		if d.next {
			// The end date is included: entries before the next day.
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		problems = append(problems, "结束日期不能早于开始日期。")
	}
	return f, problems, nil
}

// row names and links what e is about; users caches the names of
// accounts.
func (s *pages) row(ctx context.Context, e audit.Entry, users map[string]string) row {
	r := row{Entry: e, When: e.At.In(archive.Zone).Format("2006-01-02 15:04:05")}
	roles := make([]string, len(e.Roles))
	for i, role := range e.Roles {
		roles[i] = zh.Role(role)
	}
	r.Roles = strings.Join(roles, "、")
	if e.Action == "case.create" {
		// The detail of a new case is its business type's code.
		if bt, err := s.Svc.Catalogue().Lookup(e.Detail); err == nil {
			r.Detail = bt.Name
		}
	}
	kind, rest, _ := strings.Cut(e.Target, "/")
	id, _, _ := strings.Cut(rest, "/")
	switch {
	case kind == "case" && e.ArchiveNo != "":
		r.Object, r.Link = "档案 "+e.ArchiveNo+"（"+e.CaseNumber+"）", kit.ArchivePath(e.ArchiveNo)
	case kind == "case" && e.CaseNumber != "":
		r.Object, r.Link = "案件 "+e.CaseNumber, kit.CasePath(id)
	case kind == "case":
		r.Object = "案件 " + id + "（已不在）"
	case kind == "disposal":
		r.Object, r.Link = "销毁鉴定 "+id, "/disposals/"+url.PathEscape(id)
	case kind == "disposals":
		r.Object, r.Link = "销毁鉴定列表", "/disposals"
	case kind == "reports":
		r.Object, r.Link = "报表", "/reports"
	case kind == "user":
		name, ok := users[id]
		if !ok {
			name = id
			if u, err := s.Svc.Person(ctx, id); err == nil {
				name = u.Name
				if u.DisplayName != "" {
					name = u.DisplayName + "（" + u.Name + "）"
				}
			}
			users[id] = name
		}
		// What the account itself did: its own entries.
		r.Object, r.Link = "账户 "+name, "/audit?"+url.Values{"person": {id}}.Encode()
	default:
		r.Object = e.Target
	}
	return r
}

// pageLinks are the page numbers to offer: the first, the last and two
// either side of the current one, with gaps between.
func pageLinks(current, pages int, href func(int) string) []pageLink {
	var out []pageLink
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || n >= current-2 && n <= current+2 {
			if len(out) > 0 && out[len(out)-1].Number != 0 && out[len(out)-1].Number != n-1 {
				out = append(out, pageLink{})
			}
			out = append(out, pageLink{Number: n, Href: href(n), Current: n == current})
		}
	}
	return out
}

// chainText says in Chinese what checking the hash chain found.
func chainText(p *audit.Page) []string {
	var out []string
	switch {
	case len(p.Entries) == 0:
	case p.Chain.Intact():
		out = append(out, fmt.Sprintf("完整：本页 %d 条记录的哈希值与内容相符，且都与前一条记录相链接。", len(p.Entries)))
	default:
		for _, pr := range p.Chain.Problems {
			out = append(out, problemText(pr))
		}
	}
	switch {
	case p.Chain.Checked.IsZero():
		out = append(out, "全部日志的核验正在进行，完成后各页会一并说明其他位置有无问题。")
	case p.Chain.Elsewhere > 0:
		out = append(out, fmt.Sprintf("日志的其他位置另有 %d 处问题（全部日志核验于 %s），请运行 dossier verify 查看详情。",
			p.Chain.Elsewhere, p.Chain.Checked.In(archive.Zone).Format("2006-01-02 15:04")))
	default:
		out = append(out, fmt.Sprintf("全部日志（%d 条）最近一次核验于 %s，其他位置没有问题。", p.Chain.Entries, p.Chain.Checked.In(archive.Zone).Format("2006-01-02 15:04")))
	}
	return out
}

// problemText words a problem the chain check found.
func problemText(p audit.AuditProblem) string {
	where := "日志段 " + p.Object
	if p.Seq > 0 {
		where = fmt.Sprintf("第 %d 条记录（%s）", p.Seq, p.Object)
	}
	return where + "：" + p.Problem + "。"
}
