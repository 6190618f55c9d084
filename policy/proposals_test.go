package policy_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	dutycases "github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/store"
)

// recordingEditor is an Editor whose changes go into st's policy record.
func recordingEditor(m *policy.Manager, st *store.Store) *policy.Editor {
	return &policy.Editor{Manager: m, Record: func(ctx context.Context, tx pgx.Tx, ch policy.Change) error {
		return st.RecordPolicyChange(ctx, tx, store.PolicyChange(ch))
	}}
}

func auditActions(t *testing.T, st *store.Store, region string) []string {
	t.Helper()
	entries, err := st.Timeline(context.Background(), store.PolicyChainID(region))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action+":"+e.StateBefore+">"+e.StateAfter)
	}
	return out
}

// A proposal is stored but not in effect; its proposer cannot approve it;
// a second administrator's approval puts it into effect in every process
// (another process's manager learns of it through the table's notice),
// once; each step is in the region's hash-chained record.
func TestAProposalTakesEffectOnlyWithASecondAdministrator(t *testing.T) {
	d := demoPolicies(t)
	ctx := context.Background()
	e := recordingEditor(d.manager, d.store)
	other := policy.NewManager(d.store.Pool) // another API process
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	watchCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = other.Watch(watchCtx) }()
	t.Cleanup(func() { stop(); <-done })

	zhao := d.subjects["zhao.jiancha"]
	broad := &ladon.DefaultPolicy{ID: "inspectors-decide", Subjects: []string{"org:<[0-9]+>:inspector"},
		Actions: []string{policy.ActionDecidePenalty}, Resources: []string{"case:/14/1405/140502/<.+>"}, Effect: ladon.AllowAccess}
	a := dutycases.Actor{PersonID: personID(t, d, "admin.quan"), Name: "权立", Role: "policy_admin"}
	b := dutycases.Actor{PersonID: personID(t, d, "admin.shen"), Name: "沈审", Role: "policy_admin"}
	prop, err := e.Propose(ctx, policy.ProposeInput{Action: policy.ProposePut, Policy: broad, RegionCode: "140502",
		Broad: []string{"a subject pattern"}, By: a})
	if err != nil || prop.State != policy.ProposalPending || prop.PolicyID != broad.ID || prop.Before != nil {
		t.Fatalf("proposed %+v, %v", prop, err)
	}
	w := policy.NewWarden(d.manager)
	if err := w.Authorize(ctx, zhao, policy.ActionDecidePenalty, d.cases["hongda"], nil); err == nil {
		t.Fatal("a proposal is in effect")
	}
	if _, err := e.Approve(ctx, prop.ID, a); duty.ErrorCode(err) != duty.EForbidden {
		t.Fatalf("the proposer approving its own: %v", err)
	}
	if _, err := d.manager.Get(ctx, broad.ID); err == nil {
		t.Fatal("a refused approval put the policy into effect")
	}
	approved, err := e.Approve(ctx, prop.ID, b)
	if err != nil || approved.State != policy.ProposalApproved || approved.DeciderName != "沈审" || approved.ProposerName != "权立" {
		t.Fatalf("approved %+v, %v", approved, err)
	}
	if err := w.Authorize(ctx, zhao, policy.ActionDecidePenalty, d.cases["hongda"], nil); err != nil {
		t.Fatalf("after approval: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, err := other.Get(ctx, broad.ID); err != nil; _, err = other.Get(ctx, broad.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the approved policy did not reach another process's manager")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.Approve(ctx, prop.ID, b); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("approving twice: %v", err)
	}
	if _, err := e.Reject(ctx, prop.ID, b, "too late"); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("rejecting an approved proposal: %v", err)
	}
	want := "propose:absent>proposed approve:proposed>in_effect"
	if got := auditActions(t, d.store, "140502"); joinSpace(got) != want {
		t.Fatalf("policy record %v, want %s", got, want)
	}
	if rep, err := d.store.VerifyAudit(ctx, nil); err != nil || !rep.OK() || rep.PolicyChains != 1 || rep.Entries != 2 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// An approval applies the change it was shown: when the policy changed
// since, it is refused; an expired proposal can be neither approved nor
// rejected; a withdrawn one never takes effect.
func TestProposalsGoStaleExpireAndAreWithdrawn(t *testing.T) {
	d := demoPolicies(t)
	ctx := context.Background()
	now := time.Now()
	e := recordingEditor(d.manager, d.store)
	e.Now = func() time.Time { return now }
	a := dutycases.Actor{PersonID: personID(t, d, "admin.quan"), Name: "权立", Role: "policy_admin"}
	b := dutycases.Actor{PersonID: personID(t, d, "admin.shen"), Name: "沈审", Role: "policy_admin"}
	pol := func(effect string) *ladon.DefaultPolicy {
		return &ladon.DefaultPolicy{ID: "p", Subjects: []string{"org:<[0-9]+>:inspector"}, Actions: []string{"hazard:order"},
			Resources: []string{"<.*>"}, Effect: effect}
	}
	if _, err := e.Put(ctx, pol(ladon.DenyAccess), a, "140502"); err != nil {
		t.Fatal(err)
	}
	stale, err := e.Propose(ctx, policy.ProposeInput{Action: policy.ProposeDelete, PolicyID: "p", RegionCode: "140502", Broad: []string{"x"}, By: a})
	if err != nil || stale.Before == nil || stale.Policy != nil {
		t.Fatalf("proposed deletion %+v, %v", stale, err)
	}
	changed := pol(ladon.DenyAccess)
	changed.Actions = []string{"hazard:<order|reinspect>"}
	if _, err := e.Put(ctx, changed, a, "140502"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, stale.ID, b); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("approving a deletion of what has changed since: %v", err)
	}
	if _, err := d.manager.Get(ctx, "p"); err != nil {
		t.Fatalf("the stale approval deleted the policy: %v", err)
	}

	late, err := e.Propose(ctx, policy.ProposeInput{Action: policy.ProposeDelete, PolicyID: "p", RegionCode: "140502", Broad: []string{"x"}, By: a})
	if d := late.ExpiresAt.Sub(now.Add(policy.DefaultProposalTTL)); err != nil || d > time.Microsecond || d < -time.Microsecond {
		t.Fatalf("proposed %+v, %v", late, err)
	}
	now = now.Add(policy.DefaultProposalTTL)
	if _, err := e.Approve(ctx, late.ID, b); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("approving an expired proposal: %v", err)
	}
	if _, err := e.Reject(ctx, late.ID, b, ""); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("rejecting an expired proposal: %v", err)
	}
	if got, err := e.GetProposal(ctx, late.ID); err != nil || got.State != policy.ProposalExpired {
		t.Fatalf("expired proposal reads %+v, %v", got, err)
	}

	withdrawn, err := e.Propose(ctx, policy.ProposeInput{Action: policy.ProposePut, Policy: pol(ladon.AllowAccess), RegionCode: "140502", Broad: []string{"x"}, By: a})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Reject(ctx, withdrawn.ID, a, "撤回 withdrawn"); err != nil || got.State != policy.ProposalRejected || got.Note != "撤回 withdrawn" {
		t.Fatalf("withdrawn: %+v, %v", got, err)
	}
	if _, err := e.Approve(ctx, withdrawn.ID, b); duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("approving a withdrawn proposal: %v", err)
	}
	if p, err := d.manager.Get(ctx, "p"); err != nil || p.GetEffect() != ladon.DenyAccess {
		t.Fatalf("policy p after all that: %v, %v", p, err)
	}
	all, err := e.Proposals(ctx, "140502", false, 0)
	if err != nil || len(all) != 3 || all[0].State != policy.ProposalRejected || all[1].State != policy.ProposalExpired ||
		all[2].ID != stale.ID || all[2].State != policy.ProposalExpired {
		t.Fatalf("proposals, newest first: %+v, %v", all, err)
	}
	if pending, err := e.Proposals(ctx, "140502", true, 0); err != nil || len(pending) != 0 {
		t.Fatalf("pending proposals a week on: %+v, %v", pending, err)
	}
	want := "create:absent>in_effect propose:in_effect>proposed update:in_effect>in_effect propose:in_effect>proposed " +
		"propose:in_effect>proposed reject:proposed>rejected"
	if got := auditActions(t, d.store, "140502"); joinSpace(got) != want {
		t.Fatalf("policy record %v\nwant %s", got, want)
	}
}

// A change that cannot be recorded is not made.
func TestAnUnrecordedChangeIsNotMade(t *testing.T) {
	d := demoPolicies(t)
	ctx := context.Background()
	e := &policy.Editor{Manager: d.manager}
	p := &ladon.DefaultPolicy{ID: "p", Subjects: []string{"person:1"}, Actions: []string{"x"}, Resources: []string{"x"}, Effect: ladon.DenyAccess}
	stored := func() bool {
		m := policy.NewManager(d.store.Pool)
		if err := m.Load(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := m.Get(ctx, "p")
		return err == nil
	}
	if _, err := e.Put(ctx, p, administrator, "140502"); err == nil || stored() {
		t.Fatalf("an editor without a record wrote a policy: %v", err)
	}
	bad := recordingEditor(d.manager, d.store)
	if _, err := bad.Put(ctx, p, administrator, "no-such-region"); err == nil || stored() {
		t.Fatalf("a policy whose record failed (no such region) was stored: %v", err)
	}
}

func personID(t *testing.T, d demo, login string) int64 {
	t.Helper()
	p, err := d.store.PersonByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// Two proposals shown the same absent policy, approved at once: one takes
// effect, the other is refused, since it was shown an absence that no
// longer stands.
func TestConcurrentApprovalsOfOnePolicy(t *testing.T) {
	d := demoPolicies(t)
	ctx := context.Background()
	e := recordingEditor(d.manager, d.store)
	a := dutycases.Actor{PersonID: personID(t, d, "admin.quan"), Name: "权立", Role: "policy_admin"}
	b := dutycases.Actor{PersonID: personID(t, d, "admin.shen"), Name: "沈审", Role: "policy_admin"}
	for round := range 5 {
		id := fmt.Sprintf("p%d", round)
		var ids []int64
		for _, action := range []string{"hazard:order", "hazard:reinspect"} {
			p, err := e.Propose(ctx, policy.ProposeInput{Action: policy.ProposePut, RegionCode: "140502", Broad: []string{"x"}, By: a,
				Policy: &ladon.DefaultPolicy{ID: id, Subjects: []string{"org:<[0-9]+>:inspector"}, Actions: []string{action},
					Resources: []string{"<.*>"}, Effect: ladon.DenyAccess}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		errs := make(chan error, 2)
		for _, pid := range ids {
			go func() {
				_, err := e.Approve(ctx, pid, b)
				errs <- err
			}()
		}
		var codes []string
		for range ids {
			codes = append(codes, duty.ErrorCode(<-errs))
		}
		slices.Sort(codes)
		if codes[0] != "" || codes[1] != duty.EConflict {
			t.Fatalf("round %d: approvals ended %q, want one success and one conflict", round, codes)
		}
	}
}
