package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestStatisticsCountWhatEachSupervisorMaySee: the board's figures
// (hazards found, rectified, 整改率, overdue, penalties) are counted over
// exactly the cases policy lets the caller see — the city bureau its
// sector in every county, the district party secretary every sector in
// the district, an enterprise nothing — by region, industry and grade.
func TestStatisticsCountWhatEachSupervisorMaySee(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	district := duty.login("zhao.jiancha") // 区住建局 (construction, 城区)
	emergency := duty.login("wu.jiancha")  // 区应急管理局 (chemicals, 城区)
	county := duty.login("ma.jiancha")     // 泽州县住建局 (construction, 泽州县)
	city := duty.login("feng.jiancha")     // 市住建局 (construction, the whole city)
	secretary := duty.login("zhang.shuji") // 区委书记 (every sector, 城区)
	hongda := duty.login("qian.zong")      // 宏达建筑 (城区)
	xinyuan := duty.login("zhou.zong")     // 鑫源化工 (城区)
	zeyu := duty.login("he.zong")          // 泽宇建设 (泽州县)

	open := func(u *user, ent int64, grade string) string {
		c := u.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": grade, "enterprise_id": ent, "location": "现场", "description": "隐患"})
		return caseOf(c)["case_no"].(string)
	}
	closed := open(district, hongda.orgID, "general")
	district.must(200, "POST", "/api/v1/hazards/"+closed+"/order", map[string]any{"measures": "整改", "deadline": day(10)})
	hongda.must(200, "POST", "/api/v1/hazards/"+closed+"/completion", map[string]any{"summary": "已整改", "evidence": []map[string]any{{"name": "a.jpg"}}})
	district.must(200, "POST", "/api/v1/hazards/"+closed+"/reinspection", map[string]any{"passed": true, "findings": "合格"})
	open(district, hongda.orgID, "major")
	open(emergency, xinyuan.orgID, "general")
	open(county, zeyu.orgID, "general")

	type row struct {
		found, rectified float64
		rate             float64
	}
	figures := func(u *user, query string) map[string]row {
		t.Helper()
		res := u.must(200, "GET", "/api/v1/statistics?"+query, nil)
		out := map[string]row{}
		for _, r := range res["rows"].([]any) {
			m := r.(map[string]any)
			out[m["key"].(string)] = row{m["found"].(float64), m["rectified"].(float64), m["rectification_rate"].(float64)}
		}
		total := res["total"].(map[string]any)
		out["total"] = row{total["found"].(float64), total["rectified"].(float64), total["rectification_rate"].(float64)}
		return out
	}
	want := func(who string, got map[string]row, key string, found, rectified, rate float64) {
		t.Helper()
		if r := got[key]; r.found != found || r.rectified != rectified || r.rate != rate {
			t.Errorf("%s, %q: found %v rectified %v rate %v; want %v %v %v (all: %v)", who, key, r.found, r.rectified, r.rate, found, rectified, rate, got)
		}
	}

	byRegion := figures(city, "by=region")
	want("city bureau by region", byRegion, "140502", 2, 1, 50)
	want("city bureau by region", byRegion, "140525", 1, 0, 0)
	want("city bureau by region", byRegion, "total", 3, 1, 33.3) // not the chemical plant
	drill := figures(city, "by=grade&region=140502")
	want("city bureau in 城区 by grade", drill, "general", 1, 1, 100)
	want("city bureau in 城区 by grade", drill, "major", 1, 0, 0)

	byIndustry := figures(secretary, "by=industry")
	want("district secretary by industry", byIndustry, "construction", 2, 1, 50)
	want("district secretary by industry", byIndustry, "hazardous_chemicals", 1, 0, 0)
	want("district secretary by industry", byIndustry, "total", 3, 1, 33.3) // not the other county

	want("district emergency bureau", figures(emergency, "by=grade"), "total", 1, 0, 0)
	if got := figures(district, "by=region&from=2000-01-01&to=2000-12-31"); got["total"].found != 0 {
		t.Errorf("a period with no cases: %v", got)
	}

	// By risk class (风险等级): a case counts under the class its
	// enterprise had when it opened. 宏达 was unclassified for the two
	// above; classed A, then B, each later hazard keeps the class it
	// opened under.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	classify := func(class string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `UPDATE orgs SET risk_class = $2 WHERE id = $1`, hongda.orgID, class); err != nil {
			t.Fatal(err)
		}
	}
	classify("A")
	open(district, hongda.orgID, "general")
	classify("B")
	open(district, hongda.orgID, "major")
	byClass := figures(district, "by=risk_class")
	want("district bureau by risk class", byClass, "", 2, 1, 50)
	want("district bureau by risk class", byClass, "A", 1, 0, 0)
	want("district bureau by risk class", byClass, "B", 1, 0, 0)
	want("district bureau by risk class", byClass, "total", 4, 1, 25)
	want("district bureau, class A alone", figures(district, "by=grade&risk_class=A"), "total", 1, 0, 0)
	want("district bureau, the unclassified", figures(district, "by=region&risk_class=none"), "total", 2, 1, 50)
	res := district.must(200, "GET", "/api/v1/statistics?by=risk_class", nil)
	for _, r := range res["rows"].([]any) {
		if m := r.(map[string]any); m["key"] == "A" && !strings.HasPrefix(m["label"].(string), "A类（红色") {
			t.Errorf("class A is labelled %q", m["label"])
		}
	}
	district.must(400, "GET", "/api/v1/statistics?risk_class=E", nil)

	hongda.must(403, "GET", "/api/v1/statistics", nil)
	city.must(400, "GET", "/api/v1/statistics?by=colour", nil)
	city.must(400, "GET", "/api/v1/statistics?from=yesterday", nil)
	city.must(404, "GET", "/api/v1/statistics?region=999999", nil)
}
