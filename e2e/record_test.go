package e2e

import (
	"strconv"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestAPersonsRecordOverHTTP: the inspector's record shows the order they
// issued and their post; they read it, and so do their department's head
// and the district's party secretary, while the enterprise and another
// county's inspector find no such record. The head reads it as a page at
// a desktop's width and a phone's, in Chinese and without JSON.
func TestAPersonsRecordOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID,
		"location": "凤台街工地", "description": "临边防护缺失"})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "设置临边防护栏杆", "deadline": day(7)})

	path := "/api/v1/persons/" + strconv.FormatInt(inspector.personID, 10) + "/record"
	rec := inspector.must(200, "GET", path, nil)
	steps := rec["steps"].([]any)
	if len(steps) != 2 || steps[0].(map[string]any)["action"] != "order" || steps[0].(map[string]any)["case_no"] != no {
		t.Fatalf("the inspector's steps: %v", steps)
	}
	if posts := rec["posts"].([]any); len(posts) != 1 || posts[0].(map[string]any)["title"] != "区住建局执法检查员" {
		t.Fatalf("the inspector's posts: %v", posts)
	}
	for login, status := range map[string]int{"wang.juzhang": 200, "zhang.shuji": 200, "qian.zong": 404, "ma.jiancha": 404, "zheng.juzhang": 200} {
		duty.login(login).must(status, "GET", path, nil)
	}

	chrome := chromium(t)
	shots := artefacts(t)
	head := browse(t, chrome, duty.base, "wang.juzhang")
	for _, width := range []int64{1280, 390} {
		head.resize(width)
		head.open("/people/" + strconv.FormatInt(inspector.personID, 10))
		head.shot(shots, "record-"+strconv.FormatInt(width, 10)+".png")
		head.noJSON()
		if width == 390 {
			head.fitsWidth(390)
		}
		head.sees("main", "区住建局执法检查员")
		head.sees("main", no)
		head.sees("main", "责令")
	}
	head.open("/people/me")
	head.sees("main", "区住建局局长")
}
