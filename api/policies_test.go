package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/store"
)

// as is one demo person calling the rig's API.
type as struct {
	t     *testing.T
	rig   *handlerRig
	token string
	id    int64
}

func (rig *handlerRig) as(t *testing.T, login string) *as {
	t.Helper()
	ctx := context.Background()
	p, err := rig.store.PersonByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	session := auth.NewSessionID()
	token, claims := rig.signer.Issue(p.ID, p.Login, session, now, time.Time{})
	_, refresh := auth.NewRefreshToken()
	if err := rig.store.CreateSession(ctx, store.NewSession{ID: session, PersonID: p.ID, Method: store.SessionPassword,
		Start: now, Expires: claims.ExpiresAt, RefreshHash: refresh}); err != nil {
		t.Fatal(err)
	}
	return &as{t: t, rig: rig, token: token, id: p.ID}
}

func (a *as) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+a.token)
	rec := httptest.NewRecorder()
	a.rig.handler.ServeHTTP(rec, r)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		a.t.Fatalf("%s %s: %d, not JSON: %s", method, path, rec.Code, rec.Body)
	}
	return rec.Code, out
}

func (a *as) must(want int, method, path string, body any) map[string]any {
	a.t.Helper()
	status, out := a.call(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: %d %v, want %d", method, path, status, out, want)
	}
	return out
}

func (rig *handlerRig) orgID(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	if err := rig.store.Pool.QueryRow(context.Background(), `SELECT id FROM orgs WHERE code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (rig *handlerRig) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := rig.store.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// What an administrator may write at once, what waits for a second one,
// and what is refused outright (docs/security.md, "broad").
func TestPolicyScopeNarrowBroadOrRefused(t *testing.T) {
	rig := newHandlerRig(t)
	admin := rig.as(t, "admin.quan")
	zhao := rig.as(t, "zhao.jiancha")
	jsj, zf, county := rig.orgID(t, "140502-jsj"), rig.orgID(t, "140502-zf"), rig.orgID(t, "140525-jsj")
	ma := rig.as(t, "ma.jiancha") // 泽州县: another county
	shen := rig.as(t, "admin.shen")
	region := "case:/14/1405/140502/"
	pol := func(effect string, subjects, resources []string) map[string]any {
		return map[string]any{"subjects": subjects, "actions": []string{"penalty:decide"}, "resources": resources, "effect": effect}
	}
	person := fmt.Sprintf("person:%d", zhao.id)
	for i, tc := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"a named person, one case", pol("allow", []string{person}, []string{region + "<.*>:" + rig.caseNo}), 201},
		{"a post of the region, one literal resource", pol("allow", []string{fmt.Sprintf("org:%d:inspector", jsj)}, []string{region + ":hazard:construction:1:" + rig.caseNo}), 201},
		{"a deny for a named person, anything", pol("deny", []string{person}, []string{"<.*>"}), 201},
		{"the posts of one organisation", pol("allow", []string{fmt.Sprintf("org:%d:<.*>", jsj)}, []string{region + "<.*>:" + rig.caseNo}), 202},
		{"every case of the region", pol("allow", []string{person}, []string{region + "<.+>"}), 202},
		{"a deny on the posts of the government", pol("deny", []string{fmt.Sprintf("org:%d:<.*>", zf)}, []string{"<.*>"}), 202},
		{"a deny of policy administration to a named person", map[string]any{"subjects": []string{fmt.Sprintf("person:%d", shen.id)},
			"actions": []string{"<.+>"}, "resources": []string{"<.+>"}, "effect": "deny"}, 202},
		{"a deny of case actions to a named person", map[string]any{"subjects": []string{fmt.Sprintf("person:%d", shen.id)},
			"actions": []string{"<.+>"}, "resources": []string{"case:<.+>"}, "effect": "deny"}, 201},
		{"anyone", pol("deny", []string{"<.*>"}, []string{region + "<.*>:" + rig.caseNo}), 403},
		{"any person", pol("allow", []string{"person:<[0-9]+>"}, []string{region + "<.*>:" + rig.caseNo}), 403},
		{"organisations whose number begins so", pol("allow", []string{fmt.Sprintf("org:%d<.*>", jsj)}, []string{region + "<.*>:" + rig.caseNo}), 403},
		{"another county's organisation", pol("allow", []string{fmt.Sprintf("org:%d:<.*>", county)}, []string{region + "<.+>"}), 403},
		{"another county's inspector", pol("allow", []string{fmt.Sprintf("person:%d", ma.id)}, []string{region + "<.*>:" + rig.caseNo}), 403},
		{"every case anywhere", pol("allow", []string{person}, []string{"case:<.+>"}), 403},
		{"another county's cases", pol("allow", []string{person}, []string{"case:/14/1405/140525/<.+>"}), 403},
	} {
		status, out := admin.call("PUT", fmt.Sprintf("/api/v1/policies/scope-%d", i), tc.body)
		if status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, out, tc.status)
			continue
		}
		if status == 202 {
			p := out["proposal"].(map[string]any)
			if p["state"] != "pending" || p["region_code"] != "140502" || len(p["broad"].([]any)) == 0 || !strings.Contains(out["message"].(string), "approve") {
				t.Errorf("%s: proposal %v", tc.name, out)
			}
		}
	}
	if n := rig.count(t, `SELECT count(*) FROM policies WHERE id LIKE 'scope-%'`); n != 4 {
		t.Fatalf("%d policies in effect, want the 4 narrow ones", n)
	}
	if n := rig.count(t, `SELECT count(*) FROM policy_proposals`); n != 4 {
		t.Fatalf("%d proposals, want the 4 broad ones", n)
	}
	// Every change accepted is a step of the district's record; refusals are not.
	if n := rig.count(t, `SELECT count(*) FROM audit_log WHERE workflow_id = 'policy/140502'`); n != 8 {
		t.Fatalf("%d entries in the district's policy record, want 8", n)
	}
}

// The four eyes over HTTP: a broad policy is not in effect until a second
// administrator of the region approves it; the proposer, an inspector and
// a second approval are refused; lifting a broad deny is a proposal too;
// the record is readable by the region's heads and administrators, who
// are notified, and verifies.
func TestFourEyesOverHTTP(t *testing.T) {
	rig := newHandlerRig(t)
	a, b := rig.as(t, "admin.quan"), rig.as(t, "admin.shen")
	zhao, secretary := rig.as(t, "zhao.jiancha"), rig.as(t, "zhang.shuji")
	jsj := rig.orgID(t, "140502-jsj")
	decide := func(u *as) int {
		status, _ := u.call("POST", "/api/v1/cases/"+rig.caseNo+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 1000})
		return status
	}
	if s := decide(zhao); s != 403 {
		t.Fatalf("an inspector deciding a penalty before: %d", s)
	}
	out := a.must(202, "PUT", "/api/v1/policies/inspectors-decide", map[string]any{"description": "检查员可决定处罚",
		"subjects": []string{fmt.Sprintf("org:%d:<inspector>", jsj)}, "actions": []string{"penalty:decide"},
		"resources": []string{"case:/14/1405/140502/<.+>"}, "effect": "allow"})
	id := int64(out["proposal"].(map[string]any)["id"].(float64))
	approve := fmt.Sprintf("/api/v1/policies/proposals/%d/approve", id)
	if s := decide(zhao); s != 403 {
		t.Fatalf("a proposal is in effect: %d", s)
	}
	for _, p := range a.must(200, "GET", "/api/v1/policies", nil)["policies"].([]any) {
		if p.(map[string]any)["id"] == "inspectors-decide" {
			t.Fatal("a proposal is listed among the policies")
		}
	}
	if refused := a.must(403, "POST", approve, nil); refused["error_code"] != "policy.proposal.four_eyes" {
		t.Fatalf("the proposer approving: %v", refused)
	}
	zhao.must(403, "POST", approve, nil)
	a.must(404, "POST", "/api/v1/policies/proposals/999/approve", nil)
	a.must(400, "POST", "/api/v1/policies/proposals/x/approve", nil)
	if s := decide(zhao); s != 403 {
		t.Fatalf("after refused approvals: %d", s)
	}
	done := b.must(200, "POST", approve, nil)
	if p := done["proposal"].(map[string]any); p["state"] != "approved" || p["decider_name"] != "沈审" {
		t.Fatalf("approved: %v", done)
	}
	if s := decide(zhao); s != 200 {
		t.Fatalf("an inspector deciding a penalty after approval: %d", s)
	}
	b.must(409, "POST", approve, nil)

	// A broad deny, approved; lifting it waits for the second pair of eyes too.
	deny := a.must(202, "PUT", "/api/v1/policies/freeze", map[string]any{"subjects": []string{fmt.Sprintf("org:%d:<.*>", jsj)},
		"actions": []string{"penalty:decide"}, "resources": []string{"<.*>"}, "effect": "deny"})
	b.must(200, "POST", fmt.Sprintf("/api/v1/policies/proposals/%d/approve", int64(deny["proposal"].(map[string]any)["id"].(float64))), nil)
	if s := decide(zhao); s != 403 {
		t.Fatalf("under the freeze: %d", s)
	}
	lift := a.must(202, "DELETE", "/api/v1/policies/freeze", nil)
	liftID := int64(lift["proposal"].(map[string]any)["id"].(float64))
	b.must(200, "POST", fmt.Sprintf("/api/v1/policies/proposals/%d/reject", liftID), map[string]any{"note": "冻结继续"})
	if s := decide(zhao); s != 403 {
		t.Fatalf("a rejected lifting lifted the freeze: %d", s)
	}

	// The record: every change, in order, for the heads and administrators.
	changes := secretary.must(200, "GET", "/api/v1/policies/changes?region=140502", nil)
	var got []string
	for _, c := range changes["changes"].([]any) {
		got = append(got, c.(map[string]any)["action"].(string))
	}
	if changes["record"] != "POLICY-140502" || strings.Join(got, ",") != "propose,approve,propose,approve,propose,reject" {
		t.Fatalf("policy record %v: %v", changes["record"], got)
	}
	b.must(200, "GET", "/api/v1/policies/changes", nil) // the administrator's own region
	zhao.must(403, "GET", "/api/v1/policies/changes?region=140502", nil)
	secretary.must(403, "GET", "/api/v1/policies/changes?region=140525", nil)
	a.must(404, "GET", "/api/v1/policies/changes?region=999999", nil)
	pending := a.must(200, "GET", "/api/v1/policies/proposals?region=140502&state=pending", nil)["proposals"].([]any)
	all := secretary.must(200, "GET", "/api/v1/policies/proposals?region=140502", nil)["proposals"].([]any)
	if len(pending) != 0 || len(all) != 3 {
		t.Fatalf("proposals: %d pending, %d in all", len(pending), len(all))
	}
	notes := secretary.must(200, "GET", "/api/v1/notifications", nil)["notifications"].([]any)
	if len(notes) != 6 || notes[0].(map[string]any)["case_no"] != "POLICY-140502" || notes[0].(map[string]any)["category"] != "policy" {
		t.Fatalf("the party secretary's notifications: %v", notes)
	}
	rep, err := rig.store.VerifyAudit(context.Background(), nil)
	if err != nil || !rep.OK() || rep.PolicyChains != 1 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}
