// Package archive makes the case file (案卷) of a closed case: the case
// and its child cases (a hazard with its talks, penalties and escalations;
// an accident with its corrective hazards and what they led to) as one
// zip — a cover sheet (卷宗封面) and a table of contents (卷内目录), every
// document in its printable form with its number (文号) and service
// records, the evidence files as stored, each case's full timeline with
// its hash chain, and a manifest of every file's size and SHA-256.
//
// Verify checks such a bundle offline, without duty's database: every
// file against the manifest, and every case's chain recomputed from its
// timeline with the code `duty audit verify` uses in the database
// (store.VerifyChain). The same case made at the same time by the same
// person is the same bytes: files go in a fixed order with fixed times.
package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/evidence"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// Format names the bundle's layout and the manifest's fields; a verifier
// refuses a bundle of a format it does not know.
const Format = "duty-archive-v1"

// ManifestPath is the manifest's name in the bundle. It lists every other
// file.
const ManifestPath = "manifest.json"

// The files every bundle has besides each case's.
const (
	CoverPath    = "cover.html"    // 卷宗封面
	ContentsPath = "contents.html" // 卷内目录
)

// Manifest describes a case file: its cases, who made it and when, how
// long it is kept, and every file with its size and SHA-256.
type Manifest struct {
	Format string `json:"format"`
	// CaseNo is the case the file was made for; Cases lists it first,
	// then its child cases.
	CaseNo    string    `json:"case_no"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Retention is how long the file is kept (保管期限): the longest of
	// its cases' periods under their rule sets; RetentionLabel prints it.
	Retention      rules.RetentionPeriod `json:"retention"`
	RetentionLabel string                `json:"retention_label"`
	Cases          []Case                `json:"cases"`
	Files          []File                `json:"files"`
	// ContentsDigest is the manifest's Digest: the cover prints it.
	ContentsDigest string `json:"contents_digest"`
}

// Case is one case of a case file, with where its parts are.
type Case struct {
	CaseNo     string     `json:"case_no"`
	WorkflowID string     `json:"workflow_id"`
	Kind       cases.Kind `json:"kind"`
	State      string     `json:"state"`
	Title      string     `json:"title"`
	// Parent is the case number of the case it was started from, if that
	// case is in the file.
	Parent     string     `json:"parent,omitempty"`
	Enterprise string     `json:"enterprise"`
	ActingOrg  string     `json:"acting_org"`
	OpenedAt   time.Time  `json:"opened_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	RuleSet    string     `json:"rule_set"`
	// Retention is the case's own period (保管期限) under its rule set.
	Retention rules.RetentionPeriod `json:"retention"`
	// Steps is the number of entries of its chain; ChainHead the last
	// entry's hash, which `duty audit verify` in the database reaches too.
	Steps     int    `json:"steps"`
	ChainHead string `json:"chain_head"`
	// Timeline is the path of its timeline (the chain's entries).
	Timeline  string `json:"timeline"`
	Documents int    `json:"documents"`
	Evidence  int    `json:"evidence"`
}

// File is one file of a case file.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Title says what the file is, in Chinese (卷内目录's 题名).
	Title string `json:"title"`
	// CaseNo is the case it belongs to; empty for the cover, the contents
	// and evidence shared by cases.
	CaseNo string `json:"case_no,omitempty"`
	// Number, Issuer and Date are a document's 文号, 责任者 and date.
	Number string `json:"number,omitempty"`
	Issuer string `json:"issuer,omitempty"`
	Date   string `json:"date,omitempty"`
}

// Timeline is a case's timeline as the bundle carries it: every entry of
// its audit chain with the fields the hash covers (who, in which post and
// organisation, when, what, the states and the step's details) and the
// links.
type Timeline struct {
	Format     string             `json:"format"`
	CaseNo     string             `json:"case_no"`
	WorkflowID string             `json:"workflow_id"`
	Entries    []store.ChainEntry `json:"entries"`
}

// EvidenceItem is a file a step of a case recorded.
type EvidenceItem struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Seq    int64  `json:"seq"`
	Action string `json:"action"`
	// Path is where the file is in the bundle; empty when the step names
	// a file that is not in the evidence folder (or was not uploaded to
	// this case): the step's record of it is all there is.
	Path string `json:"path,omitempty"`
}

// DocumentRecord is a document of a case in the bundle: its number, the
// page and its service records.
type DocumentRecord struct {
	ID       string                  `json:"id"`
	Kind     string                  `json:"kind"`
	Title    string                  `json:"title"`
	Number   string                  `json:"number"`
	Issuer   string                  `json:"issuer"`
	IssuedAt time.Time               `json:"issued_at"`
	Step     string                  `json:"step"`
	Path     string                  `json:"path"`
	Services []store.DocumentService `json:"services"`
	// ServedByStep: its service is a step of the case (the penalty
	// decision's 送达), in the timeline.
	ServedByStep bool `json:"served_by_step,omitempty"`
}

// Builder reads case files from the store and the evidence folder.
type Builder struct {
	Store *store.Store
	// EvidenceDir is the evidence folder (<data>/evidence); empty files
	// no evidence, listing what the steps name.
	EvidenceDir string
	// Rules are the rule sets, for the retention periods; nil means the
	// built-in ones.
	Rules *rules.Catalogue
}

// Options say who makes a case file and when.
type Options struct {
	At time.Time
	// By is the person making it, as the manifest and the cover name them
	// (name, post, organisation).
	By string
}

// Bundle is a case file ready to be written.
type Bundle struct {
	Manifest Manifest
	contents []content // in Manifest.Files order
	modified time.Time
}

// content is one file's bytes, or the evidence file they are read from.
type content struct {
	data []byte
	path string
}

// Build assembles the case file of a closed case and its child cases.
// A case not closed is refused (its record is not complete); so is one
// whose record does not verify — a case file certifies its record, so a
// broken chain is repaired first, never filed.
func (b *Builder) Build(ctx context.Context, caseNo string, opt Options) (*Bundle, error) {
	family, err := b.Store.CaseFamily(ctx, caseNo)
	if err != nil {
		return nil, err
	}
	root := family[0].Summary
	if root.ClosedAt == nil {
		return nil, duty.Fail(duty.EConflict, "archive.not_closed", duty.Args{"CaseNo": root.CaseNo})
	}
	cat := b.Rules
	if cat == nil {
		cat = rules.Builtin()
	}
	bn := &Bundle{modified: root.ClosedAt.UTC().Truncate(time.Second)}
	m := &bn.Manifest
	*m = Manifest{Format: Format, CaseNo: root.CaseNo, CreatedAt: opt.At.UTC(), CreatedBy: opt.By}
	byWorkflow := map[string]string{}
	for _, row := range family {
		byWorkflow[row.Summary.WorkflowID] = row.Summary.CaseNo
	}
	var caseFiles [][]File
	var caseContents [][]content
	evidenceSeen := map[string]bool{}
	var evFiles []File
	var evContents []content
	for _, row := range family {
		s := row.Summary
		c := Case{CaseNo: s.CaseNo, WorkflowID: s.WorkflowID, Kind: s.Kind, State: s.State, Title: s.Title,
			Parent: byWorkflow[s.ParentWorkflowID], Enterprise: s.Enterprise.Name, ActingOrg: s.ActingOrg.Name,
			OpenedAt: s.OpenedAt.UTC(), RuleSet: s.RuleSet}
		if s.ClosedAt != nil {
			at := s.ClosedAt.UTC()
			c.ClosedAt = &at
		}
		c.Retention = retention(cat, row)
		if m.Retention == "" {
			m.Retention = c.Retention
		}
		m.Retention = rules.Longer(m.Retention, c.Retention)
		dir := "cases/" + s.CaseNo + "/"
		var files []File
		var data []content
		add := func(f File, body []byte) {
			sum := sha256.Sum256(body)
			f.Size, f.SHA256, f.CaseNo = int64(len(body)), hex.EncodeToString(sum[:]), s.CaseNo
			files = append(files, f)
			data = append(data, content{data: body})
		}
		// The case as the read model holds it.
		view, err := indentJSON(row.View)
		if err != nil {
			return nil, fmt.Errorf("archive: %s: %w", s.CaseNo, err)
		}
		add(File{Path: dir + "case.json", Title: "案件信息", Date: day(s.OpenedAt)}, view)

		// The timeline: the whole chain, verified before it is filed.
		chain, err := b.Store.Chain(ctx, s.WorkflowID)
		if err != nil {
			return nil, err
		}
		head, brk, ok := store.VerifyChain(chain)
		if !ok {
			return nil, fmt.Errorf("archive: the record of %s does not verify (%s): run duty audit verify", s.CaseNo, brk)
		}
		if n := len(chain); n == 0 || chain[n-1].Seq != row.Seq {
			return nil, fmt.Errorf("archive: the record of %s ends before its last step (seq %d): run duty audit verify", s.CaseNo, row.Seq)
		}
		c.Steps, c.ChainHead, c.Timeline = len(chain), head, dir+"timeline.json"
		tl, err := json.MarshalIndent(Timeline{Format: Format, CaseNo: s.CaseNo, WorkflowID: s.WorkflowID, Entries: chain}, "", "  ")
		if err != nil {
			return nil, err
		}
		add(File{Path: c.Timeline, Title: "办案记录（全过程记录，哈希链）", Date: day(s.OpenedAt)}, append(tl, '\n'))

		// The documents, each as it prints, with its number and service.
		docs, err := NumberedDocuments(ctx, b.Store, row)
		if err != nil {
			return nil, err
		}
		records := make([]DocumentRecord, 0, len(docs))
		for i, d := range docs {
			page, err := renderDocument(ctx, b.Store, row, docs, i)
			if err != nil {
				return nil, fmt.Errorf("archive: %s %s: %w", s.CaseNo, d.ID, err)
			}
			path := fmt.Sprintf("%sdocuments/%02d-%s.html", dir, i+1, d.ID)
			add(File{Path: path, Title: d.Title, Number: d.Number, Issuer: d.Issuer.Name, Date: day(d.IssuedAt)}, page)
			records = append(records, DocumentRecord{ID: d.ID, Kind: string(d.Kind), Title: d.Title, Number: d.Number,
				Issuer: d.Issuer.Name, IssuedAt: d.IssuedAt.UTC(), Step: d.Step, Path: path, Services: d.Services,
				ServedByStep: d.ServedByStep})
		}
		c.Documents = len(docs)
		list, err := json.MarshalIndent(records, "", "  ")
		if err != nil {
			return nil, err
		}
		add(File{Path: dir + "documents.json", Title: "文书目录及送达记录"}, append(list, '\n'))

		// The evidence the steps recorded, by their hash.
		items, err := b.evidence(s.CaseNo, chain)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Path == "" || evidenceSeen[it.SHA256] {
				continue
			}
			evidenceSeen[it.SHA256] = true
			fi, err := os.Stat(filepath.Join(b.EvidenceDir, it.SHA256))
			if err != nil {
				return nil, err
			}
			evFiles = append(evFiles, File{Path: it.Path, Size: fi.Size(), SHA256: it.SHA256, Title: "证据：" + it.Name})
			evContents = append(evContents, content{path: filepath.Join(b.EvidenceDir, it.SHA256)})
		}
		c.Evidence = len(items)
		ev, err := json.MarshalIndent(items, "", "  ")
		if err != nil {
			return nil, err
		}
		add(File{Path: dir + "evidence.json", Title: "证据目录"}, append(ev, '\n'))
		m.Cases = append(m.Cases, c)
		caseFiles = append(caseFiles, files)
		caseContents = append(caseContents, data)
	}

	var rest []File
	var restData []content
	for i := range caseFiles {
		rest = append(rest, caseFiles[i]...)
		restData = append(restData, caseContents[i]...)
	}
	if err := bn.seal(append(rest, evFiles...), append(restData, evContents...)); err != nil {
		return nil, err
	}
	return bn, nil
}

// seal finishes a bundle of the given files (and their contents): the
// contents (卷内目录) listing them goes before them, and the cover
// (卷宗封面), printing the digest of all but itself, before that.
func (bn *Bundle) seal(files []File, data []content) error {
	m := &bn.Manifest
	m.RetentionLabel = m.Retention.Label()
	toc, err := renderContents(m, files)
	if err != nil {
		return err
	}
	tocSum := sha256.Sum256(toc)
	m.Files = append([]File{{Path: ContentsPath, Size: int64(len(toc)), SHA256: hex.EncodeToString(tocSum[:]), Title: "卷内目录"}}, files...)
	bn.contents = append([]content{{data: toc}}, data...)
	m.ContentsDigest = m.Digest()
	cover, err := renderCover(m)
	if err != nil {
		return err
	}
	coverSum := sha256.Sum256(cover)
	m.Files = append([]File{{Path: CoverPath, Size: int64(len(cover)), SHA256: hex.EncodeToString(coverSum[:]), Title: "卷宗封面"}}, m.Files...)
	bn.contents = append([]content{{data: cover}}, bn.contents...)
	return nil
}

// retention is a case's period under the rule set it was opened under
// (the one in force then, if that set is no longer in the catalogue).
func retention(cat *rules.Catalogue, row store.CaseRow) rules.RetentionPeriod {
	rs, ok := cat.ByID(row.Summary.RuleSet)
	if !ok {
		rs = cat.InForce(row.Summary.OpenedAt)
	}
	var v struct {
		Casualties struct {
			Deaths int `json:"deaths"`
		} `json:"casualties"`
	}
	_ = json.Unmarshal(row.View, &v)
	return rs.RetentionFor(string(row.Summary.Kind), v.Casualties.Deaths)
}

// evidence lists the files a case's steps recorded, in step order; those
// kept in the folder for this case get their path in the bundle. A file
// whose bytes no longer match its name is an error: the case file would
// certify what was not recorded.
func (b *Builder) evidence(caseNo string, chain []store.ChainEntry) ([]EvidenceItem, error) {
	items := []EvidenceItem{}
	for _, e := range chain {
		var d any
		if json.Unmarshal([]byte(e.Details), &d) != nil {
			continue
		}
		for _, ev := range evidence.In(d, nil) {
			name, _ := ev["name"].(string)
			sum, _ := ev["sha256"].(string)
			it := EvidenceItem{Name: strings.TrimSpace(name), SHA256: strings.ToLower(sum), Seq: e.Seq, Action: e.Action}
			if b.EvidenceDir != "" && evidence.ValidHash(it.SHA256) && evidence.KeptFor(b.EvidenceDir, it.SHA256, caseNo) {
				got, err := fileSHA256(filepath.Join(b.EvidenceDir, it.SHA256))
				switch {
				case errors.Is(err, os.ErrNotExist):
				case err != nil:
					return nil, err
				case got != it.SHA256:
					return nil, fmt.Errorf("archive: evidence file %s of %s no longer matches its hash (%s)", it.SHA256, caseNo, got)
				default:
					it.Path = "evidence/" + it.SHA256
				}
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// fileSHA256 is a file's SHA-256 in hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Digest is SHA-256 over the manifest as JSON without its digest and
// without the cover's entry: every file's path, size and hash, and what
// it says of the cases, who made the file and how long it is kept. The
// cover prints it, so the paper cover and the bundle can be matched, and
// a manifest changed by hand no longer gives it.
func (m Manifest) Digest() string {
	c := m
	c.ContentsDigest = ""
	c.Files = make([]File, 0, len(m.Files))
	for _, f := range m.Files {
		if f.Path != CoverPath {
			c.Files = append(c.Files, f)
		}
	}
	b, _ := json.Marshal(c) // a struct of strings, numbers and times always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// indentJSON re-indents a JSON value for reading; its content is unchanged.
func indentJSON(b []byte) ([]byte, error) {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// day is a date as the paper archive writes it, in China.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rules.China).Format("2006-01-02")
}

// ManifestJSON is the manifest as the bundle carries it.
func (bn *Bundle) ManifestJSON() ([]byte, error) {
	b, err := json.MarshalIndent(bn.Manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ManifestSHA256 is the SHA-256 of manifest.json: `duty archive` and the
// API print it, and `duty audit verify --bundle` prints it again, so a
// bundle can be matched with the one made.
func (bn *Bundle) ManifestSHA256() (string, error) {
	b, err := bn.ManifestJSON()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// WriteZip writes the bundle as a zip: the manifest first, then the files
// in the manifest's order, every one with the time the case closed, so
// that the same bundle is the same bytes.
func (bn *Bundle) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	put := func(name string, r io.Reader) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: bn.modified})
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, r)
		return err
	}
	man, err := bn.ManifestJSON()
	if err != nil {
		return err
	}
	if err := put(ManifestPath, bytes.NewReader(man)); err != nil {
		return err
	}
	for i, f := range bn.Manifest.Files {
		c := bn.contents[i]
		if c.path == "" {
			if err := put(f.Path, bytes.NewReader(c.data)); err != nil {
				return err
			}
			continue
		}
		// An evidence file is read again as it is written; a file that
		// changed since it was hashed fails the bundle.
		src, err := os.Open(c.path)
		if err != nil {
			return err
		}
		h := sha256.New()
		err = put(f.Path, io.TeeReader(src, h))
		src.Close()
		if err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
			return fmt.Errorf("archive: evidence file %s changed while the case file was written", f.Path)
		}
	}
	return zw.Close()
}
