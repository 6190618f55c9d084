package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org/uscc"
)

// TestTheOrganisationIsKeptThroughTheAPI drives the organisation's
// administration through the real binary: the district's organisation
// administrator registers an enterprise (a wrong check character is
// refused naming position 18), registers its 主要负责人 and appoints them;
// that person, given a password with `duty person set-password`, logs in
// and finds the enterprise's case in their inbox — the policies followed
// the new enterprise with no restart. A transfer then moves an inspector
// to another department: at once they no longer see the old department's
// case, and their record shows both posts.
func TestTheOrganisationIsKeptThroughTheAPI(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	admin := duty.login("yang.zuzhi")

	first := "91140502MA0E2E001"
	check, ok := uscc.CheckChar(first)
	if !ok {
		t.Fatal("CheckChar")
	}
	wrong := map[bool]string{true: "1", false: "2"}[check != '1']
	ent := map[string]any{"kind": "enterprise", "name": "晋城市端到端建筑有限公司", "region_code": "140502", "credit_code": first + wrong,
		"industry_code": "4720", "address": "城区泽州路8号", "risk_class": "B", "document": "城组登〔2026〕1号"}
	refused := admin.must(400, "POST", "/api/v1/orgs", ent)
	if msg, _ := refused["message"].(string); !strings.Contains(msg, "第18位") {
		t.Fatalf("a wrong check character: %v, want the message to name position 18 (第18位)", refused)
	}
	ent["credit_code"] = first + string(check)
	created := admin.must(201, "POST", "/api/v1/orgs", ent)
	entID := int64(created["id"].(float64))

	const idn = "11010519491231002X"
	rec := admin.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/persons", entID),
		map[string]any{"login": "duan.zong", "name": "段总", "id_number": idn, "phone": "13812345678", "document": "城组登〔2026〕1号"})
	if rec["id_number"] == idn || rec["phone"] == "13812345678" {
		t.Fatalf("the answer echoes personal information unmasked: %v", rec)
	}
	headID := int64(rec["person"].(map[string]any)["id"].(float64))
	admin.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/posts", entID), map[string]any{"person_id": headID, "role": "enterprise_head",
		"title": "主要负责人", "starts_on": "2026-01-01", "document": "端建任〔2026〕1号"})

	set := exec.Command(binary(t), "person", "set-password", "--database-url", db, "--login", "duan.zong")
	set.Stdin = strings.NewReader("duan-zong-password\n")
	if b, err := set.CombinedOutput(); err != nil || !strings.Contains(string(b), "duan.zong") {
		t.Fatalf("duty person set-password: %v\n%s", err, b)
	}

	// The district's inspector reports a hazard at the new enterprise; its
	// head sees it in their inbox.
	inspector := duty.login("zhao.jiancha")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": entID,
		"location": "泽州路工地", "description": "临边防护缺失"})
	caseNo := caseOf(opened)["case_no"].(string)
	anon := &user{t: t, base: duty.base}
	out := anon.must(200, "POST", "/api/v1/login", map[string]any{"login": "duan.zong", "password": "duan-zong-password"})
	head := &user{t: t, base: duty.base, token: out["token"].(string)}
	inbox := head.must(200, "GET", "/api/v1/cases", nil)
	found := false
	for _, c := range inbox["cases"].([]any) {
		if c.(map[string]any)["case_no"] == caseNo {
			found = true
		}
	}
	if !found {
		t.Fatalf("the new enterprise's head does not see its case %s: %v", caseNo, inbox)
	}
	head.must(200, "GET", "/api/v1/cases/"+caseNo, nil)

	// A transfer: the inspector moves to the 应急管理局 today.
	inspector.must(200, "GET", "/api/v1/cases/"+caseNo, nil)
	me := inspector.must(200, "GET", "/api/v1/me", nil)
	post := me["posts"].([]any)[0].(map[string]any)
	var yjj float64
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		if o.(map[string]any)["code"] == "140502-yjj" {
			yjj = o.(map[string]any)["id"].(float64)
		}
	}
	moved := admin.must(200, "POST", fmt.Sprintf("/api/v1/posts/%d/transfer", int64(post["id"].(float64))), map[string]any{
		"org_id": yjj, "role": "inspector", "title": "区应急管理局执法检查员", "document": "城组任〔2026〕9号"})
	if moved["ended"].(map[string]any)["ended_on"] == nil {
		t.Fatalf("the transfer: %v", moved)
	}
	if status, body := inspector.call("GET", "/api/v1/cases/"+caseNo, nil); status == 200 {
		t.Fatalf("after the transfer the inspector still sees the old department's case: %v", body)
	}
	record := inspector.must(200, "GET", fmt.Sprintf("/api/v1/persons/%d/record", inspector.personID), nil)
	posts := record["posts"].([]any)
	var titles []string
	held := map[string]bool{} // title -> still held
	for _, p := range posts {
		p := p.(map[string]any)
		titles = append(titles, p["title"].(string))
		held[p["title"].(string)] = p["ended_on"] == nil
	}
	if len(posts) != 2 || held["区住建局执法检查员"] || !held["区应急管理局执法检查员"] {
		t.Fatalf("the inspector's record after the transfer shows posts %v (held: %v); want the old one ended and the new one held", titles, held)
	}
}
