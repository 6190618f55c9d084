package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duty-project/duty/archive"
	"github.com/duty-project/duty/documents"
	"github.com/duty-project/duty/rules"
)

const archiveUsage = `Usage: duty archive CASE-NO --out FILE [--pdf FILE.pdf] [flags]

Makes the case file (案卷) of a closed case: the case and its child cases
(a hazard with its talks, penalties and escalations; an accident with its
corrective hazards and what they led to) as one zip — a cover sheet
(卷宗封面: case number, title, enterprise, department, dates opened and
closed, retention period 保管期限, what the file holds, the manifest's
digest) and a table of contents (卷内目录), every document as it prints
with its number (文号) and service records, the evidence files the steps
recorded (from the data folder's evidence/), each case's whole timeline
with its hash chain, and manifest.json listing every file's size and
SHA-256. Check it anywhere, without the database:

  duty audit verify --bundle FILE

With --pdf it also prints the case file for the paper archive as one A4
PDF, pages numbered: the cover, the contents, every document as issued,
each case's timeline with its hashes, and the evidence photos (headless
Chromium, as documents are printed; the PDF is not part of the zip).

A case that is not closed is refused, and so is one whose audit chain
does not verify. The same case made with the same --by and --at is the
same bytes. It reads PostgreSQL (DATABASE_URL, or the data folder's
local cluster) and numbers any document not yet numbered, as printing it
would.

Exit status: 0 the file was written; 1 it could not be; 2 usage error.

Flags:
`

// cmdArchive is 'duty archive CASE-NO --out FILE'.
func cmdArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var out, pdf, by, at string
	fs := newFlags("archive", &cfg, stderr)
	fs.StringVar(&out, "out", "", "the zip to write (required)")
	fs.StringVar(&pdf, "pdf", "", "also print the case file to this PDF")
	fs.StringVar(&by, "by", "duty archive（系统操作员）", "who makes the case file, as the cover names them (立卷人)")
	fs.StringVar(&at, "at", "", "when it is made, RFC 3339 (default now): give the same to make the same bytes again")
	fs.Usage = func() {
		fmt.Fprint(stderr, archiveUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.Usage()
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	// Flags may come before or after the case number.
	var caseNos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		caseNos = append(caseNos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(caseNos) != 1 || out == "" {
		fs.Usage()
		return errUsage
	}
	when := time.Now().UTC().Truncate(time.Second)
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		when = t.UTC()
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	cat := rules.Builtin()
	if cfg.rulesFile != "" {
		if cat, err = rules.LoadFile(cfg.rulesFile); err != nil {
			return err
		}
	}
	b := &archive.Builder{Store: st, EvidenceDir: filepath.Join(cfg.dataDir, "evidence"), Rules: cat}
	bn, err := b.Build(ctx, strings.TrimSpace(caseNos[0]), archive.Options{At: when, By: by})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".duty-archive-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = bn.WriteZip(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	sum, err := bn.ManifestSHA256()
	if err != nil {
		return err
	}
	if pdf != "" {
		say("printing the case file to %s (headless Chromium)", pdf)
		if err := printArchive(ctx, bn, pdf); err != nil {
			return err
		}
	}
	m := bn.Manifest
	fmt.Fprintf(stdout, "wrote %s: case file of %s, %d cases, %d files, kept %s\n", out, m.CaseNo, len(m.Cases), len(m.Files), m.RetentionLabel)
	for _, c := range m.Cases {
		fmt.Fprintf(stdout, "  %s %s (%s): %d steps, chain head %s\n", c.CaseNo, c.Kind, c.State, c.Steps, c.ChainHead)
	}
	fmt.Fprintf(stdout, "manifest sha256:%s\n", sum)
	return nil
}

// printArchive writes the case file's printed form to path, whole or not
// at all.
func printArchive(ctx context.Context, bn *archive.Bundle, path string) error {
	page, err := bn.PrintPage()
	if err != nil {
		return err
	}
	data, err := documents.NewPrinter().Book(ctx, page)
	if err != nil {
		return err
	}
	tmp := path + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// errBundleBroken is a bundle that did not verify.
var errBundleBroken = errors.New("the case file does not verify: see the problems above")

// verifyBundle is 'duty audit verify --bundle FILE': no database.
func verifyBundle(path string, asJSON bool, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := archive.Verify(f, fi.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "BROKEN %s\n", p)
		}
		if rep.OK() {
			fmt.Fprintf(stdout, "OK: case file of %s: %d files and %d entries in %d case chains verified; nothing changed, missing or added\n",
				rep.CaseNo, rep.Files, rep.Entries, rep.Cases)
		} else {
			fmt.Fprintf(stdout, "FAILED: case file of %s: %d problems (%d files, %d entries in %d case chains checked)\n",
				rep.CaseNo, len(rep.Problems), rep.Files, rep.Entries, rep.Cases)
		}
		fmt.Fprintf(stdout, "manifest sha256:%s\n", rep.ManifestSHA256)
	}
	if !rep.OK() {
		return errBundleBroken
	}
	return nil
}
