package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// The levels a campaign asks come from the organisation: a government
// asks the governments of the regions below it (a region without one,
// its departments of the campaign's sectors) and its own region's
// departments of those sectors; a department asks the departments under
// it of those sectors.
func TestLowerLevelsComeFromTheOrganisation(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	get := func(code string) org.Org {
		o, err := d.st.GetOrg(ctx, d.orgs[code].ID)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	codes := func(asker string, paths, sectors []string) []string {
		t.Helper()
		levels, err := d.st.LowerLevels(ctx, get(asker), paths, sectors)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range levels {
			out = append(out, o.Code)
		}
		slices.Sort(out)
		return out
	}
	for name, tc := range map[string]struct {
		asker   string
		paths   []string
		sectors []string
		want    []string
	}{
		"the city's government, construction": {"1405-zf", []string{"/14/1405/"}, []string{"construction"},
			[]string{"1405-jsj", "140502-zf", "140525-jsj"}},
		"the city's government, one district": {"1405-zf", []string{"/14/1405/140502/"}, []string{"construction"}, []string{"140502-zf"}},
		"the city's bureau":                   {"1405-jsj", []string{"/14/1405/"}, []string{"construction"}, []string{"140502-jsj", "140525-jsj"}},
		"the district's government":           {"140502-zf", []string{"/14/1405/140502/"}, []string{"construction"}, []string{"140502-jsj"}},
		"the district's government, two sectors": {"140502-zf", []string{"/14/1405/140502/"}, []string{"construction", "hazardous_chemicals"},
			[]string{"140502-jsj", "140502-yjj"}},
		"the district's bureau, nobody under it": {"140502-jsj", []string{"/14/1405/140502/"}, []string{"construction"}, nil},
	} {
		if got := codes(tc.asker, tc.paths, tc.sectors); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// A campaign's board reads its parts at any depth, and the counts of
// inspections and hazards of a level's region, sectors and period.
func TestCampaignPartsAndCounts(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, rules.China)
	step := func(no, parent string, kind cases.Kind, acting cases.Org, region, path string, deadlines ...cases.Deadline) {
		t.Helper()
		sum := cases.Summary{WorkflowID: string(kind) + "/" + no, CaseNo: no, Kind: kind, State: "running", RegionCode: region,
			RegionPath: path, Industry: "construction", ActingOrg: acting, ParentWorkflowID: parent, RuleSet: "T",
			OpenedAt: at, Title: "建筑施工专项整治", Deadlines: deadlines}
		if kind == cases.KindInspection {
			sum.Enterprise = d.orgs["ent-hongda"]
		}
		if _, err := d.st.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "start", Actor: cases.SystemActor, StateAfter: "running", Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	missed := cases.Deadline{Key: "plan", What: "报送工作方案", Party: cases.PartyRegulator, DueAt: at.Add(48 * time.Hour), State: cases.DeadlineMissed}
	step("ZX-1405-2026-000001", "", cases.KindCampaign, d.orgs["1405-zf"], "1405", "/14/1405/")
	step("ZX-140502-2026-000001", "campaign/ZX-1405-2026-000001", cases.KindCampaign, d.orgs["140502-zf"], "140502", "/14/1405/140502/", missed)
	step("ZX-140502-2026-000002", "campaign/ZX-140502-2026-000001", cases.KindCampaign, d.orgs["140502-jsj"], "140502", "/14/1405/140502/")
	step("ZX-140525-2026-000001", "", cases.KindCampaign, d.orgs["140525-jsj"], "140525", "/14/1405/140525/")
	step("JC-140502-2026-000001", "", cases.KindInspection, d.orgs["140502-jsj"], "140502", "/14/1405/140502/")

	parts, err := d.st.CampaignParts(ctx, "campaign/ZX-1405-2026-000001", 100)
	if err != nil {
		t.Fatal(err)
	}
	var nos []string
	for _, p := range parts {
		nos = append(nos, p.Summary.CaseNo)
	}
	if !slices.Equal(nos, []string{"ZX-1405-2026-000001", "ZX-140502-2026-000001", "ZX-140502-2026-000002"}) {
		t.Fatalf("parts %v", nos)
	}

	f, err := d.st.CampaignCounts(ctx, "/14/1405/140502/", []string{"construction"}, at, at)
	if err != nil {
		t.Fatal(err)
	}
	if f.Inspections != 1 {
		t.Fatalf("counts %+v, want one inspection", f)
	}
	for name, q := range map[string]struct {
		path    string
		sectors []string
		from    time.Time
	}{
		"another region": {"/14/1405/140525/", []string{"construction"}, at},
		"another sector": {"/14/1405/140502/", []string{"mining"}, at},
		"before":         {"/14/1405/140502/", []string{"construction"}, at.AddDate(0, 0, 1)},
	} {
		f, err := d.st.CampaignCounts(ctx, q.path, q.sectors, q.from, q.from.AddDate(0, 0, 3))
		if err != nil || f.Inspections != 0 {
			t.Errorf("%s: %+v %v, want nothing", name, f, err)
		}
	}

	// The district's missed plan is on its government head's record.
	rec, err := d.st.AccountabilityRecord(ctx, d.persons["liu.quzhang"], 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Missed) != 1 || rec.Missed[0].CaseNo != "ZX-140502-2026-000001" || rec.Missed[0].As != "head" {
		t.Fatalf("the district head's record: %+v", rec.Missed)
	}
}
