package http

import (
	"strings"
	"testing"

	"dossier/archive"
)

// TestDecodeStrictMessages: a wrong JSON value is refused with a message
// naming the field and what it must be, in words a client can act on.
func TestDecodeStrictMessages(t *testing.T) {
	var in struct {
		Days    int      `json:"days"`
		Purpose string   `json:"purpose"`
		Scope   []string `json:"scope"`
		Ok      bool     `json:"ok"`
		Ratio   float64  `json:"ratio"`
	}
	for body, want := range map[string]string{
		`{"days":1.5}`:     "field days must be a whole number, not 1.5",
		`{"days":1e20}`:    "field days must be a whole number, not 1e20",
		`{"days":-1.0}`:    "field days must be a whole number, not -1.0",
		`{"days":"7"}`:     "field days must be a whole number, not a string",
		`{"purpose":7}`:    "field purpose must be a string, not a number",
		`{"scope":"m1"}`:   "field scope must be an array, not a string",
		`{"ok":"yes"}`:     "field ok must be true or false, not a string",
		`{"ratio":"x"}`:    "field ratio must be a number, not a string",
		`{"purpose":{}}`:   "field purpose must be a string, not an object",
		`{"purpose":[1]}`:  "field purpose must be a string, not an array",
		`{"purpose":true}`: "field purpose must be a string, not true or false",
		`[1]`:              "expected a JSON object, not an array",
		`{"shoe_size":42}`: `unknown field "shoe_size"`,
	} {
		err := DecodeStrict([]byte(body), &in)
		if !archive.IsCode(err, archive.EINVALID) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want EINVALID mentioning %q", body, err, want)
		}
	}
}
