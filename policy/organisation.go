package policy

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/store"
)

// Roles of posts, as stored in posts.role. A post's role and its
// organisation make its Ladon subject.
const (
	RolePartySecretary = "party_secretary" // 党委书记
	RoleGovernmentHead = "government_head" // 政府主要负责人
	RoleDeputyHead     = "deputy_head"     // 分管负责人 (一岗双责)
	RoleDeptHead       = "dept_head"       // 局长
	RoleInspector      = "inspector"       // 执法检查人员
	RoleEnterpriseHead = "enterprise_head" // 主要负责人 (第一责任人)
	RoleProjectManager = "project_manager" // 项目经理
	RoleSafetyOfficer  = "safety_officer"  // 安全员
)

// RegulatorHazardActions are what a regulator department does on hazards.
var RegulatorHazardActions = []string{"open", "order", "review_plan", "reinspect", "decide_extension"}

// EnterpriseHazardActions are what an enterprise does on its own hazards.
var EnterpriseHazardActions = []string{"submit_plan", "report_completion", "request_extension"}

// OrgPolicyPrefix marks policies generated from the organisation; they are
// replaced wholesale when the organisation changes, while policies an
// administrator writes by hand keep other ids.
const OrgPolicyPrefix = "org:"

// ForOrganisation generates the policy set the organisation implies:
//   - a department acts (open, order, review, re-inspect, decide extensions)
//     and views cases in its region and below, in the industries it supervises;
//   - the party committee secretary and the government head of a region
//     both view every case in it and below (党政同责);
//   - an enterprise's persons view and answer only their enterprise's cases.
func ForOrganisation(orgs []store.Org) []*ladon.DefaultPolicy {
	var out []*ladon.DefaultPolicy
	for _, o := range orgs {
		id := strconv.FormatInt(o.ID, 10)
		subjects := func(roles ...string) []string {
			return []string{"org:" + id + ":<" + strings.Join(roles, "|") + ">"}
		}
		switch o.Kind {
		case store.OrgDepartment:
			if len(o.Industries) == 0 {
				continue
			}
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "dept:" + id,
				Description: fmt.Sprintf("%s acts on cases in its region and below, in its industries (属地 + 行业)", o.Name),
				Subjects:    subjects(RoleDeptHead, RoleInspector),
				Actions:     []string{ActionView, "hazard:<" + strings.Join(RegulatorHazardActions, "|") + ">"},
				Resources:   []string{"case:" + o.RegionPath + "<[0-9/]*>:<[a-z_]+>:<" + alternatives(o.Industries) + ">:<[0-9]+>:<.+>"},
				Effect:      ladon.AllowAccess,
			})
		case store.OrgPartyCommittee, store.OrgGovernment:
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "leader:" + id,
				Description: fmt.Sprintf("the heads of %s see every case in their area (党政同责)", o.Name),
				Subjects:    subjects(RolePartySecretary, RoleGovernmentHead),
				Actions:     []string{ActionView},
				Resources:   []string{"case:" + o.RegionPath + "<[0-9/]*>:<.+>"},
				Effect:      ladon.AllowAccess,
			})
		case store.OrgEnterprise:
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "enterprise:" + id,
				Description: fmt.Sprintf("%s sees and answers only its own cases", o.Name),
				Subjects:    subjects(RoleEnterpriseHead, RoleProjectManager, RoleSafetyOfficer),
				Actions:     []string{ActionView, "hazard:<" + strings.Join(EnterpriseHazardActions, "|") + ">"},
				Resources:   []string{"case:<[0-9/]+>:<[a-z_]+>:<[a-z_]*>:" + id + ":<.+>"},
				Effect:      ladon.AllowAccess,
			})
		}
	}
	return out
}

// alternatives makes a regexp alternation of literal words.
func alternatives(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(quoted, "|")
}

// SyncOrganisation writes the generated policies through the manager:
// creates new ones, updates changed ones, deletes generated ones whose
// organisation is gone. Hand-written policies are left alone.
func SyncOrganisation(ctx context.Context, m ladon.Manager, orgs []store.Org) error {
	want := ForOrganisation(orgs)
	existing, err := m.GetAll(ctx, 1<<30, 0)
	if err != nil {
		return fmt.Errorf("policy: sync: %w", err)
	}
	have := map[string]bool{}
	for _, p := range existing {
		have[p.GetID()] = true
	}
	keep := map[string]bool{}
	for _, p := range want {
		keep[p.ID] = true
		if have[p.ID] {
			err = m.Update(ctx, p)
		} else {
			err = m.Create(ctx, p)
		}
		if err != nil {
			return fmt.Errorf("policy: sync %s: %w", p.ID, err)
		}
	}
	for _, p := range existing {
		if strings.HasPrefix(p.GetID(), OrgPolicyPrefix) && !keep[p.GetID()] {
			if err := m.Delete(ctx, p.GetID()); err != nil {
				return fmt.Errorf("policy: sync delete %s: %w", p.GetID(), err)
			}
		}
	}
	return nil
}
