package zh

import (
	"dossier/archive"
	"dossier/archive/disposal"
)

// The Chinese names of codes, for messages and pages alike. A code with
// no name here is shown as it is.

var statuses = map[string]string{
	archive.StatusSubmitted:           "待受理",
	archive.StatusCorrectionRequested: "待补正",
	archive.StatusNotAccepted:         "不予受理",
	archive.StatusInitialReview:       "初审中",
	archive.StatusSecondReview:        "复审中",
	archive.StatusFinalReview:         "终审中",
	archive.StatusApproved:            "已核准",
	archive.StatusDenied:              "未核准",
	archive.StatusArchived:            "已归档",
	archive.StatusDisposed:            "已销毁",
}

var stages = map[string]string{
	archive.StageAcceptance: "受理",
	archive.StageCorrection: "补正（等待申请人）",
	archive.StageInitial:    "初审",
	archive.StageSecond:     "复审",
	archive.StageFinal:      "终审",
	archive.StageDecided:    "已办结",
	archive.StageArchived:   "已归档",
}

var roles = map[string]string{
	archive.RoleApplicant:  "申请人",
	archive.RoleClerk:      "受理员",
	archive.RoleReviewer:   "初审员",
	archive.RoleSupervisor: "复审员",
	archive.RoleApprover:   "终审员",
	archive.RoleArchivist:  "档案员",
	archive.RoleAuditor:    "审计员",
	archive.RoleAdmin:      "管理员",
	archive.RoleFinance:    "财务人员",
	"system":               "系统",
}

var loanStatuses = map[string]string{
	archive.LoanRequested: "待审批",
	archive.LoanApproved:  "已批准",
	archive.LoanRejected:  "已驳回",
	archive.LoanReturned:  "已归还",
	archive.LoanCancelled: "已撤回",
}

var disposalStatuses = map[string]string{
	disposal.DisposalPending:  "待审批",
	disposal.DisposalApproved: "已批准，执行未完成",
	disposal.DisposalRejected: "已驳回",
	disposal.DisposalExecuted: "已执行",
}

// fields are the input fields that messages name (archive.FieldArg), in
// the words of the forms and notices.
var fields = map[string]string{
	"applicant.name":    "申请人姓名",
	"summary":           "申请事项",
	"file name":         "文件名",
	"reason":            "理由",
	"opinion":           "意见",
	"basis":             "依据",
	"purpose":           "借阅用途",
	"note":              "备注",
	"appraisal":         "鉴定意见",
	"a display name":    "显示名称",
	"a token label":     "令牌名称",
	"case number":       "案件编号",
	"applicant name":    "申请人姓名",
	"verification code": "验证码",
	"document number":   "文号",
}

func name(m map[string]string, code string) string {
	if n, ok := m[code]; ok {
		return n
	}
	return code
}

// Status is the Chinese name of a case status (已核准).
func Status(code string) string { return name(statuses, code) }

// Stage is the Chinese name of a stage (初审).
func Stage(code string) string { return name(stages, code) }

// Role is the Chinese name of a role (受理员).
func Role(code string) string { return name(roles, code) }

// LoanStatus is the Chinese name of a loan's status (待审批).
func LoanStatus(code string) string { return name(loanStatuses, code) }

// DisposalStatus is the Chinese name of a disposal's status (已执行).
func DisposalStatus(code string) string { return name(disposalStatuses, code) }

// Field is the Chinese name of an input field (意见).
func Field(code string) string { return name(fields, code) }

// categories are the 门类 codes of 档号 (the service's category, SB by
// default), by the name archivists use.
var categories = map[string]string{
	"SB": "社会保险业务",
}

// Category is the Chinese name of a 门类 code (社会保险业务).
func Category(code string) string { return name(categories, code) }
