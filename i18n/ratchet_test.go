package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxUncatalogued is how many user-facing errors are still made as free
// text (duty.Errorf and the helpers around it) rather than from the
// catalogue. Converting one lowers the count: lower this number with it,
// so it can only go down. Run with -v to see where they are.
const maxUncatalogued = 45

// freeText are the calls that make a free-text user-facing error.
var freeText = map[string]bool{
	"duty.Errorf": true, "casekit.Invalid": true, "casekit.Conflict": true,
	// the same helpers called inside their own packages
	"Invalid": true, "Conflict": true, "invalid": true, "conflict": true, "notFound": true, "notFoundInvalid": true,
	"temporal.NewApplicationErrorWithOptions": true, "temporal.NewNonRetryableApplicationError": true,
}

// TestUncataloguedOnlyShrinks counts the free-text errors left.
func TestUncataloguedOnlyShrinks(t *testing.T) {
	byFile := map[string]int{}
	total := 0
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasPrefix(path, "../cmd/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				// The helpers' own definitions are not uses.
				return true
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if id, ok := fn.X.(*ast.Ident); ok {
						name = id.Name + "." + fn.Sel.Name
					}
				}
				if freeText[name] {
					byFile[path]++
					total++
				}
			case *ast.KeyValueExpr:
				// &duty.Error{Message: …}
				if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Message" {
					if _, isLit := x.Value.(*ast.BasicLit); isLit || isSprintf(x.Value) {
						byFile[path]++
						total++
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
	files := make([]string, 0, len(byFile))
	for f := range byFile {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Logf("%4d %s", byFile[f], strings.TrimPrefix(f, "../"))
	}
	t.Logf("%d free-text errors left (limit %d)", total, maxUncatalogued)
	if total > maxUncatalogued {
		t.Errorf("%d free-text errors, more than the %d allowed: make new errors with duty.Fail and a catalogue message", total, maxUncatalogued)
	}
	if total < maxUncatalogued {
		t.Logf("fewer than the limit: lower maxUncatalogued to %d", total)
	}
}

func isSprintf(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	s, ok := c.Fun.(*ast.SelectorExpr)
	return ok && s.Sel.Name == "Sprintf"
}
