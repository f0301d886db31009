// Package registers draws the registers the archive keeps and prints as
// tables (render.RenderTable): the 归档文件目录, the statistics for
// assessment, the 四性检测 report, the 档案销毁清册 and the 交接清单.
package registers

import (
	"dossier/archive"
	"dossier/archive/reports"
	"dossier/render"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Reports implements reports.ReportRenderer.
type Reports struct {
	font *render.Font
	now  func() time.Time
}

var _ reports.ReportRenderer = (*Reports)(nil)

// NewReports returns the report renderer.
func NewReports(font *render.Font) *Reports { return &Reports{font: font, now: time.Now} }

// CatalogueColumns are the columns of the 归档文件目录 (DA/T 22-2015).
var CatalogueColumns = []render.Column{
	{Title: "序号", Width: 12, Right: true}, {Title: "档号", Width: 44}, {Title: "文号", Width: 46},
	{Title: "责任者", Width: 34}, {Title: "题名", Width: 64}, {Title: "日期", Width: 22},
	{Title: "密级", Width: 12}, {Title: "页数", Width: 12, Right: true}, {Title: "备注", Width: 26},
}

// RenderCatalogue implements reports.ReportRenderer.
func (r *Reports) RenderCatalogue(w io.Writer, agency, filters string, entries func(yield func(reports.CatalogueEntry) bool) error) error {
	meta := render.TableMeta{Title: "归档文件目录", Subtitle: filters, Agency: agency, Generated: r.now()}
	return render.RenderTable(w, r.font, meta, CatalogueColumns, func(yield func([]string) bool) error {
		return entries(func(e reports.CatalogueEntry) bool {
			no := e.ArchiveNo
			if no == "" {
				no = "（待归档）"
			}
			return yield([]string{strconv.Itoa(e.Seq), no, e.DocNo, e.Responsible, e.Title,
				e.Date.In(archive.Zone).Format("20060102"), e.Classification, strconv.Itoa(e.Pages), e.Remarks})
		})
	})
}

// StatisticsColumns are the columns of each statistics section.
var StatisticsColumns = []render.Column{
	{Title: "分组", Width: 60}, {Title: "件数", Width: 20, Right: true}, {Title: "已办结", Width: 20, Right: true},
	{Title: "按时", Width: 20, Right: true}, {Title: "超期", Width: 20, Right: true},
	{Title: "按时率", Width: 22, Right: true}, {Title: "办理时长中位数（小时）", Width: 40, Right: true},
}

// RenderStatistics implements reports.ReportRenderer: one table, a
// heading row before each section.
func (r *Reports) RenderStatistics(w io.Writer, agency string, st *reports.Statistics) error {
	meta := render.TableMeta{Title: "业务量及办理时效统计（考核）", Agency: agency, Generated: r.now(),
		Subtitle: fmt.Sprintf("收件日期 %s 至 %s", st.From.In(archive.Zone).Format("2006-01-02"), st.To.Add(-time.Second).In(archive.Zone).Format("2006-01-02"))}
	sections := []struct {
		title string
		rows  []reports.StatGroup
	}{{"按业务类型", st.ByBusinessType}, {"按审核环节", st.ByStage}, {"按经办人", st.ByDecider}}
	return render.RenderTable(w, r.font, meta, StatisticsColumns, func(yield func([]string) bool) error {
		for _, s := range sections {
			if !yield([]string{"【" + s.title + "】"}) {
				return nil
			}
			for _, g := range s.rows {
				rate := "—"
				if g.Decided > 0 {
					rate = fmt.Sprintf("%.1f%%", 100*g.OnTimeRate())
				}
				if !yield([]string{g.Name, strconv.Itoa(g.Cases), strconv.Itoa(g.Decided), strconv.Itoa(g.OnTime),
					strconv.Itoa(g.Overdue), rate, fmt.Sprintf("%.1f", g.MedianHours)}) {
					return nil
				}
			}
		}
		return nil
	})
}

// GenerateCatalogueEntries yields n realistic catalogue lines, for
// benchmarks and tests.
func GenerateCatalogueEntries(n int) func(yield func(reports.CatalogueEntry) bool) error {
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "欧阳娜娜"}
	types := []string{"失业保险金申领", "基本养老金申领", "医疗费用报销", "工伤认定申请", "生育津贴申领", "养老保险关系转移"}
	codes := []string{"SY", "YL", "YB", "GS", "SB", "YL"}
	ret := []string{"D10", "Y", "D10", "D50", "D10", "D100"}
	return func(yield func(reports.CatalogueEntry) bool) error {
		for i := 1; i <= n; i++ {
			t := i % len(types)
			e := reports.CatalogueEntry{Seq: i,
				ArchiveNo:   fmt.Sprintf("Z109-SB·2026-%s-%s-%04d", ret[t], codes[t], i),
				DocNo:       fmt.Sprintf("社保审字〔2026〕SB2026-%06d-7号", i),
				Responsible: "某市社会保险事业管理中心", Title: names[i%len(names)] + types[t] + "审核结果（准予）",
				Date: time.Date(2026, time.Month(1+i%12), 1+i%28, 10, 0, 0, 0, archive.Zone), Classification: "内部",
				Pages: 3 + i%9, Remarks: fmt.Sprintf("SB2026-%06d", i)}
			if !yield(e) {
				return nil
			}
		}
		return nil
	}
}
