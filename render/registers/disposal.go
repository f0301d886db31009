package registers

import (
	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/render"
	"fmt"
	"io"
	"strconv"
)

var _ disposal.DisposalRenderer = (*Reports)(nil)

// DisposalColumns are the columns of the 销毁清册; 到期日期 is the last
// day of retention.
var DisposalColumns = []render.Column{
	{Title: "序号", Width: 12, Right: true}, {Title: "档号", Width: 46}, {Title: "题名/摘要", Width: 70},
	{Title: "年度", Width: 14}, {Title: "保管期限", Width: 18}, {Title: "到期日期", Width: 24}, {Title: "处理结果", Width: 56},
}

var disposalStatusNames = map[string]string{
	disposal.DisposalPending: "待审批", disposal.DisposalApproved: "已批准，执行中",
	disposal.DisposalRejected: "未批准", disposal.DisposalExecuted: "已执行",
}

var retentionNames = map[string]string{"Y": "永久", "D10": "10年", "D30": "30年", "D50": "50年", "D100": "100年"}

// disposalResult is the 处理结果 of one line.
func disposalResult(it disposal.DisposalItem) string {
	switch it.Result {
	case "":
		return "待销毁"
	case disposal.ItemHeld:
		return "未销毁：销毁前被法律冻结"
	case disposal.ItemSkipped:
		return "未销毁：" + it.Detail
	}
	s := fmt.Sprintf("已销毁（删除 %d 个内容对象", len(it.Deleted))
	if n := len(it.Shared); n > 0 {
		s += fmt.Sprintf("；%d 个与其他档案共用，保留", n)
	}
	if n := len(it.Retained); n > 0 {
		s += fmt.Sprintf("；%d 个仍在 WORM 保留期内，保留", n)
	}
	return s + "）"
}

// RenderDisposalList implements disposal.DisposalRenderer: the 档案销毁清册
// with the appraisal, who proposed and approved it, and one line per
// record with its outcome.
func (r *Reports) RenderDisposalList(w io.Writer, agency string, d *disposal.Disposal) error {
	notes := []string{
		fmt.Sprintf("销毁单号：%s    状态：%s    到期截止日期：%s", d.ID, disposalStatusNames[d.Status], d.AsOf),
		"鉴定意见：" + d.Appraisal,
		fmt.Sprintf("提出人：%s    提出时间：%s", d.Creator, d.CreatedAt.In(archive.Zone).Format("2006-01-02 15:04")),
	}
	if d.DecidedAt != nil {
		verb := "批准人"
		if d.Status == disposal.DisposalRejected {
			verb = "审批人（未批准）"
		}
		line := fmt.Sprintf("%s：%s    审批时间：%s", verb, d.Decider, d.DecidedAt.In(archive.Zone).Format("2006-01-02 15:04"))
		if d.Opinion != "" {
			line += "    意见：" + d.Opinion
		}
		notes = append(notes, line)
	}
	if d.Executed != nil {
		notes = append(notes, "执行完毕时间："+d.Executed.In(archive.Zone).Format("2006-01-02 15:04"))
	}
	meta := render.TableMeta{Title: "档案销毁清册", Agency: agency, Generated: r.now(), Notes: notes,
		Subtitle: fmt.Sprintf("共 %d 件", len(d.Items))}
	return render.RenderTable(w, r.font, meta, DisposalColumns, func(yield func([]string) bool) error {
		for i, it := range d.Items {
			ret := retentionNames[it.Retention]
			if ret == "" {
				ret = it.Retention
			}
			if !yield([]string{strconv.Itoa(i + 1), it.ArchiveNo, it.Title, strconv.Itoa(it.Year), ret,
				it.RetainUntil.In(archive.Zone).AddDate(0, 0, -1).Format("2006-01-02"), disposalResult(it)}) {
				return nil
			}
		}
		return nil
	})
}
