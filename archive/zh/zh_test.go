package zh

import (
	"errors"
	"io"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
)

// Messages read in Chinese: codes among the arguments by their names,
// nested messages and lists of them in Chinese, sizes in MB, arguments
// reordered or left out where the Chinese says so; the English message
// stays as it was.
func TestMessage(t *testing.T) {
	_, idErr := identity.ValidateIDNumber("110105194912310021")
	_, textErr := content.Text("opinion", strings.Repeat("意", 2001), 2000, true)
	for _, c := range []struct {
		err     error
		zh, en  string
		english bool // the English is checked too
	}{
		{err: archive.Errorf(archive.EFORBIDDEN, "the %s stage is decided by the %s role, which you do not hold", archive.StageArg(archive.StageFinal), archive.RoleArg(archive.RoleApprover)),
			zh: "终审环节由终审员办理，您没有这一角色。", en: "the final stage is decided by the approver role, which you do not hold", english: true},
		{err: archive.Errorf(archive.EFORBIDDEN, "you decided the %s stage of case %s; one person decides at most one stage", archive.StageArg(archive.StageInitial), "SB2026-7"),
			zh: "您已办理过案件 SB2026-7 的初审环节；同一案件的各环节须由不同人员办理。"},
		{err: archive.Errorf(archive.ECONFLICT, "case %s is %s, not waiting for acceptance", "SB2026-7", archive.StatusArg(archive.StatusApproved)),
			zh: "案件 SB2026-7 当前为“已核准”，不在待受理环节。", en: "case SB2026-7 is approved, not waiting for acceptance", english: true},
		{err: archive.Errorf(archive.ECONFLICT, "you already have loan %s (%s) of archive %s; return or cancel it first", "L1", archive.LoanStatusArg(archive.LoanRequested), "Z1"),
			zh: "您已有一项“待审批”的借阅（L1，档号 Z1），请先归还或撤回。"},
		{err: archive.Wrapf("", archive.EINVALID, idErr, "field applicant.id_number: %s", idErr),
			zh: "申请人公民身份号码校验码应为 X 而不是 1，请检查是否输错了数字。",
			en: "field applicant.id_number: identity number: check character should be 'X' not '1'; look for a mistyped digit", english: true},
		{err: textErr, zh: "意见最多 2000 个字（现有 2001 个）。", en: "field opinion: at most 2000 characters (this has 2001)", english: true},
		{err: archive.Errorf(archive.ECONFLICT, "these records cannot be disposed of: %s", []*archive.Error{
			archive.Errorf(archive.ECONFLICT, "%s: %s", "Z1", archive.Errorf(archive.ECONFLICT, "under a legal hold")),
			archive.Errorf(archive.ECONFLICT, "%s: %s", "Z2", archive.Errorf(archive.ECONFLICT, "kept permanently (永久)")),
		}),
			zh: "以下档案不能销毁：Z1：处于法律保全中；Z2：永久保存。",
			en: "these records cannot be disposed of: Z1: under a legal hold; Z2: kept permanently (永久)", english: true},
		{err: archive.Errorf(archive.ETOOLARGE, "content is larger than the limit of %d bytes", archive.SizeArg(50<<20)),
			zh: "文件超过上传上限 50 MB，请压缩或拆分后再上传。", en: "content is larger than the limit of 52428800 bytes", english: true},
		{err: archive.Errorf(archive.ECONFLICT, "%s %s is being changed by others at the same time; try again", "case", "dc4g"),
			zh: "其他人员正在同时办理，请稍后重试。"},
		// Wrapped by E, the message and its translation stay.
		{err: archive.E("cases.Append", archive.ECONFLICT, archive.Errorf(archive.ECONFLICT, "case %s is archived already", "SB2026-7")),
			zh: "案件 SB2026-7 已经归档。"},
		// Without a message of its own: a generic one for the code.
		{err: archive.E("diskstore.Put", archive.EUNAVAILABLE, io.ErrUnexpectedEOF),
			zh: "服务器的存储暂时无法访问，请稍后重试。", en: "the server's storage cannot be reached right now; try again later", english: true},
		{err: errors.New("disk on fire"), zh: "系统内部错误，已记录日志；请稍后重试，如仍出错请联系系统管理员。", en: "internal error", english: true},
		// A message the catalogue lacks is shown in English rather than hidden.
		{err: archive.Errorf(archive.EINVALID, "a message nobody translated (%d)", 7), zh: "a message nobody translated (7)"},
	} {
		if got := Message(c.err); got != c.zh {
			t.Errorf("%v:\n got %s\nwant %s", c.err, got, c.zh)
		}
		if got := archive.ErrorMessage(c.err); c.english && got != c.en {
			t.Errorf("%v: English %q, want %q", c.err, got, c.en)
		}
	}
}

// Names of codes; a code without one is shown as it is.
func TestNames(t *testing.T) {
	for got, want := range map[string]string{
		Status(archive.StatusCorrectionRequested): "待补正",
		Stage(archive.StageSecond):                "复审",
		Role(archive.RoleArchivist):               "档案员",
		LoanStatus(archive.LoanApproved):          "已批准",
		DisposalStatus("executed"):                "已执行",
		Field("basis"):                            "依据",
		Category("SB"):                            "社会保险业务",
		Status("no_such_status"):                  "no_such_status",
		Size(300):                                 "300 字节",
		Size(1536):                                "1.5 KB",
		Size(50 << 20):                            "50 MB",
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
