package registers

import (
	"dossier/archive"
	"dossier/render"
	"fmt"
	"io"
	"strconv"

	"dossier/archive/handover"
	"dossier/archive/zh"
)

var _ handover.ListRenderer = (*Reports)(nil)

// HandoverColumns are the columns of the 交接清单.
var HandoverColumns = []render.Column{
	{Title: "序号", Width: 12, Right: true}, {Title: "案件编号", Width: 36}, {Title: "业务类型", Width: 66},
	{Title: "当前环节", Width: 26}, {Title: "环节办理期限", Width: 30}, {Title: "法定办结期限", Width: 30}, {Title: "备注", Width: 40},
}

var handoverStatusNames = map[string]string{
	handover.StatusPending: "待接收确认", handover.StatusAcknowledged: "已接收确认", handover.StatusWithdrawn: "已撤回",
}

// RenderHandoverList implements handover.ListRenderer: the 交接清单 with
// who hands whose work to whom and why, one line per case with its stage
// and deadlines, and lines for the three signatures.
func (r *Reports) RenderHandoverList(w io.Writer, agency string, h *handover.Handover) error {
	notes := []string{
		fmt.Sprintf("交接单号：%s    状态：%s", h.ID, handoverStatusNames[h.Status]),
		fmt.Sprintf("移交人：%s    接收人：%s    监交人：%s    交接时间：%s", h.FromName, h.ToName, h.Creator, h.CreatedAt.In(archive.Zone).Format("2006-01-02 15:04")),
		"交接原因：" + h.Reason,
	}
	if h.AcknowledgedAt != nil {
		notes = append(notes, fmt.Sprintf("接收人已于 %s 确认接收。", h.AcknowledgedAt.In(archive.Zone).Format("2006-01-02 15:04")))
	}
	notes = append(notes, "移交人（签字）：__________    接收人（签字）：__________    监交人（签字）：__________")
	meta := render.TableMeta{Title: "案件交接清单", Agency: agency, Generated: r.now(), Notes: notes,
		Subtitle: fmt.Sprintf("共 %d 件", len(h.Items))}
	return render.RenderTable(w, r.font, meta, HandoverColumns, func(yield func([]string) bool) error {
		for i, it := range h.Items {
			if !yield([]string{strconv.Itoa(i + 1), it.Number, it.BusinessName, zh.Stage(it.Stage), it.Deadline, it.CaseDeadline, ""}) {
				return nil
			}
		}
		return nil
	})
}
