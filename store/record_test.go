package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
)

// A person's record follows them (终身追责): the steps they took, the
// regulators' deadlines missed on cases they handled, and — as their
// department's head — those missed while they held the post, not after
// it ended; what they were told; every post, the ended one included.
func TestAPersonsRecordKeepsWhatWasTheirs(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	day := func(n int) time.Time { return time.Date(2026, 12, n, 9, 0, 0, 0, time.UTC) }
	rung := func(key string, due time.Time, state cases.DeadlineState) cases.Deadline {
		return cases.Deadline{Key: key, What: "启动约谈 " + key, Party: cases.PartyRegulator, DueAt: due, State: state}
	}
	inspector := d.actor("zhao.jiancha", org.RoleInspector, cases.SideRegulator)
	head := d.persons["wang.juzhang"]
	// The head's post ends on the 6th (ended_on is the first day it is not
	// held): a deadline missed on the 5th is theirs, those missed on the
	// 6th and the 10th their successor's.
	if _, err := d.st.Pool.Exec(ctx, `UPDATE posts SET ended_on = '2026-12-06' WHERE person_id = $1`, head); err != nil {
		t.Fatal(err)
	}
	steps := []cases.Step{
		d.hazardStep(1, "order", inspector, rung("talk", day(5), cases.DeadlinePending), rung("ended", day(6), cases.DeadlinePending),
			rung("later", day(10), cases.DeadlinePending)),
		d.hazardStep(2, "rung_overdue", cases.SystemActor, rung("talk", day(5), cases.DeadlineMissed), rung("ended", day(6), cases.DeadlineMissed),
			rung("later", day(10), cases.DeadlineMissed)),
	}
	for _, s := range steps {
		if _, err := d.st.RecordStep(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	rec, err := d.st.AccountabilityRecord(ctx, inspector.PersonID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Steps) != 1 || rec.Steps[0].Action != "order" || rec.Steps[0].CaseNo != "YH-140502-2026-000009" || rec.Steps[0].Kind != "hazard" {
		t.Fatalf("the inspector's steps: %+v", rec.Steps)
	}
	if len(rec.Missed) != 3 || rec.Missed[0].Key != "later" || rec.Missed[2].Key != "talk" || rec.Missed[0].As != "officer" {
		t.Fatalf("missed on the inspector's cases: %+v", rec.Missed)
	}
	if len(rec.Posts) == 0 || rec.Name == "" {
		t.Fatalf("the inspector's posts: %+v", rec)
	}

	rec, err = d.st.AccountabilityRecord(ctx, head, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Missed) != 1 || rec.Missed[0].Key != "talk" || rec.Missed[0].As != "head" {
		t.Fatalf("missed while the head held the post: %+v", rec.Missed)
	}
	if len(rec.Steps) != 0 || len(rec.Posts) == 0 || rec.Posts[0].EndedOn == nil {
		t.Fatalf("the head's record: steps %+v, posts %+v", rec.Steps, rec.Posts)
	}

	company := d.persons["qian.zong"]
	var told int
	if err := d.st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE person_id = $1`, company).Scan(&told); err != nil {
		t.Fatal(err)
	}
	rec, err = d.st.AccountabilityRecord(ctx, company, 50)
	if err != nil {
		t.Fatal(err)
	}
	if told == 0 || len(rec.Told) != told || rec.Told[0].CaseNo != "YH-140502-2026-000009" {
		t.Fatalf("the enterprise head was told %d times; the record says %+v", told, rec.Told)
	}
	if _, err := d.st.AccountabilityRecord(ctx, 999_999, 50); err == nil {
		t.Fatal("the record of nobody")
	}
}
