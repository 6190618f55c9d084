package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/org"
)

// RegulatorAccidentActions are what a department's inspectors and head do
// on accidents in their region and industries: register the unit's report,
// pass it up, amend the figures, investigate, and record how the
// responsible persons, the corrective measures and the education were
// dealt with.
var RegulatorAccidentActions = []string{"open", "report_up", "amend_casualties", "form_team", "start_appraisal", "end_appraisal",
	"submit_investigation_report", "decide_accountability", "carry_out_accountability", "add_measures", "assess_measures", "record_education"}

// HeadAccidentActions are the approvals: extending the investigation or
// the approval period, deciding the fines within the Art.114/95 range,
// signing off a gate of 四不放过 and closing. A department head and the
// government head of an area may take them; the workflow checks that
// their level is the investigating level or above.
var HeadAccidentActions = []string{"extend_investigation", "extend_approval", "decide_fines", "sign_off_gate", "close_accident"}

// GovernmentAccidentActions are the head approvals and the 批复 of the
// report, which is the investigating people's government's alone
// (生产安全事故报告和调查处理条例 Art.32).
var GovernmentAccidentActions = append(slices.Clone(HeadAccidentActions), "approve_report")

// departmentAccidents lets a department act on the accidents in its scope
// (its region and below, its industries); its head also approves.
func departmentAccidents(unit org.Org, id string, scope []string) []*ladon.DefaultPolicy {
	return []*ladon.DefaultPolicy{{
		ID:          OrgPolicyPrefix + "accident:" + id,
		Description: fmt.Sprintf("%s reports, investigates and follows up accidents in its region and industries (事故报告和调查处理)", unit.Name),
		Subjects:    []string{"org:" + id + ":<" + org.RoleDeptHead + "|" + org.RoleInspector + ">"},
		Actions:     []string{"accident:<" + strings.Join(RegulatorAccidentActions, "|") + ">"},
		Resources:   scope,
		Effect:      ladon.AllowAccess,
	}, {
		ID:          OrgPolicyPrefix + "accident-head:" + id,
		Description: fmt.Sprintf("the head of %s approves extensions, fines, the gates of 四不放过 and 结案", unit.Name),
		Subjects:    []string{"org:" + id + ":" + org.RoleDeptHead},
		Actions:     []string{"accident:<" + strings.Join(HeadAccidentActions, "|") + ">"},
		Resources:   scope,
		Effect:      ladon.AllowAccess,
	}}
}

// governmentAccidents lets the government head of an area approve on the
// accidents in it (人民政府批复); the party secretary views, as for every case.
func governmentAccidents(unit org.Org, id string) *ladon.DefaultPolicy {
	return &ladon.DefaultPolicy{
		ID:          OrgPolicyPrefix + "accident-gov:" + id,
		Description: fmt.Sprintf("the head of %s approves on accidents in the area (批复, 四不放过, 结案)", unit.Name),
		Subjects:    []string{"org:" + id + ":" + org.RoleGovernmentHead},
		Actions:     []string{"accident:<" + strings.Join(GovernmentAccidentActions, "|") + ">"},
		Resources:   []string{"case:" + unit.RegionPath + "<[0-9/]*>:accident:<.+>"},
		Effect:      ladon.AllowAccess,
	}
}
