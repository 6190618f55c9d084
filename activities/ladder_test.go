package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
)

// PrepareRung reads the real organisation and calendar: a talk calls the
// enterprise's responsible persons three working days ahead, an
// escalation goes to the acting department's superior; where nobody is on
// record it says why instead of starting the rung.
func TestPrepareRungFromTheOrganisation(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, kind := range []string{org.KindDepartment, org.KindEnterprise} {
		orgs, err := st.ListOrgs(ctx, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orgs {
			ids[o.Code] = o.ID
		}
	}
	acts := &activities.Activities{Store: st}
	friday := time.Date(2026, 12, 4, 10, 0, 0, 0, rules.China)
	in := activities.PrepareRungInput{Rung: rules.RungWarningTalk, RegionCode: "140502", EnterpriseID: ids["ent-hongda"],
		ActingOrgID: ids["140502-jsj"], At: friday, TalkNoticeDays: 3, AckDays: 3}

	talk, err := acts.PrepareRung(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range talk.Persons {
		names = append(names, p.Name)
	}
	// Mon 7, Tue 8, Wed 9 December are the three working days.
	if strings.Join(names, ",") != "钱宏达,孙建军,李安全" || !talk.ScheduledAt.Equal(time.Date(2026, 12, 9, 9, 30, 0, 0, rules.China)) ||
		!strings.Contains(talk.Place, "城区住房和城乡建设局") || talk.Number.Kind != cases.KindTalk || talk.NotPossible != "" {
		t.Fatalf("talk prepared as %+v", talk)
	}

	in.Rung = rules.RungEscalation
	esc, err := acts.PrepareRung(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ack := esc.AckDue.In(rules.China)
	if esc.To.ID != ids["1405-jsj"] || ack.Before(time.Date(2026, 12, 9, 23, 0, 0, 0, rules.China)) || ack.After(time.Date(2026, 12, 10, 0, 0, 0, 0, rules.China)) ||
		esc.Number.Kind != cases.KindEscalation {
		t.Fatalf("escalation prepared as %+v (ack due %v)", esc, ack)
	}

	in.Rung, in.EnterpriseID = rules.RungWarningTalk, ids["140525-jsj"] // an organisation with no enterprise posts
	if none, err := acts.PrepareRung(ctx, in); err != nil || none.NotPossible == "" || len(none.Persons) != 0 {
		t.Fatalf("a talk with nobody to call: %+v, %v", none, err)
	}
	in.Rung, in.ActingOrgID = rules.RungEscalation, ids["14-jst"] // the province has no superior on record
	if none, err := acts.PrepareRung(ctx, in); err != nil || !strings.Contains(none.NotPossible, "no superior") {
		t.Fatalf("an escalation with nowhere to go: %+v, %v", none, err)
	}
	in.Rung = rules.RungPenalty
	if _, err := acts.PrepareRung(ctx, in); err == nil {
		t.Fatal("the engine prepared a penalty")
	}
}

// The dates an engine-started rung is given, worked out by hand on the
// 2026 calendar (春节 02-15–23 off, Sat 02-14 a make-up working day):
// from Thu 02-12 the three working days (行政处罚法 Art.85) are Fri 13,
// Sat 14 and — after the Spring Festival — Tue 24. So the talk is held on
// 02-24 at 09:30, and the superior's acknowledgement is missed from
// 02-25 00:00.
func TestPrepareRungCountsAcrossTheSpringFestival(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, kind := range []string{org.KindDepartment, org.KindEnterprise} {
		orgs, err := st.ListOrgs(ctx, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orgs {
			ids[o.Code] = o.ID
		}
	}
	acts := &activities.Activities{Store: st}
	in := activities.PrepareRungInput{Rung: rules.RungWarningTalk, RegionCode: "140502", EnterpriseID: ids["ent-hongda"],
		ActingOrgID: ids["140502-jsj"], At: time.Date(2026, 2, 12, 16, 0, 0, 0, rules.China), TalkNoticeDays: 3, AckDays: 3}
	talk, err := acts.PrepareRung(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 24, 9, 30, 0, 0, rules.China); !talk.ScheduledAt.Equal(want) {
		t.Fatalf("talk scheduled at %v, want %v", talk.ScheduledAt, want)
	}
	in.Rung = rules.RungEscalation
	esc, err := acts.PrepareRung(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 25, 0, 0, 0, 0, rules.China); !esc.AckDue.Equal(want) {
		t.Fatalf("acknowledgement due %v, want %v", esc.AckDue, want)
	}
}
