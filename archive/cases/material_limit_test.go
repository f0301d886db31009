package cases_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A case takes at most its business type's max_materials (from the
// catalogue): one more is refused with ECONFLICT (409) saying the limit,
// in English and Chinese, and the case keeps what it had.
func TestMaterialLimit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.json")
	bt, err := refdata.DefaultCatalogue().Lookup("pension_claim")
	if err != nil {
		t.Fatal(err)
	}
	bt.MaxMaterials = 3
	entry, err := json.Marshal(bt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fmt.Appendf(nil, `{"types": [%s]}`, entry), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := refdata.LoadCatalogueFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := servicetest.New(t, 1<<20)
	o := st.Options
	o.Catalogue = cat
	svc := service.New(o)
	applicant := archive.Actor{UserID: "u-app", Name: "applicant", Roles: []string{archive.RoleApplicant}}
	v, err := svc.CreateCase(ctx, applicant, cases.NewCase{BusinessType: "pension_claim",
		Applicant: archive.Applicant{Name: "王五", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := svc.AddMaterial(ctx, applicant, v.ID, "id_card", fmt.Sprintf("%d.txt", i), strings.NewReader("身份证复印件")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = svc.AddMaterial(ctx, applicant, v.ID, "id_card", "4.txt", strings.NewReader("身份证复印件"))
	servicetest.WantCode(t, err, archive.ECONFLICT, "a fourth material where the catalogue allows three")
	if msg := archive.ErrorMessage(err); !strings.Contains(msg, "holds 3 materials, the most a case of pension_claim takes") || !strings.Contains(msg, "每个案件最多 3 份材料") {
		t.Fatalf("message %q does not say the limit", msg)
	}
	got, err := svc.GetCase(ctx, applicant, v.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Materials) != 3 {
		t.Fatalf("the case holds %d materials after the refusal", len(got.Materials))
	}
}
