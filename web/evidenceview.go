package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/evidence"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/store"
)

// evidenceItem is one file a step of a case recorded, as the case page
// and the viewer show it. Who recorded it and when are the step's, from
// the case's audit record (the server established both); nothing about it
// comes from the upload but its name and bytes.
type evidenceItem struct {
	Name, SHA256 string
	// Step says at which step the file was recorded (发现隐患时, 整改证据,
	// 复查时…).
	Step string
	At   time.Time
	By   cases.Actor
	// Stored says the file is in the evidence folder (a step recorded
	// through the API may name a file never uploaded here). Kind is how it
	// is served: "image", "pdf" or "file" (a download); Thumb whether a
	// thumbnail can be made of it.
	Stored bool
	Kind   string
	Thumb  bool
}

// caseEvidence lists the files a case's steps recorded, in step order, as
// the audit record holds them: the only files served under the case, and
// of them only those in the folder and uploaded to this case (keptFor).
func (s *Server) caseEvidence(kind cases.Kind, caseNo string, timeline []store.AuditEntry) []evidenceItem {
	var out []evidenceItem
	for _, e := range timeline {
		var d any
		if json.Unmarshal(e.Details, &d) != nil {
			continue
		}
		for _, ev := range evidenceIn(d, nil) {
			it := evidenceItem{Name: strings.TrimSpace(str(ev["name"])), SHA256: strings.ToLower(str(ev["sha256"])),
				Step: evidenceStep(kind, e.Action), At: e.At, By: e.Actor, Kind: "file"}
			if validHash(it.SHA256) && s.evidence.keptFor(it.SHA256, caseNo) {
				if sniffed, err := s.evidence.sniff(it.SHA256); err == nil {
					it.Stored = true
					_, it.Kind = servedAs(sniffed)
					it.Thumb = thumbnailable(sniffed)
				}
			}
			out = append(out, it)
		}
	}
	return out
}

// evidenceStep names the step a file was recorded at, as the case page
// groups evidence.
func evidenceStep(kind cases.Kind, action string) string {
	if k := "evidence." + string(kind) + "." + action; hasLabel(k) {
		return label(k)
	}
	return actionLabel(kind, action)
}

func str(v any) string { s, _ := v.(string); return s }

// validHash reports whether s is a SHA-256 as the folder names files:
// 64 lower-case hexadecimal characters, so it can never be a path.
func validHash(s string) bool { return evidence.ValidHash(s) }

// servedAs is how a file of a sniffed type is served: images and PDFs as
// themselves (kind "image" or "pdf"), anything else — HTML, SVG, scripts,
// archives — as an opaque download (kind "file"), so no evidence file can
// run as a page of this site.
func servedAs(sniffed string) (contentType, kind string) {
	switch sniffed {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp":
		return sniffed, "image"
	case "application/pdf":
		return sniffed, "pdf"
	}
	return "application/octet-stream", "file"
}

// Content-Security-Policy of evidence files. An image or a PDF shown on
// its own is a sandboxed document: an opaque origin, so whatever script a
// crafted file carries runs nowhere near this site's pages, cookies or API
// (Chromium shows a top-level PDF in its viewer under the sandbox;
// checked by hand with the browser the tests use). A PDF may load nothing
// but itself. A download is never rendered, and sandboxed if a browser
// tries.
const (
	evidenceImagePolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
	evidencePDFPolicy   = "default-src 'none'; object-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; sandbox; frame-ancestors 'none'"
	evidenceFilePolicy  = "default-src 'none'; sandbox; frame-ancestors 'none'"
)

// evidenceCache lets the visitor's own browser keep a file for an hour: a
// file never changes under its hash, and only this visitor's browser may
// keep it (private: no shared cache between the visitor and the site).
const evidenceCache = "private, max-age=3600"

// evidenceOf reads the case and finds one of its files for the visitor:
// the API decides whether the visitor may read the case (404 or 403 as
// for the case itself), and the file must be one a step of that case
// recorded, in the folder and uploaded to that case; a hash of another case, or no file,
// is the same 404, so the answer says nothing of other cases.
func (s *Server) evidenceOf(w http.ResponseWriter, r *http.Request, m *me) (evidenceItem, []evidenceItem, bool) {
	no, sum := r.PathValue("caseNo"), r.PathValue("sha256")
	var res api.CaseResponse
	if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no), nil, &res); err != nil {
		s.fail(w, r, m, err)
		return evidenceItem{}, nil, false
	}
	var sum0 cases.Summary
	if err := json.Unmarshal(res.Case, &sum0); err != nil {
		s.fail(w, r, m, err)
		return evidenceItem{}, nil, false
	}
	items := s.caseEvidence(sum0.Kind, sum0.CaseNo, res.Timeline)
	if validHash(sum) {
		if i := slices.IndexFunc(items, func(it evidenceItem) bool { return it.Stored && it.SHA256 == sum }); i >= 0 {
			return items[i], items, true
		}
	}
	s.fail(w, r, m, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.evidence_not_in_case", nil)})
	return evidenceItem{}, nil, false
}

// evidenceFile serves one evidence file of a case (evidenceOf), as what
// its bytes are rather than what its name says: images and PDFs to be
// shown, anything else to be downloaded, never sniffed by the browser.
func (s *Server) evidenceFile(w http.ResponseWriter, r *http.Request) {
	it, _, ok := s.evidenceOf(w, r, nil)
	if !ok {
		return
	}
	f, err := s.evidence.open(it.SHA256)
	if err != nil {
		s.evidenceGone(w, r, err)
		return
	}
	defer f.Close()
	sniffed, err := sniffFile(f)
	if err != nil {
		s.evidenceGone(w, r, err)
		return
	}
	ctype, kind := servedAs(sniffed)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", evidenceCache)
	h.Set("ETag", `"`+it.SHA256+`"`)
	disposition := "inline"
	switch kind {
	case "image":
		h.Set("Content-Security-Policy", evidenceImagePolicy)
	case "pdf":
		h.Set("Content-Security-Policy", evidencePDFPolicy)
	default:
		h.Set("Content-Security-Policy", evidenceFilePolicy)
		disposition = "attachment"
	}
	h.Set("Content-Disposition", contentDisposition(disposition, it.Name))
	http.ServeContent(w, r, "", time.Time{}, f)
}

// evidenceThumb serves a small JPEG of a photo of a case, made on first
// request and kept beside the file.
func (s *Server) evidenceThumb(w http.ResponseWriter, r *http.Request) {
	it, _, ok := s.evidenceOf(w, r, nil)
	if !ok {
		return
	}
	if !it.Thumb {
		s.fail(w, r, nil, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.no_thumbnail", nil)})
		return
	}
	f, err := s.evidence.thumbnail(it.SHA256)
	if err != nil {
		s.evidenceGone(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", evidenceCache)
	h.Set("Content-Security-Policy", evidenceImagePolicy)
	h.Set("ETag", `"thumb-`+it.SHA256+`"`)
	http.ServeContent(w, r, "", time.Time{}, f)
}

// evidenceGone answers for a file the case records but that cannot be
// read (removed from the folder, or an image that cannot be decoded).
// Only the error is logged: the file's name may be personal.
func (s *Server) evidenceGone(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, errNoThumbnail) {
		s.Logger.Warn("evidence file could not be read", "case", r.PathValue("caseNo"), "error", err)
	}
	s.fail(w, r, nil, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.evidence_unreadable", nil)})
}

// contentDisposition names the file for the browser (its recorded name,
// in RFC 2231 form when it is not ASCII).
func contentDisposition(disposition, name string) string {
	if v := mime.FormatMediaType(disposition, map[string]string{"filename": name}); v != "" {
		return v
	}
	return disposition
}

// viewerData is the photo viewer: one photo of a case with the step that
// recorded it, and the case's other photos before and after it.
type viewerData struct {
	CaseNo     string
	Item       evidenceItem
	Prev, Next *evidenceItem
	Pos, Count int
}

// evidenceViewer shows one photo of a case as large as the screen allows,
// with who took it at which step and when, and links to the previous and
// next photo: a page, not a script, so it works wherever pages do.
func (s *Server) evidenceViewer(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	it, items, ok := s.evidenceOf(w, r, m)
	if !ok {
		return
	}
	var photos []evidenceItem
	for _, x := range items {
		if x.Stored && x.Kind == "image" && !slices.ContainsFunc(photos, func(p evidenceItem) bool { return p.SHA256 == x.SHA256 }) {
			photos = append(photos, x)
		}
	}
	d := viewerData{CaseNo: r.PathValue("caseNo"), Item: it, Count: len(photos)}
	if i := slices.IndexFunc(photos, func(p evidenceItem) bool { return p.SHA256 == it.SHA256 }); i >= 0 {
		d.Pos = i + 1
		if i > 0 {
			d.Prev = &photos[i-1]
		}
		if i+1 < len(photos) {
			d.Next = &photos[i+1]
		}
	}
	s.render(w, http.StatusOK, "evidence", page{TitleID: "case.evidence", Title: it.Name, Me: m, Data: d, Now: time.Now()})
}

// sniffFile reads the start of a file to tell what it is, and rewinds.
func sniffFile(f io.ReadSeeker) (string, error) {
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return http.DetectContentType(buf[:n]), nil
}
