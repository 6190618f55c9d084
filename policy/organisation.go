package policy

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/cases"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/org"
)

// Actions beyond the per-kind case updates.
const (
	ActionDecidePenalty = "penalty:decide" // decide a penalty of a kind and amount
	ActionPolicyRead    = "policy:read"
	ActionPolicyWrite   = "policy:write"
	// ActionArchive makes a closed case's case file (案卷): the whole
	// record with its evidence, in one download, so it is the head's of
	// the department, not every officer's who may read the case.
	ActionArchive = "case:archive"
)

// RegulatorHazardActions are what a regulator department does on hazards.
var RegulatorHazardActions = []string{"open", "order", "review_plan", "reinspect", "decide_extension"}

// EnterpriseCaseKinds are the kinds of case an enterprise sees of its own:
// those served on it. An accident is its own too (it reports it and is
// the party investigated); an escalation passes between authorities.
var EnterpriseCaseKinds = []string{string(cases.KindHazard), string(cases.KindTalk), string(cases.KindPenalty), string(cases.KindAccident),
	string(cases.KindInspection), string(cases.KindRescue)}

// EnterpriseHazardActions are what an enterprise does on its own hazards.
var EnterpriseHazardActions = []string{"submit_plan", "report_completion", "request_extension"}

// RegulatorTalkActions and EnterpriseTalkActions are the same for warning talks.
var (
	RegulatorTalkActions  = []string{"open", "record_talk", "cancel_talk"}
	EnterpriseTalkActions = []string{"submit_talk_report"}
)

// RegulatorInspectionActions are what a department's officers do in an
// inspection (现场检查). Which two of them act on one is the workflow's
// check: only the officers named at its opening. An enterprise only
// reads the record: its responsible person signs on the spot, witnessed.
var RegulatorInspectionActions = []string{"open", "record_item", "decide_item", "sign_record", "refuse_to_sign"}

// RescueTeamActions are what a rescue team's people do in its preventive
// inspections: register one (with its alarm) and record follow-up visits.
// RegulatorRescueActions are the supervising department's: acknowledge the
// alarm and decide on the report. The enterprise's 主要负责人 acknowledges
// the alarm (EnterpriseRescueActions). Which team, department and
// enterprise a case names is the workflow's check.
var (
	RescueTeamActions       = []string{"open", "record_follow_up"}
	RegulatorRescueActions  = []string{"acknowledge_alarm", "decide_report"}
	EnterpriseRescueActions = []string{"acknowledge_alarm"}
)

// Reports from the public (群众举报) are handled by the department they
// were sent to, and by no one else: its head and inspectors link the
// verifying inspection, record the outcome and read who the reporter is
// (ActionReporter, each read recorded); its head decides the reward.
// They are asked on ReportResource, which names the handling department,
// not on the case's region and sector, so a department above it or
// beside it sees the case (without the reporter) but cannot handle it.
var (
	RegulatorReportActions = []string{"link_inspection", "record_outcome"}
	HeadReportActions      = []string{"decide_reward"}
)

// ActionReporter is reading who filed a report from the public, unmasked.
const ActionReporter = "report:reporter"

// ReportResource is the Ladon resource of a report as handled by the
// department it was sent to.
func ReportResource(deptID int64, caseNo string) string {
	return "report:handled:" + strconv.FormatInt(deptID, 10) + ":" + caseNo
}

// ActionRescueCoverage reads which enterprises a rescue team served in a
// year and which of them it has not inspected.
const ActionRescueCoverage = "rescue:coverage"

// ActionDuties reads an organisation's prevention duties (应急预案备案,
// 演练): an enterprise's own, with what a miss brings; a department's,
// those owed to it that are missed or coming due.
const ActionDuties = "duty:view"

// RegulatorPlanActions are what a department does with its yearly
// inspection plan (年度监督检查计划): make it, and draw its routine
// inspections (双随机). That only the plan's own department draws on it is
// the API's check, against the post that policy allowed.
var RegulatorPlanActions = []string{"open", "draw"}

// RegulatorPenaltyActions and EnterprisePenaltyActions are the same for
// penalties; deciding one (ActionDecidePenalty) is the department head's,
// within the authority limit.
var (
	RegulatorPenaltyActions = []string{"open", "notify", "schedule_hearing", "record_hearing", "record_discussion", "serve",
		"pay", "appeal_result", "remind", "apply_enforcement", "stop_daily_fine", "withdraw", "decide_on_the_spot"}
	EnterprisePenaltyActions = []string{"plead", "request_hearing", "appeal", "pay", "waive_rights"}
)

// OrgPolicyPrefix marks policies generated from the organisation; they are
// replaced when the organisation changes, while policies an administrator
// writes by hand (a recusal, say) keep other ids.
const OrgPolicyPrefix = "org:"

// Organisation is what the generated policy set is built from.
type Organisation struct {
	Orgs []org.Org
	// PortfolioPosts are the posts with a portfolio of sectors (一岗双责).
	PortfolioPosts []org.Post
}

// ForOrganisation generates the policy set the organisation implies:
//   - 属地 + 行业: a department acts on and views cases in its region and
//     below, in the industries it supervises (another sector: 移送);
//   - authority limits: its head decides penalties only up to its level's
//     limit (a condition); beyond it the case is escalated;
//   - 党政同责: the party secretary and the government head of a region both
//     view every case in it and below, and read its policy record with
//     its policy administrators;
//   - 一岗双责: a leader with a portfolio views the cases of those sectors
//     in their region;
//   - an enterprise's persons view and answer only their enterprise's cases;
//   - administration (issue 15): a government's organisation
//     administrators keep the organisation of their region and below; an
//     enterprise's 主要负责人 keeps its own persons and units.
func ForOrganisation(o Organisation) []*ladon.DefaultPolicy {
	var out []*ladon.DefaultPolicy
	below := departmentsBelow(o.Orgs)
	for _, unit := range o.Orgs {
		id := strconv.FormatInt(unit.ID, 10)
		// Subjects are literal (org:<id>:<role>), one per role: compared
		// as strings, they need no compiled pattern per organisation, of
		// which a province has 100,000 (docs/performance.md).
		subjects := func(roles ...string) []string {
			out := make([]string, len(roles))
			for i, role := range roles {
				out[i] = PostSubject(role, unit.ID)
			}
			return out
		}
		switch unit.Kind {
		case org.KindDepartment:
			if len(unit.Industries) == 0 {
				continue
			}
			scope := []string{"case:" + unit.RegionPath + "<[0-9/]*>:<[a-z_]+>:<" + alternatives(unit.Industries) + ">:<[0-9]+>:<.+>"}
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "dept:" + id,
				Description: fmt.Sprintf("%s acts on cases in its region and below, in its industries (属地 + 行业)", unit.Name),
				Subjects:    subjects(org.RoleDeptHead, org.RoleInspector),
				Actions: []string{ActionView, "hazard:<" + strings.Join(RegulatorHazardActions, "|") + ">", ActionOpenEscalation,
					"talk:<" + strings.Join(RegulatorTalkActions, "|") + ">", "penalty:<" + strings.Join(RegulatorPenaltyActions, "|") + ">",
					"inspection:<" + strings.Join(RegulatorInspectionActions, "|") + ">",
					"rescue:<" + strings.Join(RegulatorRescueActions, "|") + ">", "plan:<" + strings.Join(RegulatorPlanActions, "|") + ">"},
				Resources: scope,
				Effect:    ladon.AllowAccess,
			})
			out = append(out, heldEscalations(unit, id, subjects(org.RoleDeptHead, org.RoleInspector), subjects(org.RoleDeptHead))...)
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "report:" + id,
				Description: fmt.Sprintf("%s handles the reports from the public sent to it: verifies them and reads who filed them (recorded)", unit.Name),
				Subjects:    subjects(org.RoleDeptHead, org.RoleInspector),
				Actions:     []string{ActionView, ActionReporter, "report:<" + strings.Join(RegulatorReportActions, "|") + ">"},
				Resources:   []string{"report:handled:" + id + ":<.+>"},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "reportreward:" + id,
				Description: fmt.Sprintf("the head of %s decides the reward for a confirmed report from the public", unit.Name),
				Subjects:    subjects(org.RoleDeptHead),
				Actions:     []string{"report:<" + strings.Join(HeadReportActions, "|") + ">"},
				Resources:   []string{"report:handled:" + id + ":<.+>"},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "duties:" + id,
				Description: fmt.Sprintf("the people of %s see the enterprises' duties owed to it that are missed or coming due (应急预案备案, 演练)", unit.Name),
				Subjects:    subjects(org.RoleDeptHead, org.RoleInspector),
				Actions:     []string{ActionDuties},
				Resources:   []string{OrgResource(unit.RegionPath, unit.ID)},
				Effect:      ladon.AllowAccess,
			})
			out = append(out, campaignPolicies(unit, id, subjects(org.RoleDeptHead, org.RoleInspector), subjects(org.RoleDeptHead))...)
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "records:" + id,
				Description: fmt.Sprintf("the head of %s reads the records of the people of it and of the departments under it (终身追责)", unit.Name),
				Subjects:    subjects(org.RoleDeptHead),
				Actions:     []string{ActionReadRecord},
				Resources:   []string{"person:<[0-9/]+>:<" + alternatives(append([]string{id}, below[unit.ID]...)) + ">:<[0-9]+>"},
				Effect:      ladon.AllowAccess,
			})
			out = append(out, &ladon.DefaultPolicy{
				ID: OrgPolicyPrefix + "archive:" + id,
				Description: fmt.Sprintf("the head of %s files the case files (案卷) of the cases in its region and below, in its industries; "+
					"only a closed case is filed (the API's check)", unit.Name),
				Subjects:  subjects(org.RoleDeptHead),
				Actions:   []string{ActionArchive},
				Resources: scope,
				Effect:    ladon.AllowAccess,
			})
			out = append(out, departmentAccidents(unit, id, scope)...)
			if unit.RegionLevel != "" {
				out = append(out, &ladon.DefaultPolicy{
					ID: OrgPolicyPrefix + "penalty:" + id,
					Description: fmt.Sprintf("the head of %s decides penalties within the %s level's authority (the rule set in force on the day)",
						unit.Name, unit.RegionLevel),
					Subjects:   subjects(org.RoleDeptHead),
					Actions:    []string{ActionDecidePenalty},
					Resources:  scope,
					Effect:     ladon.AllowAccess,
					Conditions: ladon.Conditions{FactPenalty: &AuthorityLimitCondition{Level: unit.RegionLevel}},
				})
			}
		case org.KindPartyCommittee, org.KindGovernment:
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "leader:" + id,
				Description: fmt.Sprintf("the heads of %s see every case in their area (党政同责)", unit.Name),
				Subjects:    subjects(org.RolePartySecretary, org.RoleGovernmentHead),
				Actions:     []string{ActionView},
				Resources:   []string{"case:" + unit.RegionPath + "<[0-9/]*>:<.+>"},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "admin:" + id,
				Description: fmt.Sprintf("the policy administrators of %s read and edit policies", unit.Name),
				Subjects:    subjects(org.RolePolicyAdmin),
				Actions:     []string{"policy:<read|write>"},
				Resources:   []string{"policy:<.+>"},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID: OrgPolicyPrefix + "policyrecord:" + id,
				Description: fmt.Sprintf("the heads and the policy administrators of %s read the policy record of their area: "+
					"every policy change there and every proposal (党政同责)", unit.Name),
				Subjects:  subjects(org.RolePartySecretary, org.RoleGovernmentHead, org.RolePolicyAdmin),
				Actions:   []string{ActionPolicyRead},
				Resources: []string{PolicyRecordResource(unit.RegionPath) + "<[0-9/]*>"},
				Effect:    ladon.AllowAccess,
			})
			out = append(out, heldEscalations(unit, id, nil, subjects(org.RolePartySecretary, org.RoleGovernmentHead))...)
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "arearecords:" + id,
				Description: fmt.Sprintf("the heads of %s read the records of the people who held a post in their area (党政同责, 终身追责)", unit.Name),
				Subjects:    subjects(org.RolePartySecretary, org.RoleGovernmentHead),
				Actions:     []string{ActionReadRecord},
				Resources:   []string{"person:" + unit.RegionPath + "<[0-9/]*>:<[0-9]+>:<[0-9]+>"},
				Effect:      ladon.AllowAccess,
			})
			if unit.Kind == org.KindGovernment {
				out = append(out, governmentAccidents(unit, id))
				out = append(out, campaignPolicies(unit, id, subjects(org.RoleGovernmentHead, org.RoleDeputyHead, org.RoleOrgAdmin),
					subjects(org.RoleGovernmentHead, org.RoleOrgAdmin))...)
				out = append(out, &ladon.DefaultPolicy{
					ID: OrgPolicyPrefix + "orgadmin:" + id,
					Description: fmt.Sprintf("the organisation administrators of %s keep the organisation of their region and below: "+
						"its organisations, units, persons and posts, and read persons' personal information (recorded)", unit.Name),
					Subjects:  subjects(org.RoleOrgAdmin),
					Actions:   []string{ActionAdministerOrg, ActionKeepStaff, ActionReadPersonal},
					Resources: []string{"organisation:" + unit.RegionPath + "<[0-9/]*>:<[0-9]+>"},
					Effect:    ladon.AllowAccess,
				})
			}
		case org.KindEnterprise:
			out = append(out, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "enterprise:" + id,
				Description: fmt.Sprintf("%s sees and answers only its own cases, of the kinds served on it", unit.Name),
				Subjects:    subjects(org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer),
				Actions: []string{ActionView, "hazard:<" + strings.Join(EnterpriseHazardActions, "|") + ">",
					"talk:<" + strings.Join(EnterpriseTalkActions, "|") + ">", "penalty:<" + strings.Join(EnterprisePenaltyActions, "|") + ">"},
				// Escalations (提请, 移送, 挂牌督办, a referral to the
				// judiciary) pass between authorities and are not served
				// on the enterprise, though they are about it.
				Resources: []string{"case:<[0-9/]+>:<" + alternatives(EnterpriseCaseKinds) + ">:<[a-z_]*>:" + id + ":<.+>"},
				Effect:    ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "enterpriseduties:" + id,
				Description: fmt.Sprintf("%s sees its own prevention duties, when each is due and what a miss brings", unit.Name),
				Subjects:    subjects(org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer),
				Actions:     []string{ActionDuties},
				Resources:   []string{OrgResource(unit.RegionPath, unit.ID)},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "enterprisestaff:" + id,
				Description: fmt.Sprintf("the 主要负责人 of %s keeps its own persons, posts and internal units", unit.Name),
				Subjects:    subjects(org.RoleEnterpriseHead),
				Actions:     []string{ActionKeepStaff, ActionReadPersonal},
				Resources:   []string{OrgResource(unit.RegionPath, unit.ID)},
				Effect:      ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "enterprisealarm:" + id,
				Description: fmt.Sprintf("the 主要负责人 of %s acknowledges a rescue team's stop-and-evacuate alarm (第一责任人)", unit.Name),
				Subjects:    subjects(org.RoleEnterpriseHead),
				Actions:     []string{"rescue:<" + strings.Join(EnterpriseRescueActions, "|") + ">"},
				Resources:   []string{"case:<[0-9/]+>:rescue:<[a-z_]*>:" + id + ":<.+>"},
				Effect:      ladon.AllowAccess,
			})
		case org.KindRescueTeam:
			out = append(out, &ladon.DefaultPolicy{
				ID: OrgPolicyPrefix + "rescue:" + id,
				Description: fmt.Sprintf("the people of %s register preventive inspections of the enterprises it serves in its region and below "+
					"and follow them up (the agreement in force is checked on opening)", unit.Name),
				Subjects:  subjects(org.RoleDeptHead, org.RoleInspector, org.RoleStaff),
				Actions:   []string{ActionView, "rescue:<" + strings.Join(RescueTeamActions, "|") + ">"},
				Resources: []string{"case:" + unit.RegionPath + "<[0-9/]*>:rescue:<.+>"},
				Effect:    ladon.AllowAccess,
			}, &ladon.DefaultPolicy{
				ID:          OrgPolicyPrefix + "rescuecoverage:" + id,
				Description: fmt.Sprintf("the people of %s see which enterprises it serves are not yet inspected this year", unit.Name),
				Subjects:    subjects(org.RoleDeptHead, org.RoleInspector, org.RoleStaff),
				Actions:     []string{ActionRescueCoverage},
				Resources:   []string{OrgResource(unit.RegionPath, unit.ID)},
				Effect:      ladon.AllowAccess,
			})
		}
	}
	for _, p := range o.PortfolioPosts {
		id := strconv.FormatInt(p.ID, 10)
		out = append(out, &ladon.DefaultPolicy{
			ID:          OrgPolicyPrefix + "portfolio:" + id,
			Description: fmt.Sprintf("%s (%s) sees the cases of the sectors in their portfolio: %s (一岗双责)", p.Title, p.Org.Name, strings.Join(p.Portfolio, ", ")),
			Subjects:    []string{PostPortfolioSubject(p.ID)},
			Actions:     []string{ActionView},
			Resources:   []string{"case:" + p.Org.RegionPath + "<[0-9/]*>:<[a-z_]+>:<" + alternatives(p.Portfolio) + ">:<.+>"},
			Effect:      ladon.AllowAccess,
		})
	}
	return out
}

// heldEscalations lets an organisation's people view and handle the
// escalations it holds — whatever the region or sector of the case, since
// an escalation may cross both (移送). The workflow checks again that the
// actor's organisation is the holder.
// heldEscalations lets the organisation that holds an escalation handle
// it: its staff see it, sign for it and pass it on (签收, 转办); what it
// decides — the decision (办结) or sending it back (退回) — is its heads'.
func heldEscalations(unit org.Org, id string, staff, heads []string) []*ladon.DefaultPolicy {
	resources := []string{"escalation:held:" + id + ":<.+>"}
	out := []*ladon.DefaultPolicy{{
		ID:          OrgPolicyPrefix + "held:" + id,
		Description: fmt.Sprintf("the heads of %s decide the escalations it holds, or return them (办结, 退回)", unit.Name),
		Subjects:    heads,
		Actions:     []string{ActionView, "escalation:<" + strings.Join(EscalationActions, "|") + ">"},
		Resources:   resources,
		Effect:      ladon.AllowAccess,
	}}
	if len(staff) > 0 {
		out = append(out, &ladon.DefaultPolicy{
			ID:          OrgPolicyPrefix + "heldstaff:" + id,
			Description: fmt.Sprintf("the staff of %s see the escalations it holds, sign for them and pass them on (签收, 转办)", unit.Name),
			Subjects:    staff,
			Actions:     []string{ActionView, "escalation:<" + strings.Join(EscalationStaffActions, "|") + ">"},
			Resources:   resources,
			Effect:      ladon.AllowAccess,
		})
	}
	return out
}

// Administering the organisation (issue 15): a region's organisation
// administrators (org.RoleOrgAdmin of its government) keep the region and
// everything below it — its organisations, their units, persons and
// posts; an enterprise's 主要负责人 keeps its own persons, posts and
// internal units. Both are asked on OrgResource.
const (
	// ActionAdministerOrg is creating or changing an organisation, or
	// importing organisations into a region.
	ActionAdministerOrg = "organisation:administer"
	// ActionKeepStaff is keeping an organisation's persons, posts and
	// internal units.
	ActionKeepStaff = "organisation:staff"
	// ActionReadPersonal is reading a person's identity number and phone
	// unmasked (个人信息保护法); the read is recorded.
	ActionReadPersonal = "organisation:personal"
)

// OrgResource is the Ladon resource of an organisation as its region
// places it; orgID is 0 for one not yet on record (a region's new
// organisation, an import).
func OrgResource(regionPath string, orgID int64) string {
	return "organisation:" + regionPath + ":" + strconv.FormatInt(orgID, 10)
}

// ActionReadRecord is reading a person's record: the posts they held, the
// steps they took, the deadlines missed on their watch and what they were
// told (终身追责).
const ActionReadRecord = "person:record"

// PersonResource is the Ladon resource of a person as one of their posts
// places them: a post's organisation, and its region. A record may be read
// by whoever may read it through any post the person holds or held.
func PersonResource(regionPath string, orgID, personID int64) string {
	return "person:" + regionPath + ":" + strconv.FormatInt(orgID, 10) + ":" + strconv.FormatInt(personID, 10)
}

// departmentsBelow maps each department to the ids of the departments
// under it, at any depth (its superior is parent_id), in id order, so
// that the policy is the same whichever organisations it was generated
// among (SyncOrgs generates it from a few).
func departmentsBelow(orgs []org.Org) map[int64][]string {
	parent := map[int64]int64{}
	for _, o := range orgs {
		if o.Kind == org.KindDepartment && o.ParentID != 0 {
			parent[o.ID] = o.ParentID
		}
	}
	ids := map[int64][]int64{}
	for _, o := range orgs {
		if o.Kind != org.KindDepartment {
			continue
		}
		seen := map[int64]bool{o.ID: true}
		for p, ok := parent[o.ID]; ok && !seen[p]; p, ok = parent[p] {
			seen[p] = true
			ids[p] = append(ids[p], o.ID)
		}
	}
	out := make(map[int64][]string, len(ids))
	for p, below := range ids {
		slices.Sort(below)
		for _, id := range below {
			out[p] = append(out[p], strconv.FormatInt(id, 10))
		}
	}
	return out
}

// PolicyRecordResource is the Ladon resource of a region's policy record
// (its policy changes and proposals), read with ActionPolicyRead. It does
// not begin "policy:", so the administrators' licence over policies
// ("policy:<.+>", any region) does not reach it: the record is read by
// region, by its own heads and administrators and those above.
func PolicyRecordResource(regionPath string) string { return "policyrecord:" + regionPath }

// EscalationActions are what the holder of an escalation does.
var EscalationActions = []string{"acknowledge", "forward", "decide", "return"}

// EscalationStaffActions are those of them its staff may take; deciding
// and returning are its heads'.
var EscalationStaffActions = []string{"acknowledge", "forward"}

// ActionOpenEscalation is escalating a case (提请上级部门, 移送).
const ActionOpenEscalation = "escalation:open"

// HeldResource is the Ladon resource of an escalation as held by an
// organisation.
func HeldResource(holderOrgID int64, caseNo string) string {
	return "escalation:held:" + strconv.FormatInt(holderOrgID, 10) + ":" + caseNo
}

// PostPortfolioSubject is the Ladon subject of one post's portfolio: a
// portfolio belongs to the person's post, not to every post of the role.
func PostPortfolioSubject(postID int64) string { return "post:" + strconv.FormatInt(postID, 10) }

// alternatives makes a regexp alternation of literal words.
func alternatives(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(quoted, "|")
}

// OrganisationSource is what SyncFromStore reads the organisation from;
// *store.Store is one. It is an interface so that policy depends on the
// organisation's types (package org) and not on the package that stores
// them.
type OrganisationSource interface {
	// ListOrgs lists organisations, all kinds when kind is empty.
	ListOrgs(ctx context.Context, kind string) ([]org.Org, error)
	// PortfolioPosts lists the posts held on day or later that carry a
	// portfolio.
	PortfolioPosts(ctx context.Context, day time.Time) ([]org.Post, error)
}

// SyncFromStore regenerates the organisation's policies from PostgreSQL
// (through st) — organisations and the portfolios held on day — and
// writes what changed. Authority limits are not in policies: they come
// with each decision (PenaltyFact).
// It returns how many policies changed.
func SyncFromStore(ctx context.Context, st OrganisationSource, e *Editor, day time.Time) (int, error) {
	orgs, err := st.ListOrgs(ctx, "")
	if err != nil {
		return 0, err
	}
	portfolios, err := st.PortfolioPosts(ctx, day)
	if err != nil {
		return 0, err
	}
	return e.Sync(ctx, ForOrganisation(Organisation{Orgs: orgs, PortfolioPosts: portfolios}))
}
