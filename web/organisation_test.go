package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// The administration pages render with empty data.
func TestTheOrganisationPagesRender(t *testing.T) {
	s := &Server{pages: parsePages()}
	m := &me{Name: "杨志"}
	for name, data := range map[string]any{"orgregister": registerData{Filter: url.Values{}}, "orgstaff": staffData{},
		"orgperson": personData{}} {
		w := httptest.NewRecorder()
		s.render(w, http.StatusOK, name, page{Title: name, Me: m, Data: data})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "</html>") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
}

// orgSite is the pages over the real API with its policies, which follow
// each change of the organisation.
func orgSite(t *testing.T) (string, *store.Store) {
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
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &api.Server{Store: st, Signer: auth.NewSigner([]byte("site-test-key"), 15*time.Minute), Logger: logger,
		Warden: policy.NewWarden(m), Policies: m, PolicyEditor: &policy.Editor{Manager: m}, Rules: rules.Builtin()}
	h := a.Handler()
	srv := httptest.NewServer(Site(h, &Server{API: h, EvidenceDir: t.TempDir(), Logger: logger}))
	t.Cleanup(srv.Close)
	return srv.URL, st
}

func loggedIn(t *testing.T, site, login string) *http.Client {
	t.Helper()
	c := browser()
	resp, err := c.PostForm(site+"/login", url.Values{"login": {login}, "password": {seed.DemoPassword}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func post(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u[:strings.Index(u[len("http://"):], "/")+len("http://")])
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// The district's organisation administrator lands on the register,
// registers an enterprise (a bad credit code is shown with its position),
// adds a person — whose identity number the pages never show in full but
// on a recorded read — and appoints them; the enterprise's head keeps
// their own enterprise and is refused the register.
func TestTheOrgAdminKeepsTheRegisterThroughThePages(t *testing.T) {
	site, st := orgSite(t)
	admin := loggedIn(t, site, "yang.zuzhi")
	if _, where, _ := get(t, admin, site+"/"); where != "/organisation" {
		t.Fatalf("the org admin lands on %q", where)
	}
	status, _, body := get(t, admin, site+"/organisation?q=宏达")
	if status != http.StatusOK || !strings.Contains(body, "晋城市宏达建筑工程有限公司") || !strings.Contains(body, "组织管理") {
		t.Fatalf("the register: %d\n%s", status, body)
	}
	first := "91140502MA0000001"
	check, _ := uscc.CheckChar(first)
	good := first + string(check)
	bad := first + map[bool]string{true: "1", false: "2"}[check != '1']
	form := url.Values{"name": {"晋城市页面登记有限公司"}, "credit_code": {bad}, "industry_code": {"4720"}, "risk_class": {"C"}}
	if status, _, body := post(t, admin, site+"/organisation/enterprises", form); status != http.StatusBadRequest || !strings.Contains(body, "第18位") {
		t.Fatalf("a bad credit code: %d\n%s", status, body)
	}
	form.Set("credit_code", good)
	status, where, _ := post(t, admin, site+"/organisation/enterprises", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(where, "/organisation/orgs/") {
		t.Fatalf("registering: %d %s", status, where)
	}
	orgPage := site + strings.TrimSuffix(where, "?notice=saved")
	const idn = "11010519491231002X"
	if status, _, body := post(t, admin, orgPage+"/person", url.Values{"name": {"页面负责人"}, "id_number": {idn}, "login": {"ye.zong"},
		"role": {"safety_officer"}, "title": {"安全员"}}); status != http.StatusSeeOther {
		t.Fatalf("adding a person: %d\n%s", status, body)
	}
	_, _, body = get(t, admin, orgPage)
	if strings.Contains(body, idn) {
		t.Fatal("the organisation's page shows an identity number in full")
	}
	person := regexp.MustCompile(`<option value="(\d+)">页面负责人</option>`).FindStringSubmatch(body)
	if person == nil {
		t.Fatalf("the appoint form does not offer the person:\n%s", body)
	}
	if status, _, body := post(t, admin, orgPage+"/appoint", url.Values{"person_id": {person[1]}, "role": {"enterprise_head"}, "title": {"主要负责人"}}); status != http.StatusSeeOther {
		t.Fatalf("appointing: %d\n%s", status, body)
	}
	if _, _, body = get(t, admin, orgPage); !strings.Contains(body, "主要负责人") || !strings.Contains(body, "调任") {
		t.Fatalf("the post is not shown with its forms:\n%s", body)
	}
	personPage := fmt.Sprintf("%s/organisation/persons/%s", site, person[1])
	if _, _, body = get(t, admin, personPage); strings.Contains(body, idn) || !strings.Contains(body, "/people/"+person[1]) {
		t.Fatalf("the person's page: %s", body)
	}
	if _, _, body = post(t, admin, personPage+"/personal", url.Values{"purpose": {"核对"}}); !strings.Contains(body, idn) {
		t.Fatalf("the recorded read does not show the number:\n%s", body)
	}
	pid := int64(0)
	fmt.Sscan(person[1], &pid)
	if reads, err := st.PersonalReads(context.Background(), pid); err != nil || len(reads) != 1 {
		t.Fatalf("reads recorded: %v, %v", reads, err)
	}

	// A transfer through the pages: the inspector moves from the 区住建局
	// to the 区应急管理局, and their page shows both posts.
	orgs, err := st.ListOrgs(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, o := range orgs {
		ids[o.Code] = o.ID
	}
	inspector, err := st.PersonByLogin(context.Background(), "zhao.jiancha")
	if err != nil {
		t.Fatal(err)
	}
	posts, err := st.PostsAt(context.Background(), inspector.ID, time.Now().In(rules.China))
	if err != nil || len(posts) != 1 {
		t.Fatalf("the inspector's posts: %v, %v", posts, err)
	}
	jsj := fmt.Sprintf("%s/organisation/orgs/%d", site, ids["140502-jsj"])
	if _, _, body = get(t, admin, jsj); !strings.Contains(body, fmt.Sprintf(`<option value="%d">`, ids["140502-yjj"])) {
		t.Fatalf("the transfer form does not offer the 区应急管理局:\n%s", body)
	}
	if status, _, body := post(t, admin, jsj+"/transfer", url.Values{"post_id": {fmt.Sprint(posts[0].ID)}, "org_id": {fmt.Sprint(ids["140502-yjj"])},
		"role": {"inspector"}, "title": {"区应急管理局执法检查员"}, "document": {"城组任〔2026〕9号"}}); status != http.StatusSeeOther {
		t.Fatalf("the transfer: %d\n%s", status, body)
	}
	_, _, body = get(t, admin, fmt.Sprintf("%s/organisation/persons/%d", site, inspector.ID))
	if !strings.Contains(body, "区住建局执法检查员") || !strings.Contains(body, "区应急管理局执法检查员") || !strings.Contains(body, "城组任〔2026〕9号") {
		t.Fatalf("the inspector's page after the transfer:\n%s", body)
	}

	head := loggedIn(t, site, "qian.zong")
	own := fmt.Sprintf("/organisation/orgs/%d", ids["ent-hongda"])
	if _, where, _ := get(t, head, site+"/"); where != "/inbox" {
		t.Fatalf("the enterprise head lands on %q", where)
	}
	if status, _, body := get(t, head, site+own); status != http.StatusOK || !strings.Contains(body, `href="`+own+`"`) {
		t.Fatalf("the enterprise head's own enterprise: %d\n%s", status, body)
	}
	if status, _, _ := get(t, head, site+"/organisation"); status != http.StatusForbidden {
		t.Fatalf("the enterprise head opens the register: %d", status)
	}
	if status, _, _ := get(t, head, orgPage); status != http.StatusForbidden {
		t.Fatalf("the enterprise head opens another enterprise: %d", status)
	}
}
