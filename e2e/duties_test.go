package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/duties"
)

// TestAMissedDrillBecomesAnOrderThatClimbsTheLadder runs the prevention
// duties' mechanism on the real binary: the demo enterprise owes an
// on-site drill whose period has ended unmet; the daily sweep (started by
// the Schedule duty creates at start, triggered here rather than waited
// for until 00:05) opens the order to correct under Art.97 as a hazard
// case ordered by the department the drill was owed to; the order's
// period passes (a rule set for a test installation gives it seconds)
// and the case is due for the ladder's next rung, the warning talk, as
// any overdue hazard is. A second sweep opens nothing more.
//
// The duty is armed by writing its row, as the arming of a filed plan
// will (the pages and API for filing and drill reports are the next
// slice).
func TestAMissedDrillBecomesAnOrderThatClimbsTheLadder(t *testing.T) {
	db := pgtest.NewDatabase(t)
	sets := readBuiltinRuleSets(t)
	for i := range sets {
		sets[i].Duties.CorrectionWithin = rules.Duration(20 * time.Second)
	}
	duty := start(t, dataDir(t), db, "--rules", writeRuleSets(t, sets))
	shots := artefacts(t)
	inspector := duty.login("zhao.jiancha") // 区住建局
	company := duty.login("qian.zong")      // 宏达建筑
	var dept int64
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		if m := o.(map[string]any); m["code"] == "140502-jsj" {
			dept = int64(m["id"].(float64))
		}
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO duty_obligations (enterprise_id, kind, department_id, rule_set, cycle, due_at, state)
		VALUES ($1, $2, $3, $4, 2, $5, 'pending')`, company.orgID, rules.DutyDrillOnSite, dept, sets[0].ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	tc := duty.temporalClient(t)
	defer tc.Close()
	sweep := func() {
		t.Helper()
		if err := tc.ScheduleClient().GetHandle(ctx, duties.ScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			t.Fatalf("trigger the sweep's schedule (created at start): %v", err)
		}
	}
	sweep()
	var orderNo string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && orderNo == ""; time.Sleep(300 * time.Millisecond) {
		var started bool
		if err := conn.QueryRow(ctx, `SELECT coalesce(order_no, ''), order_started FROM duty_obligations WHERE enterprise_id = $1`,
			company.orgID).Scan(&orderNo, &started); err != nil {
			t.Fatal(err)
		}
		if !started {
			orderNo = ""
		}
	}
	if !strings.HasPrefix(orderNo, "YH-140502-") {
		t.Fatalf("no order opened for the missed drill (order %q)", orderNo)
	}
	c := caseOf(inspector.must(200, "GET", "/api/v1/cases/"+orderNo, nil))
	report, _ := c["report"].(map[string]any)
	if c["state"] != "ordered" || report == nil || !strings.Contains(report["description"].(string), "现场处置方案演练") {
		t.Fatalf("the order: %v", c)
	}
	if a := caseOf(company.must(200, "GET", "/api/v1/cases/"+orderNo, nil)); a["case_no"] != orderNo {
		t.Fatalf("the enterprise does not see its order: %v", a)
	}

	// The order's period passes unmet: the warning talk is due.
	awaitNextRung(t, inspector, orderNo, "warning_talk")

	// Another sweep finds nothing more to order.
	sweep()
	time.Sleep(2 * time.Second)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM cases WHERE enterprise_id = $1 AND kind = 'hazard'`, company.orgID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d hazard cases for one missed drill", n)
	}

	// The enterprise's page lists the drill with its order and the duties
	// still owed; the department's, the drill overdue at the enterprise.
	if _, err := conn.Exec(ctx, `INSERT INTO duty_obligations (enterprise_id, kind, department_id, rule_set, due_at, state)
		VALUES ($1, $2, $3, $4, $5, 'pending')`, company.orgID, rules.DutyDrillComprehensive, dept, sets[0].ID, time.Now().AddDate(0, 0, 20)); err != nil {
		t.Fatal(err)
	}
	mine := company.must(200, "GET", "/api/v1/orgs/"+itoa(company.orgID)+"/duties", nil)
	if mine["overdue"].(float64) != 1 || mine["missed"].(float64) != 1 || len(mine["duties"].([]any)) != 2 {
		t.Fatalf("the enterprise's duties: %v", mine)
	}
	company.must(403, "GET", "/api/v1/orgs/"+itoa(dept)+"/duties", nil)
	// The browser's context runs for three minutes from here.
	chrome := chromium(t)
	for _, w := range []int64{1280, 390} {
		b := browse(t, chrome, duty.base, "qian.zong")
		b.resize(w)
		b.open("/duties")
		b.sees("#duties", "现场处置方案演练")
		b.sees("#duties", orderNo)
		b.sees("#duties", "责令限期改正")
		b.noJSON()
		b.fitsWidth(int(w))
		b.shot(shots, "duties-enterprise-"+itoa(w)+".png")
		b = browse(t, chrome, duty.base, "zhao.jiancha")
		b.resize(w)
		b.open("/duties")
		b.sees("#duties", "宏达")
		b.sees("#duties", "综合或专项应急预案演练")
		b.noJSON()
		b.fitsWidth(int(w))
		b.shot(shots, "duties-department-"+itoa(w)+".png")
	}

	for _, w := range []int64{1280, 390} {
		b := browse(t, chrome, duty.base, "zhao.jiancha")
		b.resize(w)
		b.open("/cases/" + orderNo)
		b.sees(".summary", "宏达")
		b.sees("section.content", "现场处置方案演练")
		b.noJSON()
		b.fitsWidth(int(w))
		b.shot(shots, "duty-order-"+itoa(w)+".png")
	}
	t.Logf("screenshots in %s", shots)
}
