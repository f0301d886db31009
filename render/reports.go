package render

import (
	"dossier/archive/reports"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Column is one column of a table report.
type Column struct {
	Title string
	Width float64 // mm
	Right bool    // right-aligned (numbers)
}

// TableMeta heads a table report.
type TableMeta struct {
	Title     string
	Subtitle  string
	Agency    string
	Generated time.Time
	// Notes are paragraphs printed under the title on the first page,
	// wrapped to the page width.
	Notes []string
}

const mm = 72 / 25.4

// RenderTable streams a table as landscape A4 pages: title on the first
// page, the header row repeated on every page, cells wrapped character by
// character within their column, rows never split across pages, page
// numbers in the footer. rows yields until it returns an error or ends;
// memory does not grow with the number of rows.
func RenderTable(w io.Writer, font *Font, meta TableMeta, cols []Column, rows func(yield func([]string) bool) error) error {
	p, err := newStreamPDF(w, font, true, docInfo{Title: meta.Title, Created: meta.Generated})
	if err != nil {
		return err
	}
	const (
		margin   = 15 * mm
		size     = 9.0
		lineH    = 12.0
		pad      = 3.0
		footer   = 12 * mm
		headSize = 9.5
	)
	total := 0.0
	for _, c := range cols {
		total += c.Width * mm
	}
	scale := (p.W - 2*margin) / total
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = c.Width * mm * scale
	}
	y, pageNo := 0.0, 0
	newPage := func() {
		p.NewPage()
		pageNo++
		y = margin
		if pageNo == 1 {
			t := meta.Title
			p.Text((p.W-p.TextWidth(t, 16))/2, y+14, 16, t)
			y += 24
			sub := meta.Agency
			if meta.Subtitle != "" {
				sub += "  " + meta.Subtitle
			}
			sub += "  生成时间 " + meta.Generated.In(beijing).Format("2006-01-02 15:04")
			p.Text((p.W-p.TextWidth(sub, 9))/2, y+9, 9, sub)
			y += 18
			for _, note := range meta.Notes {
				for _, l := range WrapRunes(func(s string) float64 { return p.TextWidth(s, size) }, note, p.W-2*margin, 0) {
					p.Text(margin, y+size, size, l)
					y += lineH
				}
			}
			if len(meta.Notes) > 0 {
				y += 6
			}
		}
		// Header row.
		h := lineH + 2*pad
		p.Fill(margin, y, p.W-2*margin, h, 0.9)
		x := margin
		for i, c := range cols {
			p.Text(x+(widths[i]-p.TextWidth(c.Title, headSize))/2, y+pad+headSize, headSize, c.Title)
			x += widths[i]
		}
		p.Line(margin, y, p.W-margin, y, 0.8)
		p.Line(margin, y+h, p.W-margin, y+h, 0.6)
		y += h
		f := fmt.Sprintf("第 %d 页", pageNo)
		p.Text((p.W-p.TextWidth(f, 8))/2, p.H-footer+12, 8, f)
	}
	newPage()
	n := 0
	err = rows(func(cells []string) bool {
		n++
		lines := make([][]string, len(cols))
		height := 1
		for i := range cols {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			lines[i] = WrapRunes(func(s string) float64 { return p.TextWidth(s, size) }, v, widths[i]-2*pad, 0)
			height = max(height, len(lines[i]))
		}
		h := float64(height)*lineH + 2*pad
		if y+h > p.H-footer {
			newPage()
		}
		x := margin
		for i, c := range cols {
			for j, l := range lines[i] {
				tx := x + pad
				if c.Right {
					tx = x + widths[i] - pad - p.TextWidth(l, size)
				}
				p.Text(tx, y+pad+size+float64(j)*lineH, size, l)
			}
			x += widths[i]
		}
		y += h
		p.Line(margin, y, p.W-margin, y, 0.3)
		return true
	})
	if err != nil {
		return err
	}
	if n == 0 {
		p.Text(margin+pad, y+pad+size, size, "（无记录）")
	}
	return p.Close()
}

// Reports implements reports.ReportRenderer.
type Reports struct {
	font *Font
	now  func() time.Time
}

var _ reports.ReportRenderer = (*Reports)(nil)

// NewReports returns the report renderer.
func NewReports(font *Font) *Reports { return &Reports{font: font, now: time.Now} }

// CatalogueColumns are the columns of the 归档文件目录 (DA/T 22-2015).
var CatalogueColumns = []Column{
	{Title: "序号", Width: 12, Right: true}, {Title: "档号", Width: 44}, {Title: "文号", Width: 46},
	{Title: "责任者", Width: 34}, {Title: "题名", Width: 64}, {Title: "日期", Width: 22},
	{Title: "密级", Width: 12}, {Title: "页数", Width: 12, Right: true}, {Title: "备注", Width: 26},
}

// RenderCatalogue implements reports.ReportRenderer.
func (r *Reports) RenderCatalogue(w io.Writer, agency, filters string, entries func(yield func(reports.CatalogueEntry) bool) error) error {
	meta := TableMeta{Title: "归档文件目录", Subtitle: filters, Agency: agency, Generated: r.now()}
	return RenderTable(w, r.font, meta, CatalogueColumns, func(yield func([]string) bool) error {
		return entries(func(e reports.CatalogueEntry) bool {
			no := e.ArchiveNo
			if no == "" {
				no = "（待归档）"
			}
			return yield([]string{strconv.Itoa(e.Seq), no, e.DocNo, e.Responsible, e.Title,
				e.Date.In(beijing).Format("20060102"), e.Classification, strconv.Itoa(e.Pages), e.Remarks})
		})
	})
}

// StatisticsColumns are the columns of each statistics section.
var StatisticsColumns = []Column{
	{Title: "分组", Width: 60}, {Title: "件数", Width: 20, Right: true}, {Title: "已办结", Width: 20, Right: true},
	{Title: "按时", Width: 20, Right: true}, {Title: "超期", Width: 20, Right: true},
	{Title: "按时率", Width: 22, Right: true}, {Title: "办理时长中位数（小时）", Width: 40, Right: true},
}

// RenderStatistics implements reports.ReportRenderer: one table, a
// heading row before each section.
func (r *Reports) RenderStatistics(w io.Writer, agency string, st *reports.Statistics) error {
	meta := TableMeta{Title: "业务量及办理时效统计（考核）", Agency: agency, Generated: r.now(),
		Subtitle: fmt.Sprintf("收件日期 %s 至 %s", st.From.In(beijing).Format("2006-01-02"), st.To.Add(-time.Second).In(beijing).Format("2006-01-02"))}
	sections := []struct {
		title string
		rows  []reports.StatGroup
	}{{"按业务类型", st.ByBusinessType}, {"按审核环节", st.ByStage}, {"按经办人", st.ByDecider}}
	return RenderTable(w, r.font, meta, StatisticsColumns, func(yield func([]string) bool) error {
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
				Date: time.Date(2026, time.Month(1+i%12), 1+i%28, 10, 0, 0, 0, beijing), Classification: "内部",
				Pages: 3 + i%9, Remarks: fmt.Sprintf("SB2026-%06d", i)}
			if !yield(e) {
				return nil
			}
		}
		return nil
	}
}
