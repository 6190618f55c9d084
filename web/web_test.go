package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/store"
)

// sampleRecord has one of each line of a person's record, so that the
// page's template runs every row.
var sampleRecord = func() store.AccountabilityRecord {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	return store.AccountabilityRecord{PersonID: 5, Name: "赵明", Limit: 200,
		Posts: []org.Post{{Title: "区住建局执法检查员", Org: org.Org{Name: "城区住房和城乡建设局"}, StartedOn: at, EndedOn: &at}},
		Steps: []store.StepTaken{{CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard, At: at, Action: "order", StateBefore: "reported", StateAfter: "ordered"},
			{CaseNo: "ORG-140502", Kind: store.KindOrganisationRecord, At: at, Action: "post.transfer", StateBefore: "held", StateAfter: "held"}},
		Missed: []store.MissedDeadline{{CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard, What: "启动约谈", DueAt: at, As: store.MissedAsHead}},
		Told:   []store.Notified{{CaseNo: "YH-140502-2026-000001", Subject: "责令限期整改", StepAt: at, DeliveredAt: &at}},
	}
}()

// Every page template parses and renders with empty data, so a broken
// template fails here rather than in front of a user.
func TestEveryPageRenders(t *testing.T) {
	s := &Server{pages: parsePages(), Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	m := &me{Name: "赵明"}
	for name, data := range map[string]any{"login": loginData{OIDC: true}, "desk": deskData{Filter: url.Values{}}, "inbox": inboxData{},
		"board": boardData{Query: url.Values{}}, "case": caseData{View: map[string]any{}}, "policies": policiesData{},
		"record": sampleRecord, "ledgers": ledgersData{}, "error": nil, "accidents": accidentsData{Register: true}, "notices": noticesData{}} {
		w := httptest.NewRecorder()
		s.render(w, http.StatusOK, name, page{Title: name, Me: m, Data: data})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "</html>") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
}

// A penalty's late surcharge is shown span by span (行政处罚法 Art.72/73),
// so the party can check the days it is charged.
func TestThePenaltyPageShowsTheSurchargeDayByDay(t *testing.T) {
	s := &Server{pages: parsePages()}
	var view map[string]any
	if err := json.Unmarshal([]byte(`{"money": {"surcharge_days": 21, "surcharge_spans": [
		{"from": "2026-10-27", "to": "2026-11-06", "days": 11, "charged": true, "why": "逾期缴纳，每日加处罚款 (行政处罚法 Art.72)"},
		{"from": "2026-11-07", "to": "2026-11-15", "days": 9, "charged": false, "why": "复议、诉讼期间不加处 (行政处罚法 Art.73)"}]}}`), &view); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.render(w, http.StatusOK, "case", page{Title: "CF", Me: &me{Name: "钱宏达"}, Data: caseData{View: view}})
	body := w.Body.String()
	for _, want := range []string{"逾期 21 日加处", "2026年11月7日", `<td data-label="天数">9</td>`, "否", "行政处罚法第73条"} {
		if !strings.Contains(body, want) {
			t.Errorf("the surcharge section lacks %q", want)
		}
	}
}

// A deadline counted across a year whose holidays are not yet published
// is shown as unconfirmed, with the year.
func TestAnUnconfirmedDeadlineSaysSo(t *testing.T) {
	s := &Server{pages: parsePages()}
	sum := cases.Summary{Deadlines: []cases.Deadline{{Key: "decision", What: "处罚决定", Party: cases.PartyRegulator,
		DueAt: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC), State: cases.DeadlinePending, Unconfirmed: []int{2027}}}}
	w := httptest.NewRecorder()
	s.render(w, http.StatusOK, "case", page{Title: "CF", Me: &me{Name: "赵明"}, Data: caseData{Summary: sum, View: map[string]any{}}})
	if body := w.Body.String(); !strings.Contains(body, "待确认：2027年节假日安排未公布") {
		t.Errorf("the unconfirmed deadline is not marked:\n%s", body)
	}
	// The enterprise's inbox lists its own deadlines, marked alike.
	sum.Deadlines[0].Party = cases.PartyEnterprise
	w = httptest.NewRecorder()
	row := caseRow{Summary: sum}
	s.sortInto(nil, &me{Name: "钱宏达"}, cases.SideEnterprise, &row, nil)
	s.render(w, http.StatusOK, "inbox", page{Title: "inbox", Me: &me{Name: "钱宏达"}, Data: inboxData{Queue: queue{Mine: []caseRow{row}}}})
	if body := w.Body.String(); !strings.Contains(body, "待确认：2027年节假日安排未公布") {
		t.Errorf("the inbox does not mark the unconfirmed deadline:\n%s", body)
	}
}

// A posted form becomes the API body the endpoint expects: types
// converted, dotted names nested, required fields enforced.
func TestFormBody(t *testing.T) {
	f, ok := formByKey("hazard:start_penalty")
	if !ok {
		t.Fatal("no penalty form")
	}
	post := func(v url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		return r
	}
	v := url.Values{"procedure": {"simple"}, "party.kind": {"unit"}, "party.name": {"宏达"}, "proposed.kind": {"fine"},
		"proposed.amount_yuan": {"2000"}, "facts": {"x"}, "grounds": {"y"}, "co_officer_login": {"sun.jiancha"}}
	body, err := formBody(post(v), f.Fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body["proposed"].(map[string]any)["amount_yuan"] != int64(2000) || body["party"].(map[string]any)["name"] != "宏达" {
		t.Fatalf("body %v", body)
	}
	if _, has := body["correction_order_date"]; has {
		t.Fatalf("an empty optional field was sent: %v", body)
	}
	v.Set("proposed.amount_yuan", "两千")
	if _, err := formBody(post(v), f.Fields, nil); err == nil || !strings.Contains(err.Error(), "整数") {
		t.Fatalf("a non-number: %v", err)
	}
	v.Set("proposed.amount_yuan", "2000")
	v.Del("facts")
	if _, err := formBody(post(v), f.Fields, nil); err == nil || !strings.Contains(err.Error(), "请填写") {
		t.Fatalf("a missing required field: %v", err)
	}
	talk, _ := formByKey("hazard:start_talk")
	body, err = formBody(post(url.Values{"persons": {"钱宏达,企业负责人\n孙建军，项目经理"}, "scheduled_at": {"2026-12-05T09:30"},
		"place": {"会议室"}, "subject": {"逾期"}}), talk.Fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	persons := body["persons"].([]map[string]string)
	if len(persons) != 2 || persons[1]["role"] != "项目经理" || body["scheduled_at"] != "2026-12-05T09:30:00+08:00" {
		t.Fatalf("talk body %v", body)
	}
	record, _ := formByKey("talk:record_talk")
	body, err = formBody(post(url.Values{"att_name": {"钱宏达", "孙建军", "李安全"}, "att_present": {"0", "2"}, "minutes": {"记录"}}), record.Fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	att := body["attendance"].([]map[string]any)
	if len(att) != 3 || att[0]["attended"] != true || att[1]["attended"] != false || att[2]["name"] != "李安全" || att[2]["attended"] != true {
		t.Fatalf("attendance %v", att)
	}
}

// The forms offered are the steps the case allows now, on the visitor's side.
func TestFormsFollowNextActionsAndSide(t *testing.T) {
	sum := cases.Summary{Kind: cases.KindHazard, State: "ordered"}
	view := map[string]any{"next_actions": []any{"submit_plan", "request_extension", "decide_extension"}}
	steps, starts := formsFor(sum, view, "enterprise")
	if len(steps) != 2 || steps[0].Action != "submit_plan" || len(starts) != 0 {
		t.Fatalf("enterprise: %v, starts %d", steps, len(starts))
	}
	steps, starts = formsFor(sum, view, "regulator")
	if len(steps) != 1 || steps[0].Action != "decide_extension" || len(starts) != 3 {
		t.Fatalf("regulator: %v, starts %d", steps, len(starts))
	}
}

// After login the visitor goes only to a path on this site: a next that
// a browser would read as another site goes home instead.
func TestLoginLeadsOnlyToThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/cases/YH-140502-2026-000001": "/cases/YH-140502-2026-000001",
		"/desk?kind=hazard":            "/desk?kind=hazard",
		"/\\evil.example":              "/",
		"/\\/evil.example":             "/",
		"//evil.example":               "/",
		"https://evil.example/":        "/",
		"evil.example":                 "/",
		"/%0d%0aSet-Cookie:x":          "/%0d%0aSet-Cookie:x",
		"/\r\nLocation: x":             "/",
		"":                             "/",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}

// A form posted from another site — by Sec-Fetch-Site, or by an Origin
// that is another host or "null" (a sandboxed frame, a data: page) — is
// refused before it reaches the page, the login form included; this
// site's own forms, and clients that are not browsers, pass.
func TestFormsFromOtherSitesAreRefused(t *testing.T) {
	reached := false
	s := &Server{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code":"unauthenticated","message":"wrong"}`))
	})}
	h := s.Handler()
	for _, tc := range []struct {
		name    string
		headers map[string]string
		refused bool
	}{
		{"cross-site by fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, true},
		{"same-site subdomain", map[string]string{"Sec-Fetch-Site": "same-site"}, true},
		{"null origin", map[string]string{"Origin": "null"}, true},
		{"another origin", map[string]string{"Origin": "https://evil.example"}, true},
		{"this site", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://duty.example"}, false},
		{"no browser headers", nil, false},
	} {
		reached = false
		r := httptest.NewRequest(http.MethodPost, "http://duty.example/login", strings.NewReader("login=a&password=b"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if refused := w.Code == http.StatusForbidden && !reached; refused != tc.refused {
			t.Errorf("%s: status %d, reached the API %v; want refused %v", tc.name, w.Code, reached, tc.refused)
		}
	}
}

// Every page answer carries its security headers, and pages are never
// cached (they show case data); the stylesheet may be.
func TestPagesCarrySecurityHeaders(t *testing.T) {
	h := (&Server{}).Handler()
	for path, cached := range map[string]bool{"/login": false, "/static/style.css": true} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		hd := w.Header()
		if !strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hd.Get("X-Frame-Options") != "DENY" ||
			hd.Get("Referrer-Policy") != "same-origin" || (hd.Get("Cache-Control") == "no-store") == cached {
			t.Errorf("%s: %d, headers %v", path, w.Code, hd)
		}
	}
}

// The policy record page shows what waits for a second administrator,
// with the forms to decide it for an administrator only, and every change.
func TestPolicyRecordPage(t *testing.T) {
	s := &Server{pages: parsePages()}
	d := policiesData{Region: org.Region{Code: "140502", Name: "城区"}, Record: "POLICY-140502",
		Pending: []policy.Proposal{{ID: 7, PolicyID: "inspectors-decide", Action: "put", ProposerName: "权立",
			Broad: []string{"resource covers more than one case"}, Policy: json.RawMessage(`{"id":"inspectors-decide"}`)}},
		Changes: []store.AuditEntry{{Seq: 1, Action: "propose", Actor: cases.Actor{Name: "权立", Title: "区政府 权限管理员"},
			StateBefore: "absent", StateAfter: "proposed", Details: json.RawMessage(`{"policy_id":"inspectors-decide"}`)}}}
	for _, decide := range []bool{false, true} {
		d.Decide = decide
		w := httptest.NewRecorder()
		s.render(w, http.StatusOK, "policies", page{Title: "权限记录", Me: &me{Name: "沈审"}, Data: d})
		body := w.Body.String()
		for _, want := range []string{"POLICY-140502", "#7 · 新增或修改 · inspectors-decide", "resource covers more than one case", `<td data-label="规则">inspectors-decide</td>`, "无 → 待审核", "提议权限规则"} {
			if !strings.Contains(body, want) {
				t.Errorf("decide=%v: the page lacks %q:\n%s", decide, want, body)
			}
		}
		if has := strings.Contains(body, `action="/policies/proposals/7/approve?region=140502"`); has != decide {
			t.Errorf("decide=%v: approve form shown: %v", decide, has)
		}
	}
}

// Everyone lands on the page where their work is, never on Forbidden: a
// policy administrator with no other post on the policy record.
func TestEveryoneLandsOnTheirOwnPage(t *testing.T) {
	post := func(role, kind string) mePost {
		var p mePost
		p.Role, p.Org.Kind = role, kind
		return p
	}
	for want, m := range map[string]*me{
		"/policies":     {Posts: []mePost{post(org.RolePolicyAdmin, org.KindGovernment)}},
		"/organisation": {Posts: []mePost{post(org.RoleOrgAdmin, org.KindGovernment)}},
		"/desk":         {Posts: []mePost{post(org.RoleInspector, org.KindDepartment)}},
		"/inbox":        {Posts: []mePost{post(org.RoleEnterpriseHead, org.KindEnterprise)}},
		"/board":        {Posts: []mePost{post(org.RolePartySecretary, org.KindPartyCommittee)}},
	} {
		if got := homeOf(m); got != want {
			t.Errorf("%+v lands on %s, want %s", m.Posts, got, want)
		}
	}
}
