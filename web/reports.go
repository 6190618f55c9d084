package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/report"
)

// reportForms are the handling department's steps on a report from the
// public: link the verifying inspection, record its outcome, decide the
// reward.
var reportForms = []actionForm{
	{Kind: cases.KindReport, Action: "link_inspection", Label: "form.report.link_inspection", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/inspection", Fields: []field{
		{Name: "inspection_no", Label: "form.report.link_inspection.inspection_no", Type: fText, Required: true, Hint: "form.report.link_inspection.inspection_no.hint"}}},
	{Kind: cases.KindReport, Action: "record_outcome", Label: "form.report.record_outcome", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/outcome", Fields: []field{
		{Name: "confirmed", Label: "form.report.record_outcome.confirmed", Type: fBool, Options: []option{{"true", "option.report.confirmed.true"}, {"false", "option.report.confirmed.false"}}, Required: true},
		{Name: "reason", Label: "form.report.record_outcome.reason", Type: fTextarea, Required: true, Hint: "form.report.record_outcome.reason.hint"}}},
	{Kind: cases.KindReport, Action: "decide_reward", Label: "form.report.decide_reward", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/reward", Fields: []field{
		{Name: "granted", Label: "form.report.decide_reward.granted", Type: fBool, Options: []option{{"true", "option.report.reward.true"}, {"false", "option.report.reward.false"}}, Required: true},
		{Name: "amount_yuan", Label: "form.report.decide_reward.amount_yuan", Type: fInt, Hint: "form.report.decide_reward.amount_yuan.hint"},
		{Name: "grounds", Label: "form.report.decide_reward.grounds", Type: fTextarea, Required: true}}},
}

func init() { forms = append(forms, reportForms...) }

// fitReportForms keeps a report's forms for the department handling it
// only: another department may see the case but not act on it.
func fitReportForms(fs []actionForm, v *report.View, m *me) []actionForm {
	if v == nil {
		return fs
	}
	return slices.DeleteFunc(fs, func(f actionForm) bool { return f.Kind == cases.KindReport && !m.inOrg(v.ActingOrg.ID) })
}

// reportFormFields are the public form's inputs; the regions are the
// county-level regions on record.
func reportFormFields(regions []option) []field {
	return []field{
		{Name: "enterprise", Label: "form.report.public.enterprise", Type: fText, Required: true, Hint: "form.report.public.enterprise.hint"},
		{Name: "region_code", Label: "form.report.public.region_code", Type: fSelect, Options: regions, Hint: "form.report.public.region_code.hint"},
		{Name: "place", Label: "form.report.public.place", Type: fText, Required: true},
		{Name: "what", Label: "form.report.public.what", Type: fTextarea, Required: true, Hint: "form.report.public.what.hint"},
		{Name: "name", Label: "form.report.public.name", Type: fText},
		{Name: "phone", Label: "form.report.public.phone", Type: fText, Hint: "form.report.public.phone.hint"},
	}
}

// publicReportData is the public form, or the code it just gave.
type publicReportData struct {
	Form   api.ReportFormResponse
	Fields []field
	Filed  *api.FileReportResponse
}

// anonymous is r without the visitor's token: the public pages ask the
// API as the public, whoever looks.
func anonymous(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), tokenKey{}, ""))
}

// publicReport is the public form for a report (我要举报): no login.
func (s *Server) publicReport(w http.ResponseWriter, r *http.Request) {
	s.renderPublicReport(w, r, http.StatusOK, "", nil, nil)
}

func (s *Server) renderPublicReport(w http.ResponseWriter, r *http.Request, status int, msg string, posted url.Values, filed *api.FileReportResponse) {
	d := publicReportData{Filed: filed}
	if err := s.call(anonymous(r), http.MethodGet, "/api/v1/public/report-form", nil, &d.Form); err != nil {
		if e, ok := err.(*apiError); ok {
			s.render(w, e.Status, "publicreport", page{TitleID: "report.public.title", Error: e.Message, Now: time.Now()})
			return
		}
		s.fail(w, r, nil, err)
		return
	}
	regions := make([]option, len(d.Form.Regions))
	for i, rg := range d.Form.Regions {
		regions[i] = option{rg.Code, rg.Name}
	}
	d.Fields = reportFormFields(regions)
	s.render(w, status, "publicreport", page{TitleID: "report.public.title", Data: d, Error: msg, Posted: posted, Now: time.Now()})
}

// filePublicReport files the form's report through the API and shows the
// follow code once.
func (s *Server) filePublicReport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderPublicReport(w, r, http.StatusBadRequest, err.Error(), nil, nil)
		return
	}
	f := r.PostForm
	req := api.FileReportRequest{Enterprise: f.Get("enterprise"), RegionCode: f.Get("region_code"), Place: f.Get("place"),
		What: f.Get("what"), Name: f.Get("name"), Phone: f.Get("phone")}
	var res api.FileReportResponse
	if err := s.call(anonymous(r), http.MethodPost, "/api/v1/public/reports", req, &res); err != nil {
		if e, ok := err.(*apiError); ok {
			s.renderPublicReport(w, r, e.Status, e.Message, f, nil)
			return
		}
		s.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderPublicReport(w, r, http.StatusCreated, "", nil, &res)
}

// followPublicReport takes a code typed into the follow form to its page.
func (s *Server) followPublicReport(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		http.Redirect(w, r, "/public/reports", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/public/reports/"+url.PathEscape(code), http.StatusSeeOther)
}

// reportFollowData is a report as its reporter follows it.
type reportFollowData struct {
	Code   string
	Status api.ReportStatus
}

// publicReportStatus shows where a report stands, by its follow code:
// state and outcome only.
func (s *Server) publicReportStatus(w http.ResponseWriter, r *http.Request) {
	d := reportFollowData{Code: r.PathValue("code")}
	if err := s.call(anonymous(r), http.MethodGet, "/api/v1/public/reports/"+url.PathEscape(d.Code), nil, &d.Status); err != nil {
		if e, ok := err.(*apiError); ok {
			s.render(w, e.Status, "publicfollow", page{TitleID: "report.follow.title", Error: e.Message, Now: time.Now()})
			return
		}
		s.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, http.StatusOK, "publicfollow", page{TitleID: "report.follow.title", Data: d, Now: time.Now()})
}

// showReporter shows the handling department who filed a report: the
// API decides and records the read; the page shows it once, on this
// answer only.
func (s *Server) showReporter(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	var who api.ReporterResponse
	err = s.call(r, http.MethodPost, "/api/v1/reports/"+url.PathEscape(r.PathValue("caseNo"))+"/reporter", api.ReporterRequest{}, &who)
	if e, ok := err.(*apiError); ok && e.Status != http.StatusUnauthorized {
		s.renderCase(w, r, m, e.Status, e.Message, "", nil)
		return
	} else if err != nil {
		s.fail(w, r, m, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderCaseWith(w, r, m, http.StatusOK, "", "", nil, &who)
}
