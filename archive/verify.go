package archive

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/duty-project/duty/store"
)

// Report is what Verify found in a bundle.
type Report struct {
	// ManifestSHA256 is the SHA-256 of the bundle's manifest.json, to
	// compare with the one printed when the bundle was made.
	ManifestSHA256 string `json:"manifest_sha256"`
	CaseNo         string `json:"case_no"`
	Cases          int    `json:"cases"`
	Files          int    `json:"files"`
	Entries        int    `json:"entries"`
	// Problems name each file that changed, is missing or was added, and
	// each chain's first entry that does not verify.
	Problems []string `json:"problems"`
}

// OK reports whether the bundle verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// maxManifest bounds the manifest read into memory.
const maxManifest = 64 << 20

// Verify checks a bundle offline: every file the manifest lists is there
// with its size and SHA-256, nothing else is; the cover prints the
// manifest's digest; each evidence file's bytes hash to its name; and each
// case's chain recomputes from its timeline (store.VerifyChain, the
// database check's code) to the head the manifest records. It names
// every problem it finds; err is for a bundle it cannot read at all.
func Verify(r io.ReaderAt, size int64) (Report, error) {
	rep := Report{Problems: []string{}}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep, fmt.Errorf("not a readable zip: %w", err)
	}
	entries := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			rep.problem("file %s is in the bundle twice", f.Name)
			continue
		}
		entries[f.Name] = f
		names = append(names, f.Name)
	}
	mf, ok := entries[ManifestPath]
	if !ok {
		return rep, fmt.Errorf("the bundle has no %s", ManifestPath)
	}
	manBytes, err := readAll(mf, maxManifest)
	if err != nil {
		return rep, fmt.Errorf("%s: %w", ManifestPath, err)
	}
	sum := sha256.Sum256(manBytes)
	rep.ManifestSHA256 = hex.EncodeToString(sum[:])
	var m Manifest
	if err := json.Unmarshal(manBytes, &m); err != nil {
		return rep, fmt.Errorf("%s is not valid JSON: %w", ManifestPath, err)
	}
	if m.Format != Format {
		return rep, fmt.Errorf("%s: format %q, this duty verifies %q", ManifestPath, m.Format, Format)
	}
	rep.CaseNo, rep.Cases, rep.Files = m.CaseNo, len(m.Cases), len(m.Files)

	// Every file against the manifest; a file the manifest does not list.
	listed := map[string]File{}
	good := map[string][]byte{} // the small files read again below
	for _, f := range m.Files {
		if _, dup := listed[f.Path]; dup {
			rep.problem("the manifest lists %s twice", f.Path)
			continue
		}
		listed[f.Path] = f
		zf, ok := entries[f.Path]
		if !ok {
			rep.problem("file %s is missing (the manifest lists it)", f.Path)
			continue
		}
		keep := !strings.HasPrefix(f.Path, "evidence/")
		got, n, body, err := hashEntry(zf, keep)
		// A byte changed in a stored file's data still reads through, and
		// fails the zip's own checksum at the end: say what changed.
		switch {
		case err != nil && !errors.Is(err, zip.ErrChecksum):
			rep.problem("file %s cannot be read (%v): it was changed or damaged", f.Path, err)
		case got != f.SHA256 || n != f.Size:
			rep.problem("file %s changed: its SHA-256 is %s (%d bytes), the manifest says %s (%d bytes)", f.Path, got, n, f.SHA256, f.Size)
		case err != nil:
			rep.problem("file %s is damaged (%v)", f.Path, err)
		}
		if strings.HasPrefix(f.Path, "evidence/") && strings.TrimPrefix(f.Path, "evidence/") != f.SHA256 {
			rep.problem("evidence file %s is listed with SHA-256 %s, not the hash it is named by", f.Path, f.SHA256)
		}
		if body != nil {
			good[f.Path] = body
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := listed[name]; !ok && name != ManifestPath {
			rep.problem("file %s was added: the manifest does not list it", name)
		}
	}
	if d := m.Digest(); d != m.ContentsDigest {
		rep.problem("%s was changed: it gives the digest %s, but was made with %s (printed on the cover)", ManifestPath, d, m.ContentsDigest)
	}
	if cover, ok := good[CoverPath]; ok && !bytes.Contains(cover, []byte(m.ContentsDigest)) {
		rep.problem("%s does not print the manifest's digest %s", CoverPath, m.ContentsDigest)
	}

	// Every case's chain, recomputed from its timeline.
	for _, c := range m.Cases {
		body, ok := good[c.Timeline]
		if !ok {
			if _, listedTl := listed[c.Timeline]; !listedTl {
				rep.problem("case %s: its timeline %s is not in the manifest", c.CaseNo, c.Timeline)
			}
			if zf, inZip := entries[c.Timeline]; inZip {
				body, _ = readAll(zf, maxManifest)
			}
			if body == nil {
				continue
			}
		}
		var tl Timeline
		if err := json.Unmarshal(body, &tl); err != nil {
			rep.problem("case %s: timeline %s is not valid JSON (%v)", c.CaseNo, c.Timeline, err)
			continue
		}
		rep.Entries += len(tl.Entries)
		for _, e := range tl.Entries {
			if e.WorkflowID != c.WorkflowID || e.CaseNo != c.CaseNo {
				rep.problem("case %s: timeline %s holds seq %d of %s (%s)", c.CaseNo, c.Timeline, e.Seq, e.CaseNo, e.WorkflowID)
				break
			}
		}
		head, brk, ok := store.VerifyChain(tl.Entries)
		switch {
		case !ok:
			rep.problem("case %s: timeline %s does not verify: %s", c.CaseNo, c.Timeline, brk)
		case head != c.ChainHead || len(tl.Entries) != c.Steps:
			rep.problem("case %s: the chain ends at %s after %d entries, the manifest says %s after %d: entries were removed or added",
				c.CaseNo, head, len(tl.Entries), c.ChainHead, c.Steps)
		}
	}
	return rep, nil
}

func (r *Report) problem(format string, a ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
}

// hashEntry reads a zip entry through, with its SHA-256 and size; keep
// returns the bytes too. The zip's own CRC is checked at the end.
func hashEntry(f *zip.File, keep bool) (sum string, n int64, body []byte, err error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, nil, err
	}
	defer rc.Close()
	h := sha256.New()
	var buf bytes.Buffer
	w := io.Writer(h)
	if keep {
		w = io.MultiWriter(h, &buf)
	}
	n, err = io.Copy(w, rc)
	if keep {
		body = buf.Bytes()
	}
	return hex.EncodeToString(h.Sum(nil)), n, body, err
}

// readAll reads a zip entry of at most max bytes.
func readAll(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return b, nil
}
