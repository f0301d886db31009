package http

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/handover"
)

// newDocServer builds the routes without a service: enough to list them,
// to serve the document and to refuse requests without a token.
func newDocServer(t *testing.T) *Server {
	t.Helper()
	return NewServer(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
}

type openapiOperation struct {
	Security []map[string][]string `json:"security"`
}

type openapiDocument struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func parseOpenAPI(t *testing.T) openapiDocument {
	t.Helper()
	var doc openapiDocument
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	return doc
}

// operations lists "METHOD /path" of every documented operation.
func (d openapiDocument) operations(t *testing.T) map[string]openapiOperation {
	t.Helper()
	ops := map[string]openapiOperation{}
	for path, item := range d.Paths {
		for key, raw := range item {
			if !slices.Contains(httpMethods, key) {
				continue
			}
			var op openapiOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPIJSONBodyStatuses: every operation that reads a JSON body
// goes through decodeJSON, which answers 400 (bad JSON), 413 (body over
// the limit) and 415 (not application/json); the document says so.
func TestOpenAPIJSONBodyStatuses(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op struct {
				RequestBody struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"requestBody"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if _, ok := op.RequestBody.Content["application/json"]; !ok {
				continue
			}
			for _, status := range []string{"400", "413", "415"} {
				if _, ok := op.Responses[status]; !ok {
					t.Errorf("%s %s takes a JSON body but does not document %s", strings.ToUpper(method), path, status)
				}
			}
		}
	}
}

// TestOpenAPISecurity checks that exactly the documented bearer-secured
// operations refuse a request without a token.
func TestOpenAPISecurity(t *testing.T) {
	h := newDocServer(t).Handler()
	pathParam := regexp.MustCompile(`\{[^}]+\}`)
	for name, op := range parseOpenAPI(t).operations(t) {
		method, path, _ := strings.Cut(name, " ")
		secured := slices.ContainsFunc(op.Security, func(s map[string][]string) bool { _, ok := s["bearerAuth"]; return ok })
		req := httptest.NewRequest(method, pathParam.ReplaceAllString(path, "x"), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Code == http.StatusUnauthorized; got != secured {
			t.Errorf("%s without a token: status %d, but the document says bearer security %v", name, rec.Code, secured)
		}
	}
}

// TestOpenAPIEnums checks the enumerations against the domain's lists.
func TestOpenAPIEnums(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum  []string `json:"enum"`
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas
	codes := append(slices.Collect(maps.Keys(statusOf)), "method_not_allowed")
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"Case.status", s["Case"].Properties["status"].Enum, archive.Statuses},
		{"Case.stage", s["Case"].Properties["stage"].Enum, archive.Stages},
		// The service itself issues notices: their events' role is system.
		{"Event.role", s["Event"].Properties["role"].Enum, append(slices.Clone(archive.Roles), "system")},
		{"Event.type", s["Event"].Properties["type"].Enum, []string{archive.EventCreated, archive.EventMaterialAdded, archive.EventAcceptance,
			archive.EventExtended, archive.EventResubmitted, archive.EventReview, archive.EventNotice, archive.EventArchived,
			archive.EventHoldPlaced, archive.EventHoldLifted, archive.EventLoanRequested, archive.EventLoanApproved,
			archive.EventLoanRejected, archive.EventLoanReturned, archive.EventLoanCancelled, archive.EventDisposed,
			archive.EventAssigned, archive.EventHandedOver, archive.EventHandoverAcknowledged, archive.EventHandoverWithdrawn,
			archive.EventPaymentReturned}},
		{"Notice.kind", s["Notice"].Properties["kind"].Enum, slices.Collect(maps.Keys(archive.NoticeTitles))},
		{"Handover.status", s["Handover"].Properties["status"].Enum, []string{handover.StatusPending, handover.StatusAcknowledged, handover.StatusWithdrawn}},
		{"GET /api/v1/cases status", listCasesStatus(t), archive.Statuses},
		{"User.roles", s["User"].Properties["roles"].Items.Enum, archive.Roles},
		{"NewUser.roles", s["NewUser"].Properties["roles"].Items.Enum, archive.Roles},
		{"UserUpdate.roles", s["UserUpdate"].Properties["roles"].Items.Enum, archive.Roles},
		{"AcceptanceInput.decision", s["AcceptanceInput"].Properties["decision"].Enum,
			[]string{archive.DecisionAccept, archive.DecisionCorrect, archive.DecisionReject}},
		{"ReviewInput.decision", s["ReviewInput"].Properties["decision"].Enum,
			[]string{archive.DecisionApprove, archive.DecisionReject, archive.DecisionReturn}},
		{"Loan.status", s["Loan"].Properties["status"].Enum, archive.LoanStatuses},
		{"Error.error.code", s["Error"].Properties["error"].Properties["code"].Enum, codes},
	} {
		if !slices.Equal(slices.Sorted(slices.Values(c.got)), slices.Sorted(slices.Values(c.want))) {
			t.Errorf("%s enum = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// listCasesStatus is the enum of the status filter of GET /api/v1/cases.
func listCasesStatus(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	var op struct {
		Parameters []struct {
			Name   string `json:"name"`
			Schema struct {
				Enum []string `json:"enum"`
			} `json:"schema"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/cases"]["get"], &op); err != nil {
		t.Fatal(err)
	}
	for _, p := range op.Parameters {
		if p.Name == "status" {
			return p.Schema.Enum
		}
	}
	return nil
}

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(v any) []string {
	var names []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return slices.Sorted(slices.Values(names))
}

// TestOpenAPICaseFields keeps the Case schema and its actions true to
// what a case answer carries: every field documented, nothing else.
func TestOpenAPICaseFields(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for schema, v := range map[string]any{"Case": archive.CaseView{}, "CaseActions": archive.Actions{}} {
		s := doc.Components.Schemas[schema]
		if got, want := slices.Sorted(maps.Keys(s.Properties)), jsonFields(v); !slices.Equal(got, want) {
			t.Errorf("%s properties = %v, want %v", schema, got, want)
		}
		if schema == "CaseActions" && !slices.Equal(slices.Sorted(slices.Values(s.Required)), jsonFields(v)) {
			t.Errorf("CaseActions requires %v, want every one", s.Required)
		}
	}
}

func TestServeOpenAPI(t *testing.T) {
	srv := httptest.NewServer(newDocServer(t).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(openapiDoc) {
		t.Error("the served document is not the embedded openapi.json")
	}
}
