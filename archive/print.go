package archive

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"regexp"
	"strings"
)

// maxInlinePhoto is the largest evidence photo the printed case file
// shows on its page; a larger one is listed with its SHA-256 like any
// other file, and is in the bundle.
const maxInlinePhoto = 8 << 20

// PrintPage is the whole case file as one A4 page to print (or to turn
// into one PDF): the cover, the contents, every document as it was
// issued, each case's timeline as a table (who, in which post, when, what,
// and the hash that chains it), and the evidence — photos shown, other
// files listed — in the order of the contents. The machine-readable parts
// (case.json, documents.json, evidence.json) are in the bundle only.
//
// Each page of the bundle keeps its own look: it goes in as a shadow root,
// so its styles apply to it alone, and the documents print on their own
// margins (a named page).
func (bn *Bundle) PrintPage() ([]byte, error) {
	var parts []printPart
	var evidence []printEvidence
	for i, f := range bn.Manifest.Files {
		c := bn.contents[i]
		switch {
		case strings.HasPrefix(f.Path, "evidence/"):
			e := printEvidence{File: f}
			if f.Size <= maxInlinePhoto {
				data := c.data
				if c.path != "" {
					var err error
					if data, err = os.ReadFile(c.path); err != nil {
						return nil, err
					}
				}
				if ct := http.DetectContentType(data); isPhoto(ct) {
					e.Photo = template.URL("data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data))
				}
			}
			evidence = append(evidence, e)
		case strings.HasSuffix(f.Path, ".html"):
			css, body, err := splitPage(c.data)
			if err != nil {
				return nil, fmt.Errorf("archive: print %s: %w", f.Path, err)
			}
			class := "sheet"
			if strings.Contains(f.Path, "/documents/") {
				class = "document"
			}
			parts = append(parts, printPart{Class: class, CSS: template.CSS(css), Body: template.HTML(body)})
		case strings.HasSuffix(f.Path, "/timeline.json"):
			var tl Timeline
			if err := json.Unmarshal(c.data, &tl); err != nil {
				return nil, fmt.Errorf("archive: print %s: %w", f.Path, err)
			}
			var b bytes.Buffer
			if err := pages.ExecuteTemplate(&b, "print-timeline", printTimeline{File: f, Timeline: tl, Kind: caseKind(bn.Manifest, tl.CaseNo)}); err != nil {
				return nil, err
			}
			parts = append(parts, printPart{Class: "sheet", Own: template.HTML(b.String())})
		}
	}
	if len(evidence) > 0 {
		var b bytes.Buffer
		if err := pages.ExecuteTemplate(&b, "print-evidence", evidence); err != nil {
			return nil, err
		}
		parts = append(parts, printPart{Class: "sheet", Own: template.HTML(b.String())})
	}
	var out bytes.Buffer
	if err := pages.ExecuteTemplate(&out, "print", printBook{M: &bn.Manifest, Parts: parts}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// printBook is what the printed case file is rendered from.
type printBook struct {
	M     *Manifest
	Parts []printPart
}

// printPart is one page (or run of pages) of the printed case file: a
// page of the bundle with its own styles (CSS and Body, put in a shadow
// root), or one made for print (Own, styled by the book).
type printPart struct {
	Class string
	CSS   template.CSS
	Body  template.HTML
	Own   template.HTML
}

// printTimeline is a case's timeline as the printed file shows it.
type printTimeline struct {
	File     File
	Timeline Timeline
	Kind     string
}

// printEvidence is an evidence file as the printed file lists it; Photo
// is set for a photo small enough to show.
type printEvidence struct {
	File  File
	Photo template.URL
}

func caseKind(m Manifest, caseNo string) string {
	for _, c := range m.Cases {
		if c.CaseNo == caseNo {
			return string(c.Kind)
		}
	}
	return ""
}

func isPhoto(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

var (
	styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	bodyBlock  = regexp.MustCompile(`(?s)<body[^>]*>(.*)</body>`)
	// bodySelector is the page's body in its own styles: in a shadow root
	// there is no body, so its rules go to the element standing for it.
	bodySelector = regexp.MustCompile(`\bbody\b`)
	headParts    = regexp.MustCompile(`(?is)<!doctype[^>]*>|</?html[^>]*>|<head>.*?</head>|<title>.*?</title>|<style>.*?</style>|<meta[^>]*>`)
)

// splitPage takes one of the bundle's pages apart into its styles, the
// body's rules moved to .page-body, and its body's content.
func splitPage(page []byte) (css, body string, err error) {
	var styles []string
	for _, s := range styleBlock.FindAllSubmatch(page, -1) {
		styles = append(styles, bodySelector.ReplaceAllString(string(s[1]), ".page-body"))
	}
	if m := bodyBlock.FindSubmatch(page); m != nil {
		return strings.Join(styles, "\n"), string(m[1]), nil
	}
	// A page without a body element (HTML allows it) is its content
	// once its head's parts are gone.
	rest := headParts.ReplaceAll(page, nil)
	if len(bytes.TrimSpace(rest)) == 0 {
		return "", "", fmt.Errorf("the page is empty")
	}
	return strings.Join(styles, "\n"), string(rest), nil
}
