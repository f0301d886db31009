package registers

import (
	"dossier/archive"
	"dossier/archive/fixity"
	"dossier/render"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// FixityColumns are the columns of the four-properties check report.
var FixityColumns = []render.Column{
	{Title: "序号", Width: 10, Right: true}, {Title: "性质", Width: 14}, {Title: "检测项目", Width: 36},
	{Title: "结果", Width: 14}, {Title: "检测数", Width: 16, Right: true}, {Title: "不通过", Width: 14, Right: true},
	{Title: "警告", Width: 12, Right: true}, {Title: "说明", Width: 110},
}

var resultNames = map[string]string{fixity.ResultPass: "通过", fixity.ResultWarn: "警告", fixity.ResultFail: "不通过"}

// RenderFixity implements reports.ReportRenderer: the 档案四性检测报告
// (DA/T 70-2018): the run and its totals, each property's items with
// their results, then every failure and warning naming case, 档号 and
// object.
func (r *Reports) RenderFixity(w io.Writer, agency string, rep *fixity.FixityReport) error {
	meta := render.TableMeta{Title: "档案四性检测报告", Agency: agency, Generated: r.now(),
		Subtitle: fmt.Sprintf("检测时间 %s 至 %s  结论：%s", rep.StartedAt.In(archive.Zone).Format("2006-01-02 15:04:05"),
			rep.FinishedAt.In(archive.Zone).Format("15:04:05"), resultNames[rep.Result])}
	worm := "未启用"
	if rep.WORM != nil && rep.WORM.Enabled {
		worm = "已启用（" + rep.WORM.Mode + "）"
	}
	summary := fmt.Sprintf("案件 %d 件（已归档 %d 件，已销毁 %d 件）；校验归档对象 %d 个；读取对象 %d 个，共 %.1f MB；审计日志 %d 条；有效法律保全 %d 项；WORM %s；不通过 %d 项，警告 %d 项。",
		rep.Cases, rep.ArchivedCases, rep.DisposedCases, rep.Objects, rep.ReadObjects, float64(rep.ReadBytes)/1e6, rep.AuditEntries, rep.ActiveHolds, worm,
		len(rep.Problems), len(rep.Warnings))
	return render.RenderTable(w, r.font, meta, FixityColumns, func(yield func([]string) bool) error {
		if !yield([]string{"", "", "【检测概况】", resultNames[rep.Result], "", "", "", summary}) {
			return nil
		}
		if !yield([]string{"", "", "【检测项目及结果】"}) {
			return nil
		}
		n := 0
		for _, p := range rep.Properties {
			for _, it := range p.Items {
				n++
				desc := it.Description
				if it.Note != "" {
					desc += "（" + it.Note + "）"
				}
				if !yield([]string{strconv.Itoa(n), p.Name, it.Name, resultNames[it.Result], strconv.Itoa(it.Checked),
					strconv.Itoa(it.Failed), strconv.Itoa(it.Warnings), desc}) {
					return nil
				}
			}
		}
		if !yield([]string{"", "", "【不通过及警告明细】"}) {
			return nil
		}
		names := map[string]string{}
		for _, p := range rep.Properties {
			for _, it := range p.Items {
				names[p.ID+"/"+it.ID] = it.Name
			}
		}
		all := append(append([]archive.Problem{}, rep.Problems...), rep.Warnings...)
		if len(all) == 0 {
			return ignore(yield([]string{"", "", "", "", "", "", "", "（无）"}))
		}
		for i, p := range all {
			var where []string
			if p.CaseNumber != "" || p.CaseID != "" {
				where = append(where, "案件 "+strings.TrimSpace(p.CaseNumber+" "+paren(p.CaseID)))
			}
			if p.ArchiveNo != "" {
				where = append(where, "档号 "+p.ArchiveNo)
			}
			where = append(where, "对象 "+p.Object)
			if !yield([]string{strconv.Itoa(i + 1), fixity.PropertyName(p.Check), names[p.Check+"/"+p.Item], resultNames[p.Severity],
				"", "", "", strings.Join(where, "；") + "：" + p.Detail}) {
				return nil
			}
		}
		return nil
	})
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "（" + s + "）"
}

func ignore(bool) error { return nil }
