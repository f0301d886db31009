package registers

import (
	"fmt"
	"io"
	"strconv"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/payment/settlement"
	"dossier/render"
)

var _ settlement.Renderer = (*Reports)(nil)

// SettlementColumns are the columns of the 结算报表: per month and
// business type, the items that fell due and how many of them, for how
// much, were paid, failed, are with the bank (在途) or not yet in a batch.
var SettlementColumns = []render.Column{
	{Title: "月份", Width: 16}, {Title: "业务类型", Width: 38},
	{Title: "应付笔数", Width: 11, Right: true}, {Title: "应付金额（元）", Width: 30, Right: true},
	{Title: "已付笔数", Width: 11, Right: true}, {Title: "已付金额（元）", Width: 30, Right: true},
	{Title: "失败笔数", Width: 11, Right: true}, {Title: "失败金额（元）", Width: 30, Right: true},
	{Title: "在途笔数", Width: 11, Right: true}, {Title: "在途金额（元）", Width: 30, Right: true},
	{Title: "待付笔数", Width: 11, Right: true}, {Title: "待付金额（元）", Width: 30, Right: true},
}

var batchStatusNames = map[string]string{
	payment.BatchClaiming: "汇总中", payment.BatchChecking: "待审核", payment.BatchApproving: "待审批",
	payment.BatchApproved: "已审批", payment.BatchCompleted: "已完成", payment.BatchRejected: "已退回", payment.BatchEmpty: "空批次",
}

// settlementCells are the figures of one row, after its first two cells.
func settlementCells(r settlement.Row) []string {
	return []string{strconv.Itoa(r.Items), payment.Yuan(r.TotalFen), strconv.Itoa(r.Paid), payment.Yuan(r.PaidFen),
		strconv.Itoa(r.Failed), payment.Yuan(r.FailedFen), strconv.Itoa(r.Pending), payment.Yuan(r.PendingFen),
		strconv.Itoa(r.Due), payment.Yuan(r.DueFen)}
}

// RenderSettlement implements settlement.Renderer: the 结算报表,
// one line per month and business type, a total, and a section marked
// 【金额不平衡的批次】 listing every batch whose paid, failed and pending
// amounts do not add up to its total, or saying that none is.
func (r *Reports) RenderSettlement(w io.Writer, agency string, rep *settlement.Report) error {
	notes := []string{"金额单位：元。应付＝统计期间到期的支付项（按月发放的按所属月份，一次性支付的按执行复核确认的月份）；在途＝已纳入批次、等待银行回盘；待付＝尚未纳入批次。无支付结案的案件不计入。"}
	if n := len(rep.UnreconciledBatches); n > 0 {
		notes = append(notes, fmt.Sprintf("注意：有 %d 个支付批次金额不平衡，见表末【金额不平衡的批次】，请财务人员核查并运行 dossier verify。", n))
	}
	meta := render.TableMeta{Title: "待遇结算报表", Agency: agency, Generated: r.now(), Notes: notes,
		Subtitle: fmt.Sprintf("统计期间 %s 至 %s", rep.From, rep.To)}
	return render.RenderTable(w, r.font, meta, SettlementColumns, func(yield func([]string) bool) error {
		if len(rep.Rows) == 0 && !yield([]string{"", "统计期间内没有到期的支付项"}) {
			return nil
		}
		for _, row := range rep.Rows {
			name := row.Name
			if name == "" {
				name = row.BusinessType
			}
			if !yield(append([]string{row.Month, name}, settlementCells(row)...)) {
				return nil
			}
		}
		if !yield(append([]string{"合计", ""}, settlementCells(rep.Totals)...)) {
			return nil
		}
		if !yield([]string{"", "【金额不平衡的批次】"}) {
			return nil
		}
		if len(rep.UnreconciledBatches) == 0 {
			yield([]string{"", "无：所有支付批次的已付、失败、在途金额之和均等于批次合计"})
			return nil
		}
		for _, b := range rep.UnreconciledBatches {
			st := batchStatusNames[b.Status]
			if st == "" {
				st = b.Status
			}
			diff := b.TotalFen - b.PaidFen - b.FailedFen - b.PendingFen
			if !yield([]string{"批次", fmt.Sprintf("%s（%s，%s 生成）差额 %s 元", b.ID, st, b.CreatedAt.In(archive.Zone).Format("2006-01-02"), payment.Yuan(diff)),
				strconv.Itoa(b.Items), payment.Yuan(b.TotalFen), "", payment.Yuan(b.PaidFen), "", payment.Yuan(b.FailedFen), "", payment.Yuan(b.PendingFen)}) {
				return nil
			}
		}
		return nil
	})
}
