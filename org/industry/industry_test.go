package industry

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		code, matched, sector string
		high                  bool
	}{
		{"2672", "2672", SectorFireworks, true},          // 焰火、鞭炮产品制造
		{"C2672", "2672", SectorFireworks, true},         // written with its 门类
		{"2614", "26", SectorHazardousChemicals, true},   // 无机碱制造, by its 大类
		{"0610", "06", SectorMining, true},               // 烟煤和无烟煤开采洗选
		{"4710", "47", SectorConstruction, true},         // 住宅房屋建筑
		{"5942", "594", SectorHazardousChemicals, true},  // 危险化学品仓储, by its 中类
		{"5265", "5265", SectorHazardousChemicals, true}, // 加油站
		{"5211", "F", SectorIndustryTrade, false},        // 百货零售, by its 门类
		{"3110", "31", SectorIndustryTrade, true},        // 炼铁: metal smelting
		{"1310", "13", SectorIndustryTrade, false},       // 谷物磨制, by its 大类
		{"1810", "C", SectorIndustryTrade, false},        // 机织服装制造, by its 门类
		{"5411", "54", SectorRoadTraffic, false},         // 城市公共交通运输
		{"8710", "R", SectorOther, false},                // 广播
		{"e", "E", SectorConstruction, true},             // a 门类 alone
	} {
		e, err := Default().Resolve(tc.code)
		if err != nil || e.Code != tc.matched || e.Sector != tc.sector || e.HighRisk != tc.high {
			t.Errorf("Resolve(%q) = %+v, %v; want row %s, %s", tc.code, e, err, tc.matched, tc.sector)
		}
	}
	for _, bad := range []string{"", "98", "00", "26a", "B2672", "12345", "Z", "2"} {
		if e, err := Default().Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) = %+v, want an error", bad, e)
		}
	}
}

func TestLoadRefusesATableThatLeavesCodesUnresolved(t *testing.T) {
	for _, tc := range []struct{ csv, says string }{
		{"code,name,sector,high_risk\nB,采矿业,mining,true\n", "no row for section A"},
		{"code,name,sector,high_risk\nB,采矿业,mining,true\nB,x,mining,true\n", "line 3: code B appears twice"},
		{"code,name,sector,high_risk\nB,采矿业,Mining,true\n", "not a lower-case word"},
		{"code,sector\nB,mining\n", "wrong number of fields"},
	} {
		if _, err := Load(strings.NewReader(tc.csv)); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Load(%q) = %v; want %q", tc.csv, err, tc.says)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"2672", "C26", "e", "98", "5942"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		e, err := Default().Resolve(code)
		if err != nil {
			return
		}
		c, _ := Parse(code)
		// The row found is a prefix of the code (or its 门类), and a valid
		// code always has a sector.
		if e.Sector == "" || !(strings.HasPrefix(c, e.Code) || e.Code == string(Section(c))) {
			t.Fatalf("Resolve(%q) = %+v", code, e)
		}
	})
}
