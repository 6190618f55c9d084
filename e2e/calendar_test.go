package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// TestLoadingANewYearMovesARunningCasesDeadline (issue 14): a penalty
// opened now has its 90-day decision limit (行政处罚法 Art.60) in a year
// whose holidays are not loaded, so it is marked unconfirmed (待确认).
// `duty calendar load` with that year's notice — made up here so that the
// limit's last day and the day after are days off — stores the year,
// tells the case, which counts the limit again and records it, and the
// API shows the new date, confirmed. Loading it again changes nothing.
func TestLoadingANewYearMovesARunningCasesDeadline(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID, "location": "塔吊", "description": "限位失灵"})
	hazard := caseOf(opened)["case_no"].(string)
	p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"},
		"proposed": map[string]any{"kind": "fine", "amount_yuan": 20000}, "facts": "逾期未整改重大隐患", "grounds": "安全生产法第一百零二条",
		"co_officer_login": "sun.jiancha"})
	no := caseOf(p)["case_no"].(string)
	decision := func(c map[string]any) (time.Time, []any) {
		t.Helper()
		for _, d := range c["deadlines"].([]any) {
			if d := d.(map[string]any); d["key"] == "decision" {
				due, err := time.Parse(time.RFC3339Nano, d["due_at"].(string))
				if err != nil {
					t.Fatal(err)
				}
				u, _ := d["unconfirmed"].([]any)
				return due, u
			}
		}
		t.Fatalf("no decision deadline: %v", c["deadlines"])
		return time.Time{}, nil
	}
	was, unconfirmed := decision(caseOf(p))
	if len(unconfirmed) != 1 {
		t.Skipf("the decision limit of a penalty opened today (%v) is not unconfirmed: nothing to learn", was)
	}
	year := int(unconfirmed[0].(float64))
	last := calendar.DateOf(was).AddDays(-1)
	off := last.String() + "/" + last.AddDays(1).String()
	if last.AddDays(1).Year() != year {
		off = last.String()
	}
	file := fmt.Sprintf(`{"year": %d, "source": "国务院办公厅关于%d年部分节假日安排的通知 (e2e test data)", "notice_date": "%d-11-01",
		"days_off": [{"name": "测试假日", "dates": %q}]}`, year, year, year-1, off)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%d.json", year))
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	// What the limit is once the year is known, by the calendar itself.
	withYear, _, err := calendar.Default().WithYearJSON("test", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	openedAt, _ := time.Parse(time.RFC3339Nano, caseOf(p)["opened_at"].(string))
	rs := rules.Builtin().InForce(openedAt)
	want, err := withYear.WithRestDayExtension(rs.RestDayExtends()).Due(openedAt, rs.PenaltyRules().WithDefaults().Decision)
	if err != nil || !want.Confirmed() || !want.End.After(was) {
		t.Fatalf("the limit with %d known: %+v (%v); want it later than %v and confirmed", year, want, err, was)
	}

	// A calendar sent past the server, without its warrant, is refused:
	// only duty's own processes may move a case's deadlines.
	tc := duty.temporalClient(t)
	defer tc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: caseOf(p)["workflow_id"].(string), UpdateID: "forged-calendar",
		UpdateName: casekit.UpdateLearnCalendar, Args: []any{casekit.LearnCalendarInput{Calendar: withYear}},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	assertRefused(t, "a calendar without a warrant", err)

	load := func() string {
		t.Helper()
		cmd := exec.Command(binary(t), "calendar", "load", path, "--database-url", db)
		cmd.Env = append(os.Environ(), duty.temporalEnv()...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("duty calendar load: %v\n%s", err, out)
		}
		return string(out)
	}
	out := load()
	t.Logf("duty calendar load:\n%s", out)
	if !strings.Contains(out, "1 cases updated") || !strings.Contains(out, no) {
		t.Fatalf("duty calendar load did not tell %s:\n%s", no, out)
	}
	c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	now, unconfirmed := decision(caseOf(c))
	if !now.Equal(want.End) || len(unconfirmed) != 0 {
		t.Fatalf("after loading %d the decision limit is %v (unconfirmed %v), want %v, confirmed", year, now, unconfirmed, want.End)
	}
	if got := actions(c); got[len(got)-1] != "calendar_learned" {
		t.Fatalf("timeline %v does not end with calendar_learned", got)
	}
	list := inspector.must(200, "GET", "/api/v1/cases?kind=penalty", nil)
	if b := fmt.Sprint(list); strings.Contains(b, "unconfirmed") {
		t.Fatalf("the case list still shows an unconfirmed deadline: %s", b)
	}
	if again := load(); !strings.Contains(again, "0 cases updated") {
		t.Fatalf("loading %d again:\n%s", year, again)
	}
	if c2 := inspector.must(200, "GET", "/api/v1/cases/"+no, nil); seq(c2) != seq(c) {
		t.Fatalf("loading again took a step: seq %v → %v", seq(c), seq(c2))
	}
}
