package registers

import (
	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/render/internal/pdftest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The 销毁清册 shows the appraisal, who proposed and approved, and every
// kind of outcome in words.
func TestDisposalList(t *testing.T) {
	r := NewReports(testFont(t))
	r.now = func() time.Time { return fixedDay }
	until := time.Date(2026, 1, 1, 0, 0, 0, 0, archive.Zone)
	decided := fixedDay.Add(-time.Hour)
	d := &disposal.Disposal{ID: "dc4fndpksdu8elepjgeg", Status: disposal.DisposalExecuted, AsOf: "2026-06-01",
		Appraisal: "经鉴定，下列档案保管期限已满，无继续保存价值，同意销毁。", Creator: "李档案", CreatedAt: fixedDay.Add(-2 * time.Hour),
		Decider: "王档案", DecidedAt: &decided, Executed: &decided, Opinion: "同意",
		Items: []disposal.DisposalItem{
			{ArchiveNo: "Z109-SB·2015-D10-SY-0001", Title: "欧***失业保险金申领（SB2015-000001）", Year: 2015, Retention: "D10", RetainUntil: until,
				Result: disposal.ItemDestroyed, Deleted: []string{"a", "b"}, Shared: []string{"c"}},
			{ArchiveNo: "Z109-SB·2015-D10-SB-0002", Title: "张*生育津贴申领（SB2015-000002）", Year: 2015, Retention: "D10", RetainUntil: until,
				Result: disposal.ItemHeld},
			{ArchiveNo: "Z109-SB·2015-D10-SB-0003", Title: "赵*生育津贴申领（SB2015-000003）", Year: 2015, Retention: "D10", RetainUntil: until,
				Result: disposal.ItemDestroyed, Retained: []string{"d"}},
		}}
	p := filepath.Join(t.TempDir(), "disposal.pdf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RenderDisposalList(f, "某市社会保险事业管理中心", d); err != nil {
		t.Fatal(err)
	}
	f.Close()
	flat := strings.Join(strings.Fields(pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")), "")
	for _, want := range []string{"档案销毁清册", "共3件", d.ID, "鉴定意见：经鉴定", "提出人：李档案", "批准人：王档案", "意见：同意",
		"序号", "档号", "题名/摘要", "年度", "保管期限", "到期日期", "处理结果",
		"Z109-SB·2015-D10-SY-0001", "欧***失业保险金申领", "10年", "2025-12-31",
		"已销毁（删除2个内容对象；1个与其他档案共用，保留）", "未销毁：销毁前被法律冻结", "1个仍在WORM保留期内，保留"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the list lacks %q:\n%s", want, flat)
		}
	}
	pdftest.Tool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", p, filepath.Join(t.TempDir(), "page"))
}
