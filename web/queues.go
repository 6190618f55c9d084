package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/penalty"
)

// A work queue is what the desk and the inbox open on: first the cases
// that need the visitor ("需要我办理": the next step is their side's, or a
// deadline of their side runs), soonest time limit first, then the rest —
// closed cases only when asked for — a page at a time.

// queuePage is how many of "the rest" one page shows.
const queuePage = 20

// dueRow is one time limit of the visitor's side on a case, and what
// follows if it is missed.
type dueRow struct {
	What     string
	At       any // a time.Time or a calendar.Deadline, as when() shows it
	Sort     time.Time
	State    cases.DeadlineState
	IfMissed string
	// Unconfirmed lists the years whose holidays were not yet published
	// when the limit was counted.
	Unconfirmed []int
}

// queue is the desk's or the inbox's list of cases.
type queue struct {
	Mine []caseRow
	Rest []caseRow
	// Page is the page of the rest shown (from 1), of Pages; RestTotal
	// counts the rest on every page.
	Page, Pages, RestTotal int
	// Closed says whether closed cases are shown; Unread counts the cases
	// with a step the visitor has not seen.
	Closed bool
	Unread int
	Filter url.Values
	// Wide says the visitor sees the cases of many enterprises, so the
	// filter offers to search by enterprise.
	Wide bool
	// Lang is the language the queue's words are in (Chinese when empty).
	Lang string
}

// PageLink is the address of another page of the queue, keeping the filter.
func (q queue) PageLink(n int) string {
	v := url.Values{}
	for k, vs := range q.Filter {
		v[k] = vs
	}
	if q.Closed {
		v.Set("closed", "1")
	}
	v.Set("page", strconv.Itoa(n))
	return "?" + v.Encode()
}

// Prev and Next are the neighbouring pages (0 when there is none).
func (q queue) Prev() int {
	if q.Page > 1 {
		return q.Page - 1
	}
	return 0
}

// Next is the following page, or 0.
func (q queue) Next() int {
	if q.Page < q.Pages {
		return q.Page + 1
	}
	return 0
}

// apiQuery is the queue's filter as GET /api/v1/cases and its export
// take it: closed cases left out unless asked for, and a state chosen as
// "kind.state" (the form's states are each a kind's) sent as both.
func (q queue) apiQuery() url.Values {
	v := url.Values{}
	for k, vs := range q.Filter {
		v[k] = vs
	}
	if kind, state, ok := strings.Cut(v.Get("state"), "."); ok {
		v.Set("kind", kind)
		v.Set("state", state)
	}
	if !q.Closed {
		v.Set("open", "true")
	}
	return v
}

// ExportLink downloads the queue's cases as 台账 in format (xlsx, csv):
// every case the filter finds, both the visitor's work and the rest, on
// every page.
func (q queue) ExportLink(format string) string {
	v := q.apiQuery()
	v.Set("format", format)
	return "/ledgers/export/cases?" + v.Encode()
}

// Filtered says whether any filter narrows the queue.
func (q queue) Filtered() bool { return len(q.Filter) > 0 }

// Described is the queue's filter in words, in the queue's language, for
// the printed page.
func (q queue) Described() string {
	lang := q.lang()
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	var parts []string
	f := q.Filter
	add := func(id, v string) {
		if v != "" {
			parts = append(parts, t("filter.described", i18n.Args{"What": i18n.Ref("filter." + id), "Value": v}))
		}
	}
	add("search", f.Get("q"))
	add("enterprise", f.Get("enterprise"))
	add("place", f.Get("place"))
	if k := f.Get("kind"); k != "" {
		add("kind", labelIn(lang, "kind."+k))
	}
	if kind, state, ok := strings.Cut(f.Get("state"), "."); ok {
		add("state", labelIn(lang, "kind."+kind)+"·"+labelIn(lang, "state."+kind+"."+state))
	}
	if g := f.Get("grade"); g != "" {
		add("grade", labelIn(lang, "filter.grade."+g))
	}
	switch from, to := f.Get("from"), f.Get("to"); {
	case from != "" && to != "":
		add("opened", t("filter.opened.between", i18n.Args{"From": from, "To": to}))
	case from != "":
		add("opened", t("filter.opened.from", i18n.Args{"From": from}))
	case to != "":
		add("opened", t("filter.opened.to", i18n.Args{"To": to}))
	}
	if f.Get("officer") == "me" {
		parts = append(parts, t("filter.mine", nil))
	}
	if f.Get("overdue") == "true" {
		parts = append(parts, t("filter.overdue_only", nil))
	}
	if q.Closed {
		parts = append(parts, t("filter.with_closed", nil))
	} else {
		parts = append(parts, t("filter.open_only", nil))
	}
	if lang == i18n.English {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, "；")
}

// lang is the queue's language: Chinese unless the visitor chose another.
func (q queue) lang() string {
	if q.Lang == "" {
		return i18n.Default
	}
	return q.Lang
}

// gradeFilter are the grades a list may be filtered by: the one word of
// a hazard's and an accident's grade that the two share
// (filter.grade.<grade>).
var gradeFilter = []string{"general", "large", "major", "extraordinary"}

// stateGroup is one kind's states in the state filter.
type stateGroup struct {
	Kind    string
	Options [][2]string // value ("kind.state") and words
}

// StateOptions are the state filter's choices: each kind's states in
// the order the labels table keeps them, as a kind's page names them.
func (q queue) StateOptions() []stateGroup {
	var out []stateGroup
	for _, k := range []cases.Kind{cases.KindHazard, cases.KindTalk, cases.KindPenalty, cases.KindEscalation, cases.KindAccident} {
		g := stateGroup{Kind: labelIn(q.lang(), "kind."+string(k))}
		for _, st := range kindStates[k] {
			g.Options = append(g.Options, [2]string{string(k) + "." + st, labelIn(q.lang(), "state."+string(k)+"."+st)})
		}
		out = append(out, g)
	}
	return out
}

// kindStates are the states a case of each kind passes through, in order.
var kindStates = map[cases.Kind][]string{
	cases.KindHazard:     {"reported", "ordered", "plan_submitted", "rectifying", "completion_reported", "closed"},
	cases.KindTalk:       {"scheduled", "held", "complied", "failed", "cancelled"},
	cases.KindPenalty:    {"opened", "notified", "hearing_requested", "hearing_scheduled", "hearing_held", "decided", "served", "payment_overdue", "reminded", "paid", "enforcement", "executed", "revoked", "withdrawn"},
	cases.KindEscalation: {"submitted", "acknowledged", "decided", "returned"},
	cases.KindAccident:   {"reported", "investigating", "appraisal", "report_submitted", "approved", "closed"},
}

// GradeOptions are the grade filter's choices, in order.
func (q queue) GradeOptions() [][2]string {
	out := make([][2]string, len(gradeFilter))
	for i, g := range gradeFilter {
		out[i] = [2]string{g, labelIn(q.lang(), "filter.grade."+g)}
	}
	return out
}

// workQueue reads the visitor's cases and sorts them into a queue.
func (s *Server) workQueue(r *http.Request, m *me) (queue, error) {
	q := queue{Filter: caseFilter(r), Closed: r.URL.Query().Get("closed") == "1", Wide: m.Regulator(), Lang: reqLang(r)}
	rows, err := s.listCases(r, q.apiQuery())
	if err != nil {
		return q, err
	}
	side := m.Side()
	accidents := s.openAccidents(r, rows)
	for _, row := range rows {
		if row.Unread {
			q.Unread++
		}
		if row.ClosedAt == nil {
			s.sortInto(r, m, side, &row, accidents[row.CaseNo])
		}
		switch {
		case row.Mine:
			q.Mine = append(q.Mine, row)
		case row.ClosedAt == nil || q.Closed:
			q.Rest = append(q.Rest, row)
		}
	}
	// The visitor's work: overdue first, then by their own soonest limit;
	// work without a limit after.
	slices.SortStableFunc(q.Mine, func(a, b caseRow) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		ta, tb := soonest(a), soonest(b)
		if ta.IsZero() != tb.IsZero() {
			if ta.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(ta.Compare(tb), cmp.Compare(a.CaseNo, b.CaseNo))
	})
	q.RestTotal = len(q.Rest)
	q.Pages = max(1, (len(q.Rest)+queuePage-1)/queuePage)
	q.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	q.Page = min(max(q.Page, 1), q.Pages)
	from := (q.Page - 1) * queuePage
	q.Rest = q.Rest[from:min(from+queuePage, len(q.Rest))]
	return q, nil
}

// openAccidents reads the open accidents among rows, by case number: who
// takes an accident's steps depends on its investigating level and on
// who holds the report. Open accidents are few; one that cannot be read
// is left out, and its steps are nobody's in the queue.
func (s *Server) openAccidents(r *http.Request, rows []caseRow) map[string]*accident.View {
	out := map[string]*accident.View{}
	for _, c := range rows {
		if c.Kind != cases.KindAccident || c.ClosedAt != nil {
			continue
		}
		var res struct {
			Case accident.View `json:"case"`
		}
		if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(c.CaseNo), nil, &res); err == nil {
			out[c.CaseNo] = &res.Case
		}
	}
	return out
}

// accidentStepFor says whether an accident's step is the visitor's: the
// report is passed up by the level that holds it (the last to receive
// it); the other steps as accidentFormFor says.
func accidentStepFor(f actionForm, m *me, v *accident.View) bool {
	if v == nil {
		return false
	}
	if f.Action == accident.UpdateReportUp {
		if len(v.ReportingChain) == 0 {
			return false
		}
		holder := v.ReportingChain[len(v.ReportingChain)-1].Level
		return slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Org.Kind == org.KindDepartment && p.Org.RegionLevel == holder })
	}
	return accidentFormFor(f, m, v.InvestigatingLevel)
}

// soonest is the earliest time limit of the visitor's on a row.
func soonest(c caseRow) time.Time {
	var t time.Time
	for _, d := range c.Due {
		if d.State == cases.DeadlinePending || d.State == cases.DeadlineExtended || d.State == "" {
			if t.IsZero() || d.Sort.Before(t) {
				t = d.Sort
			}
		}
	}
	return t
}

// sortInto decides whether an open case needs the visitor — a step its
// workflow awaits now is theirs — and lists that side's time limits, each
// with what follows when it is missed.
func (s *Server) sortInto(r *http.Request, m *me, side string, row *caseRow, acc *accident.View) {
	lang := reqLang(r)
	for _, a := range row.NextActions {
		if slices.Contains(optionalSteps, a) {
			continue
		}
		steps := forms
		switch row.Kind {
		case cases.KindInspection:
			steps = inspectionForms
		case cases.KindCampaign:
			steps = campaignForms
		case cases.KindRescue:
			steps = rescueForms
		}
		// A step may have a form per side (the rescue alarm's
		// acknowledgement): take the visitor's side's, or the one any
		// holder of the case's post or level takes.
		i := slices.IndexFunc(steps, func(f actionForm) bool {
			return f.Kind == row.Kind && f.Action == a && (f.Side == side || f.Side == "holder" || f.Side == "level")
		})
		if i < 0 {
			continue
		}
		f := steps[i]
		switch {
		case f.Kind == cases.KindReport && !m.inOrg(row.ActingOrg.ID):
			// A report is the handling department's work alone.
			continue
		case f.Side == side && (f.Kind != cases.KindAccident || accidentStepFor(f, m, acc)):
		case f.Side == "holder" && side == cases.SideRegulator && m.inOrg(row.ActingOrg.ID):
		case f.Side == "level" && side == cases.SideRegulator && m.inOrg(row.ActingOrg.ID):
		default:
			continue
		}
		if todo := i18n.T(lang, f.Label, nil); !slices.Contains(row.Todo, todo) {
			row.Todo = append(row.Todo, todo)
		}
	}
	if row.LadderDue && side == cases.SideRegulator {
		row.Todo = append(row.Todo, i18n.T(lang, "queue.todo.ladder", nil))
	}
	for _, d := range row.Deadlines {
		if d.Party != side || !d.Open() {
			continue
		}
		row.Due = append(row.Due, dueRow{What: deadlineLabelIn(lang, d), At: d.DueAt, Sort: d.DueAt, State: d.State,
			IfMissed: ifMissedBy(lang, side, row.Kind, d.Key), Unconfirmed: d.Unconfirmed})
	}
	if side == cases.SideEnterprise {
		s.enterpriseWindows(r, row)
	}
	slices.SortStableFunc(row.Due, func(a, b dueRow) int { return a.Sort.Compare(b.Sort) })
	// A running limit alone does not make the case the visitor's work now
	// (a penalty's decision period runs while the party may still plead):
	// a step of theirs that the case awaits does.
	row.Mine = len(row.Todo) > 0
}

// enterpriseWindows adds the limits an enterprise has that are not among
// a case's deadlines: a penalty's windows to plead and to ask for a
// hearing, and the 治理方案 a 重大隐患 needs before its deadline.
func (s *Server) enterpriseWindows(r *http.Request, row *caseRow) {
	lang := reqLang(r)
	switch {
	case row.Kind == cases.KindPenalty && (slices.Contains(row.NextActions, "plead") || slices.Contains(row.NextActions, "request_hearing")):
		var res struct {
			Case penalty.View `json:"case"`
		}
		if err := s.call(r, http.MethodGet, "/api/v1/cases/"+url.PathEscape(row.CaseNo), nil, &res); err != nil || res.Case.Notice == nil {
			return
		}
		n := res.Case.Notice
		if slices.Contains(row.NextActions, "plead") {
			row.Due = append(row.Due, dueRow{What: i18n.T(lang, "deadline.what.plead", nil), At: n.PleaDue, Sort: n.PleaDue.End,
				IfMissed: i18n.T(lang, "if_missed.plead", nil), Unconfirmed: n.PleaDue.Unconfirmed})
		}
		if n.HearingQualifies && slices.Contains(row.NextActions, "request_hearing") {
			row.Due = append(row.Due, dueRow{What: i18n.T(lang, "deadline.what.hearing", nil), At: n.HearingDue, Sort: n.HearingDue.End,
				IfMissed: i18n.T(lang, "if_missed.hearing", nil), Unconfirmed: n.HearingDue.Unconfirmed})
		}
	case row.Kind == cases.KindHazard && slices.Contains(row.NextActions, "submit_plan"):
		for _, d := range row.Deadlines {
			if d.Open() && d.Party == cases.PartyEnterprise {
				row.Due = append(row.Due, dueRow{What: i18n.T(lang, "deadline.what.plan", nil), At: d.DueAt, Sort: d.DueAt,
					IfMissed: i18n.T(lang, "if_missed.plan", nil), Unconfirmed: d.Unconfirmed})
				break
			}
		}
	}
}

// optionalSteps are steps a case allows that nobody awaits: taking one
// is a choice (to withdraw, to ask for more time, to appeal), so they do
// not put a case among the visitor's work.
var optionalSteps = []string{"withdraw", "cancel_talk", "request_extension", "appeal", "amend_casualties",
	"start_appraisal", "extend_investigation", "extend_approval", "waive_rights", "pass_down", "escalate_miss"}

// ifMissedBy says what follows a missed deadline: for the enterprise the
// next step against it, for a regulator the record kept of its officers.
func ifMissedBy(lang, side string, k cases.Kind, key string) string {
	if side == cases.SideEnterprise {
		return ifMissedIn(lang, k, key)
	}
	id := "if_missed.officer.default"
	switch {
	case k == cases.KindPenalty && key == "decision":
		id = "if_missed.officer.decision"
	case k == cases.KindEscalation:
		id = "if_missed.officer.escalation"
	case k == cases.KindCampaign:
		id = "if_missed.officer.campaign"
	case k == cases.KindAccident:
		id = "if_missed.officer.accident"
	}
	return i18n.T(lang, id, nil)
}

// inOrg reports whether the visitor holds a post in the organisation.
func (m *me) inOrg(id int64) bool {
	return slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Org.ID == id })
}

// markSeen records that the visitor has seen the case as it now stands;
// a failure only leaves the case marked unread.
func (s *Server) markSeen(r *http.Request, no string) {
	if err := s.call(r, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/seen", struct{}{}, nil); err != nil {
		s.Logger.Warn("case page: not marked seen", "case", no, "error", err)
	}
}

// notice is one notification in the notice list (站内信).
type notice struct {
	ID       int64     `json:"id"`
	CaseNo   string    `json:"case_no"`
	Seq      int64     `json:"seq"`
	Category string    `json:"category"`
	Action   string    `json:"action"`
	Reason   string    `json:"reason"`
	StepAt   time.Time `json:"step_at"`
	Read     bool      `json:"read"`
}

// Kind is the kind of the notice's case, read from its number.
func (n notice) Kind() cases.Kind {
	num, err := cases.ParseNumber(n.CaseNo)
	if err != nil {
		return ""
	}
	return num.Kind
}

// noticesData is the notice list.
type noticesData struct {
	Notices []notice
	Before  int64
	Unread  bool // only unread shown
	Count   int  // unread on this page
}

func (s *Server) noticesPage(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	path := "/api/v1/notifications?limit=50"
	if b := r.URL.Query().Get("before"); b != "" {
		path += "&before=" + url.QueryEscape(b)
	}
	var list struct {
		Notifications []notice `json:"notifications"`
		Before        int64    `json:"before"`
	}
	if err := s.call(r, http.MethodGet, path, nil, &list); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d := noticesData{Before: list.Before, Unread: r.URL.Query().Get("unread") == "1"}
	for _, n := range list.Notifications {
		if !n.Read {
			d.Count++
		}
		if !d.Unread || !n.Read {
			d.Notices = append(d.Notices, n)
		}
	}
	msg := map[string]string{"read": "已标为已读"}[r.URL.Query().Get("notice")]
	s.render(w, http.StatusOK, "notices", page{TitleID: "nav.notices", Me: m, Data: d, Notice: msg, Now: time.Now(), Section: "notices"})
}

// readNotices marks the notices posted read (a page of them at most) and
// returns to the list.
func (s *Server) readNotices(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, m, &apiError{Status: http.StatusBadRequest, Message: i18n.T(reqLang(r), "page.error.form_unreadable", nil)})
		return
	}
	ids := r.PostForm["id"]
	if len(ids) > 200 {
		ids = ids[:200]
	}
	for _, id := range ids {
		if err := s.call(r, http.MethodPost, "/api/v1/notifications/"+url.PathEscape(id)+"/read", struct{}{}, nil); err != nil {
			s.fail(w, r, m, err)
			return
		}
	}
	http.Redirect(w, r, "/notices?notice=read", http.StatusSeeOther)
}

// readNotice marks one notice read and returns to the list.
func (s *Server) readNotice(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := s.call(r, http.MethodPost, "/api/v1/notifications/"+url.PathEscape(r.PathValue("id"))+"/read", struct{}{}, nil); err != nil {
		s.fail(w, r, m, err)
		return
	}
	http.Redirect(w, r, "/notices?notice=read", http.StatusSeeOther)
}
