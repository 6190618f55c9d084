package store

import (
	"testing"

	"github.com/duty-project/duty/cases"
)

// A report from the public tells the department that must verify it, and
// its head when the verification is missed; never the enterprise, not
// even of the outcome.
func TestReportsNotifyTheDepartmentOnly(t *testing.T) {
	c := cases.Summary{Kind: cases.KindReport, CaseNo: "JB-140502-2026-000001", Enterprise: cases.Org{ID: 20}, ActingOrg: cases.Org{ID: 10}}
	for action, want := range map[string]string{"file": CategoryNotice, "verify_missed": CategoryOverdue, "link_inspection": "",
		"record_outcome": "", "decide_reward": ""} {
		cat, auds := concerned(cases.Step{Action: action, Case: c}, nil)
		if cat != want {
			t.Errorf("%s: category %q, want %q", action, cat, want)
		}
		for _, a := range auds {
			if a.orgID != c.ActingOrg.ID {
				t.Errorf("%s goes to organisation %d", action, a.orgID)
			}
		}
	}
}
