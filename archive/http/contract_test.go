package http_test

import (
	"bytes"
	"context"
	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The contract test (SPEC §9): the OpenAPI document served at
// /api/v1/openapi.json is what the server does. A recorder drives a real
// server through every operation of the document, successes and
// failures; every answer is then checked against the document (status,
// content type, body schema with its enums, required fields and
// additionalProperties) and decoded by a client generated from the
// document (contract_client_test.go), and the document passes a linter
// (contract_lint_test.go).

// answer is one recorded exchange.
type answer struct {
	What     string      `json:"what"`
	Op       string      `json:"op"` // operationId; empty for a method the path does not take
	Method   string      `json:"method"`
	Path     string      `json:"path"`     // as requested, with the query
	Template string      `json:"template"` // the document's path
	Status   int         `json:"status"`
	Header   http.Header `json:"header"`
	Body     []byte      `json:"body"`
}

// recorder sends requests to the server of e and keeps every answer.
type recorder struct {
	t       *testing.T
	e       *apitest.Env
	doc     *openapi3.T
	answers []answer
}

// contractStatuses are the statuses that an operation declaring them must
// be seen to answer in the scenario. The others (413, 415, 503, 507,
// conditional and partial downloads) are checked when they are seen.
var contractStatuses = []int{200, 201, 204, 400, 401, 403, 404, 409}

// loadDocument parses and validates the OpenAPI document.
func loadDocument(t *testing.T, raw []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// operation finds the document's path and operation of a request; op
// is nil when the path exists but does not take the method.
func (r *recorder) operation(method, path string) (template string, op *openapi3.Operation) {
	p, _, _ := strings.Cut(path, "?")
	segs := strings.Split(p, "/")
	for _, tmpl := range r.doc.Paths.InMatchingOrder() {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if !(strings.HasPrefix(ts[i], "{") && segs[i] != "") && ts[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			return tmpl, r.doc.Paths.Value(tmpl).GetOperation(method)
		}
	}
	return "", nil
}

// req sends a request like e.Req, records the answer and checks its status.
func (r *recorder) req(want int, what, method, path, token string, body io.Reader, ctype string) apitest.Resp {
	r.t.Helper()
	res := r.e.Req(method, path, token, body, ctype)
	if res.Status != want {
		r.t.Errorf("%s: %s %s → %d, want %d: %.300s", what, method, path, res.Status, want, res.Raw)
	}
	tmpl, op := r.operation(method, path)
	if tmpl == "" {
		r.t.Errorf("%s: %s %s is no path of the document", what, method, path)
		return res
	}
	a := answer{What: what, Method: method, Path: path, Template: tmpl, Status: res.Status, Header: res.Header, Body: res.Raw}
	if op != nil {
		a.Op = op.OperationID
	}
	r.answers = append(r.answers, a)
	return res
}

// json sends body as JSON (a string as it is), like e.JSON.
func (r *recorder) json(want int, what, method, path, token string, body any) apitest.Resp {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				r.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	return r.req(want, what, method, path, token, rd, "application/json")
}

// get sends a GET without a body.
func (r *recorder) get(want int, what, path, token string) apitest.Resp {
	r.t.Helper()
	return r.req(want, what, "GET", path, token, nil, "")
}

// upload posts a material like e.Upload.
func (r *recorder) upload(want int, what, token, caseID, code, filename string, content []byte) apitest.Resp {
	r.t.Helper()
	res := r.e.Upload(token, caseID, code, filename, content)
	if res.Status != want {
		r.t.Errorf("%s: upload → %d, want %d: %.300s", what, res.Status, want, res.Raw)
	}
	path := "/api/v1/cases/" + caseID + "/materials"
	tmpl, op := r.operation("POST", path)
	r.answers = append(r.answers, answer{What: what, Op: op.OperationID, Method: "POST", Path: path, Template: tmpl,
		Status: res.Status, Header: res.Header, Body: res.Raw})
	return res
}

var ginParam = regexp.MustCompile(`[:*]([^/]+)`)

// TestContract drives the server through the document and holds every
// answer to it.
func TestContract(t *testing.T) {
	e := newEnv(t)
	raw := e.Req("GET", "/api/v1/openapi.json", "", nil, "").Raw
	rec := &recorder{t: t, e: e, doc: loadDocument(t, raw)}
	driveScenario(t, rec)
	if t.Failed() {
		t.Fatal("the scenario went wrong; the contract is checked once it runs as written")
	}

	t.Run("routes", func(t *testing.T) { checkRoutes(t, rec.doc) })
	t.Run("coverage", func(t *testing.T) { checkCoverage(t, rec) })
	t.Run("answers", func(t *testing.T) {
		for _, a := range rec.answers {
			if err := validateAnswer(rec.doc, a); err != nil {
				t.Errorf("%s: %s %s → %d: %v\nbody: %.500s", a.What, a.Method, a.Path, a.Status, err, a.Body)
			}
		}
	})
	t.Run("generated client", func(t *testing.T) { decodeWithGeneratedClient(t, raw, rec.doc, rec.answers) })
}

// checkRoutes: every gin route is an operation of the document, and every
// operation a route.
func checkRoutes(t *testing.T, doc *openapi3.T) {
	routes := map[string]bool{}
	for _, r := range dhttp.NewServer(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), dhttp.Config{}).Routes() {
		routes[r[0]+" "+ginParam.ReplaceAllString(r[1], "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, r := range slices.Sorted(maps.Keys(routes)) {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(documented)) {
		if !routes[op] {
			t.Errorf("openapi.json documents %s, which is no route", op)
		}
	}
}

// checkCoverage: every operation was seen to succeed and to answer each
// of the contractStatuses it declares.
func checkCoverage(t *testing.T, rec *recorder) {
	seen := map[string]map[int]bool{}
	for _, a := range rec.answers {
		if seen[a.Op] == nil {
			seen[a.Op] = map[int]bool{}
		}
		seen[a.Op][a.Status] = true
	}
	if len(seen[""]) == 0 {
		t.Error("the scenario never tried a method a path does not take (405)")
	}
	for _, path := range rec.doc.Paths.InMatchingOrder() {
		for method, op := range rec.doc.Paths.Value(path).Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
				continue
			}
			for _, status := range contractStatuses {
				why, exempt := unprovokable[fmt.Sprintf("%s %d", op.OperationID, status)]
				if exempt && why != "" {
					continue
				}
				if op.Responses.Status(status) != nil && !seen[op.OperationID][status] {
					t.Errorf("%s %s (%s) declares %d, which the scenario never got: make driveScenario provoke it, or take it out of the document if the route cannot answer it",
						method, path, op.OperationID, status)
				}
			}
		}
	}
}

func init() {
	// Downloads: the bytes are not parsed, only their content type checked.
	for _, ct := range []string{"application/pdf", "image/jpeg", "image/png", "text/plain; charset=utf-8"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// validateAnswer holds one answer to the document: status declared, the
// declared content type, the body valid against its schema; no body where
// none is declared.
func validateAnswer(doc *openapi3.T, a answer) error {
	var op *openapi3.Operation
	if a.Op != "" {
		op = doc.Paths.Value(a.Template).GetOperation(a.Method)
	} else {
		// A method the path does not take: the document's 405 answer.
		ref := doc.Components.Responses["MethodNotAllowed"]
		if ref == nil {
			return fmt.Errorf("the server answers %d to a method the path does not take; the document has no components.responses.MethodNotAllowed", a.Status)
		}
		op = &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(http.StatusMethodNotAllowed, ref))}
	}
	ref := op.Responses.Status(a.Status)
	if ref == nil {
		return fmt.Errorf("status %d is not declared", a.Status)
	}
	if len(ref.Value.Content) == 0 {
		if len(a.Body) > 0 {
			return fmt.Errorf("the document declares no body for %d, the server sent %d bytes", a.Status, len(a.Body))
		}
		return nil
	}
	if ct := a.Header.Get("Content-Type"); ref.Value.Content.Get(ct) == nil {
		return fmt.Errorf("content type %q is not declared for %d (declared: %v)", ct, a.Status, slices.Sorted(maps.Keys(ref.Value.Content)))
	}
	u, err := url.Parse(a.Path)
	if err != nil {
		return err
	}
	req := &http.Request{Method: a.Method, URL: u, Header: http.Header{}}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
			Route: &routers.Route{Spec: doc, Path: a.Template, PathItem: doc.Paths.Value(a.Template), Method: a.Method, Operation: op}},
		Status: a.Status,
		Header: a.Header,
		Body:   io.NopCloser(bytes.NewReader(a.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation(), openapi3.DisableSchemaErrorDetails()}},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}
