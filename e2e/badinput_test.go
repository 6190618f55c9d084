package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
)

// send posts body as is, with the content type given, and returns the
// status, the decoded JSON and the raw answer.
func (u *user) send(method, path, contentType string, body []byte) (int, map[string]any, []byte) {
	u.t.Helper()
	req, err := http.NewRequest(method, u.base+path, bytes.NewReader(body))
	if err != nil {
		u.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		u.t.Fatalf("%s %s: %d, not JSON: %.300s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out, raw
}

// footprint is everything a request could have stored.
func footprint(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var out string
	err = conn.QueryRow(ctx, `SELECT format('cases %s, sum of seqs %s, audit entries %s, deadlines %s, case numbers %s, persons %s, policy changes %s',
		(SELECT count(*) FROM cases), (SELECT coalesce(sum(seq), 0) FROM cases), (SELECT count(*) FROM audit_log),
		(SELECT count(*) FROM deadlines), (SELECT coalesce(sum(last), 0) FROM case_numbers),
		(SELECT count(*) FROM persons), (SELECT count(*) FROM policy_audit))`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBadInputIsRefusedClearlyAndStoresNothing sends what a careless or
// hostile client might: oversized bodies, wrong content types, unknown
// fields, impossible dates and amounts, SQL and script in fields. Each is
// a 4xx with a message that says what is wrong, and nothing is stored.
func TestBadInputIsRefusedClearlyAndStoresNothing(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	head := duty.login("wang.juzhang")
	anon := &user{t: t, base: duty.base}
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := caseOf(opened)["case_no"].(string)
	hz := "/api/v1/hazards/" + no + "/"
	inspector.must(200, "POST", hz+"order", map[string]any{"measures": "补设连墙件", "deadline": day(20)})
	before := footprint(t, db)

	ent := itoa(company.orgID)
	hazard := func(extra string) string {
		return `{"grade":"general","enterprise_id":` + ent + `,"location":"塔吊","description":"积水"` + extra + `}`
	}
	plan := func(funds string) string {
		return `{"responsible_person":"钱宏达","measures":"补设","funds_yuan":` + funds + `,"deadline":"` + day(15) + `","emergency_plan":"撤离"}`
	}
	huge := `{"grade":"general","enterprise_id":` + ent + `,"location":"x","description":"` + strings.Repeat("隐", 400_000) + `"}`
	for _, tc := range []struct {
		name        string
		who         *user
		path        string
		contentType string
		body        string
		status      int
		message     string
	}{
		// Size and framing.
		{"over 1 MiB", inspector, "/api/v1/hazards", "application/json", huge, 400, "超过 1048576 字节"},
		{"over 1 MiB before any JSON", inspector, "/api/v1/hazards", "application/json", strings.Repeat(" ", 1<<20+1) + "{}", 400, "请求体超过"},
		{"text too long for the field", inspector, "/api/v1/hazards", "application/json", `{"grade":"general","enterprise_id":` + ent + `,"location":"` + strings.Repeat("x", 4001) + `","description":"积水"}`, 400, "地点超过"},
		{"empty body", inspector, "/api/v1/hazards", "application/json", ``, 400, "请求体为空"},
		{"two objects", inspector, "/api/v1/hazards", "application/json", hazard("") + hazard(""), 400, "只能包含一个 JSON 对象"},
		{"an array", inspector, "/api/v1/hazards", "application/json", `[` + hazard("") + `]`, 400, "必须是一个 JSON 对象"},
		{"broken JSON", inspector, "/api/v1/hazards", "application/json", `{"grade":"general",`, 400, "不是有效的 JSON"},
		{"deep nesting", inspector, "/api/v1/hazards", "application/json", strings.Repeat(`{"a":`, 20000), 400, ""},
		// Content types.
		{"text/plain", inspector, "/api/v1/hazards", "text/plain", hazard(""), 400, "application/json"},
		{"form", inspector, "/api/v1/hazards", "application/x-www-form-urlencoded", "grade=general&enterprise_id=" + ent, 400, "application/json"},
		{"multipart", inspector, "/api/v1/hazards", "multipart/form-data; boundary=x", "--x\r\n\r\n" + hazard("") + "\r\n--x--", 400, "application/json"},
		{"xml", inspector, hz + "order", "application/xml", `<order/>`, 400, "application/json"},
		{"garbled content type", inspector, hz + "order", "application/json; charset", `{}`, 400, "application/json"},
		// Unknown and mistyped fields.
		{"unknown field", inspector, "/api/v1/hazards", "application/json", hazard(`,"severity":"high"`), 400, `未知字段 "severity"`},
		{"unknown field in an action", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"` + day(10) + `","amount":5}`, 400, `未知字段 "amount"`},
		{"id as a string", inspector, "/api/v1/hazards", "application/json", `{"grade":"general","enterprise_id":"` + ent + `","location":"x","description":"y"}`, 400, `"enterprise_id" 应为整数`},
		{"boolean as a string", inspector, hz + "plan-review", "application/json", `{"approve":"true"}`, 400, `"approve" 应为true 或 false`},
		// Dates.
		{"no such day", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"2026-02-30"}`, 400, "不是日期"},
		{"day first", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"31/12/2026"}`, 400, "不是日期"},
		{"date as a number", inspector, hz + "order", "application/json", `{"measures":"x","deadline":20261231}`, 400, "日期应为字符串"},
		{"no offset", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"2026-12-31T17:00:00"}`, 400, "不是日期"},
		{"in the past", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"2020-01-01"}`, 400, "应晚于现在"},
		{"too far ahead", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"2099-12-31"}`, 400, "最迟为"},
		{"year 0", inspector, hz + "order", "application/json", `{"measures":"x","deadline":"0000-01-01"}`, 400, ""},
		{"extension into the past", company, hz + "extension-request", "application/json", `{"reason":"x","new_deadline":"2001-01-01"}`, 400, "应晚于现在"},
		// Amounts.
		{"negative funds", company, hz + "plan", "application/json", plan("-1"), 400, ""},
		{"zero funds", company, hz + "plan", "application/json", plan("0"), 400, ""},
		{"fractional funds", company, hz + "plan", "application/json", plan("1.5"), 400, `"funds_yuan" 应为整数`},
		{"funds as a string", company, hz + "plan", "application/json", plan(`"100"`), 400, `"funds_yuan" 应为整数`},
		{"funds beyond int64", company, hz + "plan", "application/json", plan("9223372036854775808"), 400, `"funds_yuan" 应为整数`},
		{"funds 1e400", company, hz + "plan", "application/json", plan("1e400"), 400, ""},
		{"negative penalty", head, "/api/v1/cases/" + no + "/penalty-authority", "application/json", `{"kind":"fine","amount_yuan":-5}`, 400, "不能为负数"},
		{"fractional penalty", head, "/api/v1/cases/" + no + "/penalty-authority", "application/json", `{"kind":"fine","amount_yuan":0.5}`, 400, "应为整数"},
		// SQL and script where the value must be one of a set: refused.
		{"SQL in the grade", inspector, "/api/v1/hazards", "application/json", `{"grade":"general'; DROP TABLE cases;--","enterprise_id":` + ent + `,"location":"x","description":"y"}`, 400, ""},
		{"SQL in an id", inspector, "/api/v1/hazards", "application/json", `{"grade":"general","enterprise_id":"1 OR 1=1","location":"x","description":"y"}`, 400, "应为整数"},
		{"script in the penalty kind", head, "/api/v1/cases/" + no + "/penalty-authority", "application/json", `{"kind":"<script>alert(1)</script>","amount_yuan":1}`, 400, "处罚种类不在可选范围内"},
		// U+0000: valid JSON, but PostgreSQL cannot store it.
		{"NUL in free text", inspector, "/api/v1/hazards", "application/json", `{"grade":"general","enterprise_id":` + ent + `,"location":"塔吊","description":"积水\u0000"}`, 400, `"description" 不得包含 NUL 字符`},
		{"a key twice", inspector, "/api/v1/hazards", "application/json", hazard(`,"description":"另一个"`), 400, `"description" 在同一对象中出现了两次`},
		{"NUL in an action", company, hz + "plan", "application/json", `{"responsible_person":"钱\u0000","measures":"x","funds_yuan":1,"deadline":"` + day(15) + `","emergency_plan":"y"}`, 400, "NUL"},
		{"NUL in the login", anon, "/api/v1/login", "application/json", `{"login":"zhao.jiancha\u0000","password":"duty-demo"}`, 400, "NUL"},
		{"SQL in the login", anon, "/api/v1/login", "application/json", `{"login":"' OR '1'='1","password":"' OR '1'='1"}`, 401, ""},
		{"SQL in the case number", inspector, "/api/v1/hazards/" + url.PathEscape(no+"' OR '1'='1") + "/order", "application/json", `{"measures":"x","deadline":"` + day(10) + `"}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := *tc.who
			u.t = t
			status, out, raw := u.send("POST", tc.path, tc.contentType, []byte(tc.body))
			msg, _ := out["message"].(string)
			if status != tc.status || msg == "" || !strings.Contains(msg, tc.message) {
				t.Fatalf("%d %.400s\nwant %d with a message containing %q", status, raw, tc.status, tc.message)
			}
			if len(raw) > 4096 {
				t.Errorf("a %d-byte error answer: the refusal echoes the input", len(raw))
			}
			t.Logf("%d %s", status, msg)
		})
	}
	// SQL in a list filter is a value to match, not SQL: it matches nothing.
	list := inspector.must(200, "GET", "/api/v1/cases?state="+url.QueryEscape("' OR 1=1--"), nil)
	if got := list["cases"].([]any); len(got) != 0 {
		t.Fatalf("a filter of SQL text matched %d cases", len(got))
	}
	inspector.must(400, "GET", "/api/v1/cases?enterprise_id="+url.QueryEscape("1 OR 1=1"), nil)
	for _, q := range []string{"state=%00", "kind=a%00b", "after=%00", "state=%ff%fe"} {
		// A kind that is not one is refused as such before its bytes matter.
		if status, out := inspector.call("GET", "/api/v1/cases?"+q, nil); status != 400 ||
			(!strings.Contains(out["message"].(string), "UTF-8") && out["error_code"] != "request.param.unknown") {
			t.Errorf("GET /api/v1/cases?%s: %d %v, want 400", q, status, out)
		}
	}

	if after := footprint(t, db); after != before {
		t.Fatalf("refused requests stored something:\nbefore %s\nafter  %s", before, after)
	}
	if c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil); state(c) != "ordered" || seq(c) != 2 {
		t.Fatalf("the case moved: %s seq %v", state(c), seq(c))
	}
}

// TestHostileTextIsStoredVerbatimAndNeverExecuted opens a case whose free
// text is SQL and script. Free text is legitimate there (a description
// may quote anything), so it is accepted, stored exactly as sent, sent
// back JSON-escaped (no raw '<' for a page to run), and the SQL never
// runs.
func TestHostileTextIsStoredVerbatimAndNeverExecuted(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	location := `<script>alert("隐患")</script><img src=x onerror=alert(1)>`
	description := `'); DROP TABLE audit_log; DELETE FROM cases; -- " \ ` + "`rm -rf /`" + ` $(reboot) {{.Secret}} ${7*7} %s %n`
	body, err := json.Marshal(map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": location, "description": description})
	if err != nil {
		t.Fatal(err)
	}
	status, out, raw := inspector.send("POST", "/api/v1/hazards", "application/json", body)
	if status != 201 {
		t.Fatalf("%d %s", status, raw)
	}
	if bytes.Contains(raw, []byte("<script")) || bytes.Contains(raw, []byte("<img")) || !bytes.Contains(raw, []byte(`\u003cscript\u003e`)) {
		t.Fatalf("the answer carries markup unescaped: %.600s", raw)
	}
	no := caseOf(out)["case_no"].(string)
	got := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	report := caseOf(got)["report"].(map[string]any)
	if report["location"] != location || report["description"] != description {
		t.Fatalf("stored text differs:\nlocation    %q\ndescription %q", report["location"], report["description"])
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var stored string
	var entries int
	if err := conn.QueryRow(ctx, `SELECT view->'report'->>'description', (SELECT count(*) FROM audit_log) FROM cases WHERE case_no = $1`, no).Scan(&stored, &entries); err != nil {
		t.Fatal(err)
	}
	if stored != description || entries != 1 {
		t.Fatalf("database holds %q and %d audit entries", stored, entries)
	}
	if out, code := auditVerify(t, db); code != 0 {
		t.Fatalf("audit verify: exit %d\n%s", code, out)
	}
}
