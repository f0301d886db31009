package audit

// Action is one kind of audit entry the system writes: its code as
// stored (case.review), its Chinese name as pages, exports and filters
// show it (审核决定), and whether it is the archive's own work.
type Action struct {
	Code string
	Name string
	// Records marks the work on the archived records — archiving,
	// reads and downloads of archived files, loans, legal holds,
	// transfers, disposal and the archive's reports — whose entries
	// archivists read (see ReadScope).
	Records bool
}

// Actions is every action the code writes, in the order the audit
// page's filter offers them. A test walks the module's source and fails
// on an action written that is not here, and on one here that nothing
// writes.
var Actions = []Action{
	{Code: "case.create", Name: "新建案件"},
	{Code: "case.event", Name: "案件事件存证"},
	{Code: "case.material_add", Name: "上传材料"},
	{Code: "case.material_read", Name: "下载材料"},
	{Code: "case.read_personal_data", Name: "查看个人信息"},
	{Code: "case.acceptance", Name: "受理决定"},
	{Code: "case.review", Name: "审核决定"},
	{Code: "case.resubmit", Name: "补正后重新提交"},
	{Code: "case.extend", Name: "延长受理期限"},
	{Code: "case.assign", Name: "领取或分派案件"},
	{Code: "case.handover", Name: "交接案件"},
	{Code: "handover.create", Name: "发起交接"},
	{Code: "handover.acknowledge", Name: "确认接收交接"},
	{Code: "handover.withdraw", Name: "撤回交接"},
	{Code: "execution.record", Name: "登记办理执行"},
	{Code: "execution.check_confirm", Name: "复核确认执行"},
	{Code: "execution.check_return", Name: "复核退回执行"},
	{Code: "execution.account_change", Name: "变更收款账户"},
	{Code: "execution.close", Name: "无支付结案"},
	{Code: "payment.batch_create", Name: "生成支付批次"},
	{Code: "payment.batch_check_approve", Name: "支付批次审核通过"},
	{Code: "payment.batch_check_reject", Name: "支付批次审核退回"},
	{Code: "payment.batch_approve_approve", Name: "支付批次审批通过"},
	{Code: "payment.batch_approve_reject", Name: "支付批次审批驳回"},
	{Code: "payment.bank_file", Name: "下载银行代发文件"},
	{Code: "payment.returns", Name: "导入银行回盘文件"},
	{Code: "report.settlement", Name: "生成待遇结算报表"},
	{Code: "notice.read", Name: "下载通知书"},
	{Code: "portal.sign_in", Name: "申请人登录门户"},
	{Code: "content.hash_mismatch", Name: "文件内容校验不符"},
	{Code: "case.archive", Name: "归档", Records: true},
	{Code: "archive.read", Name: "查阅档案记录", Records: true},
	{Code: "archive.view", Name: "查看已归档案件", Records: true},
	{Code: "archive.download", Name: "下载归档文件", Records: true},
	{Code: "archive.catalogue", Name: "查看借阅目录", Records: true},
	{Code: "archive.loan_request", Name: "申请借阅", Records: true},
	{Code: "archive.loan_approve", Name: "批准借阅", Records: true},
	{Code: "archive.loan_reject", Name: "驳回借阅", Records: true},
	{Code: "archive.loan_return", Name: "归还借阅", Records: true},
	{Code: "archive.loan_cancel", Name: "撤回借阅申请", Records: true},
	{Code: "archive.hold_place", Name: "设置法律保全", Records: true},
	{Code: "archive.hold_lift", Name: "解除法律保全", Records: true},
	{Code: "archive.export", Name: "导出档案包", Records: true},
	{Code: "archive.import", Name: "导入档案包", Records: true},
	{Code: "disposal.list", Name: "查看销毁鉴定列表", Records: true},
	{Code: "disposal.read", Name: "查看销毁鉴定", Records: true},
	{Code: "disposal.create", Name: "提出销毁鉴定", Records: true},
	{Code: "disposal.approve", Name: "批准销毁", Records: true},
	{Code: "disposal.reject", Name: "驳回销毁", Records: true},
	{Code: "disposal.execute", Name: "执行销毁", Records: true},
	{Code: "case.dispose", Name: "销毁案卷", Records: true},
	{Code: "report.catalogue", Name: "生成档案目录", Records: true},
	{Code: "report.statistics", Name: "生成业务统计报表", Records: true},
	{Code: "report.fixity", Name: "查看四性检测报告", Records: true},
	{Code: "report.fixity.run", Name: "运行四性检测", Records: true},
	{Code: "user.create", Name: "创建账户"},
	{Code: "user.activate", Name: "激活账户"},
	{Code: "user.password_set", Name: "设置密码"},
	{Code: "user.password_reset", Name: "重置密码"},
	{Code: "user.token_issue", Name: "签发令牌"},
	{Code: "user.token_revoke", Name: "吊销令牌"},
	{Code: "user.tokens_revoke", Name: "吊销全部令牌"},
	{Code: "user.roles_set", Name: "修改角色"},
	{Code: "user.display_name_set", Name: "修改显示名"},
	{Code: "user.disable", Name: "停用账户"},
	{Code: "user.enable", Name: "启用账户"},
}

var actionsByCode = func() map[string]Action {
	m := make(map[string]Action, len(Actions))
	for _, a := range Actions {
		m[a.Code] = a
	}
	return m
}()

// ActionName is the Chinese name of an action code; a code not in
// Actions (written by an older or newer version) is shown as it is.
func ActionName(code string) string {
	if a, ok := actionsByCode[code]; ok {
		return a.Name
	}
	return code
}

// KnownAction reports whether code is one of Actions.
func KnownAction(code string) bool {
	_, ok := actionsByCode[code]
	return ok
}

// RecordsAction reports whether entries of code are the archive's own
// work, which archivists read.
func RecordsAction(code string) bool { return actionsByCode[code].Records }
