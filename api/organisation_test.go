package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// orgRig is the API over the seeded demo organisation with the policies
// following every change (as cmd/duty wires them), for the
// administration endpoints, which never reach Temporal.
type orgRig struct {
	t       *testing.T
	handler http.Handler
	store   *store.Store
	signer  *auth.Signer
	orgs    map[string]org.Org
}

func newOrgRig(t *testing.T) *orgRig {
	t.Helper()
	ctx := context.Background()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	m := policy.NewManager(st.Pool)
	if _, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: m}, time.Now().In(rules.China)); err != nil {
		t.Fatal(err)
	}
	st.OrgChanged = policy.FollowOrganisation(st, time.Now)
	signer := auth.NewSigner([]byte("org-key"), time.Hour)
	srv := &Server{Store: st, Temporal: refusingTemporal{}, Warden: policy.NewWarden(m), Policies: m,
		PolicyEditor: &policy.Editor{Manager: m, Record: PolicyRecorder(st)}, Signer: signer, Rules: rules.Builtin(), Logger: discardLogger()}
	rig := &orgRig{t: t, handler: srv.Handler(), store: st, signer: signer, orgs: map[string]org.Org{}}
	all, err := st.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range all {
		rig.orgs[o.Code] = o
	}
	return rig
}

// as is a client acting as a login.
type orgClient struct {
	rig   *orgRig
	token string
}

func (rig *orgRig) as(login string) orgClient {
	rig.t.Helper()
	ctx := context.Background()
	p, err := rig.store.PersonByLogin(ctx, login)
	if err != nil {
		rig.t.Fatal(err)
	}
	session := auth.NewSessionID()
	tok, claims := rig.signer.Issue(p.ID, p.Login, session, time.Now(), time.Time{})
	_, refresh := auth.NewRefreshToken()
	if err := rig.store.CreateSession(ctx, store.NewSession{ID: session, PersonID: p.ID, Method: store.SessionPassword,
		Start: time.Now(), Expires: claims.ExpiresAt, RefreshHash: refresh}); err != nil {
		rig.t.Fatal(err)
	}
	return orgClient{rig: rig, token: tok}
}

// do sends a request and returns the status and the body as JSON.
func (c orgClient) do(method, path string, body any) (int, map[string]any, string) {
	c.rig.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.rig.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+c.token)
	w := httptest.NewRecorder()
	c.rig.handler.ServeHTTP(w, r)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out, w.Body.String()
}

func (c orgClient) must(status int, method, path string, body any) map[string]any {
	c.rig.t.Helper()
	got, out, raw := c.do(method, path, body)
	if got != status {
		c.rig.t.Fatalf("%s %s: %d %s, want %d", method, path, got, raw, status)
	}
	return out
}

func idOf(m map[string]any) int64 { return int64(m["id"].(float64)) }

func testCreditCode(t testing.TB, region string, n int) string {
	t.Helper()
	first := fmt.Sprintf("91%sMA%07d", region, n)
	check, ok := uscc.CheckChar(first)
	if !ok {
		t.Fatalf("CheckChar(%q)", first)
	}
	return first + string(check)
}

// The district's organisation administrator keeps its own region and not
// another's; a bad credit code is refused naming its position; nobody
// else registers enterprises.
func TestTheOrgAdminAdministersOwnRegionOnly(t *testing.T) {
	rig := newOrgRig(t)
	admin := rig.as("yang.zuzhi")
	good := testCreditCode(t, "140502", 1)
	bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] != '1']
	ent := map[string]any{"kind": "enterprise", "name": "晋城市新登记建筑有限公司", "region_code": "140502", "credit_code": bad,
		"industry_code": "4720", "address": "城区凤台街1号", "risk_class": "B", "document": "城政登〔2026〕1号"}
	_, body, raw := admin.do("POST", "/api/v1/orgs", ent)
	if body["code"] != "invalid" || !strings.Contains(raw, "第18位") {
		t.Fatalf("a bad check character: %s, want 400 naming position 18", raw)
	}
	ent["credit_code"] = good
	created := admin.must(201, "POST", "/api/v1/orgs", ent)
	if created["credit_code"] != good || created["region_code"] != "140502" {
		t.Fatalf("the enterprise: %v", created)
	}
	admin.must(200, "POST", "/api/v1/orgs", ent) // the same again: nothing changes
	elsewhere := map[string]any{"kind": "enterprise", "name": "泽州县某公司", "region_code": "140525",
		"credit_code": testCreditCode(t, "140525", 2), "industry_code": "4720"}
	admin.must(403, "POST", "/api/v1/orgs", elsewhere)
	// Nor may an organisation of another region be moved into this one.
	zeyu := rig.orgs["ent-zeyu"]
	admin.must(403, "POST", "/api/v1/orgs", map[string]any{"code": zeyu.Code, "kind": "enterprise", "name": zeyu.Name, "region_code": "140502"})
	admin.must(403, "POST", "/api/v1/regions", map[string]any{"code": "140581", "name": "高平市", "parent_code": "1405"})
	admin.must(200, "POST", "/api/v1/regions", map[string]any{"code": "140502001", "name": "西街街道", "parent_code": "140502"})
	// A department of the district with its sectors and superior.
	dept := admin.must(201, "POST", "/api/v1/orgs", map[string]any{"code": "140502-scj", "kind": "department", "name": "城区市场监督管理局",
		"region_code": "140502", "sectors": []string{"special_equipment"}, "superior_id": rig.orgs["140502-zf"].ID})
	if dept["parent_id"].(float64) != float64(rig.orgs["140502-zf"].ID) {
		t.Fatalf("the department: %v", dept)
	}
	// The list: its region, filtered and paged.
	page := admin.must(200, "GET", "/api/v1/enterprises?limit=1", nil)
	if len(page["enterprises"].([]any)) != 1 || page["next"] == "" {
		t.Fatalf("the first page: %v", page)
	}
	found := admin.must(200, "GET", "/api/v1/enterprises?q=新登记&risk_class=B", nil)
	if list := found["enterprises"].([]any); len(list) != 1 || list[0].(map[string]any)["credit_code"] != good {
		t.Fatalf("filtered: %v", found)
	}
	// The register is public record, as the directory and its export are:
	// another region's is read, not edited; an unknown region is refused.
	other := admin.must(200, "GET", "/api/v1/enterprises?region=140525", nil)
	for _, e := range other["enterprises"].([]any) {
		if e.(map[string]any)["region_code"] != "140525" {
			t.Fatalf("140525's register lists %v", e)
		}
	}
	admin.must(404, "GET", "/api/v1/enterprises?region=140599", nil)
	for _, login := range []string{"qian.zong", "admin.quan", "liu.quzhang", "wang.juzhang"} {
		rig.as(login).must(403, "POST", "/api/v1/orgs", map[string]any{"kind": "enterprise", "name": "某公司", "region_code": "140502",
			"credit_code": testCreditCode(t, "140502", 3)})
	}
}

// An enterprise's 主要负责人 keeps its own persons, posts and units and
// nobody else's; personal information is answered masked, read in full
// only by those who keep the person, and each read is recorded.
func TestTheEnterpriseHeadKeepsOnlyItsOwnPeople(t *testing.T) {
	rig := newOrgRig(t)
	head := rig.as("qian.zong")
	hongda, xinyuan := rig.orgs["ent-hongda"], rig.orgs["ent-xinyuan"]
	const idn, phone = "11010519491231002X", "13812345678"
	rec := head.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/persons", hongda.ID),
		map[string]any{"id_number": idn, "name": "赵安全", "phone": phone, "document": "宏达人〔2026〕3号"})
	person := int64(rec["person"].(map[string]any)["id"].(float64))
	_, _, raw := head.do("GET", fmt.Sprintf("/api/v1/persons/%d", person), nil)
	if strings.Contains(raw, idn) || strings.Contains(raw, phone) {
		t.Fatalf("personal information unmasked: %s", raw)
	}
	head.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/posts", hongda.ID),
		map[string]any{"person_id": person, "role": "safety_officer", "title": "专职安全员", "starts_on": "2026-01-05"})
	head.must(200, "POST", fmt.Sprintf("/api/v1/orgs/%d/units", hongda.ID), map[string]any{"code": "WS1", "kind": "workshop", "name": "一号车间"})
	staff := head.must(200, "GET", fmt.Sprintf("/api/v1/orgs/%d/persons", hongda.ID), nil)
	if b, _ := json.Marshal(staff); strings.Contains(string(b), idn) || !strings.Contains(string(b), "专职安全员") {
		t.Fatalf("the staff list: %s", b)
	}
	// Another enterprise's people and units are not its to keep.
	head.must(403, "POST", fmt.Sprintf("/api/v1/orgs/%d/persons", xinyuan.ID), map[string]any{"name": "某人", "login": "mou.ren"})
	head.must(403, "POST", fmt.Sprintf("/api/v1/orgs/%d/units", xinyuan.ID), map[string]any{"code": "WS1", "kind": "workshop", "name": "车间"})
	head.must(403, "GET", fmt.Sprintf("/api/v1/orgs/%d/persons", xinyuan.ID), nil)
	other := rig.as("zhou.zong") // 鑫源化工 主要负责人
	other.must(404, "GET", fmt.Sprintf("/api/v1/persons/%d", person), nil)
	other.must(404, "POST", fmt.Sprintf("/api/v1/persons/%d/personal", person), map[string]any{"purpose": "好奇"})
	// Naming a kept person's identity number does not let another
	// organisation rename them.
	other.must(403, "POST", fmt.Sprintf("/api/v1/orgs/%d/persons", xinyuan.ID), map[string]any{"id_number": idn, "name": "改名"})
	// Nor may it move its own people into another's posts.
	zhouPost := head.rig.postOf(t, "wu.jingli")
	other.must(403, "POST", fmt.Sprintf("/api/v1/posts/%d/transfer", zhouPost), map[string]any{"org_id": hongda.ID, "role": "staff", "title": "岗位"})

	// Nor appoint another's person to its own posts, which would make
	// their personal information its to read.
	leader, err := rig.store.PersonByLogin(context.Background(), "liu.quzhang")
	if err != nil {
		t.Fatal(err)
	}
	head.must(403, "POST", fmt.Sprintf("/api/v1/orgs/%d/posts", hongda.ID), map[string]any{"person_id": leader.ID, "role": "staff", "title": "顾问"})
	head.must(404, "POST", fmt.Sprintf("/api/v1/persons/%d/personal", leader.ID), map[string]any{"purpose": "好奇"})

	full := head.must(200, "POST", fmt.Sprintf("/api/v1/persons/%d/personal", person), map[string]any{"purpose": "签订安全生产责任书"})
	if full["id_number"] != idn || full["phone"] != phone {
		t.Fatalf("the full record: %v", full)
	}
	rig.as("yang.zuzhi").must(200, "POST", fmt.Sprintf("/api/v1/persons/%d/personal", person), map[string]any{"purpose": "核对任职"})
	reads, err := rig.store.PersonalReads(context.Background(), person)
	if err != nil || len(reads) != 2 || reads[1].ReaderName != "钱宏达" || reads[1].Purpose != "签订安全生产责任书" {
		t.Fatalf("the reads recorded: %+v, %v", reads, err)
	}
	// Once the person has left, their former employer keeps their record
	// (masked) but no longer reads their personal information.
	staff = head.must(200, "GET", fmt.Sprintf("/api/v1/orgs/%d/persons", hongda.ID), nil)
	for _, p := range staff["persons"].([]any) {
		p := p.(map[string]any)
		if int64(p["person"].(map[string]any)["id"].(float64)) == person {
			for _, post := range p["posts"].([]any) {
				head.must(200, "POST", fmt.Sprintf("/api/v1/posts/%d/end", int64(post.(map[string]any)["id"].(float64))), map[string]any{})
			}
		}
	}
	head.must(200, "GET", fmt.Sprintf("/api/v1/persons/%d", person), nil)
	head.must(404, "POST", fmt.Sprintf("/api/v1/persons/%d/personal", person), map[string]any{"purpose": "离职后查看"})
}

func (rig *orgRig) postOf(t *testing.T, login string) int64 {
	t.Helper()
	p, err := rig.store.PersonByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := rig.store.PostsAt(context.Background(), p.ID, time.Now().In(rules.China))
	if err != nil || len(posts) == 0 {
		t.Fatalf("%s: %v, %v", login, posts, err)
	}
	return posts[0].ID
}

// An enterprise registered and its head appointed through the API: the
// head may keep its staff on their very next request (the policies
// followed in the change's transaction, and this process caught up);
// once the post ends, at once, they may not.
func TestANewEnterprisesHeadActsAtOnceAndStopsWhenThePostEnds(t *testing.T) {
	rig := newOrgRig(t)
	admin := rig.as("yang.zuzhi")
	ent := admin.must(201, "POST", "/api/v1/orgs", map[string]any{"kind": "enterprise", "name": "晋城市即时建筑有限公司", "region_code": "140502",
		"credit_code": testCreditCode(t, "140502", 7), "industry_code": "4720"})
	entID := idOf(ent)
	rec := admin.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/persons", entID), map[string]any{"login": "ji.zong", "name": "纪总"})
	person := int64(rec["person"].(map[string]any)["id"].(float64))
	post := admin.must(201, "POST", fmt.Sprintf("/api/v1/orgs/%d/posts", entID),
		map[string]any{"person_id": person, "role": "enterprise_head", "title": "主要负责人", "starts_on": "2026-01-01", "document": "任〔2026〕1号"})
	head := rig.as("ji.zong")
	head.must(200, "POST", fmt.Sprintf("/api/v1/orgs/%d/units", entID), map[string]any{"code": "T1", "kind": "team", "name": "一班"})
	admin.must(200, "POST", fmt.Sprintf("/api/v1/posts/%d/end", idOf(post)), map[string]any{"document": "免〔2026〕2号"})
	head.must(403, "POST", fmt.Sprintf("/api/v1/orgs/%d/units", entID), map[string]any{"code": "T2", "kind": "team", "name": "二班"})
}

// A transfer through the API is one step of the region's record, and the
// person's record shows both posts.
func TestATransferIsOneAuditEntryAndTheRecordShowsBothPosts(t *testing.T) {
	rig := newOrgRig(t)
	admin := rig.as("yang.zuzhi")
	inspector := rig.postOf(t, "zhao.jiancha")
	before, err := rig.store.Timeline(context.Background(), store.OrgChainID("140502"))
	if err != nil {
		t.Fatal(err)
	}
	moved := admin.must(200, "POST", fmt.Sprintf("/api/v1/posts/%d/transfer", inspector), map[string]any{
		"org_id": rig.orgs["140502-yjj"].ID, "role": "inspector", "title": "区应急管理局执法检查员", "document": "城组任〔2026〕9号"})
	after, err := rig.store.Timeline(context.Background(), store.OrgChainID("140502"))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 || after[len(after)-1].Action != store.OrgActionTransfer || after[len(after)-1].Actor.Name != "杨志" {
		t.Fatalf("the record grew by %d entries, the last %+v; want one transfer by 杨志", len(after)-len(before), after[len(after)-1])
	}
	person := int64(moved["started"].(map[string]any)["person_id"].(float64))
	rec := admin.must(200, "GET", fmt.Sprintf("/api/v1/persons/%d", person), nil)
	posts := rec["posts"].([]any)
	if len(posts) != 2 || posts[0].(map[string]any)["ended_on"] == nil || posts[1].(map[string]any)["ended_on"] != nil {
		t.Fatalf("the person's posts: %v", posts)
	}
	// Another region's administrator, were there one, could not; the
	// enterprise head cannot.
	rig.as("qian.zong").must(403, "POST", fmt.Sprintf("/api/v1/posts/%d/end", int64(posts[1].(map[string]any)["id"].(float64))), map[string]any{})
}
