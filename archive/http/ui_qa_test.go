package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// The page header names the signed-in user by their full name, not by
// the login name a clerk never uses at the counter.
func TestUIHeaderShowsDisplayName(t *testing.T) {
	e := newEnv(t)
	r := e.json("POST", "/api/v1/users", e.admin, map[string]any{"name": "zhang.min", "display_name": "张敏", "roles": []string{"clerk"}, "password": testPassword})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.raw)
	}
	w := e.browser().login("zhang.min", testPassword)
	if !strings.Contains(w.body, `<span class="user" title="登录名：zhang.min">张敏</span>`) {
		t.Fatalf("header does not name 张敏: %.2000s", w.body)
	}
}
