// Package refdata holds the reference data of the agency: the business
// catalogue (the business types, their materials, limits and archive
// rules) and the official working-day calendar. Both are built in
// (catalogue_data.json, calendar_data.json) and may be overridden by a
// file (DOSSIER_CATALOGUE, DOSSIER_CALENDAR). The capabilities read them
// through the kernel's archive.Catalogue and archive.Calendar, which
// Catalogue and Calendar implement.
package refdata

import (
	"bytes"
	"dossier/archive"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

var (
	_ archive.Catalogue = (*Catalogue)(nil)
	_ archive.Calendar  = (*Calendar)(nil)
)

//go:embed catalogue_data.json
var catalogueData []byte

// Insurance names, as the catalogue spells them.
var insurances = []string{"养老", "医疗", "失业", "工伤", "生育"}

// Retention periods of 《社会保险业务档案管理规定（试行）》: permanent, or
// 10, 30, 50 or 100 years; they are also the 保管期限 part of the 档号.
var retentions = []string{"Y", "D10", "D30", "D50", "D100"}

// idCardMaterial is the one material every business type must demand: the
// 条例 allows no other document without a law or regulation behind it.
const idCardMaterial = "id_card"

var (
	catalogueCodeRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)
	catalogueCategoryRE = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Catalogue is the business catalogue: the business types a case can have,
// with their materials, deadlines and archive rules. It is immutable and
// safe for concurrent use; accessors return copies.
type Catalogue struct {
	types  []archive.BusinessType
	byCode map[string]int
}

// catalogueFile is the JSON shape documented at LoadCatalogue.
type catalogueFile struct {
	Source string                 `json:"source"`
	Types  []archive.BusinessType `json:"types"`
}

// LoadCatalogue reads a catalogue from JSON of this shape:
//
//	{"source": "legal basis of the values, free text (optional)",
//	 "types": [
//	  {"code": "pension_claim", "name": "基本养老金申领", "insurance": "养老",
//	   "materials": [{"code": "id_card", "name": "居民身份证", "mandatory": true}, …],
//	   "case_limit_days": 20,
//	   "stage_limits": {"acceptance": 3, "acceptance_extended": 5,
//	                    "initial": 1, "second": 3, "final": 7},
//	   "retention": "Y", "category": "YL", "max_materials": 50,
//	   "note": "optional"}
//	]}
//
// A material without "mandatory" is optional; without "max_materials" a
// case takes DefaultMaxMaterials. Types keep the file's order.
//
// The whole file is checked before anything is used: malformed JSON, an
// unknown field, or any entry with a bad value — a code not matching
// ^[a-z][a-z0-9_]{1,63}$ or used twice, an empty name, an insurance other
// than 养老/医疗/失业/工伤/生育, no mandatory id_card, a limit not above 0,
// acceptance_extended below acceptance, a retention other than Y, D10, D30,
// D50, D100, a category not of two capital letters, a max_materials below
// the materials listed or above MaxMaterialsLimit — returns an *Error with
// Code EINVALID whose message names the entry and the field. An error from r
// itself is returned as EINTERNAL.
func LoadCatalogue(r io.Reader) (*Catalogue, error) {
	var f catalogueFile
	if err := decodeDataJSON(r, &f, "catalogue"); err != nil {
		return nil, err
	}
	if len(f.Types) == 0 {
		return nil, archive.Errorf(archive.EINVALID, `catalogue: field "types": no business types listed`)
	}
	c := &Catalogue{byCode: make(map[string]int, len(f.Types))}
	for i := range f.Types {
		bt := &f.Types[i]
		if err := validateType(bt, i); err != nil {
			return nil, err
		}
		if _, dup := c.byCode[bt.Code]; dup {
			return nil, archive.Errorf(archive.EINVALID, `catalogue entry %q: field "code": listed twice`, bt.Code)
		}
		c.byCode[bt.Code] = len(c.types)
		c.types = append(c.types, *bt)
	}
	return c, nil
}

// validateType checks bt, the i-th entry (from 0) of a catalogue file.
func validateType(bt *archive.BusinessType, i int) error {
	if !catalogueCodeRE.MatchString(bt.Code) {
		return archive.Errorf(archive.EINVALID, `catalogue entry #%d: field "code": %q does not match %s`, i+1, bt.Code, catalogueCodeRE)
	}
	bad := func(field string, problem *archive.Error) error {
		return archive.Errorf(archive.EINVALID, "catalogue entry %q: field %q: %s", bt.Code, field, problem)
	}
	if strings.TrimSpace(bt.Name) == "" {
		return bad("name", archive.Errorf(archive.EINVALID, "empty"))
	}
	if !slices.Contains(insurances, bt.Insurance) {
		return bad("insurance", archive.Errorf(archive.EINVALID, "%q is not one of %s", bt.Insurance, strings.Join(insurances, ", ")))
	}
	seen := make(map[string]bool, len(bt.Materials))
	for j, m := range bt.Materials {
		field := fmt.Sprintf("materials[%d]", j)
		if !catalogueCodeRE.MatchString(m.Code) {
			return bad(field+".code", archive.Errorf(archive.EINVALID, "%q does not match %s", m.Code, catalogueCodeRE))
		}
		if seen[m.Code] {
			return bad(field+".code", archive.Errorf(archive.EINVALID, "%q is listed twice", m.Code))
		}
		seen[m.Code] = true
		if strings.TrimSpace(m.Name) == "" {
			return bad(field+".name", archive.Errorf(archive.EINVALID, "empty"))
		}
	}
	if id, ok := bt.Material(idCardMaterial); !ok || !id.Mandatory {
		return bad("materials", archive.Errorf(archive.EINVALID, "%s must be listed as mandatory", idCardMaterial))
	}
	limits := []struct {
		field string
		days  int
	}{
		{"case_limit_days", bt.CaseLimitDays},
		{"stage_limits.acceptance", bt.StageLimits.Acceptance},
		{"stage_limits.acceptance_extended", bt.StageLimits.AcceptanceExtended},
		{"stage_limits.initial", bt.StageLimits.Initial},
		{"stage_limits.second", bt.StageLimits.Second},
		{"stage_limits.final", bt.StageLimits.Final},
	}
	for _, l := range limits {
		if l.days <= 0 {
			return bad(l.field, archive.Errorf(archive.EINVALID, "%d working days; a limit must be above 0", l.days))
		}
	}
	if bt.StageLimits.AcceptanceExtended < bt.StageLimits.Acceptance {
		return bad("stage_limits.acceptance_extended", archive.Errorf(archive.EINVALID, "%d is below acceptance (%d)", bt.StageLimits.AcceptanceExtended, bt.StageLimits.Acceptance))
	}
	if !slices.Contains(retentions, bt.Retention) {
		return bad("retention", archive.Errorf(archive.EINVALID, "%q is not one of %s", bt.Retention, strings.Join(retentions, ", ")))
	}
	if !catalogueCategoryRE.MatchString(bt.Category) {
		return bad("category", archive.Errorf(archive.EINVALID, "%q is not two capital letters", bt.Category))
	}
	if bt.MaxMaterials != 0 && (bt.MaxMaterials < len(bt.Materials) || bt.MaxMaterials > archive.MaxMaterialsLimit) {
		return bad("max_materials", archive.Errorf(archive.EINVALID, "%d; between the %d materials listed and %d", bt.MaxMaterials, len(bt.Materials), archive.MaxMaterialsLimit))
	}
	return validateExecution(bt.Execution, bad)
}

// executionKinds are the kinds an execution field may have.
var executionKinds = []string{archive.FieldAmount, archive.FieldCount, archive.FieldDate, archive.FieldMonth, archive.FieldText}

// validateExecution checks a business type's execution spec (nil is
// fine): fields with codes and names, known kinds, limits above 0, and
// for a payable type what its payment items are made from.
func validateExecution(x *archive.ExecutionSpec, bad func(string, *archive.Error) error) error {
	if x == nil {
		return nil
	}
	seen := map[string]bool{}
	for j, f := range x.Fields {
		field := fmt.Sprintf("execution.fields[%d]", j)
		if !catalogueCodeRE.MatchString(f.Code) || seen[f.Code] || f.Code == "basis" || f.Code == "worksheet" || f.Code == "bank" || f.Code == "account" {
			return bad(field+".code", archive.Errorf(archive.EINVALID, "%q is not a code of its own (basis, worksheet, bank and account are taken)", f.Code))
		}
		seen[f.Code] = true
		if strings.TrimSpace(f.Name) == "" {
			return bad(field+".name", archive.Errorf(archive.EINVALID, "empty"))
		}
		if !slices.Contains(executionKinds, f.Kind) {
			return bad(field+".kind", archive.Errorf(archive.EINVALID, "%q is not one of %s", f.Kind, strings.Join(executionKinds, ", ")))
		}
	}
	if x.LimitDays <= 0 || x.CheckDays <= 0 {
		return bad("execution.limit_days", archive.Errorf(archive.EINVALID, "limit_days and check_days are working days above 0"))
	}
	if x.Payable {
		kind := func(code string) string { f, _ := x.Field(code); return f.Kind }
		once := kind("amount_fen") == archive.FieldAmount
		monthly := kind("monthly_fen") == archive.FieldAmount && kind("first_month") == archive.FieldMonth
		if once == monthly || seen["months"] && kind("months") != archive.FieldCount {
			return bad("execution.fields", archive.Errorf(archive.EINVALID, "a payable type records amount_fen (amount), or monthly_fen (amount) and first_month (month) with months (count) optional"))
		}
	}
	return nil
}

var defaultCatalogue = sync.OnceValue(func() *Catalogue {
	c, err := LoadCatalogue(bytes.NewReader(catalogueData))
	if err != nil {
		panic("refdata: embedded catalogue_data.json: " + err.Error())
	}
	return c
})

// DefaultCatalogue returns the catalogue built into the binary, with the
// nine business types of the API contract. It cannot fail: the embedded file
// is checked by the tests.
func DefaultCatalogue() *Catalogue { return defaultCatalogue() }

// LoadCatalogueFile reads the catalogue file at path (DOSSIER_CATALOGUE)
// and lays it over the built-in catalogue: an entry replaces the built-in one
// with the same code, new codes follow the built-in ones in file order. So
// the built-in codes, which are the API contract and which existing cases
// refer to, can be changed but never disappear.
//
// A file that cannot be opened or read returns an *Error with Code EINVALID
// wrapping the os error; a file with bad content returns LoadCatalogue's
// EINVALID error, prefixed with the path.
func LoadCatalogueFile(path string) (*Catalogue, error) {
	f, err := loadDataFile(path, "catalogue", LoadCatalogue)
	if err != nil {
		return nil, err
	}
	def := DefaultCatalogue()
	c := &Catalogue{types: slices.Clone(def.types), byCode: make(map[string]int, len(def.types)+len(f.types))}
	for i, bt := range c.types {
		c.byCode[bt.Code] = i
	}
	for _, bt := range f.types {
		if i, ok := c.byCode[bt.Code]; ok {
			c.types[i] = bt
			continue
		}
		c.byCode[bt.Code] = len(c.types)
		c.types = append(c.types, bt)
	}
	return c, nil
}

// Lookup returns a copy of the business type with code. The code comes from
// client input, so an unknown one returns an *Error with Code EINVALID whose
// message lists the valid codes.
func (c *Catalogue) Lookup(code string) (*archive.BusinessType, error) {
	i, ok := c.byCode[code]
	if !ok {
		codes := make([]string, len(c.types))
		for j, bt := range c.types {
			codes[j] = bt.Code
		}
		return nil, archive.Errorf(archive.EINVALID, "unknown business type %q; valid types are %s", code, strings.Join(codes, ", "))
	}
	bt := cloneType(c.types[i])
	return &bt, nil
}

// Types returns copies of all business types, in catalogue order (the
// order of the file, built-in types first). It cannot fail.
func (c *Catalogue) Types() []archive.BusinessType {
	ts := make([]archive.BusinessType, len(c.types))
	for i, bt := range c.types {
		ts[i] = cloneType(bt)
	}
	return ts
}

// cloneType copies bt deeply enough that a caller cannot change the catalogue.
func cloneType(bt archive.BusinessType) archive.BusinessType {
	bt.Materials = slices.Clone(bt.Materials)
	if bt.Execution != nil {
		x := *bt.Execution
		x.Fields = slices.Clone(x.Fields)
		bt.Execution = &x
	}
	return bt
}
