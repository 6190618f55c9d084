package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// freeText are the calls that make a free-text user-facing error. The
// helpers are gone (duty.Errorf, casekit.Invalid and Conflict, the
// packages' own invalid/notFound): they are named here so that bringing
// one back is caught.
var freeText = map[string]bool{
	"duty.Errorf": true, "casekit.Invalid": true, "casekit.Conflict": true,
	// the same helpers called inside their own packages
	"Invalid": true, "Conflict": true, "invalid": true, "conflict": true, "notFound": true, "notFoundInvalid": true,
	"temporal.NewNonRetryableApplicationError": true,
}

// temporalWithOptions makes a Temporal application error; it is a
// catalogued refusal only when its options carry Details (the message's
// ID and arguments, duty.Refusal), which the API renders in the caller's
// language.
const temporalWithOptions = "temporal.NewApplicationErrorWithOptions"

// freeTextIn returns where f makes a free-text user-facing error: a call
// of a free-text helper, a Temporal application error without the
// message's details, or an error literal with a literal or formatted
// Message.
func freeTextIn(f *ast.File) []token.Pos {
	var out []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
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
			if freeText[name] || (name == temporalWithOptions && !hasDetails(x)) {
				out = append(out, x.Pos())
			}
		case *ast.KeyValueExpr:
			// &duty.Error{Message: …}
			if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Message" {
				if _, isLit := x.Value.(*ast.BasicLit); isLit || isSprintf(x.Value) {
					out = append(out, x.Pos())
				}
			}
		}
		return true
	})
	return out
}

// hasDetails reports whether a NewApplicationErrorWithOptions call's
// options literal sets Details.
func hasDetails(c *ast.CallExpr) bool {
	if len(c.Args) < 3 {
		return false
	}
	lit, ok := c.Args[2].(*ast.CompositeLit)
	if !ok {
		return false
	}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Details" {
				return true
			}
		}
	}
	return false
}

// TestNoFreeTextErrors: every user-facing error is made from the
// catalogue (duty.Fail, duty.FailWith of a parser's i18n.Messager, a
// workflow's refusal carrying its message); none is free text.
func TestNoFreeTextErrors(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
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
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		for _, pos := range freeTextIn(f) {
			t.Errorf("%s: a free-text user-facing error: make it with duty.Fail and a catalogue message", fset.Position(pos))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d Go files read: the walk missed the tree", files)
	}
}

// TestFreeTextIsFound: the check finds each way of making a free-text
// error, and passes the catalogued ones, so that TestNoFreeTextErrors can
// fail.
func TestFreeTextIsFound(t *testing.T) {
	src := `package p
func f() {
	_ = duty.Errorf(duty.EInvalid, "bad %v", x)                                  // free
	_ = casekit.Invalid("bad")                                                  // free
	_ = invalid("bad")                                                          // free
	_ = &duty.Error{Code: duty.EInvalid, Message: "bad"}                        // free
	_ = &duty.Error{Code: duty.EInvalid, Message: fmt.Sprintf("bad %d", n)}     // free
	_ = temporal.NewNonRetryableApplicationError("bad", "invalid", nil)         // free
	_ = temporal.NewApplicationErrorWithOptions("bad", "invalid", temporal.ApplicationErrorOptions{NonRetryable: true}) // free
	_ = temporal.NewApplicationErrorWithOptions(id, code, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{ref}})
	_ = duty.Fail(duty.EInvalid, "x.y", nil)
	_ = duty.FailWith(duty.EInvalid, err)
	_ = &duty.Error{Code: code, Message: message}
}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(freeTextIn(f)), strings.Count(src, "// free"); got != want {
		t.Errorf("found %d free-text errors in the sample, want %d", got, want)
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
