package policy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/policy"
)

// TestAccidentMatrix decides the accident actions for the demo roles on an
// accident at 宏达建筑 (城区, construction): departments of its region and
// sector report and investigate, their heads approve extensions, gates and
// closure, the people's government gives the 批复 (493号令 Art.32), the
// party secretary and the enterprise only view.
// Columns: view, open, form_team, approve_report, sign_off_gate, close.
func TestAccidentMatrix(t *testing.T) {
	d := demoPolicies(t)
	w := policy.NewWarden(d.manager)
	accident := strings.Replace(strings.Replace(d.cases["hongda"], ":hazard:", ":accident:", 1), ":YH-", ":SG-", 1)
	actions := []string{policy.ActionView, "accident:open", "accident:form_team", "accident:approve_report", "accident:sign_off_gate", "accident:close_accident"}
	for _, row := range []struct{ login, want string }{
		{"zhao.jiancha", "YYY---"},   // 区住建局 inspector
		{"wang.juzhang", "YYY-YY"},   // 区住建局 head: not the 批复
		{"feng.jiancha", "YYY---"},   // 市住建局 inspector (the city covers the district)
		{"zheng.juzhang", "YYY-YY"},  // 市住建局 head
		{"lin.tingzhang", "YYY-YY"},  // 省住建厅 head
		{"gao.shizhang", "Y--YYY"},   // 市长: the city covers the district
		{"wu.jiancha", "------"},     // 区应急管理局: another sector
		{"ma.jiancha", "------"},     // 泽州县: another county
		{"liu.quzhang", "Y--YYY"},    // 区长: 人民政府批复
		{"zhang.shuji", "Y-----"},    // 区委书记: views (党政同责)
		{"chen.fuquzhang", "Y-----"}, // 分管副区长: views his sectors
		{"qian.zong", "Y-----"},      // the enterprise sees its own case
		{"zhou.zong", "------"},
	} {
		for i, action := range actions {
			err := w.Authorize(context.Background(), d.subjects[row.login], action, accident, nil)
			got := "Y"
			if err != nil {
				got = "-"
				if duty.ErrorCode(err) != duty.EForbidden {
					t.Errorf("%s %s: %v", row.login, action, err)
				}
			}
			if got != row.want[i:i+1] {
				t.Errorf("%s %s: got %s, want %s", row.login, action, got, row.want[i:i+1])
			}
		}
	}
}

// An escalation about an enterprise (a request to the superior, a
// transfer, a referral to the judiciary) passes between authorities: the
// enterprise does not see it, while the department that sent it does.
func TestEnterpriseDoesNotSeeEscalationsAboutIt(t *testing.T) {
	d := demoPolicies(t)
	w := policy.NewWarden(d.manager)
	escalation := strings.Replace(strings.Replace(d.cases["hongda"], ":hazard:", ":escalation:", 1), ":YH-", ":TQ-", 1)
	if err := w.Authorize(context.Background(), d.subjects["qian.zong"], policy.ActionView, escalation, nil); err == nil {
		t.Error("the enterprise sees an escalation about itself")
	}
	if err := w.Authorize(context.Background(), d.subjects["zhao.jiancha"], policy.ActionView, escalation, nil); err != nil {
		t.Errorf("the department does not see its escalation: %v", err)
	}
	if err := w.Authorize(context.Background(), d.subjects["qian.zong"], policy.ActionView, d.cases["hongda"], nil); err != nil {
		t.Errorf("the enterprise no longer sees its hazard: %v", err)
	}
}
