package archive

// Notice kinds (SPEC §3, §6).
const (
	NoticeAcceptance    = "acceptance"     // 受理通知书
	NoticeCorrection    = "correction"     // 补正材料通知书
	NoticeNonAcceptance = "non_acceptance" // 不予受理通知书
	NoticeResult        = "result"         // 审核结果通知书 (approved or denied)
)
