package http_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// installScript installs the linter; its redocly_version pins it.
const installScript = "../../scripts/install-test-deps.sh"

var redoclyPin = regexp.MustCompile(`(?m)^redocly_version=(\S+)$`)

// redoclyBinary finds the pinned redocly CLI: $DOSSIER_REDOCLY_BIN, else
// where scripts/install-test-deps.sh installs it.
func redoclyBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DOSSIER_REDOCLY_BIN"); p != "" {
		return p
	}
	script, err := os.ReadFile(installScript)
	if err != nil {
		t.Fatal(err)
	}
	m := redoclyPin.FindSubmatch(script)
	if m == nil {
		t.Fatalf("%s pins no redocly_version", installScript)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(cache, "dossier", "redocly-cli-"+string(m[1]), "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the OpenAPI linter @redocly/cli@%s is required: run `make test-deps` (scripts/install-test-deps.sh installs it) or set DOSSIER_REDOCLY_BIN: %v", m[1], err)
	}
	return bin
}

// TestOpenAPILint runs `redocly lint` on openapi.json with the rules of
// redocly.yaml and the exceptions of .redocly.lint-ignore.yaml: any
// problem fails, a warning as much as an error.
func TestOpenAPILint(t *testing.T) {
	cmd := exec.Command(redoclyBinary(t), "lint", "--config", "redocly.yaml", "--format=json", "--max-problems=1000", "openapi.json")
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.Output()
	var report struct {
		Totals struct {
			Errors, Warnings int
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Location []struct {
				Pointer string `json:"pointer"`
			} `json:"location"`
		} `json:"problems"`
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("redocly lint: %v\n%s%s", err, out, ee.Stderr)
		}
		t.Fatalf("redocly lint printed no report (%v, %v): %s", err, jerr, out)
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("%s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
	}
	if len(report.Problems) == 0 && err != nil {
		t.Errorf("redocly lint failed without a problem listed: %v", err)
	}
}
