package http_test

import (
	"bytes"
	"dossier/archive/apitest"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics labels routes as the OpenAPI document writes them, requests
// no route takes as one label (never their path), and says which build
// runs; promtool's parser (expfmt) reads it all.
func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.e.Req("GET", "/api/v1/cases/"+f.caseID, f.clerk, nil, "")
	f.e.Req("GET", "/api/v1/cases/"+f.caseID+"/materials/"+f.mid, f.clerk, nil, "")
	f.e.Req("GET", "/api/v1/people/"+apitest.ValidID, f.clerk, nil, "")
	f.e.Req("GET", "/cases/"+f.caseID, "", nil, "")
	res, body := send(t, "GET", f.e.Srv.URL+"/metrics", nil)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	routes := map[string]bool{}
	for _, name := range []string{"dossier_http_requests_total", "dossier_http_request_duration_seconds"} {
		fam := families[name]
		if fam == nil {
			t.Fatalf("no %s", name)
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "route" {
					continue
				}
				routes[l.GetValue()] = true
				if strings.ContainsAny(l.GetValue(), ":*") || strings.Contains(l.GetValue(), apitest.ValidID) || strings.Contains(l.GetValue(), f.caseID) {
					t.Errorf("%s: route label %q", name, l.GetValue())
				}
			}
		}
	}
	for _, want := range []string{"/api/v1/cases/{id}", "/api/v1/cases/{id}/materials/{mid}", "/cases/{id}", "unmatched"} {
		if !routes[want] {
			t.Errorf("no route label %q among %v", want, routes)
		}
	}
	bi := families["dossier_build_info"]
	if bi == nil || len(bi.GetMetric()) != 1 || bi.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Fatalf("dossier_build_info: %v", bi)
	}
	labels := map[string]string{}
	for _, l := range bi.GetMetric()[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["goversion"] != runtime.Version() || labels["version"] == "" || labels["revision"] == "" || len(labels) != 3 {
		t.Fatalf("dossier_build_info labels: %v", labels)
	}
}
