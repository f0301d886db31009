package http_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
)

// Error messages are Chinese unless the client's Accept-Language is best
// matched by English; the status and the code are the same in both, and
// Content-Language says which language the message is in.
func TestErrorMessagesInChineseUnlessEnglishAsked(t *testing.T) {
	e := newEnv(t)
	_, clerk := e.User("lang.clerk", "clerk")
	_, reviewer := e.User("lang.reviewer", "reviewer")
	applicant := map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}
	r := e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "unemployment_benefit", "applicant": applicant})
	apitest.Expect(t, r, 201, "file a case")
	id := r.Str("id")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构受理范围"}), 200, "refuse it")
	r = e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "unemployment_benefit", "applicant": applicant})
	apitest.Expect(t, r, 201, "file another")
	waiting := r.Str("id")

	type call struct {
		what, method, path, token string
		body                      any
		status                    int
		code, zh, en              string
	}
	calls := []call{
		{"a name of spaces only", "POST", "/api/v1/cases", clerk,
			map[string]any{"business_type": "unemployment_benefit", "applicant": map[string]any{"name": "  ", "id_number": apitest.ValidID}},
			400, "invalid", "请填写申请人姓名（不能只有空格或不可见字符）。", "field applicant.name: required, and it must show something"},
		{"an opinion too long", "POST", "/api/v1/cases/" + id + "/acceptance", clerk,
			map[string]any{"decision": "reject", "reason": strings.Repeat("理", 2001)},
			400, "invalid", "理由最多 2000 个字（现有 2001 个）。", "field reason: at most 2000 characters (this has 2001)"},
		{"a JSON value of the wrong type", "POST", "/api/v1/cases", clerk, `{"summary":7}`,
			400, "invalid", "请求正文有误：字段 summary 应为字符串，而不是“数字”。", "invalid JSON body: field summary must be a string, not a number"},
		{"no token", "GET", "/api/v1/cases", "", nil,
			401, "unauthorized", "请以 Authorization: Bearer <令牌> 发送 API 令牌。", "send an API token as Authorization: Bearer <token>"},
		{"a reviewer deciding acceptance", "POST", "/api/v1/cases/" + waiting + "/acceptance", reviewer,
			map[string]any{"decision": "accept"},
			403, "forbidden", "受理环节由受理员办理，您没有这一角色。", "the acceptance stage is decided by the clerk role, which you do not hold"},
		{"a case that does not exist", "GET", "/api/v1/cases/nosuchcase", clerk, nil,
			404, "not_found", "案件不存在（nosuchcase），或案件编号有误。", "case nosuchcase does not exist"},
		{"a refused case accepted", "POST", "/api/v1/cases/" + id + "/acceptance", clerk,
			map[string]any{"decision": "accept"},
			409, "conflict", "当前为“不予受理”，不在待受理环节。", "is not_accepted, not waiting for acceptance"},
	}
	for _, lang := range []struct {
		header string
		en     bool
	}{
		{"", false},
		{"zh-CN,zh;q=0.9,en;q=0.8", false},
		{"en;q=0.5, zh", false},
		{"fr", false}, // nothing matches: the default
		{"en", true},
		{"en-GB,en;q=0.9", true},
		{"fr-FR, en;q=0.5", true}, // English is the best that matches
	} {
		e.Language = lang.header
		for _, c := range calls {
			r := e.JSON(c.method, c.path, c.token, c.body)
			want, content := c.zh, "zh-CN"
			if lang.en {
				want, content = c.en, "en"
			}
			apitest.Expect(t, r, c.status, c.what)
			if r.ErrCode() != c.code || !strings.Contains(r.ErrMsg(), want) {
				t.Errorf("%s, Accept-Language %q: %s %q, want %s and %q", c.what, lang.header, r.ErrCode(), r.ErrMsg(), c.code, want)
			}
			if got := r.Header.Get("Content-Language"); got != content {
				t.Errorf("%s, Accept-Language %q: Content-Language %q, want %q", c.what, lang.header, got, content)
			}
			if vary := strings.Join(r.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Language") {
				t.Errorf("%s: Vary %q does not name Accept-Language", c.what, vary)
			}
		}
	}

	// 503: readiness on a data dir under its minimum of free space.
	srv := httptest.NewServer(dhttp.NewServer(e.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), dhttp.Config{
		DataDirSpace: func() (uint64, uint64, error) { return 3 << 20, 1 << 30, nil }, MinFree: 512 << 20}).Handler())
	defer srv.Close()
	for lang, want := range map[string]string{
		"":   "数据目录：剩余 3 MiB，低于下限 512 MiB（DOSSIER_MIN_FREE）：写入即将因存储空间已满而失败。",
		"en": "data dir: 3 MiB free, under the minimum of 512 MiB (DOSSIER_MIN_FREE): writes are about to fail as storage full",
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/readyz", nil)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(res.Body).Decode(&doc)
		res.Body.Close()
		if res.StatusCode != 503 || doc.Error.Code != "unavailable" || doc.Error.Message != want {
			t.Errorf("/readyz, Accept-Language %q: %d %+v, want 503 unavailable %q", lang, res.StatusCode, doc.Error, want)
		}
	}
}
