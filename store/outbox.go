package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// Notification channels. ChannelLog is always on; the others are queued
// only when the worker configures them (Store.NotifyChannels).
const (
	ChannelLog     = "log"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Categories of notification: what kind of step caused it.
const (
	CategoryNotice     = "notice"     // 通知: an order, a notice, a submission awaiting review
	CategoryReminder   = "reminder"   // 提醒: a deadline approaches
	CategoryOverdue    = "overdue"    // 逾期: a deadline passed
	CategoryEscalation = "escalation" // 提请: a matter arrives at your organisation
	CategoryDecision   = "decision"   // 决定: a decision on the case
	// CategoryPolicy is a policy change in the area, sent to its party
	// secretary and government head (党政同责): who may do what there is
	// theirs to answer for.
	CategoryPolicy = "policy" // 权限变更
	// CategoryAlarm is a rescue team's advice to stop work and evacuate
	// at once (停产撤人警报): sent until acknowledged.
	CategoryAlarm = "alarm" // 警报
)

// Delivery states of an outbox row, as its River job records them.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

var (
	// enterpriseRoles are the persons who answer for an enterprise: its
	// 主要负责人 first, and those who handle the case day to day.
	enterpriseRoles = []string{org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer}
	// officerRoles are a department's head and inspectors, who act on cases.
	officerRoles = []string{org.RoleDeptHead, org.RoleInspector, org.RoleGovernmentHead, org.RolePartySecretary}
	// headRoles are whoever heads an organisation that receives a matter:
	// a department's head, a government's head, a party committee's secretary.
	headRoles = []string{org.RoleDeptHead, org.RoleGovernmentHead, org.RolePartySecretary}
)

// Steps that are notices to the enterprise, decisions it must know, and
// overdues that are the enterprise's own; steps taken by an enterprise go
// to the acting department. Steps in none of these (internal records such
// as a collective discussion) notify no one.
var (
	noticeActions   = []string{"report", "order", "notify", "schedule_hearing", "serve", "remind", "apply_enforcement"}
	decisionActions = []string{"review_plan", "decide_extension", "reinspect", "decide", "decide_on_the_spot", "appeal_result",
		"withdraw", "record_talk", "cancel_talk", "stop_daily_fine", "decide_fines", "decide_accountability", "approve_report", "close_accident"}
	enterpriseOverdues = []string{"overdue", "report_overdue", "payment_overdue"}
)

// audience is a group of persons a step concerns: the holders today of
// some roles in one organisation, or (area) the party secretary and the
// government head of the area of a region (党政同责).
type audience struct {
	orgID  int64
	roles  []string
	area   string
	reason string
}

// escalationFacts are what the rules read from an escalation's view.
type escalationFacts struct {
	Request struct {
		From  cases.Org `json:"from"`
		Major bool      `json:"major"`
	} `json:"request"`
}

// concerned says which kind of notification a step is and to whom it goes;
// category "" means the step notifies no one. view is the step's view as
// JSON (an escalation's names the sender and whether it is major).
func concerned(st cases.Step, view []byte) (category string, auds []audience) {
	c := st.Case
	ent := func(why string) audience {
		return audience{orgID: c.Enterprise.ID, roles: enterpriseRoles, reason: why}
	}
	acting := func(why string) audience { return audience{orgID: c.ActingOrg.ID, roles: officerRoles, reason: why} }
	overdue := st.Action == "overdue" || strings.HasSuffix(st.Action, "_overdue")
	system := st.Actor.Side == cases.SideSystem || st.Actor.Role == cases.SystemActor.Role

	if c.Kind == cases.KindEscalation {
		var f escalationFacts
		_ = json.Unmarshal(view, &f)
		sender := audience{orgID: f.Request.From.ID, roles: officerRoles, reason: "提请单位 sender"}
		switch {
		case st.Action == "submit" || st.Action == "forward":
			auds = []audience{{orgID: c.ActingOrg.ID, roles: headRoles, reason: "承办单位 receiving organisation"}}
			if f.Request.Major {
				auds = append(auds, audience{area: c.RegionCode, reason: "党政同责 party and government heads of the area"})
			}
			return CategoryEscalation, auds
		case overdue:
			return CategoryOverdue, []audience{{orgID: c.ActingOrg.ID, roles: headRoles, reason: "承办单位 holder"}, sender}
		case st.Action == "decide" || st.Action == "return":
			return CategoryDecision, []audience{sender}
		}
		return "", nil
	}
	if c.Kind == cases.KindRescue {
		return rescueConcerned(st, view)
	}
	if c.Kind == cases.KindReport {
		// A report from the public reaches the department that must verify
		// it, and its missed verification that department's head; the
		// enterprise reported is never told of it.
		switch st.Action {
		case "file":
			return CategoryNotice, []audience{{orgID: c.ActingOrg.ID, roles: officerRoles, reason: "群众举报 report from the public"}}
		case "verify_missed":
			return CategoryOverdue, []audience{{orgID: c.ActingOrg.ID, roles: headRoles, reason: "举报核查逾期 verification overdue"}}
		}
		return "", nil
	}
	if c.Kind == cases.KindInspection {
		// An inspection tells no one of its own steps (the hazard cases it
		// opens serve their orders), except a refusal to sign the record:
		// it is reported to the department's head (安全生产法 Art.68).
		if st.Action == "refuse_to_sign" {
			return CategoryDecision, []audience{{orgID: c.ActingOrg.ID, roles: []string{org.RoleDeptHead}, reason: "拒绝签字报告 refusal to sign (Art.68)"}}
		}
		return "", nil
	}
	switch {
	case overdue:
		auds = []audience{acting("承办部门 acting department")}
		if slices.Contains(enterpriseOverdues, st.Action) {
			auds = append(auds, ent("责任单位 the enterprise"))
		}
		return CategoryOverdue, auds
	case st.Action == "remind" && system:
		party := cases.PartyEnterprise
		if next, ok := nextOpenDeadline(c); ok {
			party = next.Party
		}
		if party == cases.PartyRegulator {
			return CategoryReminder, []audience{acting("承办部门 acting department")}
		}
		return CategoryReminder, []audience{ent("责任单位 the enterprise")}
	case st.Actor.Side == cases.SideEnterprise:
		return CategoryNotice, []audience{acting("承办部门 acting department")}
	case slices.Contains(decisionActions, st.Action):
		return CategoryDecision, []audience{ent("当事单位 the party")}
	case slices.Contains(noticeActions, st.Action):
		return CategoryNotice, []audience{ent("当事单位 the party")}
	}
	return "", nil
}

// rescueFacts are what the rules read from a rescue team's case.
type rescueFacts struct {
	Team  cases.Org `json:"team"`
	Alarm *struct {
		Waiting   []string   `json:"waiting"`
		Escalated *time.Time `json:"escalated_at"`
	} `json:"alarm"`
}

// rescueConcerned routes a rescue team's case. Its stop-and-evacuate
// alarm is no slow notice: it goes to the enterprise's 主要负责人 and the
// supervising department's head and inspectors (whoever is on duty) on
// every channel the outbox has, and each time it is sent again only to
// the side that has not acknowledged it; escalated, it also reaches the
// area's party and government heads (党政同责). The report reaches the
// department; its decision reaches the team and the enterprise.
func rescueConcerned(st cases.Step, view []byte) (string, []audience) {
	c := st.Case
	var f rescueFacts
	_ = json.Unmarshal(view, &f)
	head := audience{orgID: c.Enterprise.ID, roles: []string{org.RoleEnterpriseHead}, reason: "停产撤人警报 主要负责人"}
	dept := audience{orgID: c.ActingOrg.ID, roles: []string{org.RoleDeptHead, org.RoleInspector}, reason: "停产撤人警报 监管部门"}
	switch st.Action {
	case "alarm":
		return CategoryAlarm, []audience{head, dept}
	case "alarm_resent", "alarm_escalated", "alarm_unanswered":
		var auds []audience
		if f.Alarm != nil {
			for _, side := range f.Alarm.Waiting {
				switch side {
				case cases.SideEnterprise:
					auds = append(auds, head)
				case cases.SideRegulator:
					auds = append(auds, dept)
				}
			}
			if f.Alarm.Escalated != nil {
				auds = append(auds, audience{area: c.RegionCode, reason: "警报无人确认 党政同责 party and government heads of the area"})
			}
		}
		return CategoryAlarm, auds
	case "register":
		return CategoryNotice, []audience{{orgID: c.ActingOrg.ID, roles: officerRoles, reason: "救援队伍报告 report of a rescue team"}}
	case "decide_report":
		return CategoryDecision, []audience{{orgID: f.Team.ID, roles: []string{org.RoleDeptHead, org.RoleInspector, org.RoleStaff},
			reason: "救援队伍 the reporting team"}, {orgID: c.Enterprise.ID, roles: enterpriseRoles, reason: "当事单位 the party"}}
	}
	return "", nil
}

func nextOpenDeadline(c cases.Summary) (cases.Deadline, bool) {
	var next cases.Deadline
	found := false
	for _, d := range c.Deadlines {
		if d.Open() && (!found || d.DueAt.Before(next.DueAt)) {
			next, found = d, true
		}
	}
	return next, found
}

// recipient is one person a step concerns, found in the organisation.
type recipient struct {
	personID int64
	name     string
	email    string
	reason   string
}

// recipients resolves audiences to the persons holding the posts on the
// step's day (in China), in the transaction that records the step.
func recipients(ctx context.Context, tx pgx.Tx, day time.Time, auds []audience) ([]recipient, error) {
	date := day.In(rules.China).Format(time.DateOnly)
	var out []recipient
	for _, a := range auds {
		var rows pgx.Rows
		var err error
		if a.area != "" {
			// The nearest party committee and government at or above the
			// region, each with its secretary or head.
			rows, err = tx.Query(ctx, `
				WITH RECURSIVE up(code, depth) AS (
					SELECT code, 0 FROM regions WHERE code = $1
					UNION ALL
					SELECT r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.code WHERE r.parent_code IS NOT NULL),
				heads AS (
					SELECT pe.id, pe.name, coalesce(pe.email, '') AS email, p.title, o.kind, up.depth,
						min(up.depth) OVER (PARTITION BY o.kind) AS nearest
					FROM posts p JOIN persons pe ON pe.id = p.person_id JOIN orgs o ON o.id = p.org_id JOIN up ON up.code = o.region_code
					WHERE ((o.kind = 'party_committee' AND p.role = 'party_secretary') OR (o.kind = 'government' AND p.role = 'government_head'))
					  AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on > $2))
				SELECT id, name, email, title FROM heads WHERE depth = nearest ORDER BY kind DESC, id`, a.area, date)
		} else {
			if a.orgID == 0 {
				continue
			}
			rows, err = tx.Query(ctx, `
				SELECT pe.id, pe.name, coalesce(pe.email, ''), p.title
				FROM posts p JOIN persons pe ON pe.id = p.person_id
				WHERE p.org_id = $1 AND p.role = ANY($3) AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on > $2)
				ORDER BY array_position($3, p.role), p.started_on, p.id`, a.orgID, date, a.roles)
		}
		if err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipient, error) {
			var rc recipient
			var title string
			err := r.Scan(&rc.personID, &rc.name, &rc.email, &title)
			rc.reason = a.reason + " · " + title
			return rc, err
		})
		if err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		for _, rc := range found {
			if !slices.ContainsFunc(out, func(o recipient) bool { return o.personID == rc.personID }) {
				out = append(out, rc)
			}
		}
	}
	return out, nil
}

var categoryLabels = map[string]string{
	CategoryNotice:     "通知 notice",
	CategoryReminder:   "提醒 reminder",
	CategoryOverdue:    "逾期 overdue",
	CategoryEscalation: "提请 escalation",
	CategoryDecision:   "决定 decision",
	CategoryPolicy:     "权限变更 policy",
	CategoryAlarm:      "停产撤人警报 alarm",
}

// notificationPayload is what a webhook receives about the step, beside
// the row's own fields.
type notificationPayload struct {
	CaseNo      string           `json:"case_no"`
	WorkflowID  string           `json:"workflow_id"`
	Kind        cases.Kind       `json:"kind"`
	Seq         int64            `json:"seq"`
	Action      string           `json:"action"`
	At          time.Time        `json:"at"`
	Actor       string           `json:"actor"`
	StateBefore string           `json:"state_before"`
	StateAfter  string           `json:"state_after"`
	Title       string           `json:"title"`
	Enterprise  cases.Org        `json:"enterprise"`
	ActingOrg   cases.Org        `json:"acting_org"`
	Deadlines   []cases.Deadline `json:"deadlines"`
}

// enqueueNotifications queues the notifications a step causes, one row per
// person and channel, in the step's own transaction. A retried step never
// gets here (its audit entry exists), and the unique key makes a second
// write of one row a no-op anyway.
func (s *Store) enqueueNotifications(ctx context.Context, tx pgx.Tx, st cases.Step, view []byte) error {
	category, auds := concerned(st, view)
	if category == "" {
		return nil
	}
	people, err := recipients(ctx, tx, st.At, auds)
	if err != nil {
		return err
	}
	c := st.Case
	subject := fmt.Sprintf("【%s】%s %s · %s", categoryLabels[category], c.CaseNo, c.Kind.Label(), st.Action)
	var body strings.Builder
	fmt.Fprintf(&body, "%s\n%s: %s → %s (%s)\n", c.Title, st.Action, st.StateBefore, st.StateAfter, st.Actor.Name)
	if next, ok := nextOpenDeadline(c); ok {
		fmt.Fprintf(&body, "下一期限 next deadline: %s — %s\n", next.DueAt.In(rules.China).Format("2006-01-02 15:04"), next.What)
	}
	payload, err := json.Marshal(notificationPayload{CaseNo: c.CaseNo, WorkflowID: c.WorkflowID, Kind: c.Kind, Seq: st.Seq,
		Action: st.Action, At: st.At, Actor: st.Actor.Name, StateBefore: st.StateBefore, StateAfter: st.StateAfter,
		Title: c.Title, Enterprise: c.Enterprise, ActingOrg: c.ActingOrg, Deadlines: c.Deadlines})
	if err != nil {
		return err
	}
	return s.insertOutbox(ctx, tx, outboxRows{workflowID: c.WorkflowID, seq: st.Seq, caseNo: c.CaseNo, category: category,
		action: st.Action, subject: subject, body: body.String(), payload: payload, at: st.At, actorID: st.Actor.PersonID}, people)
}

// outboxRows is what every row of one step's notifications shares.
type outboxRows struct {
	workflowID string
	seq        int64
	caseNo     string
	category   string
	action     string
	subject    string
	body       string
	payload    []byte
	at         time.Time
	// actorID is who took the step: nobody is told of their own step.
	actorID int64
}

// insertOutbox queues one row per person and channel the store queues for
// (the log only, unless NotifyChannels says more), each with the River
// job that delivers it.
func (s *Store) insertOutbox(ctx context.Context, tx pgx.Tx, n outboxRows, people []recipient) error {
	channels := s.NotifyChannels
	if len(channels) == 0 {
		channels = []string{ChannelLog}
	}
	var jobs []DeliveryArgs
	var addresses, reasons []string
	for _, p := range people {
		if p.personID == n.actorID {
			continue // nobody is told of their own step
		}
		for _, ch := range channels {
			address := ""
			if ch == ChannelEmail {
				if p.email == "" {
					continue
				}
				address = p.email
			}
			jobs = append(jobs, DeliveryArgs{WorkflowID: n.workflowID, Seq: n.seq, PersonID: p.personID, Channel: ch})
			addresses, reasons = append(addresses, address), append(reasons, p.reason)
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	// The jobs first, for their ids: they become workable only when the
	// step's transaction commits, when the rows are there too.
	jobIDs, err := insertDeliveries(ctx, tx, s.jobs, jobs)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	ids, chans := make([]int64, len(jobs)), make([]string, len(jobs))
	for i, j := range jobs {
		ids[i], chans[i] = j.PersonID, j.Channel
	}
	// One statement for every row: a step notifies a handful of persons
	// on one to three channels, and each round trip is inside the step's
	// transaction.
	if _, err := tx.Exec(ctx, `
		INSERT INTO outbox (workflow_id, seq, case_no, person_id, channel, address, category, action, reason,
			subject, body, payload, step_at, job_id)
		SELECT $1, $2, $3, r.person_id, r.channel, r.address, $4, $5, r.reason, $6, $7, $8, $9, r.job_id
		FROM unnest($10::bigint[], $11::text[], $12::text[], $13::text[], $14::bigint[]) AS r(person_id, channel, address, reason, job_id)
		ON CONFLICT (workflow_id, seq, person_id, channel) DO NOTHING`,
		n.workflowID, n.seq, n.caseNo, n.category, n.action, n.subject, n.body, n.payload, n.at,
		ids, chans, addresses, reasons, jobIDs); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// Notification is one outbox row: a notification to one person on one
// channel, with its delivery state.
type Notification struct {
	ID         int64           `json:"id"`
	WorkflowID string          `json:"workflow_id"`
	CaseNo     string          `json:"case_no"`
	Seq        int64           `json:"seq"`
	PersonID   int64           `json:"person_id"`
	PersonName string          `json:"person_name"`
	Login      string          `json:"login"`
	Channel    string          `json:"channel"`
	Address    string          `json:"address,omitempty"`
	Category   string          `json:"category"`
	Action     string          `json:"action"`
	Reason     string          `json:"reason"`
	Subject    string          `json:"subject"`
	Body       string          `json:"body"`
	Payload    json.RawMessage `json:"payload"`
	StepAt     time.Time       `json:"step_at"`
	CreatedAt  time.Time       `json:"created_at"`
	Delivery
}

// Delivery is where a notification's delivery stands.
type Delivery struct {
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

const notificationColumns = `o.id, o.workflow_id, o.case_no, o.seq, o.person_id, pe.name, pe.login, o.channel, o.address,
	o.category, o.action, o.reason, o.subject, o.body, o.payload, o.step_at, o.created_at,
	o.state, o.attempts, o.last_error,
	CASE WHEN o.state <> 'delivered' AND j.state IN ('available', 'retryable', 'scheduled') THEN j.scheduled_at END,
	o.delivered_at`

// notificationJoins are the tables notificationColumns read beside outbox
// o: the recipient, and the River job (j), which knows when the next
// attempt is; it is gone once River cleans finished jobs away.
const notificationJoins = ` JOIN persons pe ON pe.id = o.person_id LEFT JOIN river_job j ON j.id = o.job_id`

func scanNotification(r pgx.CollectableRow) (Notification, error) {
	var n Notification
	err := r.Scan(&n.ID, &n.WorkflowID, &n.CaseNo, &n.Seq, &n.PersonID, &n.PersonName, &n.Login, &n.Channel, &n.Address,
		&n.Category, &n.Action, &n.Reason, &n.Subject, &n.Body, &n.Payload, &n.StepAt, &n.CreatedAt,
		&n.State, &n.Attempts, &n.LastError, &n.NextAttemptAt, &n.DeliveredAt)
	return n, err
}

// NotificationsFor lists a person's notifications, newest first, before
// the row id given (0: from the newest).
func (s *Store) NotificationsFor(ctx context.Context, personID int64, beforeID int64, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+notificationColumns+` FROM outbox o`+notificationJoins+`
		WHERE o.person_id = $1 AND ($2 = 0 OR o.id < $2) ORDER BY o.id DESC LIMIT $3`, personID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return pgx.CollectRows(rows, scanNotification)
}

// Backlog is the undelivered notifications of one channel and state.
type Backlog struct {
	Channel string
	State   string
	Count   int64
	// Oldest is the age of the oldest of them.
	Oldest time.Duration
}

// NotificationBacklog counts undelivered notifications by channel and
// state (an index range over undelivered rows only).
func (s *Store) NotificationBacklog(ctx context.Context, now time.Time) ([]Backlog, error) {
	rows, err := s.Pool.Query(ctx, `SELECT channel, state, count(*), coalesce(extract(epoch FROM $1 - min(created_at)), 0)::float8
		FROM outbox WHERE state <> 'delivered' GROUP BY channel, state ORDER BY channel, state`, now)
	if err != nil {
		return nil, fmt.Errorf("store: notification backlog: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Backlog, error) {
		var b Backlog
		var secs float64
		err := r.Scan(&b.Channel, &b.State, &b.Count, &secs)
		b.Oldest = time.Duration(secs * float64(time.Second))
		return b, err
	})
}
