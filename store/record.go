package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// AccountabilityRecord is what a person is accountable for (终身追责): every post
// they held and when, the steps they took, the deadlines missed on their
// watch, and what they were told — kept across transfers and after they
// leave, because it is read from the record, not from their posts today.
type AccountabilityRecord struct {
	PersonID int64      `json:"person_id"`
	Name     string     `json:"name"`
	Posts    []org.Post `json:"posts"`
	// Steps are the steps they took, newest first.
	Steps []StepTaken `json:"steps"`
	// Missed are the regulators' deadlines missed on cases they handled,
	// or in a department while they headed it — or a government, for a
	// campaign's part asked of it (专项整治) — newest first.
	Missed []MissedDeadline `json:"missed"`
	// Told are the notifications they were sent, newest first.
	Told []Notified `json:"told"`
	// Limit is how many of each list are given at most.
	Limit int `json:"limit"`
}

// StepTaken is one step a person took, in the post they took it in.
type StepTaken struct {
	CaseNo string `json:"case_no"`
	// Kind is the case's kind, or KindOrganisationRecord for a change of
	// the organisation (an administrator's).
	Kind        cases.Kind `json:"kind"`
	Seq         int64      `json:"seq"`
	At          time.Time  `json:"at"`
	Action      string     `json:"action"`
	Post        string     `json:"post"`
	Org         string     `json:"org"`
	StateBefore string     `json:"state_before"`
	StateAfter  string     `json:"state_after"`
}

// KindOrganisationRecord is the kind a record gives a step that changed
// the organisation (its region's organisation record), not a case.
const KindOrganisationRecord cases.Kind = "organisation"

// How a missed deadline concerns a person.
const (
	// MissedAsOfficer: they had acted on the case before the deadline.
	MissedAsOfficer = "officer"
	// MissedAsHead: the case was their department's while they headed it
	// (一岗双责: the head answers for the department's deadlines).
	MissedAsHead = "head"
)

// RescueYearMissKey starts the key of a rescue team's year in which it
// never inspected an enterprise it served (RecordRescueYearMisses); the
// enterprise's id follows. Such a miss has no case.
const RescueYearMissKey = "rescue.yearly_inspection/"

// MissedDeadline is a regulator's deadline missed on a person's watch.
type MissedDeadline struct {
	CaseNo string     `json:"case_no"`
	Kind   cases.Kind `json:"kind"`
	Key    string     `json:"key"`
	What   string     `json:"what"`
	DueAt  time.Time  `json:"due_at"`
	As     string     `json:"as"`
}

// Notified is one notification a person was sent: what they were told,
// when, and whether it was delivered.
type Notified struct {
	CaseNo      string     `json:"case_no"`
	Category    string     `json:"category"`
	Action      string     `json:"action"`
	Reason      string     `json:"reason"`
	Subject     string     `json:"subject"`
	Channel     string     `json:"channel"`
	StepAt      time.Time  `json:"step_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// AccountabilityRecord reads a person's record, each list cut at limit entries.
func (s *Store) AccountabilityRecord(ctx context.Context, personID int64, limit int) (AccountabilityRecord, error) {
	rec := AccountabilityRecord{PersonID: personID, Limit: limit}
	err := s.Pool.QueryRow(ctx, `SELECT name FROM persons WHERE id = $1`, personID).Scan(&rec.Name)
	if err != nil {
		return rec, missing(err, "person.unknown", duty.Args{"ID": personID})
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+postColumns+` WHERE p.person_id = $1 ORDER BY p.started_on DESC, p.id DESC`, personID)
	if err != nil {
		return rec, fmt.Errorf("store: person's posts: %w", err)
	}
	if rec.Posts, err = pgx.CollectRows(rows, scanPost); err != nil {
		return rec, fmt.Errorf("store: person's posts: %w", err)
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT a.case_no, CASE WHEN a.workflow_id LIKE $3 THEN $4 ELSE coalesce(c.kind, '') END, a.seq, a.at, a.action, a.actor_post, a.actor_org, a.state_before, a.state_after
		FROM audit_log a LEFT JOIN cases c ON c.workflow_id = a.workflow_id
		WHERE a.actor_id = $1
		ORDER BY a.at DESC, a.id DESC LIMIT $2`, personID, limit, OrgChainPrefix+"%", KindOrganisationRecord)
	if err != nil {
		return rec, fmt.Errorf("store: person's steps: %w", err)
	}
	if rec.Steps, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StepTaken, error) {
		var t StepTaken
		return t, r.Scan(&t.CaseNo, &t.Kind, &t.Seq, &t.At, &t.Action, &t.Post, &t.Org, &t.StateBefore, &t.StateAfter)
	}); err != nil {
		return rec, fmt.Errorf("store: person's steps: %w", err)
	}
	// A head's deadline is judged on the day it fell due, in China: the
	// post must have been held that day.
	rows, err = s.Pool.Query(ctx, `
		WITH handled AS (
			SELECT workflow_id, min(at) AS first_at FROM audit_log WHERE actor_id = $1 GROUP BY workflow_id
		), missed AS (
			SELECT c.case_no, c.kind, d.key, d.what, d.due_at, 'officer' AS as_
			FROM deadlines d JOIN handled h ON h.workflow_id = d.workflow_id JOIN cases c ON c.workflow_id = d.workflow_id
			WHERE d.state = 'missed' AND d.party = 'regulator' AND h.first_at <= d.due_at
			UNION ALL
			SELECT c.case_no, c.kind, d.key, d.what, d.due_at, 'head'
			FROM deadlines d JOIN cases c ON c.workflow_id = d.workflow_id
			JOIN posts p ON p.org_id = c.acting_org_id AND p.person_id = $1
				AND (p.role = $3 OR (c.kind = 'campaign' AND p.role = 'government_head'))
			WHERE d.state = 'missed' AND d.party = 'regulator'
			  AND p.started_on <= (d.due_at AT TIME ZONE 'Asia/Shanghai')::date
			  AND (p.ended_on IS NULL OR p.ended_on > (d.due_at AT TIME ZONE 'Asia/Shanghai')::date)
			UNION ALL
			-- A rescue team's year with an enterprise it served never
			-- inspected: its head's on the year's last day.
			SELECT '', 'rescue', $4 || m.enterprise_id, o.name, make_timestamptz(m.year, 12, 31, 23, 59, 59, 'Asia/Shanghai'), 'head'
			FROM rescue_year_misses m JOIN orgs o ON o.id = m.enterprise_id
			JOIN posts p ON p.org_id = m.team_id AND p.person_id = $1 AND p.role = $3
			WHERE p.started_on <= make_date(m.year, 12, 31) AND (p.ended_on IS NULL OR p.ended_on > make_date(m.year, 12, 31))
		)
		SELECT DISTINCT ON (due_at, case_no, key) case_no, kind, key, what, due_at, as_
		FROM missed ORDER BY due_at DESC, case_no, key, as_ DESC LIMIT $2`, personID, limit, org.RoleDeptHead, RescueYearMissKey)
	if err != nil {
		return rec, fmt.Errorf("store: deadlines missed: %w", err)
	}
	if rec.Missed, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (MissedDeadline, error) {
		var m MissedDeadline
		if err := r.Scan(&m.CaseNo, &m.Kind, &m.Key, &m.What, &m.DueAt, &m.As); err != nil {
			return m, err
		}
		if strings.HasPrefix(m.Key, RescueYearMissKey) {
			m.What = i18n.T(i18n.Chinese, "record.rescue_year_missed", i18n.Args{"Enterprise": m.What, "Year": m.DueAt.In(rules.China).Year()})
		}
		return m, nil
	}); err != nil {
		return rec, fmt.Errorf("store: deadlines missed: %w", err)
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT case_no, category, action, reason, subject, channel, step_at, delivered_at
		FROM outbox WHERE person_id = $1 ORDER BY id DESC LIMIT $2`, personID, limit)
	if err != nil {
		return rec, fmt.Errorf("store: notifications: %w", err)
	}
	if rec.Told, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notified, error) {
		var n Notified
		return n, r.Scan(&n.CaseNo, &n.Category, &n.Action, &n.Reason, &n.Subject, &n.Channel, &n.StepAt, &n.DeliveredAt)
	}); err != nil {
		return rec, fmt.Errorf("store: notifications: %w", err)
	}
	return rec, nil
}
