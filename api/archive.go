package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/archive"
	"github.com/duty-project/duty/policy"
)

func archiveRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/cases/{caseNo}/archive", summary: "the case file (案卷) of a closed case and its child cases, " +
			"as a zip: cover, table of contents, documents with their numbers and service, evidence, each case's timeline with its hash chain, " +
			"manifest.json with every file's SHA-256 (check it with duty audit verify --bundle); the department head's (case:archive); " +
			"409 for a case not closed; the header X-Duty-Manifest-SHA256 is the manifest's digest; " +
			"format=pdf prints it instead as one A4 PDF for the paper archive, pages numbered (503 without Chromium)",
			handle: (*Server).getArchive},
	}
}

// getArchive sends the case file of a closed case. Who may read the case
// learns nothing more from a refusal than from the case itself: one who
// may not is answered 404 first (visibleCase).
func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, resource, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	post, err := s.Warden.AllowedBy(ctx, c.subject(), policy.ActionArchive, resource, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if row.Summary.ClosedAt == nil {
		s.writeError(w, r, duty.Fail(duty.EConflict, "archive.not_closed", duty.Args{"CaseNo": row.Summary.CaseNo}))
		return
	}
	// The format is settled before the bundle is built: a wrong one costs
	// nothing.
	format := r.URL.Query().Get("format")
	switch format {
	case "":
		format = "zip"
	case "zip", "pdf":
	default:
		s.writeError(w, r, duty.Fail(duty.EInvalid, "archive.format", nil))
		return
	}
	actor := c.actor(post)
	by := actor.Name
	if actor.Title != "" || actor.OrgName != "" {
		by += "（" + actor.Title + "，" + actor.OrgName + "）"
	}
	b := &archive.Builder{Store: s.Store, EvidenceDir: s.EvidenceDir, Rules: s.Rules}
	bn, err := b.Build(ctx, row.Summary.CaseNo, archive.Options{At: s.Now().UTC().Truncate(time.Second), By: by})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum, err := bn.ManifestSHA256()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var printed []byte
	if format == "pdf" {
		page, err := bn.PrintPage()
		if err == nil {
			printed, err = printer.Book(ctx, page)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/"+format)
	h.Set("Content-Disposition", "attachment; filename=\""+row.Summary.CaseNo+"."+format+"\"; filename*=UTF-8''"+
		url.PathEscape("案卷-"+row.Summary.CaseNo+"."+format))
	h.Set("X-Duty-Manifest-SHA256", sum)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if printed != nil {
		_, _ = w.Write(printed)
		return
	}
	// Streamed: the evidence may be large. Every file was read and
	// hashed while the bundle was built, so a failure from here on is
	// the connection's or the disk's, and is logged; the client has a
	// truncated zip, which does not verify.
	if err := bn.WriteZip(w); err != nil {
		s.Logger.ErrorContext(r.Context(), "writing a case file", "case", row.Summary.CaseNo, "err", err)
	}
}
