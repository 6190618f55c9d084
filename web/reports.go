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
	{Kind: cases.KindReport, Action: "link_inspection", Label: "关联核查检查", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/inspection", Fields: []field{
		{Name: "inspection_no", Label: "现场检查编号", Type: fText, Required: true, Hint: "本部门对被举报单位的现场检查（JC-…）：先在工作台开始检查，再在此关联"}}},
	{Kind: cases.KindReport, Action: "record_outcome", Label: "记录核查结果", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/outcome", Fields: []field{
		{Name: "confirmed", Label: "核查结论", Type: fBool, Options: []option{{"true", "举报属实"}, {"false", "举报不实"}}, Required: true},
		{Name: "reason", Label: "核查情况", Type: fTextarea, Required: true, Hint: "举报属实的，检查中须已就不符合项责令整改（立隐患案件）"}}},
	{Kind: cases.KindReport, Action: "decide_reward", Label: "决定举报奖励", Side: cases.SideRegulator, Path: "/api/v1/reports/{no}/reward", Fields: []field{
		{Name: "granted", Label: "决定", Type: fBool, Options: []option{{"true", "给予奖励"}, {"false", "不予奖励"}}, Required: true},
		{Name: "amount_yuan", Label: "奖励金额（元）", Type: fInt, Hint: "在规则规定的范围内"},
		{Name: "grounds", Label: "依据", Type: fTextarea, Required: true}}},
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
		{Name: "enterprise", Label: "被举报单位", Type: fText, Required: true, Hint: "单位名称或统一社会信用代码；不知道全称的，写您知道的名称或描述"},
		{Name: "region_code", Label: "所在县（区）", Type: fSelect, Options: regions, Hint: "按名称找不到该单位时，举报交由所选县（区）的应急管理部门核查"},
		{Name: "place", Label: "地点", Type: fText, Required: true},
		{Name: "what", Label: "举报内容", Type: fTextarea, Required: true, Hint: "您看到的事故隐患或违法行为：什么、何时、涉及哪些人员"},
		{Name: "name", Label: "您的姓名（选填）", Type: fText},
		{Name: "phone", Label: "您的手机号（选填）", Type: fText, Hint: "姓名和手机号都不填即为匿名举报；填写的，仅负责核查的部门可见"},
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
