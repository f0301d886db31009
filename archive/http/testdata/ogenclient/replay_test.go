package client

// This file is copied next to the client that ogen generates from
// openapi.json (archive/http/contract_client_test.go), with
// decoders_test.go, which maps each operationId to the client's decoder
// of its answers. Those decoders check the status, the content type, the
// required fields and the enums, as any client generated with ogen does.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
)

// answer is one answer recorded by the contract test.
type answer struct {
	What   string      `json:"what"`
	Op     string      `json:"op"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// TestReplay decodes every recorded answer of an operation with the
// generated client.
func TestReplay(t *testing.T) {
	data, err := os.ReadFile(os.Getenv("DOSSIER_CONTRACT_ANSWERS"))
	if err != nil {
		t.Fatal(err)
	}
	var answers []answer
	if err := json.Unmarshal(data, &answers); err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for _, a := range answers {
		if a.Op == "" {
			continue // a method the path does not take: no operation decodes it
		}
		decode, ok := decoders[a.Op]
		if !ok {
			t.Errorf("the generated client has no decoder for operation %s", a.Op)
			continue
		}
		res := &http.Response{StatusCode: a.Status, Header: a.Header, Body: io.NopCloser(bytes.NewReader(a.Body)), ContentLength: int64(len(a.Body))}
		if _, err := decode(res); err != nil {
			t.Errorf("%s: %s %s → %d: %v\nbody: %.300s", a.What, a.Method, a.Path, a.Status, err, a.Body)
			continue
		}
		decoded++
	}
	if decoded == 0 {
		t.Fatal("no answer was decoded")
	}
	t.Logf("the generated client decoded %d answers", decoded)
}
