package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/hazard"
)

// refusingTemporal stands in for Temporal: it counts what reaches it and
// refuses it as the workflow's validator would (409), so that nothing a
// request does can change a case. Any other call panics (nil client).
type refusingTemporal struct {
	client.Client
	calls atomic.Int64
}

func (f *refusingTemporal) refuse() error {
	f.calls.Add(1)
	return temporal.NewApplicationError("test: the request reached Temporal", duty.EConflict)
}

func (f *refusingTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, f.refuse()
}

func (f *refusingTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, f.refuse()
}

// refusedStart is the start half of an update-with-start that was refused.
type refusedStart struct{ err error }

func (r refusedStart) Get(context.Context) (client.WorkflowRun, error) { return nil, r.err }

func (f *refusingTemporal) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return refusedStart{temporal.NewApplicationError("test: the request reached Temporal", duty.EConflict)}
}

func (f *refusingTemporal) UpdateWithStartWorkflow(context.Context, client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, f.refuse()
}

func (f *refusingTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	return f.refuse()
}

// handlerRig is the API over a real, seeded PostgreSQL and a refusing
// Temporal, with a major hazard in the read model and tokens for the
// people who act on it.
type handlerRig struct {
	handler  http.Handler
	temporal *refusingTemporal
	store    *store.Store
	signer   *auth.Signer
	caseNo   string
	tokens   []string
}

func newHandlerRig(t testing.TB) *handlerRig {
	t.Helper()
	ctx := context.Background()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	m := policy.NewManager(st.Pool)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rs := rules.Builtin().InForce(now)
	if _, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: m}, now.In(rules.China)); err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner([]byte("fuzz-key"), time.Hour)
	rig := &handlerRig{temporal: &refusingTemporal{}, store: st, signer: signer}
	orgOf := map[string]org.Org{}
	for _, login := range []string{"zhao.jiancha", "qian.zong", "wang.juzhang", "zhou.zong", "zhang.shuji"} {
		p, err := st.PersonByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := st.PostsAt(ctx, p.ID, now.In(rules.China))
		if err != nil || len(posts) == 0 {
			t.Fatalf("%s: posts %v, %v", login, posts, err)
		}
		orgOf[login] = posts[0].Org
		session := auth.NewSessionID()
		token, claims := signer.Issue(p.ID, p.Login, session, now, time.Time{})
		_, refresh := auth.NewRefreshToken()
		if err := st.CreateSession(ctx, store.NewSession{ID: session, PersonID: p.ID, Method: store.SessionPassword,
			Start: now, Expires: claims.ExpiresAt, RefreshHash: refresh}); err != nil {
			t.Fatal(err)
		}
		rig.tokens = append(rig.tokens, token)
	}
	rig.tokens = append(rig.tokens, "", "not-a-token")

	ent, dept := orgOf["qian.zong"], orgOf["zhao.jiancha"]
	num, err := st.NextCaseNumber(ctx, cases.KindHazard, ent.RegionCode, now.In(rules.China).Year())
	if err != nil {
		t.Fatal(err)
	}
	industry := ""
	if len(ent.Industries) > 0 {
		industry = ent.Industries[0]
	}
	due := now.Add(10 * 24 * time.Hour)
	sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: num.String(), Kind: cases.KindHazard, State: "ordered",
		Grade: string(hazard.GradeMajor), RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Industry: industry,
		Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}, ActingOrg: cases.Org{ID: dept.ID, Name: dept.Name},
		RuleSet: rs.ID, Title: "脚手架连墙件缺失", OpenedAt: now,
		Deadlines: []cases.Deadline{{Key: "rectify-1", What: "整改", Party: cases.PartyEnterprise, DueAt: due, State: cases.DeadlinePending}}}
	view := hazard.View{Summary: sum, Round: 1, Deadline: due, Seq: 2, MaxRectificationPeriod: rs.MaxRectificationPeriod,
		Report: hazard.Input{CaseNo: sum.CaseNo, WorkflowID: sum.WorkflowID, RegionCode: sum.RegionCode,
			RegionPath: sum.RegionPath, Industry: industry, Enterprise: sum.Enterprise, ActingOrg: sum.ActingOrg,
			Grade: hazard.GradeMajor, Location: "凤台街工地3号楼", Description: "脚手架连墙件缺失", RuleSet: rs}}
	for seq, stateAfter := range []string{"reported", "ordered"} {
		if _, err := st.RecordStep(ctx, cases.Step{Seq: int64(seq + 1), At: now, Action: "test", Actor: cases.SystemActor,
			StateAfter: stateAfter, Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
	}
	rig.caseNo = sum.CaseNo
	srv := &Server{Store: st, Temporal: rig.temporal, Warden: policy.NewWarden(m), Policies: m,
		PolicyEditor: &policy.Editor{Manager: m, Record: PolicyRecorder(st)}, Signer: signer, Rules: rules.Builtin(), Logger: discardLogger()}
	rig.handler = srv.Handler()
	return rig
}

// footprint is what a request on the case could have changed.
func (rig *handlerRig) footprint(t testing.TB) string {
	t.Helper()
	var out string
	err := rig.store.Pool.QueryRow(context.Background(), `SELECT format('%s/%s/%s/%s',
		(SELECT string_agg(case_no || ':' || seq || ':' || state, ',' ORDER BY case_no) FROM cases),
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM deadlines), (SELECT count(*) FROM policies))`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bodyRoutes are the POST endpoints with a body, but for the policy
// administration (a valid policy from an administrator is meant to be
// stored).
func bodyRoutes() []route {
	var out []route
	for _, rt := range routes() {
		if rt.method == http.MethodPost && rt.request != nil && !strings.Contains(rt.path, "/policies") {
			out = append(out, rt)
		}
	}
	return out
}

// FuzzHandlers sends arbitrary bodies to every POST endpoint, as any of
// an inspector, the enterprise, a department head, another enterprise, a
// leader, nobody and a forged token, about a real case in a real
// database. Whatever the body: never a 5xx or a panic; the answer is
// JSON; and the case, its timeline and deadlines are unchanged — the API
// writes a step only through Temporal, and a refused request never gets
// that far.
func FuzzHandlers(f *testing.F) {
	rig := newHandlerRig(f)
	targets := bodyRoutes()
	for i, rt := range targets {
		zero, err := json.Marshal(reflect.New(reflect.TypeOf(rt.request)).Interface())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), uint8(i%3), zero)
	}
	for i, s := range []string{
		`{"grade":"major","enterprise_id":7,"location":"x","description":"y"}`,
		`{"measures":"补设连墙件","deadline":"2099-12-31"}`,
		`{"measures":"x","deadline":"` + time.Now().Add(240*time.Hour).Format(time.DateOnly) + `"}`,
		`{"responsible_person":"钱宏达","measures":"补设","funds_yuan":150000,"deadline":"` + time.Now().Add(200*time.Hour).Format(time.DateOnly) + `","emergency_plan":"撤离"}`,
		`{"kind":"fine","amount_yuan":500000}`,
		`{"reason":"钢管供应延误","new_deadline":"` + time.Now().Add(300*time.Hour).Format(time.DateOnly) + `"}`,
		`{"to_org_id":2,"reason":"superior","summary":"x"}`,
		`{"login":"zhao.jiancha","password":"duty-demo"}`,
	} {
		for who := range 3 {
			f.Add(uint8(fittingRoute(targets, s, i)), uint8(who), []byte(s))
		}
	}
	before := rig.footprint(f)
	f.Fuzz(func(t *testing.T, which, who uint8, body []byte) {
		rt := targets[int(which)%len(targets)]
		path := strings.ReplaceAll(rt.path, "{caseNo}", rig.caseNo)
		r := httptest.NewRequest(rt.method, path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if token := rig.tokens[int(who)%len(rig.tokens)]; token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		rig.handler.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", rt.method, path, body, rec.Code, rec.Body)
		}
		var eb map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
			t.Fatalf("%s %s with %q: %d, not JSON: %s", rt.method, path, body, rec.Code, rec.Body)
		}
		if after := rig.footprint(t); after != before {
			t.Fatalf("%s %s with %q (%d %s) changed the case:\nbefore %s\nafter  %s", rt.method, path, body, rec.Code, rec.Body, before, after)
		}
	})
}

// TestHandlerRigReachesTemporal checks the rig FuzzHandlers runs on: a
// valid step from the right person passes authentication, permission and
// validation and reaches Temporal; a refused one does not.
func TestHandlerRigReachesTemporal(t *testing.T) {
	rig := newHandlerRig(t)
	send := func(who int, path, body string) (int, string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+rig.tokens[who])
		rec := httptest.NewRecorder()
		rig.handler.ServeHTTP(rec, r)
		return rec.Code, rec.Body.String()
	}
	hz := "/api/v1/hazards/" + rig.caseNo + "/"
	soon := time.Now().Add(240 * time.Hour).Format(time.DateOnly)
	for _, tc := range []struct {
		who     int
		path    string
		body    string
		status  int
		reached bool
	}{
		{0, hz + "order", `{"measures":"补设连墙件","deadline":"` + soon + `"}`, 409, true},
		{1, hz + "plan", `{"responsible_person":"钱宏达","measures":"补设","funds_yuan":150000,"deadline":"` + soon + `","emergency_plan":"撤离"}`, 409, true},
		{1, hz + "order", `{"measures":"补设连墙件","deadline":"` + soon + `"}`, 403, false},
		{3, hz + "plan", `{"responsible_person":"x","measures":"x","funds_yuan":1,"deadline":"` + soon + `","emergency_plan":"x"}`, 404, false},
		{0, hz + "order", `{"measures":"补设连墙件","deadline":"2020-01-01"}`, 400, false},
	} {
		before := rig.temporal.calls.Load()
		status, body := send(tc.who, tc.path, tc.body)
		if reached := rig.temporal.calls.Load() > before; status != tc.status || reached != tc.reached {
			t.Errorf("%s as %d: %d %s (reached Temporal: %v), want %d, %v", tc.path, tc.who, status, body, reached, tc.status, tc.reached)
		}
	}
}

// fittingRoute is the first route whose body type has every field of
// body; otherwise i.
func fittingRoute(targets []route, body string, i int) int {
	for j, rt := range targets {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if err := decode(httptest.NewRecorder(), r, reflect.New(reflect.TypeOf(rt.request)).Interface()); err == nil {
			return j
		}
	}
	return i
}

// wholeView is the change of a case's first step that makes view.
func wholeView(t testing.TB, view any) cases.ViewChange {
	t.Helper()
	c, _, err := cases.ChangeOf(nil, view)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
