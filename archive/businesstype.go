package archive

import "slices"

// Catalogue is the business catalogue as the capabilities read it: the
// business types a case can have, with their materials, deadlines and
// archive rules. refdata.Catalogue implements it from the built-in data
// file or DOSSIER_CATALOGUE.
type Catalogue interface {
	// Lookup returns a copy of the business type with code. The code
	// comes from client input, so an unknown one returns an *Error with
	// Code EINVALID whose message lists the valid codes.
	Lookup(code string) (*BusinessType, error)
	// Types returns copies of all business types, in catalogue order.
	Types() []BusinessType
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
	// Execution says what carrying out an approved case records; nil
	// for a type that is not carried out here.
	Execution *ExecutionSpec `json:"execution,omitempty"`
}

// ExecutionSpec is what carrying out (办理与执行) an approved case of a
// business type records, whether it is paid out through the bank, and
// the working-day limits of the execution (from the final approval) and
// of its check (复核, from the execution).
type ExecutionSpec struct {
	Fields []ExecutionField `json:"fields"`
	// Payable types are paid out: the execution records the basis of the
	// calculation and the payee's bank account, and its amount_fen (one
	// payment, period "once") or monthly_fen from first_month, for months
	// months or, without months, every month up to the current one, gives
	// the payment items.
	Payable   bool `json:"payable,omitempty"`
	LimitDays int  `json:"limit_days"`
	CheckDays int  `json:"check_days"`
}

// Kinds of execution fields: an amount in fen (an integer), a count, a
// date (YYYY-MM-DD), a month (YYYY-MM) or one line of text.
const (
	FieldAmount = "amount"
	FieldCount  = "count"
	FieldDate   = "date"
	FieldMonth  = "month"
	FieldText   = "text"
)

// ExecutionField is one thing an execution records.
type ExecutionField struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Field returns the field with code, and whether the spec has it.
func (x *ExecutionSpec) Field(code string) (ExecutionField, bool) {
	for _, f := range x.Fields {
		if f.Code == code {
			return f, true
		}
	}
	return ExecutionField{}, false
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
