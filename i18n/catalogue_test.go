package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/i18n"
)

// placeholder finds a message's named arguments.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// TestCatalogueComplete: every message is in every language, with the
// same arguments, and renders.
func TestCatalogueComplete(t *testing.T) {
	zh, en := i18n.IDs(i18n.Chinese), i18n.IDs(i18n.English)
	if len(zh) == 0 {
		t.Fatal("the Chinese catalogue is empty")
	}
	for _, id := range zh {
		if !i18n.Has(i18n.English, id) {
			t.Errorf("%s has no English text", id)
		}
	}
	for _, id := range en {
		if !i18n.Has(i18n.Chinese, id) {
			t.Errorf("%s has no Chinese text", id)
		}
	}
	for _, id := range zh {
		zt, _ := i18n.Source(i18n.Chinese, id)
		et, _ := i18n.Source(i18n.English, id)
		if strings.TrimSpace(zt) == "" || strings.TrimSpace(et) == "" {
			t.Errorf("%s has an empty text", id)
		}
		if a, b := placeholders(zt), placeholders(et); !slices.Equal(a, b) {
			t.Errorf("%s: the Chinese text takes %v, the English %v", id, a, b)
		}
		args := i18n.Args{}
		for _, p := range placeholders(zt) {
			args[p] = "X"
		}
		for _, lang := range i18n.Languages {
			if got := i18n.T(lang, id, args); got == id || strings.Contains(got, "<no value>") {
				t.Errorf("%s does not render in %s: %q", id, lang, got)
			}
		}
	}
}

// messageCalls are the functions whose first string argument is a
// message ID, with the position of the argument map (-1: none).
var messageCalls = map[string]int{
	"Fail": 2, "Refuse": 1, "NotNow": 1, "Text": -1, "T": 2, "Ref": -1,
}

// idShape is what a message ID looks like: dotted lower-case words.
var idShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// TestCodeUsesCatalogue: every message ID the code names is in the
// catalogue, with exactly the arguments its text takes; every ID a
// template names with t is too.
func TestCodeUsesCatalogue(t *testing.T) {
	root := filepath.Join("..")
	used := 0
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "bin", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				argsAt, ok := messageCalls[name]
				if !ok {
					return true
				}
				for i, a := range x.Args {
					lit, ok := a.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					id, _ := strconv.Unquote(lit.Value)
					if !idShape.MatchString(id) {
						continue
					}
					used++
					text, ok := i18n.Source(i18n.Chinese, id)
					if !ok {
						t.Errorf("%s: message %q is not in the catalogue", fset.Position(lit.Pos()), id)
						continue
					}
					if argsAt == i+1 && argsAt < len(x.Args) {
						checkArgs(t, fset, x.Args[argsAt], id, text)
					}
				}
			case *ast.KeyValueExpr:
				// duty.Refusal{ID: "…"}, made by hand where no Fail is.
				if k, ok := x.Key.(*ast.Ident); ok && k.Name == "ID" {
					if lit, ok := x.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						id, _ := strconv.Unquote(lit.Value)
						if idShape.MatchString(id) {
							used++
							if !i18n.Has(i18n.Chinese, id) {
								t.Errorf("%s: message %q is not in the catalogue", fset.Position(lit.Pos()), id)
							}
						}
					}
				}
			case *ast.BasicLit:
				// A field's name is passed about as a value (i18n.Ref)
				// before it reaches a call: check every one.
				if x.Kind == token.STRING {
					id, _ := strconv.Unquote(x.Value)
					if strings.HasPrefix(id, "field.") && idShape.MatchString(id) && !i18n.Has(i18n.Chinese, id) {
						t.Errorf("%s: field name %q is not in the catalogue", fset.Position(x.Pos()), id)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if used < 20 {
		t.Fatalf("found only %d message IDs in the code: is the scan still finding the calls?", used)
	}
	templates, _ := filepath.Glob(filepath.Join(root, "web", "templates", "*.html"))
	tcall := regexp.MustCompile(`\(?\bt\s+"([^"]+)"`)
	for _, p := range templates {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tcall.FindAllStringSubmatch(string(b), -1) {
			if !i18n.Has(i18n.Chinese, m[1]) {
				t.Errorf("%s: message %q is not in the catalogue", p, m[1])
			}
		}
	}
}

// checkArgs compares the keys of a literal argument map with the
// placeholders of the message it fills in.
func checkArgs(t *testing.T, fset *token.FileSet, arg ast.Expr, id, text string) {
	t.Helper()
	want := placeholders(text)
	var got []string
	switch a := arg.(type) {
	case *ast.Ident:
		if a.Name != "nil" {
			return // built elsewhere: cannot be read here
		}
	case *ast.CompositeLit:
		for _, e := range a.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				return
			}
			k, ok := kv.Key.(*ast.BasicLit)
			if !ok {
				return
			}
			s, _ := strconv.Unquote(k.Value)
			got = append(got, s)
		}
	default:
		return
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s is given %v but its text takes %v", fset.Position(arg.Pos()), id, got, want)
	}
}

// TestFormats: dates and times in Chinese style by default, English style
// by the switch, always in Beijing time.
func TestFormats(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 5, 0, 0, time.UTC) // 14:05 in Beijing
	for _, c := range []struct{ got, want string }{
		{i18n.DateTime(i18n.Chinese, at), "2026年12月7日 14:05"},
		{i18n.DateTime(i18n.English, at), "7 Dec 2026 14:05"},
		{i18n.Date(i18n.Chinese, at), "2026年12月7日"},
		{i18n.Date(i18n.English, at), "7 Dec 2026"},
		{i18n.When(i18n.Chinese, time.Date(2026, 12, 1, 23, 59, 59, 0, i18n.Beijing)), "2026年12月1日"},
		{i18n.When(i18n.Chinese, at), "2026年12月7日 14:05"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestArguments: a time argument is shown in the message's language, and a
// Ref argument as the message it names.
func TestArguments(t *testing.T) {
	zh := i18n.T(i18n.Chinese, "field.required", i18n.Args{"Field": i18n.Ref("field.hazard.location")})
	en := i18n.T(i18n.English, "field.required", i18n.Args{"Field": i18n.Ref("field.hazard.location")})
	if zh != "地点为必填项" || en != "location is required" {
		t.Errorf("got %q and %q", zh, en)
	}
	if got := i18n.T(i18n.English, "no.such.message", nil); got != "no.such.message" {
		t.Errorf("a missing message renders as %q, want its ID", got)
	}
}
