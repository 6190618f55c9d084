package api

import (
	"net/http"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// DutyView is one prevention duty as the lists show it: the row, the last
// day of its current cycle (Beijing date; an act on it is in time) and
// whether that day has passed.
type DutyView struct {
	store.DutyRow
	LastDay string `json:"last_day"`
	Overdue bool   `json:"overdue"`
}

// DutiesResponse is an organisation's prevention duties: an enterprise's
// own, all of them; a department's, those owed to it that are missed or
// fall due within the window, due first. Missed counts the cycles the
// sweep has turned into orders; Overdue those past their last day.
type DutiesResponse struct {
	Org        cases.Org  `json:"org"`
	Enterprise bool       `json:"enterprise"`
	WithinDays int        `json:"within_days"`
	Duties     []DutyView `json:"duties"`
	Missed     int        `json:"missed"`
	Overdue    int        `json:"overdue"`
}

// duties answers GET /api/v1/orgs/{orgID}/duties.
func (s *Server) duties(w http.ResponseWriter, r *http.Request) {
	o, err := s.orgAllowed(r, policy.ActionDuties)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if o.Kind != org.KindEnterprise && o.Kind != org.KindDepartment {
		s.writeError(w, r, duty.Fail(duty.ENotFound, "org.unknown", duty.Args{"ID": o.ID}))
		return
	}
	within, err := intParam(r.URL.Query(), "within", 30, 1, 366)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.Now()
	rows, err := s.Store.DutiesOf(r.Context(), o.ID, o.Kind == org.KindEnterprise, now.AddDate(0, 0, within))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := DutiesResponse{Org: cases.Org{ID: o.ID, Name: o.Name}, Enterprise: o.Kind == org.KindEnterprise, WithinDays: within,
		Duties: make([]DutyView, 0, len(rows))}
	for _, d := range rows {
		v := DutyView{DutyRow: d, Overdue: d.State != store.ObligationDone && !now.Before(d.DueAt)}
		if d.State != store.ObligationDone {
			v.LastDay = d.DueAt.Add(-time.Nanosecond).In(rules.China).Format(time.DateOnly)
		}
		if d.State == store.ObligationMissed {
			out.Missed++
		}
		if v.Overdue {
			out.Overdue++
		}
		out.Duties = append(out.Duties, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// dutyRoutes are the endpoints of the prevention duties.
func dutyRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/orgs/{orgID}/duties", summary: "an organisation's prevention duties (应急预案备案, 演练; query: within, days 1–366, default 30): an enterprise's own, each with its cycle, last day and the order a miss opened; a department's, those owed to it that are missed or fall due within the window",
			response: DutiesResponse{}, handle: (*Server).duties},
	}
}
