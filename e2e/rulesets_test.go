package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestACaseKeepsTheRuleSetItWasOpenedUnder: a penalty case and a warning
// talk are opened under the built-in rule set; duty restarts with a later
// set in force from today, whose plea window (陈述申辩) is 10 working days
// instead of 5 and whose talk report period is 10 days instead of 5. The
// cases opened before keep their own numbers for the steps they take
// after the restart; a penalty opened after it takes the new set's.
func TestACaseKeepsTheRuleSetItWasOpenedUnder(t *testing.T) {
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	builtin := readBuiltinRuleSets(t)
	first := writeRuleSets(t, builtin)

	duty := start(t, dir, db, "--rules", first)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	openPenalty := func(u *user, hazard string) string {
		p := u.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{
			"party":    map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"},
			"proposed": map[string]any{"kind": "fine", "amount_yuan": 20000}, "facts": "逾期未整改", "grounds": "安全生产法第一百零二条",
			"co_officer_login": "sun.jiancha"})
		return caseOf(p)["case_no"].(string)
	}
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "外架", "description": "剪刀撑缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	before := openPenalty(inspector, hazard)
	talk := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/warning-talks", map[string]any{
		"persons":      []map[string]any{{"name": "钱宏达", "role": "企业负责人"}},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano), "place": "区住建局会议室", "subject": "隐患逾期未整改"})
	talkNo := caseOf(talk)["case_no"].(string)
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping duty: %v", err)
	}

	// A later set, in force from today, with other numbers.
	later := builtin[0]
	later.ID, later.EffectiveFrom = "CN-LATER", time.Now().In(rules.China).Format(time.DateOnly)
	later.TalkReportDays = 10
	later.Penalty.Plea = calendar.WorkingDays(10)
	second := writeRuleSets(t, append(builtin, later))
	duty = start(t, dir, db, "--rules", second)
	inspector = duty.login("zhao.jiancha")
	after := openPenalty(inspector, hazard)

	pleaLast := func(no string) string {
		c := inspector.must(200, "POST", "/api/v1/penalties/"+no+"/notify", map[string]any{"note": "依法告知"})
		return caseOf(c)["notice"].(map[string]any)["plea_due"].(map[string]any)["last"].(string)
	}
	today := time.Now()
	if got, want := pleaLast(before), workingDaysAfter(t, today, 5); got != want {
		t.Errorf("the penalty opened under the built-in set: plea due %s, want %s (5 working days, its own set)", got, want)
	}
	if got, want := pleaLast(after), workingDaysAfter(t, today, 10); got != want {
		t.Errorf("the penalty opened under the later set: plea due %s, want %s (10 working days)", got, want)
	}
	time.Sleep(time.Second) // the talk's time must have come
	held := inspector.must(200, "POST", "/api/v1/talks/"+talkNo+"/record", map[string]any{
		"attendance": []map[string]any{{"name": "钱宏达", "attended": true}}, "minutes": "企业负责人承认整改不及时"})
	due, err := time.Parse(time.RFC3339, caseOf(held)["report_due"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// report_due is the end of the last day: the next day's first instant.
	if got, want := due.Add(-time.Nanosecond).In(rules.China).Format(time.DateOnly), workingDaysAfter(t, today, 5); got != want {
		t.Errorf("the talk convened under the built-in set: report due %s, want %s (5 working days, its own set)", got, want)
	}
}

// readBuiltinRuleSets is the catalogue shipped with duty, as a rule file
// holds it.
func readBuiltinRuleSets(t *testing.T) []rules.RuleSet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rules", "rulesets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sets []rules.RuleSet
	if err := json.Unmarshal(b, &sets); err != nil {
		t.Fatal(err)
	}
	return sets
}

// writeRuleSets writes a rule file for --rules.
func writeRuleSets(t *testing.T, sets []rules.RuleSet) string {
	t.Helper()
	b, err := json.MarshalIndent(sets, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// workingDaysAfter is the last day of a period of n working days from
// from, on the built-in calendar.
func workingDaysAfter(t *testing.T, from time.Time, n int) string {
	t.Helper()
	d, err := calendar.Default().Due(from, calendar.WorkingDays(n))
	if err != nil {
		t.Fatal(err)
	}
	return d.Last.String()
}
