package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

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

// handlerRig is the API over a real, seeded PostgreSQL and a refusing
// Temporal, with a major hazard in the read model and tokens for the
// people who act on it: for tests of endpoints that never reach a
// workflow (policy administration). Tests that do reach one run against
// the real binary (e2e: FuzzHandlers).
type handlerRig struct {
	server  *Server
	handler http.Handler
	store   *store.Store
	signer  *auth.Signer
	caseNo  string
	tokens  []string
}

func newHandlerRig(t testing.TB) *handlerRig {
	t.Helper()
	return newTracedHandlerRig(t, nil)
}

// newTracedHandlerRig is newHandlerRig with its requests and statements
// traced on tp (nil: not traced).
func newTracedHandlerRig(t testing.TB, tp trace.TracerProvider) *handlerRig {
	t.Helper()
	ctx := context.Background()
	st := pgtest.NewStore(t, store.Traced(tp))
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
	rig := &handlerRig{store: st, signer: signer}
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
	srv := &Server{Store: st, Temporal: refusingTemporal{}, Warden: policy.NewWarden(m), Policies: m,
		PolicyEditor: &policy.Editor{Manager: m, Record: PolicyRecorder(st)}, Signer: signer, Rules: rules.Builtin(), Logger: discardLogger(),
		Traces: tp}
	rig.server = srv
	rig.handler = srv.Handler()
	return rig
}
