package refdata

import (
	"bytes"
	"dossier/archive"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultCatalogue(t *testing.T) {
	// The codes and names of SPEC §2 (the API contract), with the limits of
	// 《社会保险经办条例》 and the retention of the archive rules.
	want := []struct {
		code, name, insurance string
		caseLimit             int
		retention, category   string
	}{
		{"pension_enrolment", "养老保险参保登记", "养老", 10, "D100", "YL"},
		{"pension_transfer", "养老保险关系转移", "养老", 15, "D100", "YL"},
		{"pension_claim", "基本养老金申领", "养老", 20, "Y", "YL"},
		{"medical_enrolment", "医疗保险参保登记", "医疗", 10, "D100", "YB"},
		{"medical_reimbursement", "医疗费用报销", "医疗", 30, "D10", "YB"},
		{"unemployment_benefit", "失业保险金申领", "失业", 10, "D10", "SY"},
		{"injury_determination", "工伤认定申请", "工伤", 36, "D50", "GS"},
		{"injury_benefit", "工伤待遇核定", "工伤", 20, "D50", "GS"},
		{"maternity_allowance", "生育津贴申领", "生育", 10, "D10", "SB"},
	}
	c := DefaultCatalogue()
	types := c.Types()
	if len(types) != len(want) {
		t.Fatalf("%d types, want %d", len(types), len(want))
	}
	stages := archive.StageLimits{Acceptance: 3, AcceptanceExtended: 5, Initial: 1, Second: 3, Final: 7}
	for i, w := range want {
		bt, err := c.Lookup(w.code)
		if err != nil {
			t.Fatal(err)
		}
		if types[i].Code != w.code {
			t.Errorf("Types()[%d] = %s, want %s", i, types[i].Code, w.code)
		}
		if bt.Name != w.name || bt.Insurance != w.insurance || bt.CaseLimitDays != w.caseLimit || bt.Retention != w.retention || bt.Category != w.category {
			t.Errorf("%s = %s %s limit %d %s %s; want %s %s limit %d %s %s", w.code,
				bt.Name, bt.Insurance, bt.CaseLimitDays, bt.Retention, bt.Category,
				w.name, w.insurance, w.caseLimit, w.retention, w.category)
		}
		if bt.StageLimits != stages {
			t.Errorf("%s: stage limits %+v, want %+v", w.code, bt.StageLimits, stages)
		}
		if id, ok := bt.Material("id_card"); !ok || !id.Mandatory || id.Name != "居民身份证" {
			t.Errorf("%s: id_card = %+v, %v; want mandatory 居民身份证", w.code, id, ok)
		}
	}
}

func TestDefaultCatalogueMaterials(t *testing.T) {
	// The mandatory materials the brief names, and the optional ones that
	// must not hold a case up.
	tests := []struct {
		code      string
		mandatory []string
		optional  []string
	}{
		{"pension_enrolment", []string{"id_card", "enrolment_form"}, nil},
		{"pension_transfer", []string{"id_card", "contribution_certificate"}, []string{"transfer_form"}},
		{"pension_claim", []string{"id_card", "pension_claim_form"}, []string{"bank_account"}},
		{"medical_enrolment", []string{"id_card", "enrolment_form"}, nil},
		{"medical_reimbursement", []string{"id_card", "medical_invoice", "expense_list"}, []string{"discharge_summary", "bank_account"}},
		{"unemployment_benefit", []string{"id_card", "termination_certificate"}, []string{"bank_account"}},
		{"injury_determination", []string{"id_card", "injury_application_form", "labour_relation_proof", "diagnosis_certificate"}, nil},
		{"injury_benefit", []string{"id_card", "injury_decision", "disability_assessment"}, []string{"medical_invoice"}},
		{"maternity_allowance", []string{"id_card", "birth_medical_proof"}, []string{"bank_account"}},
	}
	for _, tt := range tests {
		bt, err := DefaultCatalogue().Lookup(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		var mandatory, optional []string
		for _, m := range bt.Materials {
			if m.Mandatory {
				mandatory = append(mandatory, m.Code)
			} else {
				optional = append(optional, m.Code)
			}
		}
		if !slices.Equal(mandatory, tt.mandatory) || !slices.Equal(optional, tt.optional) {
			t.Errorf("%s: mandatory %v optional %v; want %v and %v", tt.code, mandatory, optional, tt.mandatory, tt.optional)
		}
	}
}

// TestCatalogueInjuryDeterminationLimit checks that the working-day limit of
// injury_determination never ends after the 60 calendar days of
// 《工伤保险条例》 art. 20 for any receipt date the calendar covers (and
// the weeks before, which run into it).
func TestCatalogueInjuryDeterminationLimit(t *testing.T) {
	bt, err := DefaultCatalogue().Lookup("injury_determination")
	if err != nil {
		t.Fatal(err)
	}
	cal := DefaultCalendar()
	for d := calDay(2024, 11, 1); d.Year() <= 2026; d = d.AddDate(0, 0, 1) {
		due, err := cal.AddWorkingDays(d, bt.CaseLimitDays)
		if err != nil {
			t.Fatal(err)
		}
		if statutory := d.AddDate(0, 0, 60); due.Date.After(statutory) {
			t.Fatalf("received %s: %d working days end %s, after the statutory %s",
				d.Format(time.DateOnly), bt.CaseLimitDays, due.Date.Format(time.DateOnly), statutory.Format(time.DateOnly))
		}
	}
}

func TestCatalogueLookupUnknown(t *testing.T) {
	_, err := DefaultCatalogue().Lookup("pension")
	if archive.ErrorCode(err) != archive.EINVALID {
		t.Fatalf("error = %v, want code %s", err, archive.EINVALID)
	}
	msg := archive.ErrorMessage(err)
	for _, bt := range DefaultCatalogue().Types() {
		if !strings.Contains(msg, bt.Code) {
			t.Errorf("message %q does not list %s", msg, bt.Code)
		}
	}
}

func TestCatalogueReturnsCopies(t *testing.T) {
	c := DefaultCatalogue()
	bt, err := c.Lookup("medical_reimbursement")
	if err != nil {
		t.Fatal(err)
	}
	bt.Materials[0].Mandatory = false
	bt.CaseLimitDays = 1
	c.Types()[4].Materials[1].Code = "changed"
	again, err := c.Lookup("medical_reimbursement")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Materials[0].Mandatory || again.CaseLimitDays != 30 || again.Materials[1].Code != "medical_invoice" {
		t.Errorf("catalogue changed through a returned value: %+v", again)
	}
}

func TestCatalogueBusinessTypeMaterials(t *testing.T) {
	bt, err := DefaultCatalogue().Lookup("medical_reimbursement")
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := bt.Material("discharge_summary"); !ok || m.Mandatory || m.Name != "出院小结" {
		t.Errorf("Material(discharge_summary) = %+v, %v", m, ok)
	}
	if _, ok := bt.Material("birth_medical_proof"); ok {
		t.Error("Material found a material of another type")
	}
	tests := []struct {
		have []string
		want []string
	}{
		{nil, []string{"id_card", "medical_invoice", "expense_list"}},
		{[]string{"id_card", "medical_invoice"}, []string{"expense_list"}},
		{[]string{"expense_list", "discharge_summary", "unknown"}, []string{"id_card", "medical_invoice"}},
		{[]string{"id_card", "medical_invoice", "expense_list"}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range bt.MissingMandatory(tt.have) {
			got = append(got, m.Code)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("MissingMandatory(%v) = %v, want %v", tt.have, got, tt.want)
		}
	}
}

// catValidType is a valid catalogue entry for the validation tests to
// spoil one field at a time.
func catValidType() archive.BusinessType {
	return archive.BusinessType{
		Code:      "pension_claim",
		Name:      "基本养老金申领",
		Insurance: "养老",
		Materials: []archive.MaterialSpec{
			{Code: "id_card", Name: "居民身份证", Mandatory: true},
			{Code: "pension_claim_form", Name: "基本养老金申领表", Mandatory: true},
		},
		CaseLimitDays: 20,
		StageLimits:   archive.StageLimits{Acceptance: 3, AcceptanceExtended: 5, Initial: 1, Second: 3, Final: 7},
		Retention:     "Y",
		Category:      "YL",
	}
}

func catJSON(t testing.TB, types ...archive.BusinessType) string {
	t.Helper()
	b, err := json.Marshal(catalogueFile{Types: types})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadCatalogueRejects(t *testing.T) {
	const entry = `catalogue entry "pension_claim": `
	tests := []struct {
		name   string
		mutate func(*archive.BusinessType)
		want   string // the message starts with it
	}{
		{"bad code", func(b *archive.BusinessType) { b.Code = "Pension-Claim" }, `catalogue entry #1: field "code": "Pension-Claim" does not match`},
		{"one-letter code", func(b *archive.BusinessType) { b.Code = "p" }, `catalogue entry #1: field "code": "p"`},
		{"empty name", func(b *archive.BusinessType) { b.Name = " " }, entry + `field "name": empty`},
		{"bad insurance", func(b *archive.BusinessType) { b.Insurance = "社保" }, entry + `field "insurance": "社保" is not one of 养老, 医疗, 失业, 工伤, 生育`},
		{"no materials", func(b *archive.BusinessType) { b.Materials = nil }, entry + `field "materials": id_card must be listed as mandatory`},
		{"no id_card", func(b *archive.BusinessType) { b.Materials = b.Materials[1:] }, entry + `field "materials": id_card`},
		{"optional id_card", func(b *archive.BusinessType) { b.Materials[0].Mandatory = false }, entry + `field "materials": id_card`},
		{"bad material code", func(b *archive.BusinessType) { b.Materials[1].Code = "申领表" }, entry + `field "materials[1].code": "申领表" does not match`},
		{"material twice", func(b *archive.BusinessType) { b.Materials[1].Code = "id_card" }, entry + `field "materials[1].code": "id_card" is listed twice`},
		{"material without name", func(b *archive.BusinessType) { b.Materials[1].Name = "" }, entry + `field "materials[1].name": empty`},
		{"case limit 0", func(b *archive.BusinessType) { b.CaseLimitDays = 0 }, entry + `field "case_limit_days": 0 working days`},
		{"negative acceptance", func(b *archive.BusinessType) { b.StageLimits.Acceptance = -3 }, entry + `field "stage_limits.acceptance": -3 working days`},
		{"no extension", func(b *archive.BusinessType) { b.StageLimits.AcceptanceExtended = 0 }, entry + `field "stage_limits.acceptance_extended": 0 working days`},
		{"extension below acceptance", func(b *archive.BusinessType) { b.StageLimits.AcceptanceExtended = 2 }, entry + `field "stage_limits.acceptance_extended": 2 is below acceptance (3)`},
		{"initial 0", func(b *archive.BusinessType) { b.StageLimits.Initial = 0 }, entry + `field "stage_limits.initial": 0`},
		{"second 0", func(b *archive.BusinessType) { b.StageLimits.Second = 0 }, entry + `field "stage_limits.second": 0`},
		{"final 0", func(b *archive.BusinessType) { b.StageLimits.Final = 0 }, entry + `field "stage_limits.final": 0`},
		{"bad retention", func(b *archive.BusinessType) { b.Retention = "D20" }, entry + `field "retention": "D20" is not one of Y, D10, D30, D50, D100`},
		{"empty retention", func(b *archive.BusinessType) { b.Retention = "" }, entry + `field "retention": ""`},
		{"lower-case category", func(b *archive.BusinessType) { b.Category = "yl" }, entry + `field "category": "yl" is not two capital letters`},
		{"long category", func(b *archive.BusinessType) { b.Category = "YLB" }, entry + `field "category": "YLB"`},
		{"max_materials below the listed", func(b *archive.BusinessType) { b.MaxMaterials = 1 }, entry + `field "max_materials": 1; between the`},
		{"max_materials negative", func(b *archive.BusinessType) { b.MaxMaterials = -5 }, entry + `field "max_materials": -5`},
		{"max_materials too high", func(b *archive.BusinessType) { b.MaxMaterials = archive.MaxMaterialsLimit + 1 }, entry + `field "max_materials": 1001`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bt := catValidType()
			tt.mutate(&bt)
			_, err := LoadCatalogue(strings.NewReader(catJSON(t, bt)))
			if archive.ErrorCode(err) != archive.EINVALID {
				t.Fatalf("error = %v, want code %s", err, archive.EINVALID)
			}
			if msg := archive.ErrorMessage(err); !strings.HasPrefix(msg, tt.want) {
				t.Errorf("message %q, want it to start %q", msg, tt.want)
			}
		})
	}

	// The message of the brief, word for word.
	bt := catValidType()
	bt.Retention = "D20"
	_, err := LoadCatalogue(strings.NewReader(catJSON(t, bt)))
	if want := `catalogue entry "pension_claim": field "retention": "D20" is not one of Y, D10, D30, D50, D100`; archive.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", archive.ErrorMessage(err), want)
	}
}

// A business type without max_materials takes DefaultMaxMaterials; the
// built-in one for many invoices takes more.
func TestMaterialLimit(t *testing.T) {
	cat := DefaultCatalogue()
	for _, tt := range []struct {
		code string
		want int
	}{{"pension_claim", archive.DefaultMaxMaterials}, {"medical_reimbursement", 200}} {
		bt, err := cat.Lookup(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if got := bt.MaterialLimit(); got != tt.want {
			t.Errorf("%s takes %d materials, want %d", tt.code, got, tt.want)
		}
	}
}

func TestLoadCatalogueRejectsFile(t *testing.T) {
	valid := catJSON(t, catValidType())
	tests := []struct {
		name, json, want string
	}{
		{"empty", ``, "empty"},
		{"not JSON", `{"types": [}`, "not valid JSON"},
		{"no types", `{"types": []}`, `field "types": no business types`},
		{"null", `null`, `field "types": no business types`},
		{"duplicate code", catJSON(t, catValidType(), catValidType()), `catalogue entry "pension_claim": field "code": listed twice`},
		{"unknown top field", strings.Replace(valid, `{"source"`, `{"version": 2, "source"`, 1), `unknown field "version"`},
		{"unknown entry field", strings.Replace(valid, `"code":"pension_claim"`, `"code":"pension_claim","deadline":5`, 1), `unknown field "deadline"`},
		{"unknown material field", strings.Replace(valid, `"mandatory":true`, `"mandatory":true,"required":true`, 1), `unknown field "required"`},
		{"wrong type", strings.Replace(valid, `"case_limit_days":20`, `"case_limit_days":"20"`, 1), `field "types.case_limit_days": wrong type`},
		{"fractional limit", strings.Replace(valid, `"case_limit_days":20`, `"case_limit_days":2.5`, 1), `field "types.case_limit_days"`},
		{"trailing data", valid + `[]`, "after the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCatalogue(strings.NewReader(tt.json))
			if archive.ErrorCode(err) != archive.EINVALID {
				t.Fatalf("error = %v, want code %s", err, archive.EINVALID)
			}
			if msg := archive.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not mention %q", msg, tt.want)
			}
		})
	}
}

func TestLoadCatalogueFile(t *testing.T) {
	dir := t.TempDir()
	claim := catValidType()
	claim.CaseLimitDays = 25
	extra := catValidType()
	extra.Code = "pension_survivor"
	extra.Name = "丧葬补助金和抚恤金申领"
	path := filepath.Join(dir, "catalogue.json")
	if err := os.WriteFile(path, []byte(catJSON(t, extra, claim)), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCatalogueFile(path)
	if err != nil {
		t.Fatal(err)
	}
	types := c.Types()
	def := DefaultCatalogue().Types()
	if len(types) != len(def)+1 || types[len(def)].Code != "pension_survivor" {
		t.Fatalf("types %d, last %s; want the %d built-in ones then pension_survivor", len(types), types[len(types)-1].Code, len(def))
	}
	for i, bt := range def {
		if types[i].Code != bt.Code {
			t.Errorf("Types()[%d] = %s, want %s", i, types[i].Code, bt.Code)
		}
	}
	got, err := c.Lookup("pension_claim")
	if err != nil || got.CaseLimitDays != 25 || len(got.Materials) != 2 {
		t.Errorf("pension_claim = %+v, %v; want the file's entry", got, err)
	}
	if got, err := DefaultCatalogue().Lookup("pension_claim"); err != nil || got.CaseLimitDays != 20 {
		t.Errorf("LoadCatalogueFile changed DefaultCatalogue: %+v, %v", got, err)
	}
	if _, err := c.Lookup("maternity_allowance"); err != nil {
		t.Errorf("built-in type lost: %v", err)
	}

	_, err = LoadCatalogueFile(filepath.Join(dir, "missing.json"))
	if archive.ErrorCode(err) != archive.EINVALID || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error = %v, want %s wrapping fs.ErrNotExist", err, archive.EINVALID)
	}
	bad := filepath.Join(dir, "bad.json")
	claim.Retention = "D20"
	if err := os.WriteFile(bad, []byte(catJSON(t, claim)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCatalogueFile(bad)
	if msg := archive.ErrorMessage(err); archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(msg, bad) || !strings.Contains(msg, `field "retention"`) {
		t.Errorf("bad file: error = %v, want %s naming the path and the field", err, archive.EINVALID)
	}
}

func FuzzLoadCatalogue(f *testing.F) {
	f.Add(catalogueData)
	f.Add([]byte(catJSON(f, catValidType())))
	f.Add([]byte(`{"types": [{"code": "x1", "materials": [{"code": "id_card", "mandatory": true}]}]}`))
	f.Add([]byte(`{"types": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadCatalogue(bytes.NewReader(data))
		if err != nil {
			if archive.ErrorCode(err) != archive.EINVALID || archive.ErrorMessage(err) == "" {
				t.Fatalf("error %v: want code %s with a message", err, archive.EINVALID)
			}
			return
		}
		// Whatever loads must satisfy the rules the service relies on.
		for _, bt := range c.Types() {
			got, err := c.Lookup(bt.Code)
			if err != nil {
				t.Fatal(err)
			}
			if id, ok := got.Material("id_card"); !ok || !id.Mandatory {
				t.Fatalf("%s loaded without a mandatory id_card", bt.Code)
			}
			if got.CaseLimitDays <= 0 || got.StageLimits.AcceptanceExtended < got.StageLimits.Acceptance {
				t.Fatalf("%s loaded with limits %d %+v", bt.Code, got.CaseLimitDays, got.StageLimits)
			}
			if missing := got.MissingMandatory(nil); !slices.ContainsFunc(missing, func(m archive.MaterialSpec) bool { return m.Code == "id_card" }) {
				t.Fatalf("%s: MissingMandatory(nil) = %v, want id_card among them", bt.Code, missing)
			}
		}
	})
}
