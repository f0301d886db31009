package registers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/handover"
	"dossier/render/internal/pdftest"
)

// The 交接清单 names giver, receiver and supervisor, the reason as typed
// (emoji and 𠮷 intact), each case with its stage and deadlines, and has
// lines for the three signatures.
func TestHandoverList(t *testing.T) {
	r := NewReports(testFont(t))
	r.now = func() time.Time { return fixedDay }
	acked := fixedDay.Add(-time.Hour)
	h := &handover.Handover{ID: "d4ho7v5ksdu8elepjgeg", Status: handover.StatusAcknowledged, FromName: "吉𠮷祥", ToName: "王审核",
		Creator: "李科长", Reason: "休产假 🌸，期间工作由王审核接手", CreatedAt: fixedDay.Add(-2 * time.Hour), AcknowledgedAt: &acked,
		Items: []handover.Item{
			{CaseID: "a", Number: "SB2026-000017", BusinessName: "失业保险金申领", Stage: "initial", Deadline: "2026-06-09", CaseDeadline: "2026-06-30"},
			{CaseID: "b", Number: "SB2026-000018", BusinessName: "生育津贴申领", Stage: "second", Deadline: "2026-06-10", CaseDeadline: "2026-07-01"},
		}}
	p := filepath.Join(t.TempDir(), "handover.pdf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RenderHandoverList(f, "某市社会保险事业管理中心", h); err != nil {
		t.Fatal(err)
	}
	f.Close()
	flat := strings.Join(strings.Fields(pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")), "")
	for _, want := range []string{"案件交接清单", "共2件", h.ID, "已接收确认", "移交人：吉𠮷祥", "接收人：王审核", "监交人：李科长",
		"交接原因：休产假🌸，期间工作由王审核接手", "序号", "案件编号", "业务类型", "当前环节", "环节办理期限", "法定办结期限",
		"SB2026-000017", "失业保险金申领", "初审", "复审", "2026-06-09", "2026-07-01", "移交人（签字）"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the list lacks %q:\n%s", want, flat)
		}
	}
	pdftest.Tool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", p, filepath.Join(t.TempDir(), "page"))
}
