package http_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// ogenModule is the module the client is generated into: its go.mod pins
// ogen, its go.sum covers what the generated code imports.
const ogenModule = "testdata/ogenclient"

var ogenDecoder = regexp.MustCompile(`(?m)^func decode(\w+)Response\(resp \*http\.Response\)`)

// decodeWithGeneratedClient generates a Go client from the document with
// ogen and runs every recorded answer through the client's decoders,
// which refuse an undeclared status or content type, a missing required
// field and a value outside an enum, as a generated client in use would.
// The client is generated into a temporary copy of testdata/ogenclient
// and tested there with `go test`; compiled packages come from the build
// cache when the document has not changed.
func decodeWithGeneratedClient(t *testing.T, raw []byte, doc *openapi3.T, answers []answer) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the generated client: %v", err)
	}
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum", "ogen.yml"} {
		copyFile(t, filepath.Join(ogenModule, f), filepath.Join(dir, f))
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"GOWORK=off", "GOFLAGS=-mod=readonly"}, env...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd(nil, "tool", "ogen", "-config", "ogen.yml", "-target", "client", "-package", "client", "-clean", "openapi.json")

	gen, err := os.ReadFile(filepath.Join(dir, "client", "oas_response_decoders_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range ogenDecoder.FindAllSubmatch(gen, -1) {
		names[strings.ToLower(string(m[1]))] = string(m[1])
	}
	var src strings.Builder
	src.WriteString("package client\n\nimport \"net/http\"\n\nvar decoders = map[string]func(*http.Response) (any, error){\n")
	var ops []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops = append(ops, op.OperationID)
		}
	}
	for _, op := range slices.Sorted(slices.Values(ops)) {
		name, ok := names[strings.ToLower(op)]
		if !ok {
			t.Errorf("ogen generated no decoder for operation %s", op)
			continue
		}
		fmt.Fprintf(&src, "\t%q: func(r *http.Response) (any, error) { return decode%sResponse(r) },\n", op, name)
	}
	src.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "client", "decoders_test.go"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(ogenModule, "replay_test.go"), filepath.Join(dir, "client", "replay_test.go"))
	recorded, err := json.Marshal(answers)
	if err != nil {
		t.Fatal(err)
	}
	answersFile := filepath.Join(dir, "answers.json")
	if err := os.WriteFile(answersFile, recorded, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd([]string{"DOSSIER_CONTRACT_ANSWERS=" + answersFile}, "test", "-trimpath", "-vet=off", "-count=1", "-run", "^TestReplay$", "./client")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
