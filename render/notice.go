package render

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/notices"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Notices draws the four notices as A4 official letters with gofpdf.
type Notices struct {
	subset *Subset
	// chain draws the characters the main font lacks with the fallback
	// fonts installed (rare characters of names such as 䶮 and 𠮷, emoji).
	chain *fontChain
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
	chain, err := chainFor(font)
	if err != nil {
		return nil, fmt.Errorf("render: font %s: %w", font.Path, err)
	}
	return &Notices{subset: sub, chain: chain, fixedDate: opts.FixedCreationDate}, nil
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
	case archive.NoticePaymentResult:
		p := d.Payment
		if p == nil {
			return nil, false, archive.Errorf(archive.EINVALID, "a payment result notice states the payment")
		}
		if p.Paid {
			paras = append(paras, fmt.Sprintf("你（单位）%s待遇的下列款项，本机构已委托银行支付，银行于%s确认支付成功：", d.BusinessName, chineseDate(p.ReturnedAt)))
		} else {
			paras = append(paras, fmt.Sprintf("你（单位）%s待遇的下列款项，本机构已委托银行支付，银行于%s退回，未能支付成功：", d.BusinessName, chineseDate(p.ReturnedAt)))
		}
		items := []string{"支付期别：" + periodName(p.Period), "支付金额：人民币" + yuan(p.AmountFen) + "元", "收款银行：" + p.Bank, "收款账号：" + p.Account}
		if p.Paid {
			items = append(items, "支付日期："+chineseDate(p.ReturnedAt))
		} else {
			items = append(items, "退回原因："+bankReason(p.Reason))
		}
		for i, it := range items {
			paras = append(paras, listMark+fmt.Sprintf("%d. %s", i+1, it))
		}
		if p.Paid {
			paras = append(paras, "请注意查收。如对支付金额有疑问，可凭案件编号到经办窗口或通过网上服务平台咨询。")
		} else {
			paras = append(paras, "请携带本人有效身份证件和新的银行账户材料（银行卡或存折），到经办窗口提交；或登录网上服务平台，上传新的银行账户材料并填写新的开户银行和账号。")
			paras = append(paras, "银行账户更正后，该笔款项将在以后的支付批次中重新支付，无需重新申请。")
		}
	default:
		return nil, false, archive.Errorf(archive.EINVALID, "unknown notice kind %q", d.Kind)
	}
	return paras, remedy, nil
}

// periodName prints a payment period: 2026-03 → 2026年3月; once → 一次性支付.
func periodName(p string) string {
	if t, err := time.Parse("2006-01", p); err == nil {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	if p == "once" {
		return "一次性支付"
	}
	return p
}

// yuan prints an amount of fen in yuan: 123456 → 1,234.56.
func yuan(n int64) string { return archive.Yuan(n) }

// bankReasons explain, in plain words, the reasons banks give most.
var bankReasons = []struct{ says, means string }{
	{"户名不符", "收款人姓名与银行账户的户名不一致"},
	{"销户", "该银行账户已注销"},
	{"账号不存在", "银行查无此账号"},
	{"账户不存在", "银行查无此账号"},
	{"冻结", "该银行账户已被冻结，暂不能入账"},
	{"挂失", "该银行账户已挂失，暂不能入账"},
	{"止付", "该银行账户已止付，暂不能入账"},
	{"睡眠", "该银行账户长期未使用，已转为不动户，暂不能入账"},
	{"不动户", "该银行账户长期未使用，已转为不动户，暂不能入账"},
}

// bankReason is the bank's reason as printed, with its plain meaning
// when it is a common one: 户名不符 → 户名不符（收款人姓名与…）.
func bankReason(r string) string {
	for _, b := range bankReasons {
		if strings.Contains(r, b.says) {
			return r + "（" + b.means + "）"
		}
	}
	return r
}

// RenderNotice implements notices.Renderer.
func (n *Notices) RenderNotice(w io.Writer, d notices.NoticeData) error {
	for field, v := range map[string]string{"case number": d.CaseNumber, "applicant name": d.ApplicantName,
		"verification code": d.VerifyCode, "document number": d.DocNumber} {
		if strings.TrimSpace(v) == "" {
			return archive.Errorf(archive.EINVALID, "a notice needs its %s", archive.FieldArg(field))
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
	pdf.SetCreationDate(created.In(beijing))
	pdf.SetModificationDate(created.In(beijing))
	pdf.SetProducer(producer, true)
	pdf.SetCreator(producer, true)
	pdf.SetTitle(infoText(title+" "+d.DocNumber), true)
	pdf.SetAuthor(infoText(d.Agency), true)
	drawn := []string{d.Agency, d.DocNumber, d.ApplicantName, d.MaskedIDNumber, d.CaseNumber, d.BusinessName, d.VerifyCode, verifyHint, d.VerifyURL}
	for _, p := range paras {
		drawn = append(drawn, strings.TrimPrefix(p, listMark))
	}
	r := newRuns(pdf, n, drawn...)
	pdf.SetMargins(28, 25, 26)
	pdf.SetAutoPageBreak(true, 30)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-18)
		pdf.SetFont("wqy", "", 8)
		pdf.SetTextColor(110, 110, 110)
		r.footer = true
		r.cellAlign(0, 4, fmt.Sprintf("%s  验证码：%s  第 %d 页", d.DocNumber, d.VerifyCode, pdf.PageNo()), "", 0, "C")
		r.footer = false
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	lm, _, rm, _ := pdf.GetMargins()
	pw, _ := pdf.GetPageSize()
	width := pw - lm - rm

	// 红头: agency in red, a red rule under it.
	pdf.SetFont("wqy", "", 20)
	pdf.SetTextColor(190, 20, 20)
	r.cellAlign(width, 12, d.Agency, "", 1, "C")
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
	r.cellAlign(width, 7, d.DocNumber, "", 1, "R")
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

	// Signature block: agency, date, seal; then the verification block
	// under it, about 40 mm in all, kept on one page.
	pdf.Ln(10)
	if pdf.GetY() > 228 {
		pdf.AddPage()
	}
	sigY := pdf.GetY()
	pdf.SetFont("wqy", "", 12.5)
	pdf.SetXY(pw-rm-80, sigY)
	r.cellAlign(80, 8, d.Agency, "", 2, "C")
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
	r.cellAlign(80, 5, "验证码："+d.VerifyCode, "", 2, "L")
	pdf.SetX(lm)
	r.cellAlign(width, 4.5, verifyHint, "", 2, "L")
	r.address(d.VerifyURL, width)

	if err := pdf.Error(); err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	var doc bytes.Buffer
	if err := pdf.Output(&doc); err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	base := map[string]string{"wqy": n.chain.faces[0].m.psName}
	for i, fam := range r.fam {
		if fam != "" {
			base[fam] = n.chain.faces[i].m.psName
		}
	}
	out, err := finishGofpdf(doc.Bytes(), created, base)
	if err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	if _, err := w.Write(out); err != nil {
		return archive.E("render.RenderNotice", archive.EINTERNAL, err)
	}
	return nil
}

// verifyHint introduces the verification address printed under it.
const verifyHint = "扫码或访问以下网址，核验本通知书真伪："

// Sizes of the verification address: it is drawn at the largest that
// fits the line, never under the smallest.
const (
	addressSize    = 9.0
	addressMinSize = 5.5
)

// address prints a web address on a line of its own, left-aligned
// within width mm, at the largest size up to addressSize at which it
// fits: a person types it from the page, so it is never wrapped within.
// An address too long for the line even at addressMinSize is broken
// after a slash only, so a verification code at its end stays whole.
func (r *runs) address(url string, width float64) {
	pdf := r.pdf
	lm, _, _, _ := pdf.GetMargins()
	avail := width - 2*pdf.GetCellMargin()
	pdf.SetFontSize(addressSize)
	if w := r.width(url); w > avail {
		pdf.SetFontSize(max(math.Floor(addressSize*avail/w*10)/10, addressMinSize))
	}
	_, lh := pdf.GetFontSize()
	for _, l := range breakAfterSlash(r.width, url, avail) {
		pdf.SetX(lm)
		r.cellAlign(width, lh*1.5, l, "", 2, "L")
	}
	pdf.SetFontSize(addressSize)
}

// breakAfterSlash cuts s into lines no wider than width, breaking only
// after a '/' (a part with none is a line however wide).
func breakAfterSlash(measure func(string) float64, s string, width float64) []string {
	var lines []string
	line := ""
	for s != "" {
		part := s
		if i := strings.IndexByte(s, '/'); i >= 0 {
			part = s[:i+1]
		}
		s = s[len(part):]
		if line != "" && measure(line+part) > width {
			lines = append(lines, line)
			line = ""
		}
		line += part
	}
	return append(lines, line)
}

// runs draws text through gofpdf in the fonts that have its characters.
// The family "wqy" is the common subset of the main font (GB 2312, ASCII,
// punctuation). Every other face used, and the main font for characters
// outside the common subset, is added as a font subset for this document
// holding just the characters it draws: gofpdf parses small fonts only.
// gofpdf handles BMP code points only, so the character maps of these
// subsets give characters beyond the BMP codes in the Private Use Area;
// a run drawn with such codes, or with invisible or replaced characters,
// carries its real text as ActualText, which text extraction (pdftotext)
// returns. Text wholly in the common subset is drawn exactly as gofpdf
// draws it.
type runs struct {
	pdf    *gofpdf.Fpdf
	glyphs *glyphCache
	common map[rune]bool   // the characters of "wqy"
	fam    []string        // gofpdf family of each face's document subset; "" = none
	code   []map[rune]rune // each face: character → its code in the subset
	// footer is set while the footer is drawn: no page break then.
	footer bool
}

// inCommon reports whether g is drawn with the family "wqy", its character
// being its code.
func (r *runs) inCommon(g glyph) bool { return g.face == 0 && r.common[g.r] }

// newRuns prepares the fonts for texts, every string the document draws:
// it adds the family "wqy" and a subset of each face for the characters
// outside "wqy".
func newRuns(pdf *gofpdf.Fpdf, n *Notices, texts ...string) *runs {
	r := &runs{pdf: pdf, glyphs: newGlyphCache(n.chain), common: n.subset.covers,
		fam: make([]string, len(n.chain.faces)), code: make([]map[rune]rune, len(n.chain.faces))}
	extra := make([]map[rune]uint16, len(n.chain.faces))
	for _, t := range texts {
		for _, ch := range t {
			g := r.glyphs.lookup(ch)
			if g.skip || g.face == boxFace || r.inCommon(g) {
				continue
			}
			if extra[g.face] == nil {
				extra[g.face] = map[rune]uint16{}
			}
			extra[g.face][g.r] = g.gid
		}
	}
	pdf.AddUTF8FontFromBytes("wqy", "", n.subset.TTF)
	for i, glyphs := range extra {
		if glyphs == nil {
			continue
		}
		fc := n.chain.faces[i]
		codes, cmap := map[rune]rune{}, map[rune]int{}
		var order []int
		next := rune(0xe000)
		for _, ch := range sortedRunes(glyphs) {
			c := ch
			if ch > 0xffff || (ch >= 0xe000 && ch <= 0xf8ff) {
				if next > 0xf8ff {
					continue // past 6,400 such characters: boxes
				}
				c, next = next, next+1
			}
			codes[ch], cmap[c] = c, int(glyphs[ch])
			order = append(order, int(glyphs[ch]))
		}
		ttf, _, err := subsetGlyphs(fc.font.TTF, order, cmap)
		if err != nil {
			continue // its characters are drawn as boxes
		}
		fam := fc.name
		if i == 0 {
			fam += "x"
		}
		pdf.AddUTF8FontFromBytes(fam, "", ttf)
		r.fam[i], r.code[i] = fam, codes
	}
	return r
}

// piece is a stretch of text drawn with one gofpdf family.
type piece struct {
	fam   string // "" for boxes
	codes []rune // the codes drawn in fam
	width float64
	// begin, when set, opens the ActualText of a run before the piece;
	// end closes it after.
	begin string
	end   bool
}

// pieces cuts s into pieces at the current font size.
func (r *runs) pieces(s string) []piece {
	_, unit := r.pdf.GetFontSize()
	var out []piece
	for _, run := range r.glyphs.textRuns(s) {
		first := len(out)
		plain := run.plain()
		for _, g := range run.glyphs {
			fam, c := "", g.r
			switch {
			case r.inCommon(g):
				fam = "wqy"
			case g.face != boxFace && r.code[g.face] != nil:
				if code, ok := r.code[g.face][g.r]; ok {
					fam, c = r.fam[g.face], code
				}
			}
			if c != g.r {
				plain = false
			}
			if n := len(out); n == first || out[n-1].fam != fam {
				out = append(out, piece{fam: fam})
			}
			out[len(out)-1].codes = append(out[len(out)-1].codes, c)
			out[len(out)-1].width += g.width * unit / 1000
		}
		if !plain && run.face != boxFace {
			out[first].begin = actualText(run.text)
			out[len(out)-1].end = true
		}
	}
	return out
}

// simple reports whether s is drawn with "wqy" alone, character for
// character: gofpdf can draw and measure it as it is.
func (r *runs) simple(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, ch := range s {
		if g := r.glyphs.lookup(ch); g.skip || !r.inCommon(g) || g.r != ch {
			return false
		}
	}
	return true
}

// width measures s as it will be drawn.
func (r *runs) width(s string) float64 {
	if r.simple(s) {
		return r.pdf.GetStringWidth(s)
	}
	_, unit := r.pdf.GetFontSize()
	return r.glyphs.width(s) * unit / 1000
}

// cell is CellFormat with left alignment, drawn run by run.
func (r *runs) cell(w, h float64, text, border string, ln int) {
	r.cellAlign(w, h, text, border, ln, "L")
}

// cellAlign is CellFormat (align L, C or R), drawn piece by piece.
func (r *runs) cellAlign(w, h float64, text, border string, ln int, align string) {
	pdf := r.pdf
	if r.simple(text) {
		pdf.CellFormat(w, h, text, border, ln, align, false, 0, "")
		return
	}
	x, y := pdf.GetXY()
	pw, ph := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()
	if auto, bm := pdf.GetAutoPageBreak(); auto && !r.footer && y+h > ph-bm {
		pdf.AddPage()
		pdf.SetX(x)
		y = pdf.GetY()
	}
	if w == 0 {
		w = pw - rm - x
	}
	if border != "" {
		pdf.Rect(x, y, w, h, "D")
	}
	parts := r.pieces(text)
	total := 0.0
	for _, p := range parts {
		total += p.width
	}
	cm := pdf.GetCellMargin()
	tx := x + cm // where the text starts
	switch align {
	case "C":
		tx = x + (w-total)/2
	case "R":
		tx = x + w - cm - total
	}
	size, unit := pdf.GetFontSize()
	for _, p := range parts {
		if p.begin != "" {
			pdf.RawWriteStr(p.begin)
		}
		if p.fam == "" {
			lw := pdf.GetLineWidth()
			pdf.SetLineWidth(unit / 16)
			bw := p.width / float64(len(p.codes))
			for range p.codes {
				pdf.Rect(tx+0.15*bw, y+h/2-0.4*unit, 0.7*bw, 0.75*unit, "D")
				tx += bw
			}
			pdf.SetLineWidth(lw)
		} else {
			pdf.SetFont(p.fam, "", size)
			pdf.SetXY(tx-cm, y)
			pdf.CellFormat(p.width, h, string(p.codes), "", 0, "L", false, 0, "")
			tx += p.width
		}
		if p.end {
			pdf.RawWriteStr("EMC")
		}
	}
	pdf.SetFont("wqy", "", size)
	switch ln {
	case 1:
		pdf.SetXY(lm, y+h)
	case 2:
		pdf.SetXY(x, y+h)
	default:
		pdf.SetXY(x+w, y)
	}
}

// paragraph writes Chinese text with a first-line indent, breaking lines
// by the width of each character: CJK text has no spaces for gofpdf's
// word wrap, and a character must never be cut at the margin.
func (r *runs) paragraph(text string, width, indent, lh float64) {
	lines := WrapRunes(r.width, strings.ReplaceAll(text, "\r\n", "\n"), width, indent)
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

// infoText makes s safe for the document information dictionary, which
// gofpdf writes as UTF-16 of the BMP: other characters become U+FFFD.
func infoText(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xffff || (r >= 0xd800 && r <= 0xdfff) || unicode.IsControl(r) {
			return 0xfffd
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
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
