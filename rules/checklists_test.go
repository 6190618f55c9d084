package rules

import (
	"testing"
	"testing/fstest"
	"time"
)

func TestBuiltinChecklistsCoverTheSectorsAndFallBackToTheGeneralOne(t *testing.T) {
	c := BuiltinChecklists()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, China)
	for sector, want := range map[string]string{
		"hazardous_chemicals": "JCB-WHP-2026", "industry_trade": "JCB-GM-2026", "construction": "JCB-JZ-2026",
		"road_traffic": "JCB-TY-2026", "": "JCB-TY-2026",
	} {
		l, ok := c.InForce(sector, at)
		if !ok || l.ID != want {
			t.Errorf("InForce(%q) = %s, %v; want %s", sector, l.ID, ok, want)
		}
		for _, it := range l.Items {
			if it.Basis == "" {
				t.Errorf("%s item %s has no legal basis", l.ID, it.No)
			}
		}
	}
	// The construction list of 2022 is not in force before its date: the
	// general one is.
	if l, _ := c.InForce("construction", time.Date(2022, 4, 18, 12, 0, 0, 0, China)); l.ID != "JCB-TY-2026" {
		t.Errorf("before its effective date the construction list was chosen: %s", l.ID)
	}
}

func TestChecklistVersionsFollowTheirEffectiveDates(t *testing.T) {
	item := `"items":[{"no":"1","text":"t","basis":"b"}]`
	fsys := fstest.MapFS{
		"c/g.json":  {Data: []byte(`{"id":"G","sector":"general","title":"通用","effective_from":"2021-01-01",` + item + `}`)},
		"c/a1.json": {Data: []byte(`{"id":"A1","sector":"mining","title":"矿山","effective_from":"2021-01-01",` + item + `}`)},
		"c/a2.json": {Data: []byte(`{"id":"A2","sector":"mining","title":"矿山","effective_from":"2027-01-01",` + item + `}`)},
	}
	c, err := LoadChecklists(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := c.InForce("mining", time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC)); l.ID != "A1" {
		t.Errorf("on 2026-12-31 the mining list is %s, want A1", l.ID)
	}
	// 16:00 UTC on Dec 31 is already Jan 1 in Beijing.
	if l, _ := c.InForce("mining", time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)); l.ID != "A2" {
		t.Errorf("on 2027-01-01 the mining list is %s, want A2", l.ID)
	}
}

func TestBadChecklistsAreRefused(t *testing.T) {
	good := Checklist{ID: "G", Sector: SectorGeneral, Title: "通用", EffectiveFrom: "2021-01-01", Items: []ChecklistItem{{No: "1", Text: "t", Basis: "b"}}}
	for name, lists := range map[string][]Checklist{
		"no general":   {{ID: "M", Sector: "mining", Title: "m", EffectiveFrom: "2021-01-01", Items: good.Items}},
		"duplicate id": {good, good},
		"item twice":   {{ID: "G", Sector: SectorGeneral, Title: "g", EffectiveFrom: "2021-01-01", Items: []ChecklistItem{{No: "1", Text: "t", Basis: "b"}, {No: "1", Text: "u", Basis: "b"}}}},
		"no basis":     {{ID: "G", Sector: SectorGeneral, Title: "g", EffectiveFrom: "2021-01-01", Items: []ChecklistItem{{No: "1", Text: "t"}}}},
		"no items":     {{ID: "G", Sector: SectorGeneral, Title: "g", EffectiveFrom: "2021-01-01"}},
		"bad date":     {{ID: "G", Sector: SectorGeneral, Title: "g", EffectiveFrom: "2021-13-01", Items: good.Items}},
	} {
		if _, err := NewChecklists(lists); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewChecklists([]Checklist{good}); err != nil {
		t.Errorf("a good list was refused: %v", err)
	}
}
