package casetest

import (
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// The people, organisations and rule set the tests of every kind share,
// so a case started from another case in one test meets the same ones.
var (
	// Start is when a test's workflow starts (Beijing time).
	Start     = time.Date(2026, 12, 1, 9, 0, 0, 0, rules.China)
	Inspector = cases.Actor{PersonID: 1, Name: "王检查", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}
	Company   = cases.Actor{PersonID: 2, Name: "李经理", Role: "enterprise_head", OrgID: 20, OrgName: "晋城建工", Side: cases.SideEnterprise}
	Stranger  = cases.Actor{PersonID: 3, Name: "赵某", Role: "enterprise_head", OrgID: 21, OrgName: "别的公司", Side: cases.SideEnterprise}
	RuleSet   = rules.RuleSet{ID: "T", EffectiveFrom: "2020-01-01", HazardReminders: []rules.Duration{rules.Duration(72 * time.Hour), rules.Duration(24 * time.Hour)}, MaxRectificationPeriod: rules.Duration(365 * 24 * time.Hour)}
	// DistrictBureau is the inspector's department.
	DistrictBureau = cases.Org{ID: 10, Name: "城区住建局"}
)

// ChildRef is the reference of a case started from the tests' hazard
// (YH-140502-2026-000001 at the company).
func ChildRef(caseNo, workflowID string) casekit.CaseRef {
	return casekit.CaseRef{CaseNo: caseNo, WorkflowID: workflowID,
		ParentCaseNo: "YH-140502-2026-000001", ParentWorkflowID: "hazard/YH-140502-2026-000001",
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		Enterprise: cases.Org{ID: 20, Name: "晋城建工"}}
}
