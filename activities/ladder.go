package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// PrepareRungInput asks for what the engine needs to start a rung of the
// enforcement ladder by itself: the rung, the hazard's region, enterprise
// and acting department, the moment, and the rule set's day counts.
type PrepareRungInput struct {
	Rung         string    `json:"rung"`
	RegionCode   string    `json:"region_code"`
	EnterpriseID int64     `json:"enterprise_id"`
	ActingOrgID  int64     `json:"acting_org_id"`
	At           time.Time `json:"at"`
	// TalkNoticeDays is how far ahead a talk is scheduled; AckDays how
	// long the receiver of an escalation has to acknowledge it (2, 3, 5,
	// 7 and 10 are working days, Art.85).
	TalkNoticeDays int `json:"talk_notice_days"`
	AckDays        int `json:"ack_days"`
}

// RungPerson is someone a warning talk calls: a holder of a responsible
// post in the enterprise today.
type RungPerson struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// PrepareRungResult is the new case's number and what its notice names:
// for a talk the persons, time and place; for an escalation the superior
// and the acknowledgement deadline. NotPossible says why the rung cannot
// start by itself (no one on record to call, no superior); the regulator
// must then start it by hand.
type PrepareRungResult struct {
	Number      cases.Number `json:"number"`
	Persons     []RungPerson `json:"persons,omitempty"`
	ScheduledAt time.Time    `json:"scheduled_at,omitzero"`
	Place       string       `json:"place,omitempty"`
	To          cases.Org    `json:"to,omitzero"`
	AckDue      time.Time    `json:"ack_due,omitzero"`
	// AckDeadline is how AckDue was counted: the escalation shows the
	// years it was counted without and counts it again once they load.
	AckDeadline *calendar.Deadline `json:"ack_deadline,omitempty"`
	NotPossible string             `json:"not_possible,omitempty"`
}

// talkRoles are the enterprise posts an engine-convened talk calls, in
// order: the 主要负责人 (第一责任人), the project manager, the safety officer.
var talkRoles = []string{org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer}

// talkHour is when an engine-convened talk starts on its day (Beijing).
const talkHour = 9*time.Hour + 30*time.Minute

// PrepareRung gathers, for a rung the regulator did not start in time,
// what its notice needs from the organisation and the calendar, and
// allocates its case number. The workflow records the result, so a
// retried attempt leaves at most a gap in the numbers.
func (a *Activities) PrepareRung(ctx context.Context, in PrepareRungInput) (PrepareRungResult, error) {
	var res PrepareRungResult
	cal := a.Calendar
	if cal == nil {
		cal = calendar.Default()
	}
	acting, err := a.Store.GetOrg(ctx, in.ActingOrgID)
	if err != nil {
		return res, err
	}
	var kind cases.Kind
	switch in.Rung {
	case rules.RungWarningTalk:
		kind = cases.KindTalk
		holders, err := a.Store.HoldersAt(ctx, in.EnterpriseID, in.At.In(rules.China), talkRoles)
		if err != nil {
			return res, err
		}
		for _, h := range holders {
			res.Persons = append(res.Persons, RungPerson{Name: h.Name, Role: h.Title})
		}
		if len(res.Persons) == 0 {
			res.NotPossible = "no responsible person (主要负责人, 项目经理, 安全员) of the enterprise is on record to call"
			return res, nil
		}
		day, err := cal.Due(in.At, calendar.StatutoryPeriod(in.TalkNoticeDays))
		if err != nil {
			return res, refuse(duty.EInvalid, "ladder.no_due", nil, err)
		}
		res.ScheduledAt, res.Place = day.Last.Start().Add(talkHour), acting.Name
	case rules.RungEscalation:
		kind = cases.KindEscalation
		if acting.ParentID == 0 {
			res.NotPossible = fmt.Sprintf("%s has no superior on record to escalate to", acting.Name)
			return res, nil
		}
		to, err := a.Store.GetOrg(ctx, acting.ParentID)
		if err != nil {
			return res, err
		}
		res.To = cases.Org{ID: to.ID, Name: to.Name}
		due, err := cal.Due(in.At, calendar.StatutoryPeriod(in.AckDays))
		if err != nil {
			return res, refuse(duty.EInvalid, "ladder.no_due", nil, err)
		}
		res.AckDue, res.AckDeadline = due.End, &due
	default:
		return res, refuse(duty.EInvalid, "ladder.not_automatic", duty.Args{"Rung": i18n.Ref("rung." + in.Rung)}, nil)
	}
	res.Number, err = a.Store.NextCaseNumber(ctx, kind, in.RegionCode, in.At.In(rules.China).Year())
	return res, err
}
