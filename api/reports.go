package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/report"
)

// Reports from the public are filed without login, so each client
// address may file reportBurst at once, then one every reportEvery: a
// person with something to report is not held up, a script is.
const (
	reportBurst = 5
	reportEvery = time.Minute
)

// FileReportRequest is a report from the public (举报): the enterprise as
// the reporter knows it (its registered name or 统一社会信用代码, or any
// description when unknown), the county-level region it is in (needed
// when the enterprise is not found on record), the place and what was
// seen; a name and mobile number, both or neither — without them the
// report is anonymous.
type FileReportRequest struct {
	Enterprise string `json:"enterprise"`
	RegionCode string `json:"region_code,omitempty"`
	Place      string `json:"place"`
	What       string `json:"what"`
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// FileReportResponse is the follow code (shown once: only its hash is
// kept) and when the department must have verified the report by.
type FileReportResponse struct {
	Code      string    `json:"code"`
	VerifyDue time.Time `json:"verify_due"`
}

// ReportFormResponse is what the public form needs.
type ReportFormResponse struct {
	Regions       []store.ReportRegion `json:"regions"`
	VerifyDays    int                  `json:"verify_days"`
	RewardMinYuan int64                `json:"reward_min_yuan"`
	RewardMaxYuan int64                `json:"reward_max_yuan"`
}

// ReportStatus is a report as its reporter follows it: state and outcome
// only — never who reported, who handled it, or the enterprise's case.
type ReportStatus struct {
	State     string    `json:"state"`
	FiledAt   time.Time `json:"filed_at"`
	VerifyDue time.Time `json:"verify_due"`
	// Outcome is "", "confirmed" or "unfounded".
	Outcome string `json:"outcome,omitempty"`
	// HazardOpened says a hazard case was opened on the report.
	HazardOpened bool `json:"hazard_opened"`
	// Reward is "", "granted" or "none"; RewardYuan the amount granted.
	Reward     string `json:"reward,omitempty"`
	RewardYuan int64  `json:"reward_yuan,omitempty"`
	Closed     bool   `json:"closed"`
}

// Bodies of the handling department's steps; the actor is always the
// caller.
type (
	// ReportInspectionRequest links the inspection (JC) that verifies
	// the report.
	ReportInspectionRequest struct {
		InspectionNo string `json:"inspection_no"`
	}
	// ReportOutcomeRequest records the verification's outcome; a
	// confirmed one lists the hazard cases its inspection opened.
	ReportOutcomeRequest struct {
		Confirmed bool   `json:"confirmed"`
		Reason    string `json:"reason"`
	}
	// ReportRewardRequest is the department's decision on a reward.
	ReportRewardRequest struct {
		Granted    bool   `json:"granted"`
		AmountYuan int64  `json:"amount_yuan,omitempty"`
		Grounds    string `json:"grounds"`
	}
	// ReporterRequest asks for who filed a report; it has no fields.
	ReporterRequest struct{}
)

// ReporterResponse is who filed a report, unmasked, for the handling
// department, and everyone who has read it (this read included).
type ReporterResponse struct {
	Anonymous bool                 `json:"anonymous"`
	Name      string               `json:"name,omitempty"`
	Phone     string               `json:"phone,omitempty"`
	Reads     []store.ReporterRead `json:"reads"`
}

// maxReporterName bounds a reporter's name (the column's check).
const maxReporterName = 50

// followAlphabet has 32 characters that cannot be mistaken for one
// another (no 0/O, 1/I): 16 of them are 80 bits from a crypto source.
const followAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// followCodeLen is the follow code's length, without its hyphens.
const followCodeLen = 16

// newFollowCode is a random follow code, grouped by four for reading out.
func newFollowCode() string {
	b := make([]byte, followCodeLen)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(followAlphabet[int(x)%len(followAlphabet)])
	}
	return sb.String()
}

// followHash is the SHA-256 of a follow code as typed (hyphens, spaces
// and case do not matter); ok is false for what cannot be a code.
func followHash(code string) ([]byte, bool) {
	c := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(c) != followCodeLen || strings.Trim(c, followAlphabet) != "" {
		return nil, false
	}
	h := sha256.Sum256([]byte(c))
	return h[:], true
}

// tooMany refuses a client over its limit.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, l *publicLimiter) bool {
	if l.allow(clientAddr(r)) {
		return false
	}
	w.Header().Set("Retry-After", "1")
	s.writeError(w, r, duty.Fail(duty.ETooMany, "request.too_many", nil))
	return true
}

// reportRules are the report numbers of the set in force, or the refusal
// when it sets none.
func (s *Server) reportRules(now time.Time) (rules.RuleSet, error) {
	rs := s.Rules.InForce(now)
	if !rs.Report.Configured() {
		return rs, duty.Fail(duty.EUnavailable, "report.not_configured", nil)
	}
	return rs, nil
}

// publicReportForm answers anyone with what the form needs.
func (s *Server) publicReportForm(w http.ResponseWriter, r *http.Request) {
	if s.tooMany(w, r, &s.public) {
		return
	}
	rs, err := s.reportRules(s.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	regions, err := s.Store.ReportRegions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ReportFormResponse{Regions: regions, VerifyDays: int(time.Duration(rs.Report.VerifyWithin) / (24 * time.Hour)),
		RewardMinYuan: rs.Report.RewardMinYuan, RewardMaxYuan: rs.Report.RewardMaxYuan})
}

// reporterOf checks the name and phone a reporter gave: both or neither.
func reporterOf(req FileReportRequest) (*store.ReporterInfo, error) {
	name, phone := strings.TrimSpace(req.Name), strings.TrimSpace(req.Phone)
	if name == "" && phone == "" {
		return nil, nil
	}
	if name == "" || phone == "" {
		return nil, duty.Fail(duty.EInvalid, "report.reporter.both", nil)
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxReporterName {
		return nil, duty.Fail(duty.EInvalid, "field.name_length", duty.Args{"Field": i18n.Ref("field.report.reporter_name"), "Max": maxReporterName})
	}
	p, err := personal.ParsePhone(phone)
	if err != nil {
		return nil, duty.Fail(duty.EInvalid, "report.reporter.phone", nil)
	}
	return &store.ReporterInfo{Name: name, Phone: p}, nil
}

// fileReport files a report from the public. The department is the
// enterprise's supervising department when the enterprise is found on
// record, else the chosen district's department of the rule set's
// default sector (the 应急管理部门). The follow code is made here, kept
// as its hash with the reporter's identity before the case starts, and
// shown once.
func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) {
	if s.tooMany(w, r, &s.reports) {
		return
	}
	var req FileReportRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, now := r.Context(), s.Now()
	rs, err := s.reportRules(now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	who, err := reporterOf(req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := casekit.Name("field.report.enterprise", req.Enterprise); err != nil {
		s.writeError(w, r, err)
		return
	}
	in := report.Input{EnterpriseText: strings.TrimSpace(req.Enterprise), Place: req.Place, What: req.What, Named: who != nil,
		RuleSet: rs.ID, Rules: rs.Report}
	ent, found, err := s.Store.FindEnterprise(ctx, req.Enterprise)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sector := rs.Report.DefaultSector
	if found {
		in.RegionCode, in.RegionPath, in.Enterprise = ent.RegionCode, ent.RegionPath, cases.Org{ID: ent.ID, Name: ent.Name}
		if len(ent.Industries) > 0 {
			sector = ent.Industries[0]
		}
	} else {
		if strings.TrimSpace(req.RegionCode) == "" {
			s.writeError(w, r, duty.Fail(duty.EInvalid, "report.region.required", nil))
			return
		}
		region, err := s.Store.ReportRegion(ctx, req.RegionCode)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		in.RegionCode, in.RegionPath = region.Code, region.Path
	}
	in.Industry = sector
	if in.ActingOrg, err = s.Store.SupervisingDepartment(ctx, in.RegionCode, sector); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	num, err := s.Store.NextCaseNumber(ctx, cases.KindReport, in.RegionCode, now.In(rules.China).Year())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Numbered(num)
	code := newFollowCode()
	hash, _ := followHash(code)
	if err := s.Store.FileReport(ctx, num.String(), hash, now, who); err != nil {
		s.writeError(w, r, err)
		return
	}
	g := grant{actor: report.Reporter, action: policy.Action(string(cases.KindReport), "file"), resource: "public"}
	if err := s.startNumbered(ctx, g, num, report.WorkflowName, in); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, FileReportResponse{Code: code, VerifyDue: rs.Report.VerifyDue(now)})
}

// reportStatus answers anyone who has a report's follow code with where it
// stands. A code that is not one, or is unknown, is not found alike.
func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) {
	if s.tooMany(w, r, &s.public) {
		return
	}
	hash, ok := followHash(r.PathValue("code"))
	if !ok {
		s.writeError(w, r, duty.Fail(duty.ENotFound, "report.code.unknown", nil))
		return
	}
	no, err := s.Store.ReportByCode(r.Context(), hash)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, err := s.Store.GetCase(r.Context(), no)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var v report.View
	if err := json.Unmarshal(row.View, &v); err != nil {
		s.writeError(w, r, err)
		return
	}
	st := ReportStatus{State: v.State, FiledAt: v.OpenedAt, VerifyDue: v.VerifyDue, Closed: v.ClosedAt != nil}
	if v.Outcome != nil {
		st.Outcome = "unfounded"
		if v.Outcome.Confirmed {
			st.Outcome, st.HazardOpened = "confirmed", len(v.Outcome.Hazards) > 0
		}
	}
	if v.Reward != nil {
		st.Reward = "none"
		if v.Reward.Granted {
			st.Reward, st.RewardYuan = "granted", v.Reward.AmountYuan
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, st)
}

// inspectionView reads an inspection case from the read model.
func (s *Server) inspectionView(r *http.Request, no string) (inspection.View, error) {
	var v inspection.View
	if _, err := cases.ParseNumber(no); err != nil {
		return v, err
	}
	row, err := s.Store.GetCase(r.Context(), no)
	if err == nil && row.Summary.Kind != cases.KindInspection {
		err = duty.Fail(duty.EInvalid, "report.inspection.not_inspection", duty.Args{"CaseNo": no})
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(row.View, &v)
}

var (
	linkReportInspection = caseAction(cases.KindReport, report.UpdateLinkInspection, false,
		func(s *Server, r *http.Request, b ReportInspectionRequest, st caseStep[report.View]) (any, error) {
			v, err := s.inspectionView(r, strings.TrimSpace(b.InspectionNo))
			if err != nil {
				return nil, err
			}
			return report.LinkInput{Actor: st.actor, InspectionNo: v.CaseNo, Enterprise: v.Enterprise, ActingOrg: v.ActingOrg}, nil
		})
	recordReportOutcome = caseAction(cases.KindReport, report.UpdateRecordOutcome, false,
		func(s *Server, r *http.Request, b ReportOutcomeRequest, st caseStep[report.View]) (any, error) {
			in := report.OutcomeInput{Actor: st.actor, Confirmed: b.Confirmed, Reason: b.Reason}
			if b.Confirmed && st.view.Inspection != nil {
				// The hazard cases are the linked inspection's, as the
				// read model holds them: a confirmed report lists what
				// its verification opened, never what the caller says.
				v, err := s.inspectionView(r, st.view.Inspection.CaseNo)
				if err != nil {
					return nil, err
				}
				for _, it := range v.Items {
					if it.Decision != nil && it.Decision.HazardNo != "" {
						in.Hazards = append(in.Hazards, it.Decision.HazardNo)
					}
				}
			}
			return in, in.Validate()
		})
	decideReportReward = caseAction(cases.KindReport, report.UpdateDecideReward, false,
		func(_ *Server, _ *http.Request, b ReportRewardRequest, st caseStep[report.View]) (any, error) {
			in := report.RewardInput{Actor: st.actor, Granted: b.Granted, AmountYuan: b.AmountYuan, Grounds: b.Grounds}
			return in, in.Validate(rules.ReportRules{RewardMinYuan: st.view.RewardMinYuan, RewardMaxYuan: st.view.RewardMaxYuan})
		})
)

// reporter answers the handling department with who filed a report,
// unmasked, and records the read; anyone else is refused (403), as
// policy decides on the report as handled by its department.
func (s *Server) reporter(w http.ResponseWriter, r *http.Request) {
	var body ReporterRequest
	ac, err := s.actOnCase(r, w, &body, cases.KindReport, policy.ActionReporter, false, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	info, named, err := s.Store.Reporter(r.Context(), ac.row.Summary.CaseNo, ac.actor.PersonID, ac.actor.PostID, s.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reads, err := s.Store.ReporterReads(r.Context(), ac.row.Summary.CaseNo)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ReporterResponse{Anonymous: !named, Name: info.Name, Phone: info.Phone, Reads: reads})
}

// reportRoutes are the handling department's endpoints of reports from
// the public; the public's own are in publicRoutes.
func reportRoutes() []route {
	rp := "/api/v1/reports/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: rp + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		step("inspection", "the handling department links the inspection (JC) of the enterprise reported that verifies the report (核查)", ReportInspectionRequest{}, linkReportInspection),
		step("outcome", "the handling department records the verification's outcome: confirmed (the hazard cases its inspection opened are listed, read from the record) or unfounded, with the reason", ReportOutcomeRequest{}, recordReportOutcome),
		step("reward", "the handling department's head decides the reward for a confirmed report, within the rule set's range, or none, with the grounds", ReportRewardRequest{}, decideReportReward),
		{method: "POST", path: rp + "reporter", summary: "who filed the report, unmasked, for the handling department only; every read is recorded and listed", request: ReporterRequest{}, response: ReporterResponse{}, handle: (*Server).reporter},
	}
}
