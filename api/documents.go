package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/archive"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/documents"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
)

// DocumentEntry is one document of a case: what it is, its number, where
// to get it, and its service so far.
type DocumentEntry struct {
	documents.Document
	Number string `json:"number"`
	HTML   string `json:"html"`
	PDF    string `json:"pdf"`
	// Services are the recorded services of the document (送达回证).
	Services []store.DocumentService `json:"services"`
	// ServiceStep is, for a document whose service is a step of the case
	// (the penalty decision), that step as the case records it;
	// ServiceEndpoint is where service is recorded.
	ServiceStep     *ServiceStep `json:"service_step,omitempty"`
	ServiceEndpoint string       `json:"service_endpoint"`
}

// ServiceStep is the service of a document recorded as a step of its case.
type ServiceStep struct {
	Step       string      `json:"step"`
	Method     string      `json:"method"`
	ServedAt   time.Time   `json:"served_at"`
	ReceivedBy string      `json:"received_by"`
	By         cases.Actor `json:"by"`
}

// DocumentList is the documents a case has so far, in step order.
type DocumentList struct {
	CaseNo    string          `json:"case_no"`
	Documents []DocumentEntry `json:"documents"`
}

// DocumentServiceRequest records the service (送达) of a document.
// Method is one of direct, retained, post, electronic, announcement,
// on_the_spot — or its Chinese name: 直接, 留置, 邮寄, 电子, 公告, 当场.
type DocumentServiceRequest struct {
	Method     string `json:"method"`
	ServedAt   When   `json:"served_at"`
	ReceivedBy string `json:"received_by"`
	Note       string `json:"note,omitempty"`
}

// serviceMethods maps the Chinese names of the service methods to the ids
// the penalty case uses for its own service step.
var serviceMethods = map[string]penalty.ServiceMethod{
	"直接": penalty.ServeDirect, "留置": penalty.ServeRetained, "邮寄": penalty.ServePost,
	"电子": penalty.ServeElectronic, "公告": penalty.ServeAnnouncement, "当场": penalty.ServeOnTheSpot,
}

// printer prints PDFs; it looks for Chromium at each print.
var printer = documents.NewPrinter()

func documentRoutes() []route {
	docs := "/api/v1/cases/{caseNo}/documents"
	return []route{
		{method: "GET", path: docs, summary: "the official documents (执法文书) the case has so far, with their numbers (文号) and service (送达); as visible as the case",
			response: DocumentList{}, handle: (*Server).listDocuments},
		{method: "GET", path: docs + "/{docID}", summary: "one document for print: ?format=html (A4 print stylesheet, the default) or ?format=pdf (503 when Chromium is not installed)",
			handle: (*Server).getDocument},
		{method: "POST", path: docs + "/{docID}/service", summary: "record the service (送达) of a document: method, served_at, received_by; the issuing side only; the penalty decision's service is the penalty's own step",
			request: DocumentServiceRequest{}, response: DocumentEntry{}, handle: (*Server).serveDocument},
	}
}

// caseDocuments is a visible case's documents, each given its number
// (archive.NumberedDocuments: the case file shows the same).
func (s *Server) caseDocuments(ctx context.Context, row store.CaseRow) ([]DocumentEntry, map[string]documents.Issuer, error) {
	docs, err := archive.NumberedDocuments(ctx, s.Store, row)
	if err != nil {
		return nil, nil, err
	}
	caseNo := row.Summary.CaseNo
	issuers := map[string]documents.Issuer{}
	out := make([]DocumentEntry, 0, len(docs))
	base := "/api/v1/cases/" + url.PathEscape(caseNo) + "/documents/"
	for _, d := range docs {
		issuers[d.ID] = d.Issuer
		e := DocumentEntry{Document: d.Document, Number: d.Number, HTML: base + url.PathEscape(d.ID) + "?format=html",
			PDF: base + url.PathEscape(d.ID) + "?format=pdf", Services: d.Services,
			ServiceEndpoint: base + url.PathEscape(d.ID) + "/service"}
		if d.ServedByStep {
			e.ServiceEndpoint = "/api/v1/penalties/" + url.PathEscape(caseNo) + "/service"
			e.ServiceStep = penaltyService(row)
		}
		out = append(out, e)
	}
	return out, issuers, nil
}

// penaltyService is the penalty case's own service step, if taken.
func penaltyService(row store.CaseRow) *ServiceStep {
	var v struct {
		Service *penalty.Service `json:"service"`
	}
	if json.Unmarshal(row.View, &v) != nil || v.Service == nil {
		return nil
	}
	sv := v.Service
	return &ServiceStep{Step: penalty.UpdateServe, Method: string(sv.Method), ServedAt: sv.At, ReceivedBy: sv.ReceivedBy, By: sv.Actor}
}

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, _, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, _, err := s.caseDocuments(r.Context(), row)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DocumentList{CaseNo: row.Summary.CaseNo, Documents: entries})
}

// getDocument serves one document as HTML for print or as PDF, to anyone
// who may view the case.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "html" && format != "pdf" {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "document.format.unknown", nil))
		return
	}
	row, _, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, issuers, err := s.caseDocuments(r.Context(), row)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("docID")
	related := map[string]string{}
	var entry *DocumentEntry
	for i := range entries {
		related[entries[i].ID] = entries[i].Number
		if entries[i].ID == id {
			entry = &entries[i]
		}
	}
	if entry == nil {
		s.writeError(w, r, duty.Fail(duty.ENotFound, "document.not_found", duty.Args{"ID": id}))
		return
	}
	in := documents.Input{Doc: entry.Document, Number: entry.Number, View: row.View, Issuer: issuers[id], Related: related}
	if in.Certificates, err = s.officersCertificates(r.Context(), in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var page bytes.Buffer
	if err := documents.Render(&page, in); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if format == "pdf" {
		pdf, err := printer.PDF(r.Context(), page.Bytes())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		name := entry.Title + "-" + entry.Number + ".pdf"
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", "inline; filename=\"document.pdf\"; filename*=UTF-8''"+url.PathEscape(name))
		_, _ = w.Write(pdf)
		return
	}
	// The page is text and styles only: nothing in it may run or load.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = page.WriteTo(w)
}

// officersCertificates are the 执法证号 on record of the officers a
// document names (the organisation's data, not the case's: a number
// recorded after the step still prints).
func (s *Server) officersCertificates(ctx context.Context, in documents.Input) (map[int64]string, error) {
	officers, err := documents.Officers(in)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(officers))
	for _, o := range officers {
		if o.PersonID != 0 {
			ids = append(ids, o.PersonID)
		}
	}
	return s.Store.EnforcementCertificates(ctx, ids)
}

// serviceAction is the permission recording a document's service takes:
// that of the step that issued it, so whoever may issue a document may
// record that it was served.
func serviceAction(d documents.Document) string {
	switch d.Kind {
	case documents.HazardOrder:
		return policy.Action(string(cases.KindHazard), hazard.UpdateOrder)
	case documents.Reinspection:
		return policy.Action(string(cases.KindHazard), hazard.UpdateReinspect)
	case documents.TalkNotice:
		return policy.Action(string(cases.KindTalk), policy.ActionOpen)
	case documents.PenaltyNotice:
		return policy.Action(string(cases.KindPenalty), penalty.UpdateNotify)
	case documents.EscalationLetter:
		return policy.ActionOpenEscalation
	case documents.InspectionRecord:
		// A copy of the record is handed to the unit by the officers who
		// sign it.
		return policy.Action(string(cases.KindInspection), inspection.UpdateSign)
	}
	return policy.Action(string(cases.KindPenalty), penalty.UpdateServe)
}

// maxReceivedBy bounds the name of whoever received a document.
const maxReceivedBy = 200

// serveDocument records the service of a document, by the issuing side.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req DocumentServiceRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	row, resource, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	doc, err := documents.Find(row.View, r.PathValue("docID"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if doc.ServedByStep {
		s.writeError(w, r, duty.Fail(duty.EConflict, "document.service.by_step", duty.Args{"Title": doc.Title, "CaseNo": row.Summary.CaseNo}))
		return
	}
	post, err := s.Warden.AllowedBy(ctx, c.subject(), serviceAction(doc), resource, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := c.actor(post)
	if actor.Side != cases.SideRegulator {
		s.writeError(w, r, duty.Fail(duty.EForbidden, "document.service.issuer_only", nil))
		return
	}
	method, err := serviceMethod(req.Method)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := validService(req, doc, s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The document is numbered before it can be served.
	if _, _, err := s.caseDocuments(ctx, row); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.Store.RecordDocumentService(ctx, store.DocumentService{CaseNo: row.Summary.CaseNo, DocID: doc.ID,
		Method: string(method), ServedAt: req.ServedAt.Time, ReceivedBy: strings.TrimSpace(req.ReceivedBy),
		Note: strings.TrimSpace(req.Note), Actor: actor}); err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, _, err := s.caseDocuments(ctx, row)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, e := range entries {
		if e.ID == doc.ID {
			writeJSON(w, http.StatusCreated, e)
			return
		}
	}
	s.writeError(w, r, fmt.Errorf("api: document %s vanished after its service was recorded", doc.ID))
}

// serviceMethod reads a service method by its id or its Chinese name.
func serviceMethod(m string) (penalty.ServiceMethod, error) {
	m = strings.TrimSpace(m)
	if v, ok := serviceMethods[strings.TrimSuffix(m, "送达")]; ok {
		return v, nil
	}
	for _, v := range penalty.ServiceMethods {
		if string(v) == m {
			return v, nil
		}
	}
	return "", duty.Fail(duty.EInvalid, "document.service.method", nil)
}

// validService checks a service record: who received it, and a time on
// or after the document's day and not later than today.
func validService(req DocumentServiceRequest, d documents.Document, now time.Time) error {
	rb := strings.TrimSpace(req.ReceivedBy)
	if rb == "" || !utf8.ValidString(rb) || utf8.RuneCountInString(rb) > maxReceivedBy {
		return duty.Fail(duty.EInvalid, "document.service.received_by", duty.Args{"Max": maxReceivedBy})
	}
	if !utf8.ValidString(req.Note) || utf8.RuneCountInString(req.Note) > 4000 {
		return duty.Fail(duty.EInvalid, "field.too_long", duty.Args{"Field": i18n.Ref("field.document.note"), "Max": 4000})
	}
	at := req.ServedAt.Time
	if at.IsZero() {
		return duty.Fail(duty.EInvalid, "field.required", duty.Args{"Field": i18n.Ref("field.document.served_at")})
	}
	today := now.In(rules.China)
	endOfToday := time.Date(today.Year(), today.Month(), today.Day(), 23, 59, 59, 0, rules.China)
	if at.After(endOfToday) {
		return duty.Fail(duty.EInvalid, "document.service.future", duty.Args{"At": at})
	}
	if documents.Date(at) != documents.Date(d.IssuedAt) && at.Before(d.IssuedAt) {
		return duty.Fail(duty.EInvalid, "document.service.before_issue", duty.Args{"Issued": d.IssuedAt})
	}
	return nil
}
