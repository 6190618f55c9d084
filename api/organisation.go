package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/regioncode"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// Administering the organisation (issue 15): regions, organisations,
// their internal units, rescue agreements, persons and their posts. Every
// change is asked of policy on the organisation it touches
// (policy.OrgResource: a region's organisation administrators keep their
// region and below, an enterprise's 主要负责人 its own staff), made in one
// transaction through the store — a step of the region's hash-chained
// organisation record, with the caller as its actor and the request's
// document as its authority — and the generated policies follow in that
// transaction; the answer waits until this process decides on them.
//
// Personal information (个人信息保护法): identity numbers and phones are
// accepted in bodies, answered masked, and read in full only through
// POST /api/v1/persons/{personID}/personal, which is recorded. None of it
// is ever in a URL.

func orgAdminRoutes() []route {
	o := "/api/v1/orgs/{orgID}/"
	return []route{
		{method: "POST", path: "/api/v1/regions", summary: "record or rename a region by its division code (行政区划); its organisation administrators and those above",
			request: RegionRequest{}, response: org.Region{}, handle: (*Server).saveRegion},
		{method: "POST", path: "/api/v1/orgs", summary: "record or change an organisation: government, party committee, department (level, sectors, superior), rescue team, enterprise (统一社会信用代码 checked: a wrong one is refused naming the position, address, GB/T 4754 industry, risk class); found by credit code, else code",
			request: OrgRequest{}, response: org.Org{}, handle: (*Server).saveOrg},
		{method: "GET", path: "/api/v1/enterprises", summary: "the enterprise register of a region and below (a page at a time, in name order); query: region, industry (GB/T 4754 prefix), sector, risk_class, q (part of the name), after (the page's next), limit",
			response: store.EnterprisePage{}, handle: (*Server).listEnterprises},
		{method: "GET", path: o + "persons", summary: "an organisation with its internal units and the persons who hold or held a post there, with those posts (identity number and phone masked)",
			response: OrgStaffResponse{}, handle: (*Server).orgStaff},
		{method: "POST", path: o + "units", summary: "record or change an internal unit (车间, 班组, 岗位) of an organisation",
			request: UnitRequest{}, response: org.Unit{}, handle: (*Server).saveUnit},
		{method: "POST", path: o + "rescue-agreements", summary: "record a rescue team's service agreement with an enterprise (救援服务协议), with its dates",
			request: AgreementRequest{}, response: org.RescueAgreement{}, handle: (*Server).saveAgreement},
		{method: "POST", path: o + "persons", summary: "record or change a person of an organisation, found by identity number (else login); identity number and phone are checked, stored apart and answered masked",
			request: PersonRequest{}, response: store.PersonRecord{}, handle: (*Server).savePerson},
		{method: "POST", path: o + "posts", summary: "appoint a person to a post of an organisation from a day (任职), on a document",
			request: AppointRequest{}, response: org.Post{}, handle: (*Server).appoint},
		{method: "POST", path: "/api/v1/posts/{postID}/end", summary: "end a post on a day (离任, 免职): from that day it gives no permission",
			request: EndPostRequest{}, response: org.Post{}, handle: (*Server).endPost},
		{method: "POST", path: "/api/v1/posts/{postID}/transfer", summary: "transfer the post's holder (调任): the post ends and the new one starts on the same day, one step of the record",
			request: TransferRequest{}, response: TransferResponse{}, handle: (*Server).transfer},
		{method: "GET", path: "/api/v1/persons/{personID}", summary: "a person as their administrators keep them: every post they held (identity number and phone masked); 404 to anyone else",
			response: store.PersonRecord{}, handle: (*Server).adminPerson},
		{method: "POST", path: "/api/v1/persons/{personID}/personal", summary: "a person's identity number and phone in full, for a stated purpose; the read is recorded (个人信息保护法); their administrators only, 404 to anyone else",
			request: PersonalRequest{}, response: store.PersonalInfo{}, handle: (*Server).personalInfo},
	}
}

// RegionRequest records or renames a region.
type RegionRequest struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code,omitempty"`
	Document   string `json:"document,omitempty"`
}

// OrgRequest records or changes an organisation (store.OrgInput).
type OrgRequest struct {
	Code         string   `json:"code,omitempty"`
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	RegionCode   string   `json:"region_code"`
	Sectors      []string `json:"sectors,omitempty"`
	SuperiorID   int64    `json:"superior_id,omitempty"`
	CreditCode   string   `json:"credit_code,omitempty"`
	Address      string   `json:"address,omitempty"`
	IndustryCode string   `json:"industry_code,omitempty"`
	RiskClass    string   `json:"risk_class,omitempty"`
	Document     string   `json:"document,omitempty"`
}

// UnitRequest records or changes an internal unit.
type UnitRequest struct {
	Code       string `json:"code"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code,omitempty"`
	Document   string `json:"document,omitempty"`
}

// AgreementRequest records a rescue team's agreement with an enterprise.
type AgreementRequest struct {
	EnterpriseID int64  `json:"enterprise_id"`
	ValidFrom    Day    `json:"valid_from"`
	ValidTo      Day    `json:"valid_to,omitempty"`
	Document     string `json:"document,omitempty"`
}

// PersonRequest records or changes a person. IDNumber and Phone are never
// answered in full.
type PersonRequest struct {
	IDNumber string `json:"id_number,omitempty"`
	Login    string `json:"login,omitempty"`
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
	Document string `json:"document,omitempty"`
}

// AppointRequest appoints a person to a post of the organisation in the path.
type AppointRequest struct {
	PersonID  int64    `json:"person_id"`
	UnitID    int64    `json:"unit_id,omitempty"`
	Role      string   `json:"role"`
	Title     string   `json:"title"`
	Portfolio []string `json:"portfolio,omitempty"`
	StartsOn  Day      `json:"starts_on"`
	Document  string   `json:"document,omitempty"`
}

// EndPostRequest ends a post: On is the first day it is no longer held
// (today when empty).
type EndPostRequest struct {
	On       Day    `json:"on,omitempty"`
	Document string `json:"document,omitempty"`
}

// TransferRequest moves a post's holder to a new post from On (today when
// empty), the day the old post ends.
type TransferRequest struct {
	OrgID     int64    `json:"org_id"`
	UnitID    int64    `json:"unit_id,omitempty"`
	Role      string   `json:"role"`
	Title     string   `json:"title"`
	Portfolio []string `json:"portfolio,omitempty"`
	On        Day      `json:"on,omitempty"`
	Document  string   `json:"document,omitempty"`
}

// TransferResponse is the ended post and the new one.
type TransferResponse struct {
	Ended   org.Post `json:"ended"`
	Started org.Post `json:"started"`
}

// PersonalRequest says why a person's full identity number and phone are read.
type PersonalRequest struct {
	Purpose string `json:"purpose"`
}

// OrgStaffResponse is an organisation with its units and its people.
type OrgStaffResponse struct {
	Org     org.Org              `json:"org"`
	Units   []org.Unit           `json:"units"`
	Persons []store.PersonRecord `json:"persons"`
}

// Day is a calendar day in a request ("2026-12-15"), as posts are held
// for whole days; "" is none.
type Day struct{ time.Time }

// UnmarshalJSON reads "YYYY-MM-DD" or "".
func (d *Day) UnmarshalJSON(b []byte) error {
	t, err := parseWhen(b, 0)
	if err == nil && !t.IsZero() {
		t = t.In(rules.China)
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	d.Time = t
	return err
}

// MarshalJSON writes the day, "" for none.
func (d Day) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// orDay is d, or today in China when d is empty.
func (d Day) orDay(now time.Time) time.Time {
	if !d.IsZero() {
		return d.Time
	}
	t := now.In(rules.China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (d Day) orNil() *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time
	return &t
}

// administer asks policy whether the caller may take action on each of
// the organisation resources, and returns the change the caller makes,
// acting through the post that allowed the first.
func (s *Server) administer(r *http.Request, c caller, action, document string, resources ...string) (store.OrgChange, error) {
	var by string
	for i, res := range resources {
		post, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, res, nil)
		if err != nil {
			return store.OrgChange{}, err
		}
		if i == 0 {
			by = post
		}
	}
	return store.OrgChange{By: c.actor(by), At: s.Now(), Document: strings.TrimSpace(document)}, nil
}

// orgTx runs one change in one transaction, then waits until this
// process's policies hold what the change made of them, so that the
// caller's next request is decided on them.
func (s *Server) orgTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, s.Store.Pool, f); err != nil {
		return err
	}
	if s.Policies != nil {
		// Bounded: a listener that lost its connection must not hold the
		// answer of a change already made.
		ctx, cancel := context.WithTimeout(ctx, catchUpWait)
		defer cancel()
		if err := s.Policies.CatchUp(ctx); err != nil {
			// The change is made; other processes follow the notice, and so
			// will this one.
			s.Logger.WarnContext(ctx, "an organisation change was made, but this process could not catch up with its policies yet", "err", err)
		}
	}
	return nil
}

// catchUpWait bounds how long a change's answer waits for this process's
// policies to follow it (milliseconds, normally: docs/performance.md).
const catchUpWait = 5 * time.Second

// pathID reads a positive id from the path.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": what + " id"})
	}
	return id, nil
}

// orgAllowed authenticates the caller, reads the organisation the path
// names and asks policy whether the caller may take action on it: the
// start of every read about one organisation that policy decides.
func (s *Server) orgAllowed(r *http.Request, action string) (org.Org, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return org.Org{}, err
	}
	o, err := s.pathOrg(r)
	if err != nil {
		return org.Org{}, err
	}
	if _, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, policy.OrgResource(o.RegionPath, o.ID), nil); err != nil {
		return org.Org{}, err
	}
	return o, nil
}

// pathOrg reads the organisation named in the path.
func (s *Server) pathOrg(r *http.Request) (org.Org, error) {
	id, err := pathID(r, "orgID", "organisation")
	if err != nil {
		return org.Org{}, err
	}
	return s.Store.GetOrg(r.Context(), id)
}

// regionPath is the path a region has or would have: its own when on
// record, else its parent's and its code.
func (s *Server) regionPath(ctx context.Context, code, parentCode string) (string, error) {
	c, err := regioncode.Parse(code)
	if err != nil {
		return "", duty.FailWith(duty.EInvalid, err)
	}
	if r, err := s.Store.GetRegion(ctx, c); err == nil {
		return r.Path, nil
	} else if duty.ErrorCode(err) != duty.ENotFound {
		return "", err
	}
	parent := parentCode
	if parent == "" {
		parent = regioncode.Parent(c)
	}
	if parent == "" {
		return "/" + c + "/", nil
	}
	p, err := s.Store.GetRegion(ctx, parent)
	if duty.ErrorCode(err) == duty.ENotFound {
		return "", duty.Fail(duty.EInvalid, "region.parent_unknown", duty.Args{"Code": string(c), "Parent": string(parent)})
	} else if err != nil {
		return "", err
	}
	return p.Path + c + "/", nil
}

func (s *Server) saveRegion(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b RegionRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	path, err := s.regionPath(r.Context(), b.Code, b.ParentCode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.administer(r, c, policy.ActionAdministerOrg, b.Document, policy.OrgResource(path, 0))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var region org.Region
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		region, _, err = s.Store.SaveRegion(r.Context(), tx, org.Region{Code: b.Code, Name: b.Name, ParentCode: b.ParentCode}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, region)
}

// existingOrg is the organisation an OrgRequest would change, if any: by
// credit code, else by code.
func (s *Server) existingOrg(ctx context.Context, b OrgRequest) (org.Org, bool, error) {
	if strings.TrimSpace(b.CreditCode) != "" {
		if _, err := uscc.Parse(b.CreditCode); err == nil {
			o, err := s.Store.OrgByCreditCode(ctx, s.Store.Pool, b.CreditCode)
			if err == nil {
				return o, true, nil
			} else if duty.ErrorCode(err) != duty.ENotFound {
				return org.Org{}, false, err
			}
		}
	}
	if strings.TrimSpace(b.Code) != "" {
		o, err := s.Store.OrgByCode(ctx, s.Store.Pool, strings.TrimSpace(b.Code))
		if err == nil {
			return o, true, nil
		} else if duty.ErrorCode(err) != duty.ENotFound {
			return org.Org{}, false, err
		}
	}
	return org.Org{}, false, nil
}

func (s *Server) saveOrg(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b OrgRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := regioncode.Parse(b.RegionCode)
	if err != nil {
		s.writeError(w, r, duty.FailWith(duty.EInvalid, err))
		return
	}
	region, err := s.Store.GetRegion(r.Context(), code)
	if duty.ErrorCode(err) == duty.ENotFound {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "region.unknown", duty.Args{"Code": string(code)}))
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Where it is to be, and — for a change — where it is: both must be
	// the caller's to administer (nobody moves an organisation out of
	// another region, or into one).
	resources := []string{policy.OrgResource(region.Path, 0)}
	had, existed, err := s.existingOrg(r.Context(), b)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if existed {
		resources = []string{policy.OrgResource(region.Path, had.ID), policy.OrgResource(had.RegionPath, had.ID)}
	}
	ch, err := s.administer(r, c, policy.ActionAdministerOrg, b.Document, resources...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var saved org.Org
	var changed bool
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		saved, changed, err = s.Store.SaveOrg(r.Context(), tx, store.OrgInput{Code: b.Code, Kind: b.Kind, Name: b.Name, RegionCode: b.RegionCode,
			Sectors: b.Sectors, SuperiorID: b.SuperiorID, CreditCode: b.CreditCode, Address: b.Address, IndustryCode: b.IndustryCode,
			RiskClass: b.RiskClass}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if changed && !existed {
		status = http.StatusCreated
	}
	writeJSON(w, status, saved)
}

func (s *Server) listEnterprises(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	code := q.Get("region")
	if code == "" {
		// The caller's own region: that of their administrator's post, else
		// of their first.
		for _, p := range c.posts {
			if code == "" || p.Role == org.RoleOrgAdmin {
				code = p.Org.RegionCode
			}
		}
	}
	if code == "" {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "org.region.required", nil))
		return
	}
	if code, err = regioncode.Parse(code); err != nil {
		s.writeError(w, r, duty.FailWith(duty.EInvalid, err))
		return
	}
	// An unknown region is refused, not answered with an empty page.
	if _, err := s.Store.RegionPath(r.Context(), code); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The register is read by whoever may read the directory and its
	// export: every signed-in official and enterprise (names, credit codes,
	// addresses and classes are public in 国家企业信用信息公示系统). It
	// carries no person's numbers.
	limit := 0
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 {
			s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "limit"}))
			return
		}
	}
	page, err := s.Store.ListEnterprises(r.Context(), store.EnterpriseFilter{RegionCode: code, IndustryCode: q.Get("industry"),
		Sector: q.Get("sector"), RiskClass: q.Get("risk_class"), NameContains: q.Get("q"), After: q.Get("after"), Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if page.Enterprises == nil {
		page.Enterprises = []org.Org{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) orgStaff(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.pathOrg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.administer(r, c, policy.ActionKeepStaff, "", policy.OrgResource(o.RegionPath, o.ID)); err != nil {
		s.writeError(w, r, err)
		return
	}
	units, err := s.Store.Units(r.Context(), s.Store.Pool, o.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	persons, err := s.Store.OrgStaff(r.Context(), o.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if units == nil {
		units = []org.Unit{}
	}
	if persons == nil {
		persons = []store.PersonRecord{}
	}
	writeJSON(w, http.StatusOK, OrgStaffResponse{Org: o, Units: units, Persons: persons})
}

func (s *Server) saveUnit(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.pathOrg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b UnitRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.administer(r, c, policy.ActionKeepStaff, b.Document, policy.OrgResource(o.RegionPath, o.ID))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var unit org.Unit
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		unit, _, err = s.Store.SaveUnit(r.Context(), tx, store.UnitInput{OrgID: o.ID, Code: b.Code, Kind: b.Kind, Name: b.Name, ParentCode: b.ParentCode}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unit)
}

func (s *Server) saveAgreement(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	team, err := s.pathOrg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b AgreementRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.administer(r, c, policy.ActionAdministerOrg, b.Document, policy.OrgResource(team.RegionPath, team.ID))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var a org.RescueAgreement
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		a, _, err = s.Store.SaveRescueAgreement(r.Context(), tx, org.RescueAgreement{TeamID: team.ID, EnterpriseID: b.EnterpriseID,
			ValidFrom: b.ValidFrom.Time, ValidTo: b.ValidTo.orNil()}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// keepsPerson reports whether the caller may take action on a person: on
// the organisation of any post they hold or held — or, with current, of
// one they hold today or later (personal information is read only by
// those who administer the person now, not a former employer).
func (s *Server) keepsPerson(r *http.Request, c caller, action string, rec store.PersonRecord, current bool) (string, bool) {
	today := s.Now().In(rules.China)
	for _, p := range rec.Posts {
		if current && !policy.HeldOnOrAfter(p, today) {
			continue
		}
		if by, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, policy.OrgResource(p.Org.RegionPath, p.Org.ID), nil); err == nil {
			return by, true
		}
	}
	return "", false
}

func (s *Server) savePerson(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.pathOrg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b PersonRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.administer(r, c, policy.ActionKeepStaff, b.Document, policy.OrgResource(o.RegionPath, o.ID))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A person already on record who holds or held posts is changed only
	// by someone who keeps one of them: an organisation cannot rename
	// another's people by naming their identity number.
	var had org.Person
	found := false
	if strings.TrimSpace(b.IDNumber) != "" {
		had, err = s.Store.PersonByIDNumber(r.Context(), s.Store.Pool, b.IDNumber)
		found = err == nil
		if err != nil && duty.ErrorCode(err) != duty.ENotFound {
			s.writeError(w, r, err)
			return
		}
	}
	if !found && strings.TrimSpace(b.Login) != "" {
		had, err = s.Store.PersonByLogin(r.Context(), strings.TrimSpace(b.Login))
		found = err == nil
	}
	if found {
		rec, err := s.Store.GetPersonRecord(r.Context(), s.Store.Pool, had.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if _, ok := s.keepsPerson(r, c, policy.ActionKeepStaff, rec, false); !ok && len(rec.Posts) > 0 {
			s.writeError(w, r, duty.Fail(duty.EForbidden, "org.person.on_record", nil))
			return
		}
	}
	var p org.Person
	var changed bool
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		p, changed, err = s.Store.SavePerson(r.Context(), tx, store.PersonInput{IDNumber: b.IDNumber, Login: b.Login, Name: b.Name,
			Phone: b.Phone, RegionCode: o.RegionCode}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.Store.GetPersonRecord(r.Context(), s.Store.Pool, p.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if changed && !found {
		status = http.StatusCreated
	}
	writeJSON(w, status, rec)
}

func (s *Server) appoint(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.pathOrg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b AppointRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.administer(r, c, policy.ActionKeepStaff, b.Document, policy.OrgResource(o.RegionPath, o.ID))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Only a person the caller keeps already, or one who holds no post
	// anywhere yet, is appointed here: appointing would make them the
	// caller's to keep, their personal information included. A person
	// moves between organisations kept by others through whoever keeps
	// both (a transfer by the region's administrator).
	if rec, err := s.Store.GetPersonRecord(r.Context(), s.Store.Pool, b.PersonID); err == nil && len(rec.Posts) > 0 {
		if _, ok := s.keepsPerson(r, c, policy.ActionKeepStaff, rec, false); !ok {
			s.writeError(w, r, duty.Fail(duty.EForbidden, "org.person.transfer_elsewhere", duty.Args{"ID": b.PersonID}))
			return
		}
	} else if err != nil && duty.ErrorCode(err) != duty.ENotFound {
		s.writeError(w, r, err)
		return
	}
	var post org.Post
	var changed bool
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		post, changed, err = s.Store.Appoint(r.Context(), tx, store.Appointment{PersonID: b.PersonID, OrgID: o.ID, UnitID: b.UnitID,
			Role: b.Role, Title: b.Title, Portfolio: b.Portfolio, StartsOn: b.StartsOn.orDay(s.Now())}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if changed {
		status = http.StatusCreated
	}
	writeJSON(w, status, post)
}

// pathPost reads the post named in the path and asks whether the caller
// keeps its organisation's staff.
func (s *Server) pathPost(r *http.Request, c caller, document string) (org.Post, store.OrgChange, error) {
	id, err := pathID(r, "postID", "post")
	if err != nil {
		return org.Post{}, store.OrgChange{}, err
	}
	post, err := s.Store.GetPost(r.Context(), id)
	if err != nil {
		return org.Post{}, store.OrgChange{}, err
	}
	ch, err := s.administer(r, c, policy.ActionKeepStaff, document, policy.OrgResource(post.Org.RegionPath, post.Org.ID))
	return post, ch, err
}

func (s *Server) endPost(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b EndPostRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	post, ch, err := s.pathPost(r, c, b.Document)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		post, _, err = s.Store.EndPost(r.Context(), tx, post.ID, b.On.orDay(s.Now()), ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, post)
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b TransferRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	from, ch, err := s.pathPost(r, c, b.Document)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The new post's organisation must be the caller's to staff too.
	to, err := s.Store.GetOrg(r.Context(), b.OrgID)
	if duty.ErrorCode(err) == duty.ENotFound {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "org.unknown", duty.Args{"ID": b.OrgID}))
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.administer(r, c, policy.ActionKeepStaff, b.Document, policy.OrgResource(to.RegionPath, to.ID)); err != nil {
		s.writeError(w, r, err)
		return
	}
	var out TransferResponse
	err = s.orgTx(r.Context(), func(tx pgx.Tx) error {
		out.Ended, out.Started, _, err = s.Store.Transfer(r.Context(), tx, from.ID, store.Appointment{OrgID: to.ID, UnitID: b.UnitID,
			Role: b.Role, Title: b.Title, Portfolio: b.Portfolio, StartsOn: b.On.orDay(s.Now())}, ch)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// pathPerson reads the person in the path as their administrators see
// them, if the caller may take action on them; else not found, so that
// who is on record does not leak.
func (s *Server) pathPerson(r *http.Request, c caller, action string) (store.PersonRecord, string, error) {
	id, err := pathID(r, "personID", "person")
	if err != nil {
		return store.PersonRecord{}, "", err
	}
	notFound := duty.Fail(duty.ENotFound, "org.person.not_yours", duty.Args{"ID": id})
	rec, err := s.Store.GetPersonRecord(r.Context(), s.Store.Pool, id)
	if duty.ErrorCode(err) == duty.ENotFound {
		return rec, "", notFound
	} else if err != nil {
		return rec, "", err
	}
	by, ok := s.keepsPerson(r, c, action, rec, action == policy.ActionReadPersonal)
	if !ok {
		return rec, "", notFound
	}
	return rec, by, nil
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, _, err := s.pathPerson(r, c, policy.ActionKeepStaff)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) personalInfo(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b PersonalRequest
	if err := decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, _, err := s.pathPerson(r, c, policy.ActionReadPersonal)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	info, err := s.Store.PersonalInfo(r.Context(), rec.Person.ID, c.person.ID, b.Purpose, s.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, info)
}
