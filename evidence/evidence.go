// Package evidence reads the evidence folder: files kept under their
// SHA-256 (the pages keep them, web/evidence.go), each with a list of the
// cases it was uploaded to beside it, and the files a case's steps name in
// their details. The pages serve these files and the case file (案卷,
// package archive) carries them; both decide by the same rules here which
// files belong to a case.
package evidence

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CasesSuffix names the file beside an evidence file that lists, one a
// line, the cases it was uploaded to.
const CasesSuffix = ".cases"

// ValidHash reports whether s is a SHA-256 as files are named by: 64
// lower-case hex digits, so that no name reaches outside the folder.
func ValidHash(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// KeptFor reports whether the file named sum in dir was uploaded to the
// case numbered caseNo. A step recorded through the API names a file by
// its hash alone, and a hash is no secret to whoever once read a case:
// without this, a step of one case naming another case's file would make
// it readable there. A file kept before cases were recorded has no list
// and counts as uploaded to every case that names it.
func KeptFor(dir, sum, caseNo string) bool {
	if !ValidHash(sum) {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, sum+CasesSuffix))
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	return slices.Contains(strings.Split(string(b), "\n"), caseNo)
}

// In collects the evidence entries ({"name": …, "sha256": …}) found
// anywhere in a step's decoded details, under any key "evidence", in key
// order so that the same details list their files the same way.
func In(v any, out []map[string]any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if list, ok := x[k].([]any); ok && k == "evidence" {
				for _, e := range list {
					if m, ok := e.(map[string]any); ok {
						out = append(out, m)
					}
				}
				continue
			}
			out = In(x[k], out)
		}
	case []any:
		for _, e := range x {
			out = In(e, out)
		}
	}
	return out
}
