package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/store"
)

// The organisation's administration pages (issue 15): a region's
// enterprise register with a form to register one, an organisation's
// persons and posts with the forms to add a person, appoint, transfer and
// end a post, and a person's administrative record. Like every page, they
// are clients of the API: who may do what there is the API's to decide.
// Personal information travels only in form bodies and is shown masked,
// except on the page that answers a recorded read.

// (OrgAdmin, whether the visitor administers a region's organisation, is
// in ledgers.go.)

// StaffKeeper says whether the visitor keeps an organisation's staff: a
// region's administrator, or an enterprise's 主要负责人 (its own).
func (m *me) StaffKeeper() bool {
	return m.OrgAdmin() || slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Role == org.RoleEnterpriseHead })
}

// organisationHome is where a staff keeper's organisation pages start:
// the register for an administrator, their enterprise for its head.
func organisationHome(m *me) string {
	if m.OrgAdmin() {
		return "/organisation"
	}
	for _, p := range m.Posts {
		if p.Role == org.RoleEnterpriseHead {
			return "/organisation/orgs/" + strconv.FormatInt(p.Org.ID, 10)
		}
	}
	return "/"
}

// registerData is the register page's data.
type registerData struct {
	Filter url.Values
	Page   store.EnterprisePage
	// First leads to the first page from a later one; Next to the page
	// after.
	First, Next string
}

// registerPage lists the region's enterprises with search, filters and
// keyset pages, and a form to register one.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).OrgAdmin, "forbid.register")
	if !ok {
		return
	}
	s.renderRegister(w, r, m, http.StatusOK, "", "", nil)
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, m *me, status int, notice, msg string, posted url.Values) {
	in := r.URL.Query()
	q := url.Values{}
	for _, k := range []string{"q", "industry", "sector", "risk_class", "after"} {
		if v := strings.TrimSpace(in.Get(k)); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("limit", "50")
	var pg store.EnterprisePage
	if err := s.call(r, http.MethodGet, "/api/v1/enterprises?"+q.Encode(), nil, &pg); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d := registerData{Filter: q, Page: pg}
	if pg.Next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", pg.Next)
		nq.Del("limit")
		d.Next = "/organisation?" + nq.Encode()
	}
	if q.Get("after") != "" {
		fq := url.Values{}
		for k, v := range q {
			fq[k] = v
		}
		fq.Del("after")
		fq.Del("limit")
		d.First = "/organisation?" + fq.Encode()
	}
	s.render(w, status, "orgregister", page{TitleID: "title.orgregister", Me: m, Data: d, Notice: notice, Error: msg, Posted: posted,
		Now: time.Now(), Section: "organisation"})
}

// registerEnterprise registers (or updates, by credit code) an enterprise
// of the visitor's region.
func (s *Server) registerEnterprise(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).OrgAdmin, "forbid.register_enterprise")
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		s.renderRegister(w, r, m, http.StatusBadRequest, "", "the form could not be read: "+err.Error(), nil)
		return
	}
	f := r.PostForm
	region := f.Get("region_code")
	if region == "" {
		for _, p := range m.Posts {
			if p.Role == org.RoleOrgAdmin {
				region = p.Org.RegionCode
			}
		}
	}
	body := api.OrgRequest{Kind: org.KindEnterprise, Name: f.Get("name"), RegionCode: region, CreditCode: f.Get("credit_code"),
		Address: f.Get("address"), IndustryCode: f.Get("industry_code"), RiskClass: f.Get("risk_class"), Document: f.Get("document")}
	var saved org.Org
	if err := s.call(r, http.MethodPost, "/api/v1/orgs", body, &saved); err != nil {
		var e *apiError
		if errors.As(err, &e) && e.Status != http.StatusUnauthorized {
			s.renderRegister(w, r, m, e.Status, "", e.Message, f)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	http.Redirect(w, r, "/organisation/orgs/"+strconv.FormatInt(saved.ID, 10)+"?notice=saved", http.StatusSeeOther)
}

// staffData is an organisation's page data.
type staffData struct {
	api.OrgStaffResponse
	// Roles are the roles its forms offer; RoleLabels names every role.
	Roles      []roleChoice
	RoleLabels map[string]string
	// Targets are the organisations a post may be transferred to: this
	// one, and for a region's administrator the directory's authorities
	// (departments, governments, party committees, rescue teams — not the
	// enterprises, of which there may be 100,000).
	Targets []org.Org
	Today   string
}

type roleChoice struct{ Value, Label string }

// roleChoices are the roles offered on an organisation's forms, by its
// kind, named in lang (orgrole.<kind>.<role>: a staff member of an
// enterprise is 岗位人员, of a department 工作人员).
func roleChoices(lang, kind string) []roleChoice {
	var roles []string
	switch kind {
	case org.KindEnterprise:
		roles = []string{org.RoleEnterpriseHead, org.RoleSafetyOfficer, org.RoleProjectManager, org.RoleUnitHead, org.RoleStaff}
	case org.KindDepartment:
		roles = []string{org.RoleDeptHead, org.RoleInspector, org.RoleStaff}
	case org.KindGovernment, org.KindPartyCommittee:
		kind, roles = org.KindGovernment, []string{org.RoleGovernmentHead, org.RolePartySecretary, org.RoleDeputyHead, org.RoleOrgAdmin, org.RolePolicyAdmin, org.RoleStaff}
	default:
		kind, roles = "other", []string{org.RoleStaff}
	}
	out := make([]roleChoice, len(roles))
	for i, r := range roles {
		out[i] = roleChoice{r, i18n.T(lang, "orgrole."+kind+"."+r, nil)}
	}
	return out
}

// staffPage shows an organisation's units, persons and posts with the
// forms to keep them.
func (s *Server) staffPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).StaffKeeper, "forbid.staff")
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("notice") != "" {
		notice = i18n.T(i18n.FromRequest(r), "saved.notice", nil)
	}
	s.renderStaff(w, r, m, http.StatusOK, notice, "", nil)
}

func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, m *me, status int, notice, msg string, posted url.Values) {
	id := r.PathValue("id")
	var d staffData
	if err := s.call(r, http.MethodGet, "/api/v1/orgs/"+url.PathEscape(id)+"/persons", nil, &d.OrgStaffResponse); err != nil {
		s.fail(w, r, m, err)
		return
	}
	lang := i18n.FromRequest(r)
	d.Roles = roleChoices(lang, d.Org.Kind)
	d.RoleLabels = map[string]string{}
	for _, kind := range []string{org.KindEnterprise, org.KindDepartment, org.KindGovernment} {
		for _, c := range roleChoices(lang, kind) {
			d.RoleLabels[c.Value] = c.Label
		}
	}
	d.Targets = []org.Org{d.Org}
	if m.OrgAdmin() {
		for _, kind := range []string{org.KindDepartment, org.KindGovernment, org.KindPartyCommittee, org.KindRescueTeam} {
			var list api.OrgList
			if err := s.call(r, http.MethodGet, "/api/v1/orgs?kind="+kind, nil, &list); err != nil {
				s.fail(w, r, m, err)
				return
			}
			for _, o := range list.Orgs {
				if o.ID != d.Org.ID {
					d.Targets = append(d.Targets, o)
				}
			}
		}
	}
	d.Today = time.Now().Format(time.DateOnly)
	s.render(w, status, "orgstaff", page{TitleID: "title.organisation", Title: d.Org.Name, Me: m, Data: d, Notice: notice, Error: msg, Posted: posted,
		Now: time.Now(), Section: "organisation"})
}

// staffAction takes one of an organisation's forms: add a person,
// appoint, end a post, transfer; then shows the organisation again.
func (s *Server) staffAction(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).StaffKeeper, "forbid.staff")
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		s.renderStaff(w, r, m, http.StatusBadRequest, "", "the form could not be read: "+err.Error(), nil)
		return
	}
	f := r.PostForm
	id := url.PathEscape(r.PathValue("id"))
	num := func(name string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64); return n }
	day := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	var path string
	var body any
	switch r.PathValue("action") {
	case "person":
		path, body = "/api/v1/orgs/"+id+"/persons", api.PersonRequest{Name: f.Get("name"), IDNumber: f.Get("id_number"), Phone: f.Get("phone"),
			Login: f.Get("login"), Document: f.Get("document")}
	case "appoint":
		path, body = "/api/v1/orgs/"+id+"/posts", map[string]any{"person_id": num("person_id"), "role": f.Get("role"), "title": f.Get("title"),
			"starts_on": day("starts_on"), "document": f.Get("document")}
	case "end":
		path, body = "/api/v1/posts/"+strconv.FormatInt(num("post_id"), 10)+"/end", map[string]any{"on": day("on"), "document": f.Get("document")}
	case "transfer":
		path, body = "/api/v1/posts/"+strconv.FormatInt(num("post_id"), 10)+"/transfer", map[string]any{"org_id": num("org_id"),
			"role": f.Get("role"), "title": f.Get("title"), "on": day("on"), "document": f.Get("document")}
	case "unit":
		path, body = "/api/v1/orgs/"+id+"/units", api.UnitRequest{Code: f.Get("code"), Kind: f.Get("kind"), Name: f.Get("name"), Document: f.Get("document")}
	default:
		s.fail(w, r, m, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.no_form", nil)})
		return
	}
	var out json.RawMessage
	err := s.call(r, http.MethodPost, path, body, &out)
	if err == nil && r.PathValue("action") == "person" && f.Get("role") != "" {
		// 登记并任职: a person registered here takes a post here, which is
		// what lists them among its people.
		var rec store.PersonRecord
		if err = json.Unmarshal(out, &rec); err == nil {
			err = s.call(r, http.MethodPost, "/api/v1/orgs/"+id+"/posts", map[string]any{"person_id": rec.Person.ID, "role": f.Get("role"),
				"title": f.Get("title"), "starts_on": day("starts_on"), "document": f.Get("document")}, nil)
		}
	}
	if err != nil {
		var e *apiError
		if errors.As(err, &e) && e.Status != http.StatusUnauthorized {
			// Personal information is not put back into the form.
			f.Del("id_number")
			f.Del("phone")
			s.renderStaff(w, r, m, e.Status, "", e.Message, f)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	http.Redirect(w, r, "/organisation/orgs/"+id+"?notice=saved", http.StatusSeeOther)
}

// personData is a person's administrative page.
type personData struct {
	store.PersonRecord
	Full *store.PersonalInfo
}

// personPage shows a person as their administrators keep them, with a
// link to their accountability record and a form to read their personal
// information in full (recorded).
func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	s.renderPerson(w, r, nil)
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, full *store.PersonalInfo) {
	m, ok := s.visitorFor(w, r, (*me).StaffKeeper, "forbid.person_record")
	if !ok {
		return
	}
	d := personData{Full: full}
	if err := s.call(r, http.MethodGet, "/api/v1/persons/"+url.PathEscape(r.PathValue("id")), nil, &d.PersonRecord); err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.render(w, http.StatusOK, "orgperson", page{TitleID: "title.person", Title: d.Person.Name, Me: m, Data: d, Now: time.Now(), Section: "organisation"})
}

// personalPage reads a person's identity number and phone in full for a
// stated purpose (the API records the read) and shows them once.
func (s *Server) personalPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).StaffKeeper, "forbid.person_private")
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		s.fail(w, r, m, &apiError{Status: http.StatusBadRequest, Message: i18n.T(reqLang(r), "page.error.form_unreadable", nil) + ": " + err.Error()})
		return
	}
	var info store.PersonalInfo
	if err := s.call(r, http.MethodPost, "/api/v1/persons/"+url.PathEscape(r.PathValue("id"))+"/personal",
		api.PersonalRequest{Purpose: r.PostForm.Get("purpose")}, &info); err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.renderPerson(w, r, &info)
}

// organisationRoutes adds the administration pages to mux.
func (s *Server) organisationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /organisation", s.registerPage)
	mux.HandleFunc("POST /organisation/enterprises", s.registerEnterprise)
	mux.HandleFunc("GET /organisation/orgs/{id}", s.staffPage)
	mux.HandleFunc("POST /organisation/orgs/{id}/{action}", s.staffAction)
	mux.HandleFunc("GET /organisation/persons/{id}", s.personPage)
	mux.HandleFunc("POST /organisation/persons/{id}/personal", s.personalPage)
}
