package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/evidence"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/riskclass"
)

// caseRow is a case in a list, with its next open deadline, whether it
// has a step the visitor has not seen, and — in a work queue — whether
// it needs the visitor (queues.go).
type caseRow struct {
	cases.Summary
	Next    time.Time
	HasNext bool
	// Seq is the step the case has reached, SeenSeq the one the visitor
	// saw last (0: never opened); NextActions the steps allowed now.
	Seq, SeenSeq int64
	NextActions  []string
	Unread       bool
	Mine         bool
	Todo         []string
	Due          []dueRow
}

// listCases reads the cases the visitor may see, overdue first, then by
// the next deadline, then by number.
func (s *Server) listCases(r *http.Request, query url.Values) ([]caseRow, error) {
	query.Set("limit", "500")
	var list api.CaseList
	if err := s.call(r, http.MethodGet, "/api/v1/cases?"+query.Encode(), nil, &list); err != nil {
		return nil, err
	}
	rows := make([]caseRow, 0, len(list.Cases))
	for _, c := range list.Cases {
		next, ok := c.NextDeadline()
		rows = append(rows, caseRow{Summary: c.Summary, Next: next, HasNext: ok, Seq: c.Seq, SeenSeq: c.SeenSeq,
			NextActions: c.NextActions, Unread: c.Unread()})
	}
	slices.SortStableFunc(rows, func(a, b caseRow) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if a.HasNext != b.HasNext {
			if a.HasNext {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Next.Compare(b.Next), cmp.Compare(a.CaseNo, b.CaseNo))
	})
	return rows, nil
}

// caseFilterKeys are the filters of GET /api/v1/cases a list page passes
// on from its query string: they survive paging (queue.PageLink) and go
// into the export link, so that "export what I see" exports the list.
var caseFilterKeys = []string{"q", "enterprise", "place", "kind", "state", "grade", "industry", "from", "to", "officer", "overdue", "region"}

// caseFilter is the list filter a page takes from its query string.
func caseFilter(r *http.Request) url.Values {
	q := url.Values{}
	for _, k := range caseFilterKeys {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// deskData is the regulator's desk: the cases of their jurisdiction, the
// escalations their department holds, and what opening a case needs.
type deskData struct {
	Queue       queue
	Escalations []map[string]any
	Enterprises []org.Org
	Filter      url.Values
}

func (s *Server) desk(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Regulator, "forbid.desk")
	if !ok {
		return
	}
	s.renderDesk(w, r, m, http.StatusOK, "", nil)
}

// renderDesk shows the desk, with an error from opening a case if any.
func (s *Server) renderDesk(w http.ResponseWriter, r *http.Request, m *me, status int, msg string, posted url.Values) {
	d := deskData{Filter: caseFilter(r)}
	var err error
	if d.Queue, err = s.workQueue(r, m); err != nil {
		s.fail(w, r, m, err)
		return
	}
	var esc struct {
		Escalations []map[string]any `json:"escalations"`
	}
	if err := s.call(r, http.MethodGet, "/api/v1/escalations", nil, &esc); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d.Escalations = esc.Escalations
	var orgs struct {
		Orgs []org.Org `json:"orgs"`
	}
	if err := s.call(r, http.MethodGet, "/api/v1/orgs?kind=enterprise", nil, &orgs); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d.Enterprises = orgs.Orgs
	s.render(w, status, "desk", page{TitleID: "nav.desk", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "desk",
		Period: d.Queue.Described()})
}

// openHazard opens a hazard case from an inspection (隐患登记).
func (s *Server) openHazard(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, hazardForm, s.renderDesk)
}

// openInspection opens an inspection (现场检查) from the desk.
func (s *Server) openInspection(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, inspectionForm, s.renderDesk)
}

// openCase opens a case from the form posted (a hazard from the desk, an
// accident from its board) and shows it; a refusal comes back on the
// page the form is on, with what was typed, through again.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request, form actionForm,
	again func(w http.ResponseWriter, r *http.Request, m *me, status int, msg string, posted url.Values)) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	// Only departments, governments and party committees open cases: an
	// enterprise's form (and its files) is not even read.
	if !m.Regulator() && !m.Supervisor() && !(m.Rescue() && form.Kind == cases.KindRescue) {
		s.forbidden(w, r, m, "forbid.open_case")
		return
	}
	if err := parseForm(r); err != nil {
		again(w, r, m, http.StatusBadRequest, i18n.T(i18n.FromRequest(r), "form.unreadable", nil), nil)
		return
	}
	up, err := s.evidence.begin(m.ID, r.MultipartForm, time.Now())
	if err != nil {
		again(w, r, m, http.StatusRequestEntityTooLarge, err.Error(), r.PostForm)
		return
	}
	body, err := formBody(r, form.Fields, up)
	if err != nil {
		up.discard()
		again(w, r, m, http.StatusBadRequest, err.Error(), r.PostForm)
		return
	}
	var res struct {
		Case struct {
			CaseNo string `json:"case_no"`
		} `json:"case"`
		CaseNo string `json:"case_no"`
	}
	if err := s.call(r, http.MethodPost, form.Path, body, &res); err != nil {
		up.discard()
		if e, ok := err.(*apiError); ok && e.Status != http.StatusUnauthorized {
			again(w, r, m, e.Status, e.Message, r.PostForm)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	no := cmp.Or(res.Case.CaseNo, res.CaseNo)
	if err := up.keep(no); err != nil {
		s.Logger.Error("evidence of a case opened was not kept", "case", no, "error", err)
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(no)+"?notice=opened", http.StatusSeeOther)
}

// inboxData is the enterprise's inbox: its cases with what it owes.
type inboxData struct {
	Queue queue
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Enterprise, "forbid.inbox")
	if !ok {
		return
	}
	q, err := s.workQueue(r, m)
	if err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.render(w, http.StatusOK, "inbox", page{TitleID: "nav.inbox", Me: m, Data: inboxData{Queue: q}, Now: time.Now(), Section: "inbox",
		Period: q.Described()})
}

// boardData is the supervisors' board.
type boardData struct {
	Escalations []map[string]any
	Accidents   []map[string]any
	Stats       api.StatisticsResponse
	Query       url.Values
	Charts      *boardCharts
}

// RiskClasses are the choices of the board's risk class filter: the
// classes, then the unclassified.
func (boardData) RiskClasses() []string { return append(slices.Clone(riskclass.All), "none") }

// ExportLink downloads one of the board's tables (statistics, trend,
// rankings, escalations) in format (xlsx, csv), over the region and
// period the board shows.
func (d boardData) ExportLink(table, format string) string {
	v := url.Values{"format": {format}}
	if g := d.Query.Get("region"); g != "" {
		v.Set("region", g)
	}
	switch table {
	case "statistics", "rankings":
		v.Set("from", d.Stats.From.String())
		v.Set("to", d.Stats.To.String())
		if table == "statistics" {
			v.Set("by", d.Stats.By)
			if d.Stats.RiskClass != "" {
				v.Set("risk_class", d.Stats.RiskClass)
			}
		}
	case "trend":
		v.Set("to", d.Stats.To.String()) // the 12 months to the board's end
	case "escalations":
		v.Del("region") // the escalation board is not by region
	}
	return "/ledgers/export/" + table + "?" + v.Encode()
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "forbid.board")
	if !ok {
		return
	}
	q := url.Values{}
	for _, k := range []string{"by", "region", "from", "to", "risk_class"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	d := boardData{Query: q}
	if err := s.call(r, http.MethodGet, "/api/v1/statistics?"+q.Encode(), nil, &d.Stats); err != nil {
		s.fail(w, r, m, err)
		return
	}
	var esc struct {
		Escalations []map[string]any `json:"escalations"`
	}
	if err := s.call(r, http.MethodGet, "/api/v1/escalations", nil, &esc); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d.Escalations = esc.Escalations
	var acc struct {
		Accidents []map[string]any `json:"accidents"`
	}
	// The accident board is optional for a page: a refusal leaves it empty.
	if err := s.call(r, http.MethodGet, "/api/v1/accidents", nil, &acc); err == nil {
		d.Accidents = acc.Accidents
	}
	d.Charts = s.loadBoardCharts(r, q)
	w.Header().Set("Content-Security-Policy", boardPolicy)
	s.render(w, http.StatusOK, "board", page{TitleID: "nav.board", Me: m, Data: d, Now: time.Now(), Section: "board",
		Period: i18n.T(i18n.FromRequest(r), "board.print_period", i18n.Args{"Region": d.Stats.Region.Name,
			"From": dayIn(i18n.FromRequest(r), d.Stats.From.Start()), "To": dayIn(i18n.FromRequest(r), d.Stats.To.Start())})})
}

// caseData is one case's page.
type caseData struct {
	Summary cases.Summary
	View    map[string]any
	// Views is the case's kind-specific part, typed; Steps its timeline
	// in words, newest first.
	Views  caseViews
	Steps  []step
	Forms  []actionForm
	Starts []actionForm
	// ItemForms are the steps on an item of an inspection's checklist the
	// visitor may take now, shown on each item's card.
	ItemForms []actionForm
	// Orgs are the departments and governments a form may name (提请, 转办).
	Orgs []org.Org
	// Evidence is every file the case's steps recorded, with the step,
	// who recorded it and when.
	Evidence []evidenceItem
	// Documents are the case's official documents (执法文书) with their
	// service so far.
	Documents []documentRow
	// Plan is a yearly plan's coverage and draws.
	Plan *planPage
	// Reporter is who filed a report from the public, shown to its
	// handling department on the answer to its asking only; Handler says
	// the visitor is of that department.
	Reporter *api.ReporterResponse
	Handler  bool
}

// documentRow is one document on a case page.
type documentRow struct {
	api.DocumentEntry
	// Served lists its service, whether recorded for the document or as
	// the case's own step (the penalty decision).
	Served []servedRow
}

// servedRow is one service of a document.
type servedRow struct {
	Method, ReceivedBy, By string
	At                     time.Time
}

// caseDocuments reads a case's documents for its page. A failure leaves
// the section empty rather than the page unreadable.
func (s *Server) caseDocuments(r *http.Request, no string) []documentRow {
	var list api.DocumentList
	if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no)+"/documents", nil, &list); err != nil {
		s.Logger.Warn("case page: documents", "case", no, "error", err)
		return nil
	}
	out := make([]documentRow, 0, len(list.Documents))
	for _, d := range list.Documents {
		row := documentRow{DocumentEntry: d}
		for _, sv := range d.Services {
			row.Served = append(row.Served, servedRow{Method: serviceLabel(reqLang(r), sv.Method), ReceivedBy: sv.ReceivedBy,
				By: sv.Actor.Name, At: sv.ServedAt})
		}
		if st := d.ServiceStep; st != nil {
			row.Served = append(row.Served, servedRow{Method: serviceLabel(reqLang(r), st.Method), ReceivedBy: st.ReceivedBy,
				By: st.By.Name, At: st.ServedAt})
		}
		out = append(out, row)
	}
	return out
}

// document passes one of a case's documents (HTML for print, or PDF)
// from the API to the visitor, with the API's headers.
func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	path := "/api/v1/cases/" + url.PathEscape(r.PathValue("caseNo")) + "/documents/" + url.PathEscape(r.PathValue("docID"))
	if f := r.URL.Query().Get("format"); f != "" {
		path += "?format=" + url.QueryEscape(f)
	}
	rec, err := s.send(r, http.MethodGet, path, nil)
	if err != nil {
		m, _ := s.whoami(r)
		s.fail(w, r, m, err)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition", "Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"} {
		if v := rec.header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(rec.status)
	_, _ = rec.body.WriteTo(w)
}

// caseArchive passes a closed case's case file (案卷, a zip, or printed as
// a PDF with format=pdf) from the API
// to the visitor, with the API's headers; the API decides who may have
// it and refuses an open case, and the page shows its refusal.
func (s *Server) caseArchive(w http.ResponseWriter, r *http.Request) {
	path := "/api/v1/cases/" + url.PathEscape(r.PathValue("caseNo")) + "/archive"
	if f := r.URL.Query().Get("format"); f != "" {
		path += "?format=" + url.QueryEscape(f)
	}
	rec, err := s.send(r, http.MethodGet, path, nil)
	if err != nil {
		m, _ := s.whoami(r)
		s.fail(w, r, m, err)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition", "X-Duty-Manifest-SHA256", "X-Content-Type-Options", "Cache-Control"} {
		if v := rec.header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(rec.status)
	_, _ = rec.body.WriteTo(w)
}

// serveDocument records a document's service from the case page's form.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderCase(w, r, m, http.StatusBadRequest, i18n.T(i18n.FromRequest(r), "form.unreadable", nil), "", nil)
		return
	}
	no := r.PathValue("caseNo")
	body := api.DocumentServiceRequest{Method: r.PostForm.Get("method"), ReceivedBy: r.PostForm.Get("received_by"), Note: r.PostForm.Get("note")}
	if err := json.Unmarshal([]byte(strconv.Quote(servedAt(r.PostForm.Get("served_at")))), &body.ServedAt); err != nil {
		s.renderCase(w, r, m, http.StatusBadRequest, err.Error(), "", r.PostForm)
		return
	}
	err = s.call(r, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/documents/"+url.PathEscape(r.PathValue("docID"))+"/service", body, nil)
	if e, ok := err.(*apiError); ok && e.Status != http.StatusUnauthorized {
		s.renderCase(w, r, m, e.Status, e.Message, "", r.PostForm)
		return
	} else if err != nil {
		s.fail(w, r, m, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(no)+"?notice=served#documents", http.StatusSeeOther)
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"opened", "done", "served", "drawn"}, n) {
		notice = i18n.T(i18n.FromRequest(r), "case.notice."+n, nil)
	}
	s.renderCase(w, r, m, http.StatusOK, "", notice, nil)
}

// renderCase shows a case with the forms of the steps the visitor's side
// may take now.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, m *me, status int, msg, notice string, posted url.Values) {
	s.renderCaseWith(w, r, m, status, msg, notice, posted, nil)
}

// renderCaseWith is renderCase with, for a report's handling department
// that just asked, who filed the report (shown on this answer only).
func (s *Server) renderCaseWith(w http.ResponseWriter, r *http.Request, m *me, status int, msg, notice string, posted url.Values, reporter *api.ReporterResponse) {
	no := r.PathValue("caseNo")
	var res api.CaseResponse
	if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no), nil, &res); err != nil {
		s.fail(w, r, m, err)
		return
	}
	var d caseData
	var err error
	if err = json.Unmarshal(res.Case, &d.Summary); err != nil {
		s.fail(w, r, m, err)
		return
	}
	if err = json.Unmarshal(res.Case, &d.View); err != nil {
		s.fail(w, r, m, err)
		return
	}
	if d.Views, err = readViews(d.Summary.Kind, res.Case); err != nil {
		s.Logger.Warn("case page: the case's view could not be read", "case", no, "error", err)
	}
	d.Steps = timeline(reqLang(r), d.Summary.Kind, res.Timeline, d.Views)
	if posted == nil {
		if pre := d.Views.prefill(); pre != nil {
			posted = url.Values{}
			for k, v := range pre {
				posted.Set(k, v)
			}
		}
	}
	if d.Summary.Kind == cases.KindPlan {
		d.Plan = s.planData(r, m, no)
	}
	d.Evidence = s.caseEvidence(d.Summary.Kind, d.Summary.CaseNo, res.Timeline)
	d.Documents = s.caseDocuments(r, no)
	d.Forms, d.Starts = formsFor(d.Summary, d.View, m.Side())
	d.Forms = fitAccidentForms(d.Forms, d.Views.Accident, m)
	d.Forms = fitCampaignForms(d.Forms, d.Views.Campaign, m)
	d.Forms = fitReportForms(d.Forms, d.Views.Report, m)
	d.Reporter = reporter
	d.Handler = d.Views.Report != nil && m.inOrg(d.Views.Report.ActingOrg.ID)
	d.Forms, d.ItemForms = splitItemForms(d.Forms)
	s.markSeen(r, no)
	if len(d.Forms)+len(d.Starts) > 0 {
		var orgs struct {
			Orgs []org.Org `json:"orgs"`
		}
		if err := s.call(r, http.MethodGet, "/api/v1/orgs", nil, &orgs); err != nil {
			s.fail(w, r, m, err)
			return
		}
		for _, o := range orgs.Orgs {
			if o.Kind != org.KindEnterprise {
				d.Orgs = append(d.Orgs, o)
			}
		}
	}
	s.render(w, status, "case", page{Title: d.Summary.CaseNo, Me: m, Data: d, Error: msg, Notice: notice, Posted: posted, Now: time.Now()})
}

// act takes one step on a case from its form: the form becomes the API
// request body, and the API's answer decides. Whether the visitor may act
// on the case at all is asked before the body (and its files) is read,
// and evidence files are kept only once the step is taken.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	no := r.PathValue("caseNo")
	var c api.CaseResponse
	if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no), nil, &c); err != nil {
		s.fail(w, r, m, err) // not found, or not the visitor's to see
		return
	}
	var sum cases.Summary
	var view map[string]any
	if json.Unmarshal(c.Case, &sum) != nil || json.Unmarshal(c.Case, &view) != nil {
		s.fail(w, r, m, errors.New("the case could not be read"))
		return
	}
	steps, starts := formsFor(sum, view, m.Side())
	if len(steps)+len(starts) == 0 {
		s.fail(w, r, m, &apiError{Status: http.StatusConflict, Message: i18n.T(reqLang(r), "page.error.nothing_to_do", nil)})
		return
	}
	if err := parseForm(r); err != nil {
		s.renderCase(w, r, m, http.StatusBadRequest, i18n.T(i18n.FromRequest(r), "form.unreadable", nil), "", nil)
		return
	}
	key := r.PostForm.Get("form")
	f, ok := formByKey(key)
	// A step both sides take (a rescue team's alarm, acknowledged by the
	// enterprise and the department) has a form per side: the visitor's.
	if i := slices.IndexFunc(steps, func(a actionForm) bool { return a.Key() == key }); i >= 0 {
		f = steps[i]
	}
	if !ok || !slices.ContainsFunc(append(steps, starts...), func(a actionForm) bool { return a.Key() == key }) {
		lang := i18n.FromRequest(r)
		s.renderCase(w, r, m, http.StatusConflict, i18n.T(lang, "case.step.not_now", i18n.Args{"Step": labelIn(lang, "action."+string(sum.Kind)+"."+strings.TrimPrefix(key, string(sum.Kind)+":"))}), "", nil)
		return
	}
	up, err := s.evidence.begin(m.ID, r.MultipartForm, time.Now())
	if err != nil {
		s.renderCase(w, r, m, http.StatusRequestEntityTooLarge, err.Error(), "", r.PostForm)
		return
	}
	body, err := formBody(r, f.Fields, up)
	if err != nil {
		up.discard()
		s.renderCase(w, r, m, http.StatusBadRequest, err.Error(), "", r.PostForm)
		return
	}
	var res struct {
		Case struct {
			CaseNo string `json:"case_no"`
		} `json:"case"`
	}
	if err := s.call(r, http.MethodPost, f.path(no), body, &res); err != nil {
		up.discard()
		if e, ok := err.(*apiError); ok && e.Status != http.StatusUnauthorized {
			// The case is unchanged: show it again with the refusal and
			// what was entered.
			s.renderCase(w, r, m, e.Status, e.Message, "", r.PostForm)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	if err := up.keep(no); err != nil {
		s.Logger.Error("evidence of a step taken was not kept", "case", no, "error", err)
	}
	target := no
	if f.Start && res.Case.CaseNo != "" {
		target = res.Case.CaseNo // a rung started: go to the new case
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(target)+"?notice=done", http.StatusSeeOther)
}

// visitorFor reads the visitor of a page that is for some kinds of user
// only; anyone else gets a refusal (message id of the catalogue) naming
// their own page.
func (s *Server) visitorFor(w http.ResponseWriter, r *http.Request, allowed func(*me) bool, refusal string) (*me, bool) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return nil, false
	}
	if !allowed(m) {
		s.forbidden(w, r, m, refusal)
		return nil, false
	}
	return m, true
}

// homeOf names the visitor's own page: where their work is. A policy
// administrator who holds no other post works on the policy record.
func homeOf(m *me) string {
	switch {
	case m.OrgAdmin():
		return "/organisation"
	case len(m.Posts) > 0 && !slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Role != org.RolePolicyAdmin }):
		return "/policies"
	case m.Regulator():
		return "/desk"
	case m.Enterprise():
		return "/inbox"
	case m.Rescue():
		return "/rescue"
	}
	return "/board"
}

// parseForm reads a posted form, multipart (with files) or not. Files
// beyond a megabyte go to temporary files, which the server removes when
// the request ends.
func parseForm(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != http.ErrNotMultipart {
		return err
	}
	return r.ParseForm()
}

// evidenceIn collects the evidence files anywhere in a case's view: the
// lists named "evidence" (completions, talk reports, …), in order.
func evidenceIn(v any, out []map[string]any) []map[string]any { return evidence.In(v, out) }
