package kit

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/loans"
	"dossier/archive/users"
	"dossier/archive/zh"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// page is what every template gets.
type page struct {
	Title  string
	Actor  *archive.Actor
	CSRF   string
	Flash  string
	Active string
	Portal bool
	Nav    []NavItem
	Data   any
}

// navFor lists the sections' entries the actor's roles use; the Service
// still decides on each request.
func (k *Kit) navFor(a *archive.Actor) []NavItem {
	if a == nil || a.Case != "" {
		return nil
	}
	var nav []NavItem
	for _, s := range k.sections {
		for _, n := range s.Nav {
			if len(n.Roles) == 0 || a.HasAny(n.Roles...) {
				nav = append(nav, n)
			}
		}
	}
	return nav
}

// Render writes the page name (a section's templates/<name>.html, or one
// of the kit's) in the layout, with title and the page's data as .Data;
// a template failure is an internal error, never a half-written page.
func (k *Kit) Render(c *gin.Context, status int, name, title string, data any) {
	p := page{Title: title, Data: data, Active: name}
	if v, ok := c.Get(sessionKey); ok {
		ss := v.(*session)
		p.CSRF = ss.csrf
		p.Actor = ss.actor()
		p.Flash = k.takeFlash(c)
		p.Portal = ss.actor() != nil && ss.actor().Case != ""
	}
	p.Nav = k.navFor(p.Actor)
	t := k.pages[name]
	var buf bytes.Buffer
	if t == nil {
		k.log.Error("no such page template", "page", name)
		status = http.StatusInternalServerError
		buf.WriteString("页面无法显示（内部错误）")
	} else if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		k.log.Error("page render failed", "page", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("页面无法显示（内部错误）")
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// Redirect answers a successful post: msg, when not empty, for the next
// page, and a redirect to to (post/redirect/get).
func (k *Kit) Redirect(c *gin.Context, msg, to string) {
	if msg != "" {
		k.setFlash(c, msg)
	}
	c.Redirect(http.StatusSeeOther, to)
}

// errorTexts are, per error code, the Chinese headline of an error page
// and what to do about it; the Service's message follows as the detail.
var errorTexts = map[string][2]string{
	archive.ENOTFOUND:     {"未找到", "要找的案件、档案或页面不存在，或不在您的查看范围内。"},
	archive.EINVALID:      {"填写有误", "请按下方说明修改后重新提交。"},
	archive.ECONFLICT:     {"当前状态下不能这样操作", "案件的状态已经变化，或这一步骤不适用于当前状态。请刷新页面查看最新情况。"},
	archive.EFORBIDDEN:    {"无权操作", "您的角色不能进行这项操作；如果表单已过期，请刷新页面后重试。"},
	archive.EUNAUTHORIZED: {"请先登录", "登录已失效，请重新登录。"},
	archive.ETOOLARGE:     {"文件过大", "请上传较小的文件。"},
	archive.EUNSUPPORTED:  {"不支持的文件类型", "请上传 PDF、JPEG、PNG、TIFF、文本、DOCX 或 OFD 文件。"},
	archive.EUNAVAILABLE:  {"服务暂不可用，请稍后再试", "系统的存储或数据库暂时无法访问。下方说明会写明更改是否已经保存；重试前请先刷新案件页面确认。"},
	archive.EFULL:         {"服务器存储空间已满", "服务器的存储空间已满，本次提交没有保存。请联系系统管理员释放空间后再试。"},
	archive.EINTERNAL:     {"内部错误", "系统出现内部错误，已记录日志。"},
}

type errorView struct {
	Status  int
	Title   string
	Hint    string
	Message string
	// Technical is the Service's own (English) message when Message is
	// its Chinese rendering; the page folds it away for the administrator.
	Technical string
	Back      string
}

// FailPage shows an error as a page, with the security headers of every
// page (a request no route took has none yet).
func (k *Kit) FailPage(c *gin.Context, status int, code string, err error) {
	k.setUIHeaders(c)
	v := errorView{Status: status, Title: errorTexts[code][0], Hint: errorTexts[code][1]}
	if code != archive.EINTERNAL {
		v.Message = zh.Message(err)
		if en := archive.ErrorMessage(err); en != v.Message {
			v.Technical = en
		}
	}
	if ref := c.Request.Referer(); ref != "" && sameOrigin(c.Request, k.publicHost) {
		if u, err := url.Parse(ref); err == nil {
			v.Back = u.RequestURI()
		}
	}
	k.Render(c, status, "error", v.Title, v)
}

type loanNeededView struct {
	File *loans.LendableFile
}

// NeedsLoan answers 403 for an archived file the actor may not read (a
// case page, an archive page): a page saying so, with the way to borrow
// it.
func (k *Kit) NeedsLoan(c *gin.Context, f *loans.LendableFile) {
	k.Render(c, http.StatusForbidden, "loanneeded", "需要借阅", loanNeededView{File: f})
}

// StaffNames are colleagues' display names, for pages that name who
// did what; on a failure they are empty and the pages fall back to
// login names and roles.
func (k *Kit) StaffNames(c *gin.Context, a archive.Actor) users.StaffNames {
	names, _ := k.Svc.StaffDisplayNames(c.Request.Context(), a)
	return names
}

// AllCases reads every case of a filter the actor may see, page by
// page, for a list that sorts and pages them itself (List): no case is
// left out, so its total is right. Its error is the Service's.
func (k *Kit) AllCases(c *gin.Context, a archive.Actor, f archive.CaseFilter) ([]*archive.CaseView, error) {
	var out []*archive.CaseView
	cursor := ""
	for {
		pg, err := k.Svc.ListCases(c.Request.Context(), a, f, cursor, 500)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Cases...)
		if pg.NextCursor == "" {
			return out, nil
		}
		cursor = pg.NextCursor
	}
}
