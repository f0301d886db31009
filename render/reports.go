package render

import (
	"fmt"
	"io"
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
