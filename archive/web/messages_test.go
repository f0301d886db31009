package web

import "testing"

// The Service's common messages read in Chinese on the pages; codes
// inside them become names; an unknown message has no Chinese (and is
// shown as it is).
func TestZhMessage(t *testing.T) {
	for msg, want := range map[string]string{
		"case dc4g does not exist": "案件不存在，或案件编号有误。",
		"the final stage is decided by the approver role, which you do not hold":                                       "终审环节由终审员办理，您没有这一角色。",
		"you decided the initial stage of case dc4g; one person decides at most one stage":                             "您已办理过该案件的初审环节；同一案件的各环节须由不同人员办理。",
		"case dc4g is approved, not waiting for acceptance":                                                            "该案件当前为“已核准”，不在待受理环节。",
		"you already have loan L1 (requested) of archive Z1; return or cancel it first":                                "您已有一项“待审批”的借阅（档号 Z1），请先归还或撤回。",
		"field applicant.id_number: identity number: check character should be '5' not 'X'; look for a mistyped digit": "公民身份号码校验码应为 5 而不是 X，请检查是否输错了数字。",
		"content is larger than the limit of 52428800 bytes":                                                           "文件超过上传上限 50 MB，请压缩或拆分后再上传。",
		"no such endpoint: GET /x":                 "没有这个页面，请检查地址，或从首页进入。",
		"a case-number sign-in takes no decisions": "凭案件编号登录不能办理审核决定。",
		"the form is out of date or did not come from this site; reload the page and try again": "表单已过期或并非来自本站，请刷新页面后重新提交。",
		"something nobody mapped": "",
	} {
		if got := zhMessage(msg); got != want {
			t.Errorf("%q: %q, want %q", msg, got, want)
		}
	}
}
