package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/documents"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/campaign"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/plan"
	"github.com/duty-project/duty/workflows/report"
	"github.com/duty-project/duty/workflows/talk"
)

// The authorization matrix is the spec of who may do what: one row per
// permission the API asks — an action on a kind of case ("talk:open on
// hazard": convening a talk about a hazard), on an escalation held by the
// caller's organisation, or on the policies — and, in each row, who may
// take it in which situation. Anyone a row does not name may not, anywhere.
//
// The rows are not listed by hand: TestAuthorizationMatrix sends a request
// to every route of the routes table and records each permission the
// handler asks, so a new endpoint or action without a row fails the test,
// and so does a row no endpoint asks any more.
//
// Who is one of the personas (a demo login each; every role of org.Role*,
// and a department head at each region level because authority limits are
// per level) or one of the groups below. The four letters of a cell are the
// situations, Y allowed and - denied:
//
//	1 its own: a case of the persona's region (or below) and sector — for
//	  an enterprise, a case of its own; for an escalation, one its
//	  organisation holds
//	2 another sector: a case in its region of a sector it does not
//	  supervise — for an enterprise, another enterprise's; for an
//	  escalation, one another organisation of its area holds
//	3 another region: a case of its sector outside its region, in the
//	  nearest region that is outside (another county, city or province) —
//	  for an escalation, one an organisation outside its area holds
//	4 ended: its own case, asked by someone whose post of that role there
//	  ended yesterday and who now holds a post elsewhere
//
// The policies themselves are not regional, so an administrator's cell
// reads the same in the first three situations; which policies an
// administrator may write is limited in api/policies.go and tested over
// HTTP in e2e's TestPermissionsOverHTTP.
var matrix = []matrixRow{
	// Seeing a case: the departments of its region and sector, both heads
	// of its area whatever the sector (党政同责), the deputy head whose
	// portfolio covers its sector (一岗双责), and the enterprise it is
	// served on — which is not served an escalation about it.
	{on: "case:view on hazard", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---"},
	{on: "case:view on talk", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---"},
	{on: "case:view on penalty", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---"},
	{on: "case:view on accident", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---"},
	{on: "case:view on inspection", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---"},
	{on: "case:view on rescue", may: "departments: Y---; leaders: YY--; deputy: Y---; enterprise: Y---; rescuer: YY--"},
	{on: "case:view on plan", may: "departments: Y---; leaders: YY--; deputy: Y---"},
	{on: "case:view on escalation", may: "departments: Y---; leaders: YY--; deputy: Y---"},
	{on: "case:view on held escalation", may: "departments: Y---; leaders: Y---"},
	{on: "case:view on campaign", may: "departments: Y---; leaders: YY--; deputy: Y---"},
	// A campaign's part, seen by the people of any organisation in its
	// chain (the level asked, and those that asked it).
	{on: "case:view on campaign part", may: "departments: Y---; govhead deputy orgadmin: Y---"},

	// The case file (案卷) of a closed case: its department's head files
	// it, in the region and sectors the department acts in (whether the
	// case is closed is the API's check, after this).
	{on: "case:archive on hazard", may: "heads: Y---"},
	{on: "case:archive on talk", may: "heads: Y---"},
	{on: "case:archive on penalty", may: "heads: Y---"},
	{on: "case:archive on accident", may: "heads: Y---"},
	{on: "case:archive on inspection", may: "heads: Y---"},
	{on: "case:archive on rescue", may: "heads: Y---"},
	{on: "case:archive on plan", may: "heads: Y---"},
	{on: "case:archive on escalation", may: "heads: Y---"},
	{on: "case:archive on campaign", may: "heads: Y---"},
	{on: "case:archive on report", may: "heads: Y---"},

	// Hazards: the regulator opens, orders, reviews, re-inspects and
	// decides extensions; the enterprise answers.
	{on: "hazard:open on hazard", may: "departments: Y---"},
	{on: "hazard:order on hazard", may: "departments: Y---"},
	{on: "hazard:review_plan on hazard", may: "departments: Y---"},
	{on: "hazard:reinspect on hazard", may: "departments: Y---"},
	{on: "hazard:decide_extension on hazard", may: "departments: Y---"},
	{on: "hazard:submit_plan on hazard", may: "enterprise: Y---"},
	{on: "hazard:report_completion on hazard", may: "enterprise: Y---"},
	{on: "hazard:request_extension on hazard", may: "enterprise: Y---"},

	// Warning talks, about a case of any kind.
	{on: "talk:open on hazard", may: "departments: Y---"},
	{on: "talk:open on talk", may: "departments: Y---"},
	{on: "talk:open on penalty", may: "departments: Y---"},
	{on: "talk:open on accident", may: "departments: Y---"},
	{on: "talk:open on escalation", may: "departments: Y---"},
	{on: "talk:open on inspection", may: "departments: Y---"},
	{on: "talk:open on rescue", may: "departments: Y---"},
	{on: "talk:record_talk on talk", may: "departments: Y---"},
	{on: "talk:cancel_talk on talk", may: "departments: Y---"},
	{on: "talk:submit_talk_report on talk", may: "enterprise: Y---"},

	// Penalties, about a case of any kind; the enterprise pleads, asks for
	// a hearing, appeals, pays or waives its rights; payment is recorded by
	// either side.
	{on: "penalty:open on hazard", may: "departments: Y---"},
	{on: "penalty:open on talk", may: "departments: Y---"},
	{on: "penalty:open on penalty", may: "departments: Y---"},
	{on: "penalty:open on accident", may: "departments: Y---"},
	{on: "penalty:open on escalation", may: "departments: Y---"},
	{on: "penalty:open on inspection", may: "departments: Y---"},
	{on: "penalty:open on rescue", may: "departments: Y---"},
	{on: "penalty:notify on penalty", may: "departments: Y---"},
	{on: "penalty:schedule_hearing on penalty", may: "departments: Y---"},
	{on: "penalty:record_hearing on penalty", may: "departments: Y---"},
	{on: "penalty:record_discussion on penalty", may: "departments: Y---"},
	{on: "penalty:serve on penalty", may: "departments: Y---"},
	{on: "penalty:appeal_result on penalty", may: "departments: Y---"},
	{on: "penalty:remind on penalty", may: "departments: Y---"},
	{on: "penalty:apply_enforcement on penalty", may: "departments: Y---"},
	{on: "penalty:stop_daily_fine on penalty", may: "departments: Y---"},
	{on: "penalty:withdraw on penalty", may: "departments: Y---"},
	{on: "penalty:decide_on_the_spot on penalty", may: "departments: Y---"},
	{on: "penalty:pay on penalty", may: "departments: Y---; enterprise: Y---"},
	{on: "penalty:plead on penalty", may: "enterprise: Y---"},
	{on: "penalty:request_hearing on penalty", may: "enterprise: Y---"},
	{on: "penalty:appeal on penalty", may: "enterprise: Y---"},
	{on: "penalty:waive_rights on penalty", may: "enterprise: Y---"},
	// Deciding a penalty is the department head's, within the authority
	// of its level (rule set: county ¥100,000 with warnings, fines and
	// daily fines; city ¥1,000,000 and stops and licence suspensions;
	// province ¥20,000,000); closure is the government's (Art.113), so
	// no department decides it. Limits are inclusive.
	{on: "penalty:decide on penalty", facts: "warning 0", may: "heads: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 100000", may: "heads: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 100001", may: "cityhead provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "daily_fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 1000000", may: "cityhead provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 1000001", may: "provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "stop_production 0", may: "cityhead provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "licence_suspension 0", may: "cityhead provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 20000000", may: "provhead: Y---"},
	{on: "penalty:decide on penalty", facts: "fine 20000001"},
	{on: "penalty:decide on penalty", facts: "closure 0"},
	{on: "penalty:decide on penalty", facts: "fine -1"},
	// The same limit is asked about any case ("may I decide this
	// penalty here?", and opening a penalty about it).
	{on: "penalty:decide on hazard", facts: "fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on hazard", facts: "fine 500000", may: "cityhead provhead: Y---"},
	{on: "penalty:decide on talk", facts: "fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on accident", facts: "fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on escalation", facts: "fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on inspection", facts: "fine 50000", may: "heads: Y---"},
	{on: "penalty:decide on rescue", facts: "fine 50000", may: "heads: Y---"},

	// Escalations: any case may be escalated by its department; the
	// organisation holding one — a department, or the party committee or
	// government of an area — handles it, wherever the case is: its staff
	// sign for it and pass it on, its heads decide or return it.
	{on: "escalation:open on hazard", may: "departments: Y---"},
	{on: "escalation:open on talk", may: "departments: Y---"},
	{on: "escalation:open on penalty", may: "departments: Y---"},
	{on: "escalation:open on accident", may: "departments: Y---"},
	{on: "escalation:open on escalation", may: "departments: Y---"},
	{on: "escalation:open on inspection", may: "departments: Y---"},
	{on: "escalation:open on rescue", may: "departments: Y---"},
	{on: "escalation:acknowledge on held escalation", may: "departments: Y---; leaders: Y---"},
	{on: "escalation:forward on held escalation", may: "departments: Y---; leaders: Y---"},
	{on: "escalation:decide on held escalation", may: "heads: Y---; leaders: Y---"},
	{on: "escalation:return on held escalation", may: "heads: Y---; leaders: Y---"},

	// Accidents: the department registers, reports up and investigates;
	// its head, or the government head of the area whatever the sector
	// (人民政府批复), approves. The workflow checks the level.
	{on: "accident:open on accident", may: "departments: Y---"},
	{on: "accident:report_up on accident", may: "departments: Y---"},
	{on: "accident:amend_casualties on accident", may: "departments: Y---"},
	{on: "accident:form_team on accident", may: "departments: Y---"},
	{on: "accident:start_appraisal on accident", may: "departments: Y---"},
	{on: "accident:end_appraisal on accident", may: "departments: Y---"},
	{on: "accident:submit_investigation_report on accident", may: "departments: Y---"},
	{on: "accident:decide_accountability on accident", may: "departments: Y---"},
	{on: "accident:carry_out_accountability on accident", may: "departments: Y---"},
	{on: "accident:add_measures on accident", may: "departments: Y---"},
	{on: "accident:assess_measures on accident", may: "departments: Y---"},
	{on: "accident:record_education on accident", may: "departments: Y---"},
	{on: "accident:extend_investigation on accident", may: "heads: Y---; govhead: YY--"},
	{on: "accident:extend_approval on accident", may: "heads: Y---; govhead: YY--"},
	// 批复 is the investigating people's government's (493号令 Art.32).
	{on: "accident:approve_report on accident", may: "govhead: YY--"},
	{on: "accident:decide_fines on accident", may: "heads: Y---; govhead: YY--"},
	{on: "accident:sign_off_gate on accident", may: "heads: Y---; govhead: YY--"},
	{on: "accident:close_accident on accident", may: "heads: Y---; govhead: YY--"},

	// Inspections (现场检查): a department's officers open and carry them
	// out; which two may act on one is the workflow's check. The
	// enterprise signs on the spot, witnessed, and only reads the record.
	{on: "inspection:open on inspection", may: "departments: Y---"},
	{on: "inspection:record_item on inspection", may: "departments: Y---"},
	{on: "inspection:decide_item on inspection", may: "departments: Y---"},
	{on: "inspection:sign_record on inspection", may: "departments: Y---"},
	{on: "inspection:refuse_to_sign on inspection", may: "departments: Y---"},

	// Rescue teams' preventive inspections: the team registers them (of
	// any sector: it serves by agreement, checked on opening) and follows
	// them up; the alarm is acknowledged by the enterprise's 主要负责人
	// and the supervising department, which alone decides on the report.
	{on: "rescue:open on rescue", may: "rescuer: YY--"},
	{on: "rescue:record_follow_up on rescue", may: "rescuer: YY--"},
	{on: "rescue:acknowledge_alarm on rescue", may: "departments: Y---; enthead: Y---"},
	{on: "rescue:decide_report on rescue", may: "departments: Y---"},
	// Reports from the public (群众举报): seeing the case follows its
	// region and sector like any other (the reporter is not in it), and
	// the enterprise reported does not see it; handling it — and reading
	// who filed it — is the department it was sent to alone, the reward
	// its head's.
	{on: "case:view on report", may: "departments: Y---; leaders: YY--; deputy: Y---"},
	{on: "case:view on handled report", may: "departments: Y---"},
	{on: "report:link_inspection on handled report", may: "departments: Y---"},
	{on: "report:record_outcome on handled report", may: "departments: Y---"},
	{on: "report:reporter on handled report", may: "departments: Y---"},
	{on: "report:decide_reward on handled report", may: "heads: Y---"},
	// A team's yearly coverage: its own people.
	{on: "rescue:coverage on organisation", may: "rescuer: Y---"},
	// Prevention duties: an enterprise sees its own; a department those
	// owed to it.
	{on: "duty:view on organisation", may: "departments: Y---; enterprise: Y---"},
	// The yearly plan (年度监督检查计划): a department makes its own and
	// draws on it (双随机); that only the plan's own department draws is
	// the API's check after policy.
	{on: "plan:open on plan", may: "departments: Y---"},
	{on: "plan:draw on plan", may: "departments: Y---"},
	// Campaigns (专项整治): a level's heads — a department's head, a
	// government's head or organisation administrator — start one, submit
	// their level's plan and reports and pass it down; the level above
	// opens a 督办 from a missed submission.
	{on: "campaign:open on campaign part", may: "heads: Y---; govhead orgadmin: Y---"},
	{on: "campaign:submit on campaign part", may: "heads: Y---; govhead orgadmin: Y---"},
	{on: "campaign:pass_down on campaign part", may: "heads: Y---; govhead orgadmin: Y---"},
	{on: "campaign:escalate_miss on campaign part", may: "heads: Y---; govhead orgadmin: Y---"},

	// The policies: their administrator only.
	{on: "policy:read on policy", may: "admin: YYY-"},
	// A region's record of policy changes: its administrators and its
	// heads (党政同责), theirs and the regions' above.
	{on: "policy:read on policy record", may: "admin: YY--; leaders: YY--"},

	// A person's record (终身追责), asked through a post the person holds
	// or held: the heads of the area read the records of everyone who held
	// a post in it; a department's head, those of its own people and of
	// the departments under it. The person reads their own without asking.
	{on: "person:record on person", may: "head: Y---; cityhead provhead: YY--; leaders: YY--"},
	{on: "policy:write on policy", may: "admin: YYY-"},

	// Administering the organisation (issue 15), asked on an organisation
	// as its region places it (importing 台账 into a region asks the first
	// on the region, organisation 0): the region's organisation
	// administrator keeps every organisation of the region and below; an enterprise's
	// 主要负责人 keeps its own persons and units, and reads their personal
	// information; nobody edits another region.
	{on: "organisation:administer on organisation", may: "orgadmin: YY--"},
	{on: "organisation:staff on organisation", may: "orgadmin: YY--; enthead: Y---"},
	{on: "organisation:personal on organisation", may: "orgadmin: YY--; enthead: Y---"},
}

// matrixRow is one row of the matrix: who may take the permission on, with
// the facts of a penalty when the permission depends on them ("fine
// 100000": kind and amount in yuan).
type matrixRow struct {
	on, facts, may string
}

// persona is a column of the matrix: a demo login, and the organisations
// its situations are made of (org codes).
type persona struct {
	name, login string
	// outside is an enterprise of the persona's sector just outside its
	// region; peer and far are organisations other than its own, inside
	// its area and outside it.
	outside, peer, far string
}

var personas = []persona{
	{"inspector", "zhao.jiancha", "ent-zeyu", "140502-yjj", "140525-jsj"},      // 区住建局 执法检查员
	{"head", "wang.juzhang", "ent-zeyu", "140502-yjj", "140525-jsj"},           // 区住建局 局长
	{"cityhead", "zheng.juzhang", "ent-pingcheng", "140525-jsj", "140213-jsj"}, // 市住建局 局长
	{"provhead", "lin.tingzhang", "ent-changan", "1405-jsj", "130102-jsj"},     // 省住建厅 厅长
	{"secretary", "zhang.shuji", "ent-zeyu", "140502-zf", "140525-jsj"},        // 区委书记
	{"govhead", "liu.quzhang", "ent-zeyu", "140502-qw", "140525-jsj"},          // 区长
	{"deputy", "chen.fuquzhang", "ent-zeyu", "140502-qw", "140525-jsj"},        // 分管副区长 (construction)
	{"admin", "admin.quan", "ent-zeyu", "140502-qw", "140525-jsj"},             // 区政府 权限管理员
	{"enthead", "qian.zong", "ent-zeyu", "ent-xinyuan", "ent-zeyu"},            // 宏达建筑 主要负责人
	{"pm", "sun.jingli", "ent-zeyu", "ent-xinyuan", "ent-zeyu"},                // 宏达建筑 项目经理
	{"safety", "li.anquan", "ent-zeyu", "ent-xinyuan", "ent-zeyu"},             // 宏达建筑 安全员
	{"orgadmin", "yang.zuzhi", "ent-zeyu", "140502-jsj", "140525-jsj"},         // 区政府 组织管理员
	{"rescuer", "zhou.jiuhu", "ent-pingcheng", "140502-jsj", "140213-jsj"},     // 矿山救护大队 救护队员
}

// personaGroups are the names a cell may use for several personas.
var personaGroups = map[string][]string{
	"departments": {"inspector", "head", "cityhead", "provhead"},
	"heads":       {"head", "cityhead", "provhead"},
	"leaders":     {"secretary", "govhead"},
	"enterprise":  {"enthead", "pm", "safety"},
}

var situations = []string{"its own", "another sector", "another region", "ended"}

// TestAuthorizationMatrix decides every row of the matrix for every
// persona in every situation, with the policies generated from the demo
// organisation (and a neighbouring city and province) in PostgreSQL, and
// checks that the rows are exactly the permissions the routes ask.
func TestAuthorizationMatrix(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	addNeighbours(t, st)
	now := time.Now()
	today := now.In(rules.China)
	ended := endedTwins(t, st, today)
	m := policy.NewManager(st.Pool)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: m}, today); err != nil {
		t.Fatal(err)
	}

	asked := askedPermissions(t, st, m)
	spec := map[string]bool{}
	for _, row := range matrix {
		spec[row.on] = true
	}
	for _, key := range sortedKeys(asked) {
		if !spec[key] {
			t.Errorf("%s asks %q, which has no row in the matrix: add {on: %q, may: \"…\"} saying who may", asked[key][0], key, key)
		}
	}
	for _, key := range sortedKeys(spec) {
		if _, ok := asked[key]; !ok {
			t.Errorf("no route asks %q any more: remove its row from the matrix, or find the route that lost it", key)
		}
	}

	orgs := map[string]org.Org{}
	all, err := st.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range all {
		orgs[o.Code] = o
	}
	warden := policy.NewWarden(m)
	subjects, homes := map[string]policy.Subject{}, map[string]org.Org{}
	for _, p := range personas {
		subjects[p.login], homes[p.login] = subjectOf(t, st, p.login, today)
	}
	decisions := 0
	for _, row := range matrix {
		want, err := row.expectations()
		if err != nil {
			t.Fatalf("row %q: %v", row.on, err)
		}
		facts, err := row.penaltyFacts()
		if err != nil {
			t.Fatalf("row %q: %v", row.on, err)
		}
		for _, p := range personas {
			for i, situation := range situations {
				asker := subjects[p.login]
				if situation == "ended" {
					asker = ended[p.login]
				}
				action, resource := row.request(p, homes[p.login], situation, orgs)
				err := warden.Authorize(ctx, asker, action, resource, facts)
				decisions++
				if err != nil && duty.ErrorCode(err) != duty.EForbidden {
					t.Errorf("%s: %v is not a refusal", row.name(), err)
				}
				got := "Y"
				if err != nil {
					got = "-"
				}
				if wanted := want[p.name][i : i+1]; got != wanted {
					verb := map[string]string{"Y": "allowed", "-": "denied"}
					t.Errorf("%s: %s (%s), %s: %s, want %s", row.name(), p.name, p.login, situation, verb[got], verb[wanted])
				}
			}
		}
	}
	t.Logf("%d rows × %d personas × %d situations: %d decisions, over %d permissions the routes ask",
		len(matrix), len(personas), len(situations), decisions, len(asked))
}

func (row matrixRow) name() string {
	if row.facts != "" {
		return row.on + " (" + row.facts + ")"
	}
	return row.on
}

// expectations reads the row's cells into the four letters of every persona.
func (row matrixRow) expectations() (map[string]string, error) {
	want := map[string]string{}
	for _, p := range personas {
		want[p.name] = "----"
	}
	for _, cell := range strings.Split(row.may, ";") {
		if strings.TrimSpace(cell) == "" {
			continue
		}
		who, letters, ok := strings.Cut(cell, ":")
		letters = strings.TrimSpace(letters)
		if !ok || len(letters) != len(situations) || strings.Trim(letters, "Y-") != "" {
			return nil, fmt.Errorf("cell %q: want \"who: %d letters of Y and -\"", cell, len(situations))
		}
		for _, name := range strings.Fields(who) {
			names, group := personaGroups[name]
			if !group {
				names = []string{name}
			}
			for _, n := range names {
				if _, known := want[n]; !known {
					return nil, fmt.Errorf("cell %q: no persona or group %q", cell, n)
				}
				want[n] = letters
			}
		}
	}
	return want, nil
}

// penaltyFacts are the facts of the row's penalty, with the authority
// limits of the built-in rule set in force today, nil for none.
func (row matrixRow) penaltyFacts() (policy.Facts, error) {
	if row.facts == "" {
		return nil, nil
	}
	kind, amount, _ := strings.Cut(row.facts, " ")
	yuan, err := strconv.ParseInt(amount, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("facts %q: want \"<kind> <amount in yuan>\"", row.facts)
	}
	return policy.PenaltyFact(kind, yuan, rules.Builtin().InForce(time.Now()).AuthorityLimits), nil
}

// request is the row's Ladon action and the resource it is asked on, for
// persona p (whose organisation is home) in a situation.
func (row matrixRow) request(p persona, home org.Org, situation string, orgs map[string]org.Org) (action, resource string) {
	action, on, _ := strings.Cut(row.on, " on ")
	switch on {
	case "policy":
		return action, "policy:matrix"
	case "policy record":
		region := map[string]org.Org{"its own": home, "another sector": home, "another region": orgs[p.far], "ended": home}[situation]
		return action, policy.PolicyRecordResource(region.RegionPath)
	case "organisation":
		at := map[string]org.Org{"its own": home, "another sector": orgs[p.peer], "another region": orgs[p.far], "ended": home}[situation]
		return action, policy.OrgResource(at.RegionPath, at.ID)
	case "person":
		at := map[string]org.Org{"its own": home, "another sector": orgs[p.peer], "another region": orgs[p.far], "ended": home}[situation]
		return action, policy.PersonResource(at.RegionPath, at.ID, 999_999)
	case "held escalation":
		holder := map[string]org.Org{"its own": home, "another sector": orgs[p.peer], "another region": orgs[p.far], "ended": home}[situation]
		return action, policy.HeldResource(holder.ID, "TQ-"+holder.RegionCode+"-2026-000001")
	case "handled report":
		handler := map[string]org.Org{"its own": home, "another sector": orgs[p.peer], "another region": orgs[p.far], "ended": home}[situation]
		return action, policy.ReportResource(handler.ID, "JB-"+handler.RegionCode+"-2026-000001")
	case "campaign part":
		// The organisation's own part: its chain ends with it; the level
		// above escalates on the part of a level it asked.
		at := map[string]org.Org{"its own": home, "another sector": orgs[p.peer], "another region": orgs[p.far], "ended": home}[situation]
		chain := []int64{at.ID}
		if action == "campaign:escalate_miss" {
			chain = append(chain, 999_999)
		}
		return action, policy.CampaignResource(chain, "ZX-"+at.RegionCode+"-2026-000001")
	}
	ent := map[string]string{"its own": "ent-hongda", "another sector": "ent-xinyuan", "another region": p.outside, "ended": "ent-hongda"}[situation]
	e := orgs[ent]
	kind := cases.Kind(on)
	return action, policy.CaseResource(on, e.RegionPath, e.Industries[0], e.ID, kind.Prefix()+"-"+e.RegionCode+"-2026-000001")
}

// subjectOf is a login's subject today, built as the API builds it, and
// the organisation of its (first) post.
func subjectOf(t *testing.T, st *store.Store, login string, day time.Time) (policy.Subject, org.Org) {
	t.Helper()
	ctx := context.Background()
	p, err := st.PersonByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := st.PostsAt(ctx, p.ID, day)
	if err != nil || len(posts) == 0 {
		t.Fatalf("%s: posts %v, %v", login, posts, err)
	}
	return policy.SubjectFor(p.ID, posts), posts[0].Org
}

// addNeighbours adds what the demo organisation lacks for "another
// region" at the city and province levels: another city of 山西 with a
// county, and a county of another province, each with a construction
// bureau and a construction enterprise.
func addNeighbours(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		for _, r := range []org.Region{
			{Code: "1402", Name: "大同市", Level: "city", ParentCode: "14"},
			{Code: "140213", Name: "平城区", Level: "county", ParentCode: "1402"},
			{Code: "13", Name: "河北省", Level: "province"},
			{Code: "1301", Name: "石家庄市", Level: "city", ParentCode: "13"},
			{Code: "130102", Name: "长安区", Level: "county", ParentCode: "1301"},
		} {
			if _, err := st.UpsertRegion(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, o := range []org.Org{
			{Code: "140213-jsj", Kind: org.KindDepartment, Name: "平城区住房和城乡建设局", RegionCode: "140213", Industries: []string{"construction"}},
			{Code: "ent-pingcheng", Kind: org.KindEnterprise, Name: "大同市平城建设有限公司", RegionCode: "140213", Industries: []string{"construction"}},
			{Code: "130102-jsj", Kind: org.KindDepartment, Name: "长安区住房和城乡建设局", RegionCode: "130102", Industries: []string{"construction"}},
			{Code: "ent-changan", Kind: org.KindEnterprise, Name: "石家庄市长安建工有限公司", RegionCode: "130102", Industries: []string{"construction"}},
		} {
			if _, err := st.UpsertOrg(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// endedTwins gives each persona a twin: a person who held the persona's
// post (role, organisation, portfolio) until yesterday and has since moved
// to the district's public security bureau, whose posts give no say on
// cases. It returns each twin's subject today, keyed by the persona's login.
func endedTwins(t *testing.T, st *store.Store, today time.Time) map[string]policy.Subject {
	t.Helper()
	ctx := context.Background()
	yesterday := today.AddDate(0, 0, -1)
	police, err := st.ListOrgs(ctx, org.KindJudicial)
	if err != nil || len(police) == 0 {
		t.Fatalf("judicial organs: %v, %v", police, err)
	}
	out := map[string]policy.Subject{}
	for _, p := range personas {
		person, err := st.PersonByLogin(ctx, p.login)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := st.PostsAt(ctx, person.ID, today)
		if err != nil || len(posts) == 0 {
			t.Fatalf("%s: posts %v, %v", p.login, posts, err)
		}
		post := posts[0]
		var twin int64
		err = pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
			twin, err = st.UpsertPerson(ctx, tx, org.Person{Login: p.login + ".ended", Name: person.Name + "（已调任）"})
			if err != nil {
				return err
			}
			since := time.Date(2024, 1, 1, 0, 0, 0, 0, rules.China)
			if err := st.EnsurePost(ctx, tx, twin, post.Org.ID, post.Role, post.Title, post.Portfolio, since); err != nil {
				return err
			}
			// Held up to yesterday: ended_on is the first day it is not held.
			if _, err := tx.Exec(ctx, `UPDATE posts SET ended_on = $2 WHERE person_id = $1`, twin, today.Format(time.DateOnly)); err != nil {
				return err
			}
			return st.EnsurePost(ctx, tx, twin, police[0].ID, org.RoleInspector, "侦查员", nil, today)
		})
		if err != nil {
			t.Fatal(err)
		}
		held, err := st.PostsAt(ctx, twin, yesterday)
		if err != nil || len(held) != 1 || held[0].Role != post.Role || held[0].Org.ID != post.Org.ID {
			t.Fatalf("%s's twin held %v yesterday (%v), want the post %s at %s", p.login, held, err, post.Role, post.Org.Code)
		}
		now, err := st.PostsAt(ctx, twin, today)
		if err != nil || len(now) != 1 || now[0].Org.ID != police[0].ID {
			t.Fatalf("%s's twin holds %v today (%v), want only the post at %s", p.login, now, err, police[0].Code)
		}
		out[p.login] = policy.SubjectFor(twin, now)
	}
	return out
}

// asksNothing are the routes that ask no permission of policy: a login is
// enough, or none.
var asksNothing = map[string]bool{
	"GET /healthz": true, "GET /openapi.json": true, "POST /api/v1/login": true, "POST /api/v1/logout": true,
	"GET /api/v1/me": true, "GET /api/v1/orgs": true, "GET /api/v1/notifications": true, "GET /metrics": true,
	// Signing in and refreshing a session: before any permission.
	"POST /api/v1/token/refresh": true, "POST /api/v1/login/oidc/start": true, "POST /api/v1/login/oidc/finish": true,
	// The drawn inspections' results are public (双随机、一公开).
	"GET /api/v1/public/inspections": true,
	// Anyone may report (举报) and follow a report by its code.
	"GET /api/v1/public/report-form": true, "POST /api/v1/public/reports": true, "GET /api/v1/public/reports/{code}": true,
	// The enterprise register is public record to whoever is logged in
	// (GET /api/v1/orgs), its 主要负责人's numbers masked.
	"GET /api/v1/exports/enterprises": true, "GET /api/v1/enterprises": true,
	// Deciding a proposal asks policy:write on the policy proposed, once
	// the proposal is found (the probe has none): TestFourEyesOverHTTP
	// and e2e's TestBroadPoliciesNeedFourEyesOverHTTP test who may.
	"POST /api/v1/policies/proposals/{id}/approve": true, "POST /api/v1/policies/proposals/{id}/reject": true,
	// Marking one's own notice read: it is found among the caller's own.
	"POST /api/v1/notifications/{id}/read": true,
}

// viewOnly are the posts that change nothing of a case, only what the
// caller is recorded to have seen of it: seeing it is the permission.
var viewOnly = map[string]bool{"POST /api/v1/cases/{caseNo}/seen": true}

// askedPermissions sends every route of the routes table, as each of a
// department head, an enterprise head and a policy administrator, about
// a case of every kind, and records every permission the handler asks
// policy — action and the kind of resource, as the matrix names them.
// It returns them with the routes that asked each.
//
// The bodies are the zero values of the routes' request types, except
// where a handler needs a field before it asks (the enterprise of a case
// being opened, the kind of penalty asked about). A request that passes
// reaches a stand-in Temporal that refuses it, so nothing changes.
func askedPermissions(t *testing.T, st *store.Store, m *policy.Manager) map[string][]string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var current []string
	rec := &askingManager{Manager: m, asked: func(r *ladon.Request) {
		mu.Lock()
		defer mu.Unlock()
		current = append(current, permissionKey(r.Action, r.Resource))
	}}
	signer := auth.NewSigner([]byte("matrix-key"), time.Hour)
	srv := &Server{Store: st, Temporal: refusingTemporal{}, Warden: policy.NewWarden(rec), Policies: m,
		PolicyEditor: &policy.Editor{Manager: m}, Signer: signer, Rules: rules.Builtin(), Logger: discardLogger()}
	h := srv.Handler()
	hongda, err := st.PersonByLogin(ctx, "qian.zong")
	if err != nil {
		t.Fatal(err)
	}
	_, hongdaOrg := subjectOf(t, st, hongda.Login, time.Now().In(rules.China))
	caseNos := readModelCases(t, st)
	inspector, err := st.PersonByLogin(ctx, "zhao.jiancha")
	if err != nil {
		t.Fatal(err)
	}

	// A token for each request: the logout route ends its session.
	token := func(login string) string {
		p, err := st.PersonByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		session := auth.NewSessionID()
		tok, claims := signer.Issue(p.ID, p.Login, session, time.Now(), time.Time{})
		_, refresh := auth.NewRefreshToken()
		if err := st.CreateSession(ctx, store.NewSession{ID: session, PersonID: p.ID, Method: store.SessionPassword,
			Start: time.Now(), Expires: claims.ExpiresAt, RefreshHash: refresh}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	bodies := map[reflect.Type]string{
		reflect.TypeOf(OpenHazardRequest{}):           fmt.Sprintf(`{"enterprise_id":%d}`, hongdaOrg.ID),
		reflect.TypeOf(OpenAccidentRequest{}):         fmt.Sprintf(`{"enterprise_id":%d}`, hongdaOrg.ID),
		reflect.TypeOf(OpenInspectionRequest{}):       fmt.Sprintf(`{"enterprise_id":%d}`, hongdaOrg.ID),
		reflect.TypeOf(OpenRescueInspectionRequest{}): fmt.Sprintf(`{"enterprise_id":%d}`, hongdaOrg.ID),
		reflect.TypeOf(PenaltyAuthorityRequest{}):     `{"kind":"fine","amount_yuan":1}`,
		reflect.TypeOf(OrgRequest{}):                  `{"region_code":"140502"}`,
		reflect.TypeOf(RegionRequest{}):               `{"code":"140502"}`,
	}
	// The organisation's routes are probed on 宏达建筑 and on the
	// inspector's post, which none of the probing logins keeps: a post
	// route that passed would end it.
	inspectorPosts, err := st.PostsAt(ctx, inspector.ID, time.Now().In(rules.China))
	if err != nil || len(inspectorPosts) == 0 {
		t.Fatalf("the inspector's posts: %v, %v", inspectorPosts, err)
	}
	asked := map[string][]string{}
	for _, rt := range routes() {
		name := rt.method + " " + rt.path
		var body []byte
		if rt.request != nil {
			if b, ok := bodies[reflect.TypeOf(rt.request)]; ok {
				body = []byte(b)
			} else if body, err = json.Marshal(rt.request); err != nil {
				t.Fatal(err)
			}
		}
		var paths []string
		for _, no := range caseNos {
			p := strings.NewReplacer("{caseNo}", no, "{id}", "matrix", "{personID}", strconv.FormatInt(inspector.ID, 10),
				"{orgID}", strconv.FormatInt(hongdaOrg.ID, 10), "{postID}", strconv.FormatInt(inspectorPosts[0].ID, 10)).Replace(rt.path)
			if !strings.Contains(p, "{docID}") {
				paths = append(paths, p)
				continue
			}
			row, err := st.GetCase(ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := documents.List(row.View)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				paths = append(paths, strings.ReplaceAll(p, "{docID}", d.ID))
			}
		}
		slices.Sort(paths)
		paths = slices.Compact(paths)
		var keys []string
		for _, login := range []string{"wang.juzhang", "qian.zong", "admin.quan"} {
			for _, path := range paths {
				r := httptest.NewRequest(rt.method, path, bytes.NewReader(body))
				if body != nil {
					r.Header.Set("Content-Type", "application/json")
				}
				r.Header.Set("Authorization", "Bearer "+token(login))
				mu.Lock()
				current = nil
				mu.Unlock()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code >= 500 {
					t.Errorf("%s as %s: %d %s", path, login, rec.Code, rec.Body)
				}
				mu.Lock()
				keys = append(keys, current...)
				mu.Unlock()
			}
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		acts := slices.ContainsFunc(keys, func(k string) bool { return !strings.HasPrefix(k, policy.ActionView+" ") })
		switch {
		case asksNothing[name] && len(keys) > 0:
			t.Errorf("%s asks %v: take it off asksNothing", name, keys)
		case asksNothing[name]:
		case len(keys) == 0:
			t.Errorf("%s asks no permission: if none is needed add it to asksNothing, else make the probe reach it (a body it needs?)", name)
		case rt.method != http.MethodGet && !acts && !viewOnly[name]:
			t.Errorf("%s asks only %v: a step must ask a permission of its own; make the probe reach it (a body it needs?)", name, keys)
		}
		for _, k := range keys {
			asked[k] = append(asked[k], name)
		}
	}
	return asked
}

// permissionKey names what a policy decision is about as the matrix does:
// "<action> on <kind of case>", "<action> on held escalation" or
// "<action> on policy".
func permissionKey(action, resource string) string {
	switch {
	case strings.HasPrefix(resource, "escalation:held:"):
		return action + " on held escalation"
	case strings.HasPrefix(resource, "campaign:"):
		return action + " on campaign part"
	case strings.HasPrefix(resource, "report:handled:"):
		return action + " on handled report"
	case strings.HasPrefix(resource, "policy:"):
		return action + " on policy"
	case strings.HasPrefix(resource, "policyrecord:"):
		return action + " on policy record"
	case strings.HasPrefix(resource, "person:"):
		return action + " on person"
	case strings.HasPrefix(resource, "organisation:"):
		return action + " on organisation"
	case strings.HasPrefix(resource, "case:"):
		// case:<region path>:<kind>:<industry>:<enterprise>:<case no>
		if parts := strings.Split(resource, ":"); len(parts) == 6 {
			return action + " on " + parts[2]
		}
	}
	return action + " on " + resource
}

// askingManager reports every request ladon asks it for candidates of:
// each is one decision of one post of a subject.
type askingManager struct {
	*policy.Manager
	asked func(*ladon.Request)
}

func (m *askingManager) FindRequestCandidates(ctx context.Context, r *ladon.Request) (ladon.Policies, error) {
	m.asked(r)
	return m.Manager.FindRequestCandidates(ctx, r)
}

// readModelCases writes a case of every kind about 宏达建筑 into the read
// model — an ordered major hazard, and a talk, a penalty, an accident and
// an escalation about it, the escalation held by the 区住建局 — and
// returns their numbers.
func readModelCases(t *testing.T, st *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	orgs, err := st.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]org.Org{}
	for _, o := range orgs {
		byCode[o.Code] = o
	}
	ent, dept := byCode["ent-hongda"], byCode["140502-jsj"]
	now := time.Now()
	rs := rules.Builtin().InForce(now)
	var out []string
	for _, kind := range []cases.Kind{cases.KindHazard, cases.KindTalk, cases.KindPenalty, cases.KindAccident, cases.KindEscalation, cases.KindInspection, cases.KindRescue, cases.KindPlan, cases.KindCampaign, cases.KindReport} {
		num, err := st.NextCaseNumber(ctx, kind, ent.RegionCode, now.In(rules.China).Year())
		if err != nil {
			t.Fatal(err)
		}
		sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: num.String(), Kind: kind, State: "open",
			RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Industry: ent.Industries[0],
			Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}, ActingOrg: cases.Org{ID: dept.ID, Name: dept.Name},
			RuleSet: rs.ID, Title: "脚手架连墙件缺失", OpenedAt: now}
		switch kind {
		case cases.KindHazard:
			sum.State, sum.Grade = string(hazard.Ordered), string(hazard.GradeMajor)
		case cases.KindTalk:
			sum.State = string(talk.Scheduled)
		case cases.KindPenalty:
			sum.State = string(penalty.Opened)
		case cases.KindAccident:
			sum.State = string(accident.Reported)
		case cases.KindEscalation:
			sum.State = string(escalation.Submitted)
		case cases.KindInspection:
			sum.State = string(inspection.Inspecting)
		case cases.KindPlan:
			sum.State, sum.Enterprise = string(plan.InForce), cases.Org{}
		case cases.KindCampaign:
			sum.State, sum.Enterprise, sum.Chain = string(campaign.Running), cases.Org{}, []int64{dept.ID}
		case cases.KindReport:
			sum.State = string(report.Received)
		}
		// The kinds' own views hold what their steps need; the
		// permissions are asked before any of it is read.
		var view any = struct {
			cases.Summary
		}{sum}
		if kind == cases.KindHazard {
			due := now.Add(10 * 24 * time.Hour)
			view = hazard.View{Summary: sum, Round: 1, Deadline: due, MaxRectificationPeriod: rs.MaxRectificationPeriod,
				Orders: []hazard.Order{{Round: 1, Measures: "补设连墙件", Deadline: due, IssuedAt: now}}}
		}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "open", Actor: cases.SystemActor,
			StateAfter: sum.State, Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sum.CaseNo)
	}
	return out
}

// refusingTemporal stands in for Temporal when only what happens before
// a request reaches it matters: it refuses every start and update as a
// workflow's validator would (409). Any other call panics (nil client).
type refusingTemporal struct{ client.Client }

func (refusingTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, nil
}

var errRefused = temporal.NewApplicationError("test: the request reached Temporal", duty.EConflict)

func (refusingTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errRefused
}

func (refusingTemporal) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return refusedStart{}
}

func (refusingTemporal) UpdateWithStartWorkflow(context.Context, client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errRefused
}

// refusedStart is the start half of an update-with-start that was refused.
type refusedStart struct{}

func (refusedStart) Get(context.Context) (client.WorkflowRun, error) { return nil, errRefused }

// wholeView is the change of a case's first step that makes view.
func wholeView(t testing.TB, view any) cases.ViewChange {
	t.Helper()
	c, _, err := cases.ChangeOf(nil, view)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
