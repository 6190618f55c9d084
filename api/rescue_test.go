package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Registering a rescue team's inspection: only a team member, of an
// enterprise the team serves under an agreement in force today; anything
// else is refused before Temporal is asked. The coverage is the team's
// own, and counts served enterprises never inspected this year.
func TestRescueInspectionNeedsTheTeamAndAnAgreement(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	orgID := func(code string) int64 {
		var id int64
		if err := rig.store.Pool.QueryRow(ctx, `SELECT id FROM orgs WHERE code = $1`, code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	hongda, xinyuan, zeyu, team := orgID("ent-hongda"), orgID("ent-xinyuan"), orgID("ent-zeyu"), orgID("1405-jhd")
	rescuer := rig.as(t, "zhou.jiuhu")
	open := func(who *as, ent int64) (int, string) {
		code, body := who.call("POST", "/api/v1/rescue-inspections", map[string]any{"enterprise_id": ent, "place": "罐区",
			"findings": "液位计失效", "major": true, "advice": "停止作业，撤出人员"})
		msg, _ := body["message"].(string)
		return code, msg
	}
	reached := "reached Temporal"
	if code, msg := open(rescuer, xinyuan); code != http.StatusConflict || !strings.Contains(msg, reached) {
		t.Fatalf("the team at an enterprise it serves: %d %s", code, msg)
	}
	for name, tc := range map[string]struct {
		who  *as
		ent  int64
		code int
		says string
	}{
		"an enterprise the team does not serve": {rescuer, zeyu, http.StatusForbidden, "救援服务协议"},
		"a regulator's inspector":               {rig.as(t, "wu.jiancha"), xinyuan, http.StatusForbidden, ""},
		"the enterprise's 主要负责人":                {rig.as(t, "zhou.zong"), xinyuan, http.StatusForbidden, ""},
	} {
		if code, msg := open(tc.who, tc.ent); code != tc.code || !strings.Contains(msg, tc.says) || strings.Contains(msg, reached) {
			t.Errorf("%s: %d %s, want %d", name, code, msg, tc.code)
		}
	}
	// The agreement ended yesterday: no longer served.
	if _, err := rig.store.Pool.Exec(ctx, `UPDATE rescue_agreements SET valid_to = current_date - 1 WHERE enterprise_id = $1`, hongda); err != nil {
		t.Fatal(err)
	}
	if code, msg := open(rescuer, hongda); code != http.StatusForbidden || !strings.Contains(msg, "救援服务协议") {
		t.Errorf("an ended agreement: %d %s", code, msg)
	}

	path := "/api/v1/orgs/" + strconv.FormatInt(team, 10) + "/rescue-coverage"
	code, body := rescuer.call("GET", path, nil)
	if code != http.StatusOK || body["missing"].(float64) != 2 || len(body["enterprises"].([]any)) != 2 {
		t.Fatalf("coverage: %d %v", code, body)
	}
	if code, _ := rig.as(t, "wu.jiancha").call("GET", path, nil); code != http.StatusForbidden {
		t.Errorf("a department reads the team's coverage: %d", code)
	}
}
