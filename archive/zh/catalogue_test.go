package zh

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// message is one archive.Errorf or archive.Wrapf call of the module.
type message struct {
	format string // "" when the call's format is no string literal
	pkg    string // its directory, from the module root
	pos    string
}

// messages walks every non-test Go file of the module and returns the
// calls that make an *archive.Error, and the problems of those that break
// the rules: a format that is no string literal, a pre-built string among
// the arguments, an archive.Error literal with a Message of its own.
func messages(t *testing.T) ([]message, []string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	var msgs []message
	var problems []string
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
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		local := archiveName(f, pkg)
		if local == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			pos := func() string {
				p := fset.Position(n.Pos())
				r, _ := filepath.Rel(root, p.Filename)
				return fmt.Sprintf("%s:%d", filepath.ToSlash(r), p.Line)
			}
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isArchive(n.Type, local, "Error") && pkg != "archive" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Message") {
							problems = append(problems, pos()+": an archive.Error with a Message of its own; use archive.Errorf or archive.Wrapf")
						}
					}
				}
			case *ast.CallExpr:
				at := -1
				switch {
				case isArchive(n.Fun, local, "Errorf"):
					at = 1
				case isArchive(n.Fun, local, "Wrapf"):
					at = 3
				}
				if at < 0 || len(n.Args) <= at {
					return true
				}
				if pkg == "archive" && isIdent(n.Args[at], "format") {
					return true // Wrapf handing its format on to Errorf
				}
				m := message{pkg: pkg, pos: pos()}
				if lit, ok := n.Args[at].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					m.format, _ = strconv.Unquote(lit.Value)
				} else {
					problems = append(problems, m.pos+": the format is no string literal, so it has no translation")
				}
				for _, a := range n.Args[at+1:] {
					if c, ok := a.(*ast.CallExpr); ok && (isPkg(c.Fun, "fmt", "Sprintf") || isArchive(c.Fun, local, "ErrorMessage")) {
						problems = append(problems, m.pos+": a pre-built message among the arguments; pass its parts (an error as it is) so that they are translated too")
					}
				}
				msgs = append(msgs, m)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, problems
}

// archiveName is the name under which f reaches package archive: "." in
// the package itself, its import name elsewhere, "" when it does not.
func archiveName(f *ast.File, pkg string) string {
	if pkg == "archive" {
		return "."
	}
	for _, imp := range f.Imports {
		if imp.Path.Value != `"dossier/archive"` {
			continue
		}
		if imp.Name != nil {
			return imp.Name.Name
		}
		return "archive"
	}
	return ""
}

// isArchive reports whether e names archive's identifier id.
func isArchive(e ast.Expr, local, id string) bool {
	if local == "." {
		return isIdent(e, id)
	}
	return isPkg(e, local, id)
}

func isPkg(e ast.Expr, pkg, id string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(sel.X, pkg) && sel.Sel.Name == id
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// verbs maps each argument a format uses (from 1) to the class of the
// verb it is shown with: strings (%s, %q, %v) alike, integers (%d), hex
// (%x, %X), characters (%c), and any other verb its own.
func verbs(format string) (map[int]rune, error) {
	out := map[int]rune{}
	arg := 1
	index := func(i int) (int, error) {
		if i >= len(format) || format[i] != '[' {
			return i, nil
		}
		end := strings.IndexByte(format[i:], ']')
		if end < 0 {
			return i, fmt.Errorf("unclosed argument index")
		}
		n, err := strconv.Atoi(format[i+1 : i+end])
		if err != nil || n < 1 {
			return i, fmt.Errorf("bad argument index %q", format[i:i+end+1])
		}
		arg = n
		return i + end + 1, nil
	}
	digits := func(i int) int {
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			i++
		}
		return i
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		var err error
		if i, err = index(i); err != nil {
			return nil, err
		}
		i = digits(i)
		if i < len(format) && format[i] == '.' {
			if i, err = index(i + 1); err != nil {
				return nil, err
			}
			i = digits(i)
		}
		if i, err = index(i); err != nil {
			return nil, err
		}
		if i >= len(format) {
			return nil, fmt.Errorf("the format ends in a verb")
		}
		if format[i] == '*' {
			return nil, fmt.Errorf("a width or precision taken from the arguments (*)")
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		i += size - 1
		if verb == '%' {
			continue
		}
		class := verb
		switch verb {
		case 'q', 'v':
			class = 's'
		case 'X':
			class = 'x'
		}
		if c, ok := out[arg]; ok && c != class {
			return nil, fmt.Errorf("argument %d is shown with two kinds of verb", arg)
		}
		out[arg] = class
		arg++
	}
	return out, nil
}

// samples are arguments for a format's verbs.
func samples(v map[int]rune) []any {
	n := 0
	for i := range v {
		n = max(n, i)
	}
	out := make([]any, n)
	for i := range out {
		switch v[i+1] {
		case 'd', 'x':
			out[i] = 7
		case 'c':
			out[i] = 'X'
		default:
			out[i] = "x"
		}
	}
	return out
}

// checkEntry says what is wrong with the Chinese zh of the English
// format en: the same arguments must be shown, each with a verb of the
// same kind, and both must format without complaint.
func checkEntry(en, zh string) error {
	ve, err := verbs(en)
	if err != nil {
		return fmt.Errorf("English: %v", err)
	}
	vz, err := verbs(zh)
	if err != nil {
		return fmt.Errorf("Chinese: %v", err)
	}
	for i := 1; i <= len(ve) || i <= len(vz); i++ {
		if ve[i] == 0 && vz[i] == 0 {
			return fmt.Errorf("argument %d is shown by neither", i)
		}
		if ve[i] != vz[i] {
			return fmt.Errorf("argument %d: %%%c in English, %%%c in Chinese (0: not shown)", i, ve[i], vz[i])
		}
	}
	args := samples(ve)
	for lang, f := range map[string]string{"English": en, "Chinese": zh} {
		if s := fmt.Sprintf(f, args...); strings.Contains(s, "%!") {
			return fmt.Errorf("%s formats as %q", lang, s)
		}
	}
	if zh == "" || strings.TrimSpace(zh) != zh {
		return fmt.Errorf("the Chinese is empty or has spaces around it")
	}
	return nil
}

// Every message of the module has its Chinese in the catalogue, showing
// the same arguments with the same kinds of verb; every format is a
// string literal and no argument is a message built beforehand; and the
// catalogue holds nothing no message uses.
func TestCatalogueCoversEveryMessage(t *testing.T) {
	msgs, problems := messages(t)
	if len(msgs) < 300 {
		t.Fatalf("found only %d messages; is the walk missing packages?", len(msgs))
	}
	for _, p := range problems {
		t.Error(p)
	}
	used := map[string]bool{}
	missing := map[string][]string{} // pkg → lines to add
	for _, m := range msgs {
		if m.format == "" || used[m.format] {
			continue
		}
		used[m.format] = true
		zh, ok := catalogue[m.format]
		if !ok {
			missing[m.pkg] = append(missing[m.pkg], fmt.Sprintf("\t{%q, \"\"}, // %s", m.format, m.pos))
			continue
		}
		if err := checkEntry(m.format, zh); err != nil {
			t.Errorf("%s: %q: %v", m.pos, m.format, err)
		}
	}
	if len(missing) > 0 {
		var b strings.Builder
		for _, pkg := range slices.Sorted(maps.Keys(missing)) {
			fmt.Fprintf(&b, "\t// %s\n%s\n", pkg, strings.Join(missing[pkg], "\n"))
		}
		t.Errorf("messages without Chinese; add them to archive/zh/catalogue.go:\n%s", b.String())
	}
	var stale []string
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.en] {
			t.Errorf("the catalogue has %q twice", e.en)
		}
		seen[e.en] = true
		if !used[e.en] {
			stale = append(stale, strconv.Quote(e.en))
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		t.Errorf("catalogue entries no message uses any more; remove them:\n\t%s", strings.Join(stale, "\n\t"))
	}
}

// The verb check itself: what it accepts and what it refuses.
func TestCheckEntry(t *testing.T) {
	for _, c := range []struct {
		en, zh string
		ok     bool
	}{
		{"case %s is %s", "案件 %s 当前为“%s”", true},
		{"case %s is %s", "当前为“%[2]s”的案件 %[1]s", true},
		{"field %s: %q is listed twice", "%s：“%s”重复", true},
		{"at most %d characters (this has %d)", "最多 %d 个字（现有 %d 个）", true},
		{"U+%04X", "U+%04X", true},
		{"%d%%", "%d%%", true},
		{"case %s is %s", "案件 %s", false},            // an argument dropped
		{"case %s", "案件 %s %s", false},               // one too many
		{"at most %d characters", "最多 %s 个字", false}, // another kind of verb
		{"case %s", "案件 %[3]s", false},
		{"case %s", "", false},
		{"case %s", "案件 %", false},
	} {
		err := checkEntry(c.en, c.zh)
		if (err == nil) != c.ok {
			t.Errorf("%q → %q: %v, want ok %v", c.en, c.zh, err, c.ok)
		}
	}
}
