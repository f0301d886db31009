package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/notices"
	"dossier/render/internal/pdftest"
)

// paymentNotice is a payment result notice to 王𠮷😀, paid or failed.
func paymentNotice(paid bool) notices.NoticeData {
	d := notices.NoticeData{
		Kind: archive.NoticePaymentResult, DocNumber: "社保付字〔2026〕SB2026-000042-12号", VerifyCode: "K7QM-3XPA-9DTF",
		VerifyURL: "https://si.example.gov.cn/verify/K7QM-3XPA-9DTF", Agency: "某市社会保险事业管理中心",
		CaseNumber: "SB2026-000042", ApplicantName: "王𠮷😀", MaskedIDNumber: "110105********002X",
		BusinessName: "失业保险金申领", ReceivedAt: time.Date(2026, 2, 13, 9, 30, 0, 0, beijing), IssuedAt: fixedDay,
		Payment: &notices.PaymentData{Paid: paid, Period: "2026-03", AmountFen: 198765, ReturnedAt: fixedDay,
			Bank: "中国工商银行某市分行", Account: "************0001"},
	}
	if !paid {
		d.Payment.Reason = "户名不符"
	}
	return d
}

// The paid and the failed payment result notice read back what they
// state — the name beyond the BMP with its emoji, the amount in yuan,
// the period, the bank and the masked account, the date paid or the
// bank's reason in plain words with what to do — and never the account
// in full; each page rasterizes.
func TestPaymentResultNotice(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, paid := range []bool{true, false} {
		name := map[bool]string{true: "paid", false: "failed"}[paid]
		pdf := render(t, n, paymentNotice(paid))
		pdftest.CheckPDF(t, pdf)
		p := filepath.Join(dir, "payment_"+name+".pdf")
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Text(t, p)
		want := []string{"待遇支付结果通知书", "王𠮷😀", "SB2026-000042", "失业保险金申领", "2026年3月",
			"人民币1,987.65元", "中国工商银行某市分行", "************0001", "社保付字〔2026〕SB2026-000042-12号", "K7QM-3XPA-9DTF"}
		if paid {
			want = append(want, "确认支付成功", "支付日期：2026年3月2日", "请注意查收")
		} else {
			want = append(want, "未能支付成功", "退回原因：户名不符（收款人姓名与银行账户的户名不一致）",
				"新的银行账户材料", "经办窗口", "网上服务平台", "以后的支付批次中重新支付")
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s notice does not read %q:\n%s", name, w, text)
			}
		}
		for _, never := range []string{"退回原因", "支付日期"} {
			if paid == (never == "退回原因") && strings.Contains(text, never) {
				t.Errorf("%s notice reads %q", name, never)
			}
		}
		if img := pdftest.Raster(t, p); img.Bounds().Dx() < 500 {
			t.Errorf("%s notice rasterizes to %v", name, img.Bounds())
		}
		if art := os.Getenv("DOSSIER_ARTEFACTS"); art != "" {
			os.MkdirAll(art, 0o755)
			os.WriteFile(filepath.Join(art, "notice-payment-"+name+".pdf"), pdf, 0o644)
		}
	}
}

// A payment result notice without its payment is refused, not drawn empty.
func TestPaymentResultNoticeNeedsPayment(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	d := paymentNotice(true)
	d.Payment = nil
	var sb strings.Builder
	if err := n.RenderNotice(&sb, d); !archive.IsCode(err, archive.EINVALID) {
		t.Fatalf("got %v, want EINVALID", err)
	}
}
