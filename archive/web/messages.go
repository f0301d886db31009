package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The Service's error messages are English (the API's, the log's); the
// pages show the common ones in Chinese. A message not listed here is
// shown as it is, so nothing the user must fix is hidden.

// zhArg renders one captured word: a status, stage or role code becomes
// its Chinese name (a stage's when the rule names stages); anything else
// stays.
func zhArg(s string, stages bool) string {
	if n, ok := stageNames[s]; ok && stages {
		return n
	}
	for _, m := range []map[string]string{statusNames, loanStatusNames, disposalStatusNames, stageNames, roleNames} {
		if n, ok := m[s]; ok {
			return n
		}
	}
	return s
}

type zhRule struct {
	re *regexp.Regexp
	// zh is a format string taking the captured groups, each through zhArg.
	zh string
	// stages: the captured codes are stages, not statuses.
	stages bool
	// bytes: the captured numbers are sizes in bytes, shown in MB.
	bytes bool
}

func rule(re, zh string) zhRule { return zhRule{re: regexp.MustCompile(re), zh: zh} }

func sizeRule(re, zh string) zhRule {
	r := rule(re, zh)
	r.bytes = true
	return r
}

func stageRule(re, zh string) zhRule {
	r := rule(re, zh)
	r.stages = true
	return r
}

var zhRules = []zhRule{
	// Not found.
	rule(`^case (\S+) does not exist$`, "案件不存在，或案件编号有误。%.0[1]s"),
	rule(`^no archive has the number (\S+)$`, "没有档号为 %s 的档案。"),
	rule(`^notice \S+ does not exist$`, "通知书不存在。"),
	rule(`^case \S+ has no material \S+$`, "案件中没有这份材料。"),
	rule(`^disposal (\S+) does not exist$`, "销毁清单 %s 不存在。"),
	rule(`^the contents of case (\S+) were destroyed by disposal (\S+)`, "该案件的内容已按销毁清单 %[2]s 销毁，仅保留目录和清单记录。"),
	rule(`^archive (\S+) has no loan \S+$`, "档案 %s 没有这条借阅记录。"),
	rule(`^archive (\S+) has no active hold \S+$`, "档案 %s 没有这项生效中的法律保全。"),
	rule(`^no four-properties check has been run yet`, "尚未进行过四性检测。档案员可在“报表”页点击“立即检测并生成报告”。"),

	// Forbidden.
	stageRule(`^the (\S+) stage is decided by the (\S+) role, which you do not hold$`, "%s环节由%s办理，您没有这一角色。"),
	stageRule(`^you decided the (\S+) stage of case (\S+); one person decides at most one stage$`, "您已办理过该案件的%[1]s环节；同一案件的各环节须由不同人员办理。"),
	rule(`^you are the applicant of case (\S+) and cannot decide on it$`, "您是该案件的申请人，不能办理自己的申请。%.0[1]s"),
	rule(`^case (\S+) is archived as (\S+) and you did not handle it`, "该案件已归档（档号 %[2]s），您未经办此案件，须经借阅审批后才能查阅。"),
	rule(`^archive records are read by archivists and auditors$`, "档案记录仅供档案员和审计员查阅；其他人员请申请借阅。"),
	rule(`^legal holds are listed for archivists and auditors$`, "档案管理页面仅供档案员和审计员使用。"),
	rule(`^legal holds are placed by archivists$`, "只有档案员可以设置法律保全。"),
	rule(`^legal holds are lifted by archivists$`, "只有档案员可以解除法律保全。"),
	rule(`^disposals are read by archivists and auditors$`, "销毁清单仅供档案员和审计员查阅。"),
	rule(`^disposals are proposed by archivists$`, "只有档案员可以提出销毁。"),
	rule(`^disposals are approved by archivists$`, "只有档案员可以审批销毁。"),
	rule(`^disposals are executed by archivists$`, "只有档案员可以执行销毁。"),
	rule(`^disposal (\S+) was proposed by you; a second archivist approves it$`, "销毁清单 %s 由您提出，须由另一位档案员审批。"),
	rule(`^statistics are for `, "统计报表仅供复审员、终审员、档案员和审计员查阅。"),
	rule(`^the archive catalogue is for archivists and auditors$`, "档案目录仅供档案员和审计员查阅。"),
	rule(`^the four-properties check report is for archivists and auditors$`, "四性检测报告仅供档案员和审计员查阅。"),
	rule(`^cases are archived by archivists$`, "只有档案员可以归档。"),
	rule(`^only the applicant or a clerk hands in application materials$`, "只有申请人或受理员可以提交申请材料。"),
	rule(`^only the applicant or a clerk can resubmit a case$`, "只有申请人或受理员可以重新提交。"),
	rule(`^only applicants and clerks can file cases$`, "只有申请人或受理员可以新建申请。"),
	rule(`^applicants file cases for themselves only$`, "申请人只能为本人提出申请。"),
	rule(`^loans are approved and rejected by archivists$`, "借阅由档案员审批。"),
	rule(`^a loan is decided by a second archivist, not by its borrower$`, "借阅须由另一位档案员审批，不能审批自己的借阅。"),
	rule(`^only the borrower cancels a loan request; archivists reject it$`, "只有借阅人可以撤回借阅申请；档案员可以驳回。"),
	rule(`^a loan is marked returned by an archivist or its borrower$`, "只有档案员或借阅人可以登记归还。"),
	rule(`^your loan \S+ of archive (\S+) does not cover \S+; request a loan that lists it$`, "您对档案 %s 的借阅不包括这份文件，请另行申请包含它的借阅。"),
	rule(`^archived files are lent to staff`, "档案只借给工作人员（经办人员、档案员、审计员）。"),
	rule(`^you list your own loans`, "您只能查看自己的借阅。"),
	rule(`^auditors read everything and change nothing$`, "审计员只能查阅，不能修改。"),
	rule(`^administrators manage users and configuration, not case contents$`, "系统管理员管理用户和配置，不查阅案件内容。"),
	rule(`^a case-number sign-in shows that one case only$`, "凭案件编号登录只能查看这一个案件。"),
	rule(`^a case-number sign-in takes no decisions$`, "凭案件编号登录不能办理审核决定。"),

	// Conflicts.
	rule(`^case (\S+) is (\S+), not waiting for acceptance$`, "该案件当前为“%[2]s”，不在待受理环节。"),
	rule(`^case (\S+) is (\S+), not under review$`, "该案件当前为“%[2]s”，不在审核环节。"),
	rule(`^case (\S+) is (\S+); only a case waiting for corrections can be resubmitted$`, "该案件当前为“%[2]s”；只有待补正的案件可以重新提交。"),
	rule(`^case (\S+) is (\S+); application materials are handed in before acceptance or after a correction request$`, "该案件当前为“%[2]s”；申请材料只能在受理前或要求补正后提交。"),
	rule(`^case (\S+) is (\S+); only decided cases`, "该案件当前为“%[2]s”；只有已办结的案件（已核准、未核准、不予受理）可以归档。"),
	rule(`^case (\S+) is archived already$`, "该案件已经归档。%.0[1]s"),
	rule(`^case (\S+) cannot be accepted: mandatory materials missing`, "该案件缺少必交材料，不能受理；请改为“要求补正”，列出所缺材料。%.0[1]s"),
	rule(`^the acceptance limit of case (\S+) was extended already`, "该案件的受理期限已延长过一次，不能再延长。%.0[1]s"),
	rule(`^only a case waiting for acceptance can have its acceptance limit extended$`, "只有待受理的案件可以延长受理期限。"),
	rule(`^you already have loan \S+ \((\S+)\) of archive (\S+); return or cancel it first$`, "您已有一项“%s”的借阅（档号 %s），请先归还或撤回。"),
	rule(`is being changed by others at the same time; try again$`, "其他人员正在同时办理，请稍后重试。"),
	rule(`^a case in status (\S+) takes no decision$`, "案件当前为“%s”，无需作出决定。"),
	rule(`^a case in status (\S+) cannot take decision`, "案件当前为“%s”，不能作出这一决定。"),
	rule(`^archive (\S+) is (\S+); holds are placed on archived records$`, "档案 %s 当前为“%s”；只能对已归档的档案设置法律保全。"),
	rule(`^archive (\S+) is (\S+); only archived files are lent$`, "档案 %s 当前为“%s”；只有已归档的档案可以借阅。"),
	rule(`^nothing to dispose of`, "没有可销毁的档案：到所选日期保管期限已满、未被法律保全且不在其他销毁清单中的档案一件也没有。"),
	rule(`^decision attachments are uploaded by the reviewer of the stage`, "审核附件由案件当前环节的审核人员上传。"),

	// Pages and forms.
	rule(`^no such endpoint: `, "没有这个页面，请检查地址，或从首页进入。"),
	rule(`^this page does not take (\S+)$`, "这个页面不接受 %s 请求，请使用页面上的链接或按钮。"),
	rule(`^the form is out of date or did not come from this site`, "表单已过期或并非来自本站，请刷新页面后重新提交。"),

	// Uploads and sessions.
	sizeRule(`^(?:content|the upload) is larger than the limit of (\d+) bytes$`, "文件超过上传上限 %s，请压缩或拆分后再上传。"),
	rule(`^this file type \((.*)\) is not accepted`, "不接受这种文件类型（%s），请上传 PDF、JPEG、PNG、TIFF、纯文本、DOCX 或 OFD 文件。"),
	rule(`^this ZIP archive is neither a DOCX nor an OFD document`, "这个压缩文件既不是 DOCX 也不是 OFD 文档，请上传 PDF、JPEG、PNG、TIFF、纯文本、DOCX 或 OFD 文件。"),
	rule(`^your session has ended; sign in again$`, "登录已超时，请重新登录。"),
	rule(`^the account is disabled or no longer exists`, "账号已停用或不存在，请联系系统管理员。"),

	// Invalid input on forms.
	rule(`^field applicant\.name: required$`, "请填写申请人姓名。"),
	rule(`^field reason: a refusal to accept must state its reasons$`, "不予受理须填写理由。"),
	rule(`^field reason: an extension needs a recorded reason$`, "延长受理期限须填写理由。"),
	rule(`^field reason: a legal hold states its reason$`, "设置法律保全须填写理由。"),
	rule(`^reason: lifting a legal hold states its reason$`, "解除法律保全须填写理由。"),
	rule(`^field opinion: every review decision carries an opinion$`, "审核决定须填写审核意见。"),
	rule(`^field opinion: rejecting a disposal states why$`, "驳回销毁须填写理由。"),
	rule(`^field purpose: a loan states what the file is needed for$`, "借阅须填写用途。"),
	rule(`^field note: a rejection states its reason$`, "驳回须填写理由。"),
	rule(`^field missing: list every missing`, "要求补正时，请一次性勾选所有缺少或需更正的材料。"),
	rule(`^field due: a date after today and at most (\d+) days ahead$`, "归还日期须在今天之后、%s 天以内。"),
	rule(`^field due: a date like`, "请填写归还日期，格式如 2026-12-31。"),
	rule(`^the file is empty$`, "所选文件是空的，请重新选择。"),
	rule(`^identity number must have 18 characters, (\d+) given$`, "公民身份号码应为 18 位，现为 %s 位。"),
	rule(`^identity number: check character should be '(.)' not '(.)'`, "公民身份号码校验码应为 %s 而不是 %s，请检查是否输错了数字。"),
	rule(`^identity number: invalid birth date (\d+)$`, "公民身份号码中的出生日期 %s 不存在。"),
	rule(`^identity number: birth date (\d+) is in the future$`, "公民身份号码中的出生日期 %s 晚于今天。"),
	rule(`^identity number: birth date (\d+) is before 1900$`, "公民身份号码中的出生日期 %s 早于 1900 年。"),
	rule(`^identity number: unknown region code`, "公民身份号码的前两位不是有效的省级行政区代码。"),
	rule(`^identity number: the region code must be 6 digits$`, "公民身份号码的前 6 位应为地区代码。"),
	rule(`^identity number: character (\d+) must be a digit$`, "公民身份号码第 %s 位应为数字。"),
	rule(`^identity number: the last character must be a digit or X$`, "公民身份号码最后一位应为数字或 X。"),
	rule(`^mobile number must have 11 digits, (\d+) given$`, "手机号码应为 11 位，现为 %s 位。"),
	rule(`^mobile number must start with 13 to 19$`, "手机号码应以 13 至 19 开头。"),
	rule(`^phone number may contain only digits, spaces and hyphens$`, "联系电话只能包含数字、空格和连字符。"),
	rule(`^phone number must be a mobile number starting with 1 or a landline starting with its area code 0$`, "联系电话应为以 1 开头的手机号码，或以区号 0 开头的固定电话。"),
	rule(`^phone number: after \+86 only an 11-digit mobile number`, "+86 之后只能是 11 位手机号码；固定电话请带区号填写，如 010-12345678。"),
	rule(`^landline number: `, "固定电话号码有误，请写成 010-12345678 或 0755-1234567 的形式。"),
}

// zhMessage is the Chinese text of a Service message, or "" when there is
// none.
func zhMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if zh := zhMatch(msg); zh != "" {
		return zh
	}
	// "field applicant.id_number: identity number: …": the rule for the
	// value's own message.
	if m := fieldPrefix.FindStringSubmatch(msg); m != nil {
		return zhMatch(msg[len(m[0]):])
	}
	return ""
}

var fieldPrefix = regexp.MustCompile(`^field [a-z_.]+: `)

func zhMatch(msg string) string {
	for _, r := range zhRules {
		m := r.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for _, g := range m[1:] {
			if n, err := strconv.ParseInt(g, 10, 64); err == nil && r.bytes {
				args = append(args, fmt.Sprintf("%.3g MB", float64(n)/(1<<20)))
				continue
			}
			args = append(args, zhArg(g, r.stages))
		}
		return fmt.Sprintf(r.zh, args...)
	}
	return ""
}
