package archive

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
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
	types  []BusinessType
	byCode map[string]int
}

// BusinessType is one entry of the catalogue. Code is the API contract.
type BusinessType struct {
	Code      string         `json:"code"`
	Name      string         `json:"name"`
	Insurance string         `json:"insurance"` // 养老, 医疗, 失业, 工伤 or 生育
	Materials []MaterialSpec `json:"materials"`
	// CaseLimitDays is the statutory limit for the whole case, in working
	// days from receipt.
	CaseLimitDays int         `json:"case_limit_days"`
	StageLimits   StageLimits `json:"stage_limits"`
	// Retention is the 保管期限 code: Y (永久), D10, D30, D50 or D100.
	Retention string `json:"retention"`
	// Category is the 机构(问题) code of the 档号, two capital letters.
	Category string `json:"category"`
	// MaxMaterials is the most materials a case takes, decision
	// attachments included; 0 means DefaultMaxMaterials (MaterialLimit).
	MaxMaterials int `json:"max_materials,omitempty"`
	// Note explains a value that is not read straight off the law.
	Note string `json:"note,omitempty"`
}

// MaterialSpec is a material a business type asks for. Optional materials
// may be handed in but their absence never holds a case up.
type MaterialSpec struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Mandatory bool   `json:"mandatory"`
}

// StageLimits are the operations manual's internal limits per stage, in
// working days; acceptance may be extended once, with a recorded reason, to
// AcceptanceExtended.
type StageLimits struct {
	Acceptance         int `json:"acceptance"`
	AcceptanceExtended int `json:"acceptance_extended"`
	Initial            int `json:"initial"`
	Second             int `json:"second"`
	Final              int `json:"final"`
}

// catalogueFile is the JSON shape documented at LoadCatalogue.
type catalogueFile struct {
	Source string         `json:"source"`
	Types  []BusinessType `json:"types"`
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
		return nil, Errorf(EINVALID, `catalogue: field "types": no business types listed`)
	}
	c := &Catalogue{byCode: make(map[string]int, len(f.Types))}
	for i := range f.Types {
		bt := &f.Types[i]
		if err := validateType(bt, i); err != nil {
			return nil, err
		}
		if _, dup := c.byCode[bt.Code]; dup {
			return nil, Errorf(EINVALID, `catalogue entry %q: field "code": listed twice`, bt.Code)
		}
		c.byCode[bt.Code] = len(c.types)
		c.types = append(c.types, *bt)
	}
	return c, nil
}

// validateType checks bt, the i-th entry (from 0) of a catalogue file.
func validateType(bt *BusinessType, i int) error {
	if !catalogueCodeRE.MatchString(bt.Code) {
		return Errorf(EINVALID, `catalogue entry #%d: field "code": %q does not match %s`, i+1, bt.Code, catalogueCodeRE)
	}
	bad := func(field string, problem *Error) error {
		return Errorf(EINVALID, "catalogue entry %q: field %q: %s", bt.Code, field, problem)
	}
	if strings.TrimSpace(bt.Name) == "" {
		return bad("name", Errorf(EINVALID, "empty"))
	}
	if !slices.Contains(insurances, bt.Insurance) {
		return bad("insurance", Errorf(EINVALID, "%q is not one of %s", bt.Insurance, strings.Join(insurances, ", ")))
	}
	seen := make(map[string]bool, len(bt.Materials))
	for j, m := range bt.Materials {
		field := fmt.Sprintf("materials[%d]", j)
		if !catalogueCodeRE.MatchString(m.Code) {
			return bad(field+".code", Errorf(EINVALID, "%q does not match %s", m.Code, catalogueCodeRE))
		}
		if seen[m.Code] {
			return bad(field+".code", Errorf(EINVALID, "%q is listed twice", m.Code))
		}
		seen[m.Code] = true
		if strings.TrimSpace(m.Name) == "" {
			return bad(field+".name", Errorf(EINVALID, "empty"))
		}
	}
	if id, ok := bt.Material(idCardMaterial); !ok || !id.Mandatory {
		return bad("materials", Errorf(EINVALID, "%s must be listed as mandatory", idCardMaterial))
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
			return bad(l.field, Errorf(EINVALID, "%d working days; a limit must be above 0", l.days))
		}
	}
	if bt.StageLimits.AcceptanceExtended < bt.StageLimits.Acceptance {
		return bad("stage_limits.acceptance_extended", Errorf(EINVALID, "%d is below acceptance (%d)", bt.StageLimits.AcceptanceExtended, bt.StageLimits.Acceptance))
	}
	if !slices.Contains(retentions, bt.Retention) {
		return bad("retention", Errorf(EINVALID, "%q is not one of %s", bt.Retention, strings.Join(retentions, ", ")))
	}
	if !catalogueCategoryRE.MatchString(bt.Category) {
		return bad("category", Errorf(EINVALID, "%q is not two capital letters", bt.Category))
	}
	if bt.MaxMaterials != 0 && (bt.MaxMaterials < len(bt.Materials) || bt.MaxMaterials > MaxMaterialsLimit) {
		return bad("max_materials", Errorf(EINVALID, "%d; between the %d materials listed and %d", bt.MaxMaterials, len(bt.Materials), MaxMaterialsLimit))
	}
	return nil
}

// DefaultMaxMaterials is the most materials a case takes when its
// business type sets no max_materials; MaxMaterialsLimit is the most any
// may set. Every material is stored, folded into the case and indexed, so
// a case cannot grow without bound.
const (
	DefaultMaxMaterials = 50
	MaxMaterialsLimit   = 1000
)

// Arg is bt among a message's arguments: its code in English, its name
// in a translation.
func (bt *BusinessType) Arg() BusinessTypeArg { return BusinessTypeArg{Code: bt.Code, Name: bt.Name} }

// MaterialLimit is the most materials a case of bt takes.
func (bt *BusinessType) MaterialLimit() int {
	if bt.MaxMaterials > 0 {
		return bt.MaxMaterials
	}
	return DefaultMaxMaterials
}

var defaultCatalogue = sync.OnceValue(func() *Catalogue {
	c, err := LoadCatalogue(bytes.NewReader(catalogueData))
	if err != nil {
		panic("archive: embedded catalogue_data.json: " + err.Error())
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
func (c *Catalogue) Lookup(code string) (*BusinessType, error) {
	i, ok := c.byCode[code]
	if !ok {
		codes := make([]string, len(c.types))
		for j, bt := range c.types {
			codes[j] = bt.Code
		}
		return nil, Errorf(EINVALID, "unknown business type %q; valid types are %s", code, strings.Join(codes, ", "))
	}
	bt := cloneType(c.types[i])
	return &bt, nil
}

// Types returns copies of all business types, in catalogue order (the
// order of the file, built-in types first). It cannot fail.
func (c *Catalogue) Types() []BusinessType {
	ts := make([]BusinessType, len(c.types))
	for i, bt := range c.types {
		ts[i] = cloneType(bt)
	}
	return ts
}

// cloneType copies bt deeply enough that a caller cannot change the catalogue.
func cloneType(bt BusinessType) BusinessType {
	bt.Materials = slices.Clone(bt.Materials)
	return bt
}

// Material returns the material with code, and whether bt lists it.
func (bt *BusinessType) Material(code string) (MaterialSpec, bool) {
	for _, m := range bt.Materials {
		if m.Code == code {
			return m, true
		}
	}
	return MaterialSpec{}, false
}

// MissingMandatory returns the mandatory materials whose codes are not in
// have, in catalogue order, so that a correction request (补正) can list
// them all at once; nil when nothing is missing. Codes in have that bt does
// not list are ignored.
func (bt *BusinessType) MissingMandatory(have []string) []MaterialSpec {
	var missing []MaterialSpec
	for _, m := range bt.Materials {
		if m.Mandatory && !slices.Contains(have, m.Code) {
			missing = append(missing, m)
		}
	}
	return missing
}
