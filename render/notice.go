package render

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/notices"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Notices draws the four notices as A4 official letters with gofpdf.
type Notices struct {
	font   *Font
	subset *Subset
	// fallback draws the characters the main font lacks (rare characters
	// of names, CJK Extension A such as 䶮); nil when none is installed.
	fallback *Font
	// fixedDate, when set, is written as the PDF creation date so that
	// output is byte-for-byte reproducible (golden tests).
	fixedDate time.Time
}

// NoticeOptions tunes Notices.
type NoticeOptions struct {
	// FixedCreationDate makes documents reproducible; zero means now.
	FixedCreationDate time.Time
}

var _ notices.Renderer = (*Notices)(nil)

// NewNotices returns a renderer using font. Errors: none today; the
// signature leaves room for checks on the font.
func NewNotices(font *Font, opts NoticeOptions) (*Notices, error) {
	if font == nil || len(font.TTF) == 0 {
		return nil, ErrNoFont
	}
	sub, err := NewSubset(font)
	if err != nil {
		return nil, fmt.Errorf("render: subset %s: %w", font.Path, err)
	}
	n := &Notices{font: font, subset: sub, fixedDate: opts.FixedCreationDate}
	if fb, err := LoadFallbackFont(font.Path); err == nil {
		n.fallback = fb
	}
	return n, nil
}

var beijing = archive.Zone

// chineseDate prints 2026年11月26日.
func chineseDate(t time.Time) string {
	t = t.In(beijing)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// listMark starts a paragraph that is an item of the numbered list.
const listMark = "\x00"

const remedies = "如不服本决定，可自收到本通知书之日起六十日内依法申请行政复议，或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"

// body returns the paragraphs of a notice.
func noticeBody(d notices.NoticeData) (paras []string, remedy bool, err error) {
	received := chineseDate(d.ReceivedAt)
	switch d.Kind {
	case archive.NoticeAcceptance:
		paras = append(paras, fmt.Sprintf("你（单位）于%s提交的%s申请，材料齐全，符合法定形式，本机构决定予以受理。", received, d.BusinessName))
		if d.CaseDeadline != "" {
			if t, err := time.Parse("2006-01-02", d.CaseDeadline); err == nil {
				paras = append(paras, fmt.Sprintf("本机构将在法定时限内办结，最迟于%s前作出决定并书面告知。", chineseDate(t.Add(12*time.Hour))))
			}
		}
		paras = append(paras, "请妥善保管本通知书，可凭案件编号和验证码查询办理进度。")
	case archive.NoticeCorrection:
		if len(d.Missing) == 0 {
			return nil, false, archive.Errorf(archive.EINVALID, "a correction notice lists the missing materials")
		}
		paras = append(paras, fmt.Sprintf("你（单位）于%s提交的%s申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部材料如下：", received, d.BusinessName))
		for i, m := range d.Missing {
			name := m.Name
			if name == "" {
				name = m.Code
			}
			paras = append(paras, listMark+fmt.Sprintf("%d. %s", i+1, name))
		}
		if d.Reasons != "" {
			paras = append(paras, "补正说明："+d.Reasons)
		}
		paras = append(paras, "请按上述要求补正后重新提交。补正材料齐全后，本机构将依法受理。")
	case archive.NoticeNonAcceptance:
		if d.Reasons == "" {
			return nil, false, archive.Errorf(archive.EINVALID, "a refusal states its reasons")
		}
		paras = append(paras, fmt.Sprintf("你（单位）于%s提交的%s申请，经审查，本机构决定不予受理。", received, d.BusinessName))
		paras = append(paras, "理由："+d.Reasons)
		if d.Basis != "" {
			paras = append(paras, "依据："+d.Basis)
		}
		remedy = true
	case archive.NoticeResult:
		if d.Approved {
			paras = append(paras, fmt.Sprintf("你（单位）于%s提交的%s申请，经初审、复审、终审，本机构决定予以批准。", received, d.BusinessName))
			if d.Reasons != "" {
				paras = append(paras, "审核意见："+d.Reasons)
			}
			if d.Basis != "" {
				paras = append(paras, "依据："+d.Basis)
			}
		} else {
			if d.Reasons == "" {
				return nil, false, archive.Errorf(archive.EINVALID, "a denial states its reasons")
			}
			paras = append(paras, fmt.Sprintf("你（单位）于%s提交的%s申请，经审核，本机构决定不予批准。", received, d.BusinessName))
			paras = append(paras, "理由："+d.Reasons)
			if d.Basis != "" {
				paras = append(paras, "依据："+d.Basis)
			}
			remedy = true
		}
	default:
		return nil, false, archive.Errorf(archive.EINVALID, "unknown notice kind %q", d.Kind)
	}
	return paras, remedy, nil
}

// RenderNotice implements archive.Renderer.
func (n *Notices) RenderNotice(w io.Writer, d notices.NoticeData) error {
	for field, v := range map[string]string{"case number": d.CaseNumber, "applicant name": d.ApplicantName,
		"verification code": d.VerifyCode, "document number": d.DocNumber} {
		if strings.TrimSpace(v) == "" {
			return archive.Errorf(archive.EINVALID, "a notice needs its %s", field)
		}
	}
	title, ok := archive.NoticeTitles[d.Kind]
	if !ok {
		return archive.Errorf(archive.EINVALID, "unknown notice kind %q", d.Kind)
	}
	paras, remedy, err := noticeBody(d)
	if err != nil {
		return err
	}
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	created := n.fixedDate
	if created.IsZero() {
		created = d.IssuedAt
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetProducer("dossier", true)
	pdf.SetTitle(title+" "+d.DocNumber, true)
	pdf.SetAuthor(d.Agency, true)
	ttf := n.font.TTF
	if n.subset.Covers(d.Agency, d.ApplicantName, d.BusinessName, d.Reasons, d.Basis, d.DocNumber, d.CaseNumber, d.VerifyURL, d.MaskedIDNumber, strings.Join(paras, "")) {
		ttf = n.subset.TTF
	}
	pdf.AddUTF8FontFromBytes("wqy", "", ttf)
	all := strings.Join([]string{d.Agency, d.ApplicantName, d.BusinessName, d.Reasons, d.Basis, strings.Join(paras, "")}, "")
	r := &runs{pdf: pdf}
	if n.fallback != nil && !fontCovers(n.font, all) {
		pdf.AddUTF8FontFromBytes("fb", "", n.fallback.TTF)
		r.main, r.fb = n.font, n.fallback
	}
	pdf.SetMargins(28, 25, 26)
	pdf.SetAutoPageBreak(true, 30)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-18)
		pdf.SetFont("wqy", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s  验证码：%s  第 %d 页", d.DocNumber, d.VerifyCode, pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	lm, _, rm, _ := pdf.GetMargins()
	pw, _ := pdf.GetPageSize()
	width := pw - lm - rm

	// 红头: agency in red, a red rule under it.
	pdf.SetFont("wqy", "", 20)
	pdf.SetTextColor(190, 20, 20)
	pdf.CellFormat(width, 12, d.Agency, "", 1, "C", false, 0, "")
	pdf.SetDrawColor(190, 20, 20)
	pdf.SetLineWidth(0.8)
	y := pdf.GetY() + 2
	pdf.Line(lm, y, pw-rm, y)
	pdf.SetLineWidth(0.2)
	pdf.Line(lm, y+1.2, pw-rm, y+1.2)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetY(y + 8)
	pdf.SetFont("wqy", "", 22)
	pdf.CellFormat(width, 12, title, "", 1, "C", false, 0, "")
	pdf.SetFont("wqy", "", 11)
	pdf.CellFormat(width, 7, d.DocNumber, "", 1, "R", false, 0, "")
	pdf.Ln(3)

	// The particulars.
	pdf.SetFont("wqy", "", 11)
	for _, kv := range [][2]string{
		{"申请人", d.ApplicantName},
		{"身份证号", d.MaskedIDNumber},
		{"案件编号", d.CaseNumber},
		{"业务类型", d.BusinessName},
		{"收件日期", chineseDate(d.ReceivedAt)},
	} {
		pdf.SetFillColor(242, 242, 242)
		pdf.CellFormat(28, 7.5, kv[0], "1", 0, "C", true, 0, "")
		r.cell(width-28, 7.5, " "+kv[1], "1", 1)
	}
	pdf.Ln(6)

	pdf.SetFont("wqy", "", 12.5)
	r.cell(width, 8, d.ApplicantName+"：", "", 1)
	const lh = 7.6
	indent := pdf.GetStringWidth("中中")
	for _, p := range paras {
		if item, ok := strings.CutPrefix(p, listMark); ok {
			r.paragraph(item, width, indent*1.5, lh)
			continue
		}
		r.paragraph(p, width, indent, lh)
	}
	if remedy {
		r.paragraph(remedies, width, indent, lh)
	}

	// Signature block: agency, date, seal.
	pdf.Ln(10)
	if pdf.GetY() > 240 {
		pdf.AddPage()
	}
	sigY := pdf.GetY()
	pdf.SetFont("wqy", "", 12.5)
	pdf.SetXY(pw-rm-80, sigY)
	pdf.CellFormat(80, 8, d.Agency, "", 2, "C", false, 0, "")
	pdf.SetX(pw - rm - 80)
	pdf.CellFormat(80, 8, chineseDate(d.IssuedAt), "", 2, "C", false, 0, "")
	pdf.SetDrawColor(190, 20, 20)
	pdf.SetLineWidth(0.6)
	pdf.Circle(pw-rm-40, sigY+8, 19, "D")
	pdf.SetTextColor(190, 20, 20)
	pdf.SetFont("wqy", "", 9)
	pdf.SetXY(pw-rm-80, sigY+20)
	pdf.CellFormat(80, 5, "（印章）", "", 0, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)

	// Verification: QR code and code.
	if png, err := qrcode.Encode(d.VerifyURL, qrcode.Medium, 256); err == nil {
		name := "qr-" + d.VerifyCode
		pdf.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		pdf.ImageOptions(name, lm, sigY-2, 26, 26, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	pdf.SetFont("wqy", "", 9)
	pdf.SetXY(lm, sigY+25)
	pdf.CellFormat(80, 5, "验证码："+d.VerifyCode, "", 2, "L", false, 0, "")
	for _, l := range WrapRunes(pdf.GetStringWidth, "扫码或访问 "+d.VerifyURL+" 核验本通知书真伪", 75, 0) {
		pdf.SetX(lm)
		pdf.CellFormat(75, 4.5, l, "", 2, "L", false, 0, "")
	}

	if err := pdf.Error(); err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	if err := pdf.Output(w); err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	return nil
}

// runs draws text in the main font, switching to the fallback font for
// the characters the main font lacks, run by run: a box where a glyph
// should be is a defect.
type runs struct {
	pdf      *gofpdf.Fpdf
	main, fb *Font // both nil: everything in the main font
}

// split cuts s into runs of one font: "wqy" or "fb".
func (r *runs) split(s string) [][2]string {
	if r.fb == nil {
		return [][2]string{{"wqy", s}}
	}
	var out [][2]string
	for _, ch := range s {
		fam := "wqy"
		if !fontCovers(r.main, string(ch)) && fontCovers(r.fb, string(ch)) {
			fam = "fb"
		}
		if n := len(out); n > 0 && out[n-1][0] == fam {
			out[n-1][1] += string(ch)
		} else {
			out = append(out, [2]string{fam, string(ch)})
		}
	}
	return out
}

// width measures s as it will be drawn.
func (r *runs) width(s string) float64 {
	if r.fb == nil {
		return r.pdf.GetStringWidth(s)
	}
	size, _ := r.pdf.GetFontSize()
	w := 0.0
	for _, run := range r.split(s) {
		r.pdf.SetFont(run[0], "", size)
		w += r.pdf.GetStringWidth(run[1])
	}
	r.pdf.SetFont("wqy", "", size)
	return w
}

// cell is CellFormat with left alignment, drawn run by run.
func (r *runs) cell(w, h float64, text, border string, ln int) {
	parts := r.split(text)
	if len(parts) == 1 {
		r.pdf.CellFormat(w, h, text, border, ln, "L", false, 0, "")
		return
	}
	size, _ := r.pdf.GetFontSize()
	x, y := r.pdf.GetXY()
	if border != "" {
		r.pdf.Rect(x, y, w, h, "D")
	}
	for _, run := range parts {
		r.pdf.SetFont(run[0], "", size)
		r.pdf.CellFormat(r.pdf.GetStringWidth(run[1]), h, run[1], "", 0, "L", false, 0, "")
	}
	r.pdf.SetFont("wqy", "", size)
	switch ln {
	case 1:
		lm, _, _, _ := r.pdf.GetMargins()
		r.pdf.SetXY(lm, y+h)
	case 2:
		r.pdf.SetXY(x, y+h)
	default:
		r.pdf.SetXY(x+w, y)
	}
}

// paragraph writes Chinese text with a first-line indent, breaking lines
// by the width of each character: CJK text has no spaces for gofpdf's
// word wrap, and a character must never be cut at the margin.
func (r *runs) paragraph(text string, width, indent, lh float64) {
	lines := WrapRunes(r.width, text, width, indent)
	lm, _, _, _ := r.pdf.GetMargins()
	for i, l := range lines {
		x := lm
		if i == 0 {
			x += indent
		}
		r.pdf.SetX(x)
		r.cell(width-(x-lm), lh, l, "", 1)
	}
}

// fontCovers reports whether f has a glyph for every rune of s.
func fontCovers(f *Font, s string) bool {
	m, err := metricsFor(f)
	if err != nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ch := range s {
		if ch < 0x20 {
			continue
		}
		if g, err := m.f.GlyphIndex(&m.buf, ch); err != nil || g == 0 {
			return false
		}
	}
	return true
}

// closingPunct may not start a line (避头): such a character is pulled
// back onto the previous line.
const closingPunct = "，。、；：？！）》」』”’,.;:?!)"

// WrapRunes breaks text into lines no wider than width, the first line
// narrower by indent, measuring rune by rune.
func WrapRunes(measure func(string) float64, text string, width, indent float64) []string {
	var lines []string
	var cur []rune
	avail := width - indent
	curW := 0.0
	for _, r := range text {
		if r == '\n' {
			lines = append(lines, string(cur))
			cur, curW, avail = nil, 0, width
			continue
		}
		w := measure(string(r))
		if curW+w > avail && len(cur) > 0 && !strings.ContainsRune(closingPunct, r) {
			lines = append(lines, string(cur))
			cur, curW, avail = nil, 0, width
		}
		cur = append(cur, r)
		curW += w
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}
