package archive

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/documents"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/store"
)

// The printed case file holds every part of the bundle a person reads, in
// the contents' order, each page of the bundle in a shadow root of its
// own, the timeline with every step's hash, and the photo itself.
func TestThePrintedCaseFileHoldsEveryPartInOrder(t *testing.T) {
	bn := testBundleOf(t, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	page, err := bn.PrintPage()
	if err != nil {
		t.Fatal(err)
	}
	got := string(page)
	// The parts, in order: the cover, the contents, the timeline, the
	// document, the evidence.
	marks := []string{"<h1>案卷</h1>", "<h1>卷内目录</h1>", "办案记录 · " + testCaseNo, "罚款人民币贰万元整", "<h2>证据文件</h2>",
		`src="data:image/jpeg;base64,` + base64.StdEncoding.EncodeToString(testPhoto) + `"`}
	at := 0
	for _, m := range marks {
		i := strings.Index(got[at:], m)
		if i < 0 {
			t.Fatalf("the printed file lacks %q after byte %d", m, at)
		}
		at += i
	}
	if n := strings.Count(got, `<template shadowrootmode="open">`); n != 3 {
		t.Errorf("%d pages of the bundle in shadow roots, want 3 (cover, contents, the document)", n)
	}
	if strings.Contains(got, "<body>\\n<p>") || regexp.MustCompile(`<style>[^<]*\\bbody\\b`).MatchString(got) {
		t.Error("a page's body rules were not moved to its own root")
	}
	for _, e := range bn.timelineOf(t) {
		if !strings.Contains(got, e.Hash) {
			t.Errorf("step %d's hash %s is not printed", e.Seq, e.Hash)
		}
	}
	if pay := i18n.T(i18n.Chinese, "action.penalty.pay", nil); !strings.Contains(got, ">"+pay+"<") {
		t.Errorf("the step is not named %q", pay)
	}
}

// Printed through Chromium it is one PDF with a page at least for each
// part. Skipped where there is no Chromium (scripts/test installs it).
func TestThePrintedCaseFileIsOnePDF(t *testing.T) {
	if documents.FindChromium() == "" {
		t.Skip("no Chromium to print with")
	}
	bn := testBundleOf(t, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	page, err := bn.PrintPage()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pdf, err := documents.NewPrinter().Book(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	// DUTY_PRINT_OUT=FILE keeps the PDF, to look at.
	if out := os.Getenv("DUTY_PRINT_OUT"); out != "" {
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1)); n < 5 {
		t.Errorf("%d pages, want one at least for each of the five parts", n)
	}
}

// timelineOf is the bundle's one timeline.
func (bn *Bundle) timelineOf(t *testing.T) []store.ChainEntry {
	t.Helper()
	for i, f := range bn.Manifest.Files {
		if f.Path == testTL {
			var tl Timeline
			if err := json.Unmarshal(bn.contents[i].data, &tl); err != nil {
				t.Fatal(err)
			}
			return tl.Entries
		}
	}
	t.Fatal("no timeline")
	return nil
}
