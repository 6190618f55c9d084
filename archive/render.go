package archive

import (
	"bytes"
	"embed"
	"html/template"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
)

// The cover and the contents are paper for the archive, in Chinese like
// the documents they list (文书档案: 卷宗封面, 卷内目录).
//
//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"kind":  func(k cases.Kind) string { return i18n.T(i18n.Chinese, "kind."+string(k), nil) },
	"state": func(k cases.Kind, s string) string { return i18n.T(i18n.Chinese, "state."+string(k)+"."+s, nil) },
	// stateIn and action name a timeline's states and steps, or print the
	// value itself where the catalogue has no name for it.
	"stateIn": func(k, s string) string { return labelOr("state."+k+"."+s, s) },
	"action":  func(k, a string) string { return labelOr("action."+k+"."+a, a) },
	// The papers print dates as Chinese documents do (2026年12月8日);
	// the manifest keeps them as ISO dates (day), for programs.
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return chineseDay(v)
		case *time.Time:
			if v != nil {
				return chineseDay(*v)
			}
		case string:
			// a manifest's date (2026-12-08)
			if d, err := time.ParseInLocation(time.DateOnly, v, rules.China); err == nil {
				return chineseDay(d)
			}
			return v
		}
		return ""
	},
	"datetime":  func(t time.Time) string { return t.In(rules.China).Format("2006年1月2日 15:04:05") },
	"retention": func(p rules.RetentionPeriod) string { return p.Label() },
	"add":       func(a, b int) int { return a + b },
	"zh":        i18n.ChinesePart,
}).ParseFS(templateFiles, "templates/*.html"))

// labelOr is the catalogue's Chinese for key, else fallback.
func labelOr(key, fallback string) string {
	if i18n.Has(i18n.Chinese, key) {
		return i18n.T(i18n.Chinese, key, nil)
	}
	return fallback
}

// contentsPage is what the contents (卷内目录) is rendered from.
type contentsPage struct {
	M    *Manifest
	Rows []contentsRow
}

// contentsRow is a file of the contents, numbered; Case, on the first
// file of a case, heads its group, and Evidence on the first evidence file.
type contentsRow struct {
	N        int
	File     File
	Case     *Case
	Evidence bool
}

// renderContents is the table of contents: every file after it, with its
// number (文号), issuer (责任者), title (题名) and date, grouped by case.
func renderContents(m *Manifest, files []File) ([]byte, error) {
	p := contentsPage{M: m}
	last := ""
	for i, f := range files {
		r := contentsRow{N: i + 1, File: f}
		group := f.CaseNo
		if group == "" {
			group = "evidence"
		}
		if group != last {
			if f.CaseNo == "" {
				r.Evidence = true
			}
			for j := range m.Cases {
				if m.Cases[j].CaseNo == f.CaseNo {
					r.Case = &m.Cases[j]
				}
			}
			last = group
		}
		p.Rows = append(p.Rows, r)
	}
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "contents", p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// coverPage is what the cover (卷宗封面) is rendered from.
type coverPage struct {
	M         *Manifest
	Root      Case
	Documents int
	Evidence  int
	Steps     int
}

// renderCover is the cover sheet: the case, its dates and department,
// the retention period, what the file holds, who made it and when, and
// the digests that tie the paper to the bundle.
func renderCover(m *Manifest) ([]byte, error) {
	p := coverPage{M: m, Root: m.Cases[0]}
	for _, c := range m.Cases {
		p.Documents += c.Documents
		p.Steps += c.Steps
	}
	for _, f := range m.Files {
		if len(f.Path) > len("evidence/") && f.Path[:len("evidence/")] == "evidence/" {
			p.Evidence++
		}
	}
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "cover", p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// chineseDay is a date as a Chinese document writes it, in China: 2026年12月8日.
func chineseDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rules.China).Format("2006年1月2日")
}
