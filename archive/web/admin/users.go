package admin

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/users"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The users list and a new user.

// perPage is how many users a page of the list shows.
const perPage = 20

// roleOptions are the roles to choose from, in the order of
// archive.Roles, with their Chinese names.
func roleOptions() []kit.Option {
	var out []kit.Option
	for _, r := range archive.Roles {
		out = append(out, kit.Option{Value: r, Label: zh.Role(r)})
	}
	return out
}

// pageLink is one link of the page numbers; a zero Number is a gap (…).
type pageLink struct {
	Number  int
	Href    string
	Current bool
}

type usersView struct {
	Query, Role, State string
	Roles              []kit.Option
	Users              []*users.User
	// Total is how many users the filter selects; First and Last number
	// those of this page.
	Total, First, Last int
	Pages              []pageLink
	Prev, Next         string
}

// allUsers reads every user f selects, in creation order, page by page
// of the Service's listing. Its error is the Service's.
func (s *pages) allUsers(c *gin.Context, a archive.Actor, f users.UserFilter) ([]*users.User, error) {
	var out []*users.User
	cursor := ""
	for {
		pg, err := s.Svc.ListUsers(c.Request.Context(), a, f, cursor, 500)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Users...)
		if pg.NextCursor == "" {
			return out, nil
		}
		cursor = pg.NextCursor
	}
}

// usersPage answers GET /users?q=&role=&state=&page=: the accounts the
// search (login or display name) and filters select, 20 a page.
func (s *pages) usersPage(c *gin.Context) {
	a := dhttp.Actor(c)
	v := usersView{Query: strings.TrimSpace(c.Query("q")), Role: c.Query("role"), State: c.Query("state"), Roles: roleOptions()}
	f := users.UserFilter{Query: v.Query, Role: v.Role}
	switch v.State {
	case "":
	case "enabled", "disabled":
		d := v.State == "disabled"
		f.Disabled = &d
	default:
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "state: %q is not enabled or disabled", v.State))
		return
	}
	page := 1
	if p := c.Query("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			s.API.Fail(c, archive.Errorf(archive.EINVALID, "page: %q is not a page number", p))
			return
		}
		page = n
	}
	all, err := s.allUsers(c, a, f)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Total = len(all)
	pages := max(1, (len(all)+perPage-1)/perPage)
	if page > pages {
		page = pages
	}
	from, to := (page-1)*perPage, min(page*perPage, len(all))
	v.Users, v.First, v.Last = all[from:to], from+1, to
	link := func(n int) string {
		q := url.Values{}
		for k, val := range map[string]string{"q": v.Query, "role": v.Role, "state": v.State} {
			if val != "" {
				q.Set(k, val)
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return Home
		}
		return Home + "?" + q.Encode()
	}
	if pages > 1 {
		v.Pages = pageLinks(page, pages, link)
		if page > 1 {
			v.Prev = link(page - 1)
		}
		if page < pages {
			v.Next = link(page + 1)
		}
	}
	s.Render(c, http.StatusOK, "users", "用户管理", v)
}

// pageLinks numbers the pages around page of pages: the first, the
// last, and three either side of page, with gaps between.
func pageLinks(page, pages int, link func(int) string) []pageLink {
	var out []pageLink
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-3 || n > page+3) {
			if len(out) > 0 && out[len(out)-1].Number != 0 {
				out = append(out, pageLink{})
			}
			continue
		}
		out = append(out, pageLink{Number: n, Href: link(n), Current: n == page})
	}
	return out
}

type newUserView struct {
	Name, DisplayName string
	Roles             []kit.Option
	Chosen            map[string]bool
	Message           string
}

func (s *pages) newUserPage(c *gin.Context) {
	s.Render(c, http.StatusOK, "usernew", "新建用户", newUserView{Roles: roleOptions()})
}

// activationView is the page that shows an activation link, once.
type activationView struct {
	User *users.User
	Link string
	// Reset: a password reset, not a new account.
	Reset   bool
	Expires string
}

// createUser posts a new account: login name, display name, roles. The
// answer shows the activation link once, not through a redirect, so
// that it is never stored for a later page; a refusal shows the form
// again with what to fix (and without the identity number, which no
// page shows in full).
func (s *pages) createUser(c *gin.Context) {
	a := dhttp.Actor(c)
	in := users.NewUser{Name: strings.TrimSpace(c.PostForm("name")), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Roles: c.PostFormArray("roles"), IDNumber: strings.TrimSpace(c.PostForm("id_number"))}
	u, token, err := s.Svc.CreateUser(c.Request.Context(), a, in)
	if err != nil && u == nil {
		v := newUserView{Name: in.Name, DisplayName: in.DisplayName, Roles: roleOptions(), Chosen: chosen(in.Roles), Message: zh.Message(err)}
		status, _ := dhttp.Status(err)
		if status >= 500 {
			s.API.Fail(c, err)
			return
		}
		s.Render(c, status, "usernew", "新建用户", v)
		return
	}
	if err != nil {
		// The account exists, its activation token could not be issued:
		// its page offers the reset that issues one.
		s.Redirect(c, "用户 "+u.Name+" 已创建，但开通链接未能生成（"+zh.Message(err)+"）。请在下方“重置密码”生成开通链接。", userPath(u.ID))
		return
	}
	issued := u.Tokens[len(u.Tokens)-1].IssuedAt // the new token is the user's last
	s.Render(c, http.StatusOK, "activation", "用户已创建", s.activationView(c, u, token, false, issued.Add(users.ActivationValid)))
}

func chosen(roles []string) map[string]bool {
	m := map[string]bool{}
	for _, r := range roles {
		m[r] = true
	}
	return m
}

// activationView is the one-time page of user u's activation token,
// which stops working at expires.
func (s *pages) activationView(c *gin.Context, u *users.User, token string, reset bool, expires time.Time) activationView {
	return activationView{User: u, Link: s.AbsURL(c, ActivatePath+"?token="+url.QueryEscape(token)), Reset: reset,
		Expires: expires.In(archive.Zone).Format("2006-01-02 15:04")}
}
