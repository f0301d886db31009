package notices_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

// A case for 王𠮷 (𠮷 is beyond the Basic Multilingual Plane) with emoji
// in its summary and opinions goes through acceptance and the three
// reviews; both notices are issued, pdftotext reads the name back from
// each, and each page rasterizes.
func TestNoticesForAnyName(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	svc := service.New(service.Options{Store: sp.Open(t), Projection: db, Renderer: renderer(t)})
	actor := func(id, role string) archive.Actor {
		return archive.Actor{UserID: id, Name: id, Roles: []string{role}}
	}
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "王𠮷", IDNumber: "11010519491231002X"}, Summary: "申请失业保险金 😀👨‍👩‍👧 䶮"})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"id_card", "termination_certificate"} {
		if _, err := svc.AddMaterial(ctx, clerk, v.ID, code, code+".pdf", strings.NewReader("%PDF-1.4\n"+code+"\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: archive.DecisionAccept}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []archive.Actor{actor("r1", archive.RoleReviewer), actor("s1", archive.RoleSupervisor), actor("a1", archive.RoleApprover)} {
		if _, err := svc.Review(ctx, step, v.ID, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "材料齐全 👍🏽，同意 王𠮷 的申请"}); err != nil {
			t.Fatalf("%s: %v", step.UserID, err)
		}
	}
	c, err := db.Case(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != archive.StatusApproved || len(c.Notices) != 2 || len(c.Owed) != 0 {
		t.Fatalf("status %s, %d notices, owed %+v", c.Status, len(c.Notices), c.Owed)
	}
	dir := t.TempDir()
	for _, n := range c.Notices {
		rc, _, err := svc.OpenNotice(ctx, clerk, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, n.Kind+".pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", n.Kind, err)
		}
		if !strings.Contains(string(bytes.Join(bytes.Fields(text), nil)), "王𠮷") {
			t.Errorf("the %s notice does not read back 王𠮷:\n%s", n.Kind, text)
		}
		if out, err := exec.Command("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", path, filepath.Join(dir, n.Kind)).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm %s: %v\n%s", n.Kind, err, out)
		}
		if art := os.Getenv("DOSSIER_ARTEFACTS"); art != "" {
			os.MkdirAll(art, 0o755)
			os.WriteFile(filepath.Join(art, "notice-"+n.Kind+"-王𠮷.pdf"), pdf, 0o644)
		}
	}
}
