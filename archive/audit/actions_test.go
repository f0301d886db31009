package audit_test

import (
	"dossier/archive/audit"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// actionLike is the shape of an action code: domain.verb, with one more
// part at most (report.fixity.run).
var actionLike = regexp.MustCompile(`^[a-z]+\.[a-z_]+(\.[a-z_]+)?$`)

// writtenActions walks every non-test Go file of the module (but the
// table itself) and returns the string literals shaped like an action of
// one of the domains the table knows (case., archive., user., …), and the
// literal prefixes an action is built from ("disposal." + decision).
// Operation names, the first argument of archive.E and archive.Wrapf,
// are not actions; nor are file names.
func writtenActions(t *testing.T) (exact map[string]string, prefixes map[string]string) {
	t.Helper()
	domains := map[string]bool{}
	for _, a := range audit.Actions {
		d, _, _ := strings.Cut(a.Code, ".")
		domains[d] = true
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	exact, prefixes = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if filepath.ToSlash(rel) == "archive/audit/actions.go" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		skip := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if fn := calleeName(n.Fun); (fn == "E" || fn == "Wrapf") && len(n.Args) > 0 {
					if lit, ok := n.Args[0].(*ast.BasicLit); ok {
						skip[lit] = true
					}
				}
				// A literal handed along with an error names what the
				// error is about (bad("execution.fields", Errorf(…))).
				if slices.ContainsFunc(n.Args, func(a ast.Expr) bool {
					c, ok := a.(*ast.CallExpr)
					return ok && slices.Contains([]string{"Errorf", "Wrapf", "E"}, calleeName(c.Fun))
				}) {
					for _, a := range n.Args {
						if lit, ok := a.(*ast.BasicLit); ok {
							skip[lit] = true
						}
					}
				}
				// The action of Record(ctx, actor, action, target,
				// detail) is an action whatever its domain, so a
				// domain the table does not know yet (execution.,
				// payment.) is not missed.
				if calleeName(n.Fun) == "Record" && len(n.Args) == 5 {
					lit, whole := leftmost(n.Args[2])
					if lit == nil || lit.Kind != token.STRING {
						return true
					}
					v, _ := strconv.Unquote(lit.Value)
					at := fmt.Sprintf("%s:%d", filepath.ToSlash(rel), fset.Position(lit.Pos()).Line)
					if whole {
						exact[v] = at
					} else {
						prefixes[v] = at
					}
					skip[lit] = true
				}
			case *ast.BinaryExpr:
				if lit, ok := n.X.(*ast.BasicLit); ok && n.Op == token.ADD && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					if d, _, _ := strings.Cut(v, "."); domains[d] && (strings.HasSuffix(v, ".") || strings.HasSuffix(v, "_")) {
						prefixes[v] = fmt.Sprintf("%s:%d", filepath.ToSlash(rel), fset.Position(lit.Pos()).Line)
						skip[lit] = true
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || skip[n] {
					return true
				}
				v, err := strconv.Unquote(n.Value)
				if err != nil || !actionLike.MatchString(v) {
					return true
				}
				d, _, _ := strings.Cut(v, ".")
				if ext := filepath.Ext(v); !domains[d] || slices.Contains([]string{".pdf", ".json", ".csv", ".zip", ".db", ".html", ".txt"}, ext) {
					return true
				}
				at := fmt.Sprintf("%s:%d", filepath.ToSlash(rel), fset.Position(n.Pos()).Line)
				if strings.HasSuffix(v, "_") {
					prefixes[v] = at // strings.CutPrefix(e.Action, "archive.loan_")
				} else {
					exact[v] = at
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return exact, prefixes
}

// leftmost returns the string literal an expression starts with, and
// whether it is the whole expression ("payment.batch_" + step + "_" +
// decision starts with "payment.batch_").
func leftmost(e ast.Expr) (*ast.BasicLit, bool) {
	whole := true
	for {
		switch x := e.(type) {
		case *ast.BasicLit:
			return x, whole
		case *ast.BinaryExpr:
			if x.Op != token.ADD {
				return nil, false
			}
			e, whole = x.X, false
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil, false
		}
	}
}

func calleeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

// TestEveryActionHasAName: every action the code writes has its Chinese
// name in audit.Actions, and every name there is of an action the code
// writes, so that the audit page's filter offers exactly what the log
// can hold.
func TestEveryActionHasAName(t *testing.T) {
	exact, prefixes := writtenActions(t)
	if len(exact) < 20 {
		t.Fatalf("found only %d actions in the source: the walk is broken", len(exact))
	}
	for v, pos := range exact {
		if !audit.KnownAction(v) {
			t.Errorf("%s: action %q has no Chinese name; add it to audit.Actions (archive/audit/actions.go)", pos, v)
		}
	}
	for p, pos := range prefixes {
		if !slices.ContainsFunc(audit.Actions, func(a audit.Action) bool { return strings.HasPrefix(a.Code, p) }) {
			t.Errorf("%s: actions %q… have no Chinese name; add them to audit.Actions", pos, p)
		}
	}
	seen := map[string]bool{}
	for _, a := range audit.Actions {
		if seen[a.Code] {
			t.Errorf("action %s is in audit.Actions twice", a.Code)
		}
		seen[a.Code] = true
		if a.Name == "" || audit.ActionName(a.Code) != a.Name {
			t.Errorf("action %s has no name", a.Code)
		}
		_, written := exact[a.Code]
		for p := range prefixes {
			written = written || strings.HasPrefix(a.Code, p)
		}
		if !written {
			t.Errorf("action %s is in audit.Actions but nothing writes it; remove it", a.Code)
		}
	}
	if got := audit.ActionName("no.such_action"); got != "no.such_action" {
		t.Errorf("an unknown action is shown as %q, want its code", got)
	}
}
