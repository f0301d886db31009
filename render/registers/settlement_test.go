package registers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/payment"
	"dossier/archive/payment/settlement"
	"dossier/render/internal/pdftest"
)

// settlementPDF renders rep to a file and returns its path and its text
// with the white space taken out.
func settlementPDF(t *testing.T, rep *settlement.Report) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "settlement.pdf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := testReports(t).RenderSettlement(f, "某市社会保险事业管理中心🏛", rep); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p, strings.Join(strings.Fields(pdftest.Text(t, p)), "")
}

// The 结算报表 shows each month and business type with the items due,
// paid, failed, with the bank and not yet in a batch, amounts in yuan
// from integer fen, a total, and a marked section naming the batch that
// does not reconcile with its difference.
func TestSettlementReport(t *testing.T) {
	rep := &settlement.Report{From: "2026-01-01", To: "2026-06-30",
		Rows: []settlement.Row{
			{BusinessType: "unemployment_benefit", Name: "失业保险金申领", Month: "2026-03", Items: 3, TotalFen: 570000,
				Paid: 1, PaidFen: 190000, Failed: 1, FailedFen: 190000, Pending: 1, PendingFen: 190000},
			{BusinessType: "maternity_allowance", Name: "生育津贴申领𠮷", Month: "2026-04", Items: 2, TotalFen: 123456789012,
				Due: 2, DueFen: 123456789012},
		},
		Totals: settlement.Row{Items: 5, TotalFen: 123457359012, Paid: 1, PaidFen: 190000, Failed: 1, FailedFen: 190000,
			Pending: 1, PendingFen: 190000, Due: 2, DueFen: 123456789012},
		Unreconciled: []string{"d4ho7v5ksdu8elepjgeg"},
		UnreconciledBatches: []settlement.BatchTotal{{ID: "d4ho7v5ksdu8elepjgeg", Status: payment.BatchCompleted,
			CreatedAt: fixedDay.Add(-48 * time.Hour), Items: 2, Sums: payment.Sums{TotalFen: 380001, PaidFen: 190000, FailedFen: 190000}}},
	}
	p, flat := settlementPDF(t, rep)
	for _, want := range []string{"待遇结算报表", "某市社会保险事业管理中心🏛", "统计期间2026-01-01至2026-06-30", "金额单位：元",
		"月份", "业务类型", "应付笔数", "应付金额（元）", "已付金额（元）", "失败金额（元）", "在途金额（元）", "待付金额（元）",
		"2026-03", "失业保险金申领", "5,700.00", "1,900.00", "2026-04", "生育津贴申领𠮷", "1,234,567,890.12", "合计",
		"1,234,573,590.12", "注意：有1个支付批次金额不平衡", "【金额不平衡的批次】", "d4ho7v5ksdu8elepjgeg", "已完成",
		"差额0.01元", "3,800.01"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the report lacks %q:\n%s", want, flat)
		}
	}
	pdftest.CheckMeta(t, p, "待遇结算报表", "dossier", fixedDay)
	pdftest.Raster(t, p)

	// Every batch reconciles, and nothing fell due: the section says so.
	_, flat = settlementPDF(t, &settlement.Report{From: "2026-01-01", To: "2026-01-31"})
	for _, want := range []string{"统计期间内没有到期的支付项", "合计", "【金额不平衡的批次】", "无：所有支付批次"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the empty report lacks %q:\n%s", want, flat)
		}
	}
	for _, bad := range []string{"注意：有", "差额"} {
		if strings.Contains(flat, bad) {
			t.Errorf("the empty report says %q though every batch reconciles:\n%s", bad, flat)
		}
	}
}
