package http

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gin-gonic/gin"

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

// A body the server stopped reading (a client that stalled: the server's
// own deadline, with its message) keeps that message; another failure to
// read says the body could not be read. Both are 400.
func TestDecodeJSONBodyReadFailures(t *testing.T) {
	stalled := archive.Errorf(archive.EINVALID, "the request body stopped arriving: no bytes for 30s")
	for _, c := range []struct {
		err  error
		want string
	}{
		{stalled, "the request body stopped arriving: no bytes for 30s"},
		{io.ErrUnexpectedEOF, "the request body could not be read"},
	} {
		ctx, _ := gin.CreateTestContext(httptest.NewRecorder())
		ctx.Request = httptest.NewRequest("POST", "/api/v1/cases", io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(c.err)))
		var v map[string]any
		err := decodeJSON(ctx, &v)
		if archive.ErrorCode(err) != archive.EINVALID || archive.ErrorMessage(err) != c.want {
			t.Errorf("%v: %v", c.err, err)
		}
	}
}
