package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// PolicyList is every policy, generated and hand-written.
type PolicyList struct {
	Policies []json.RawMessage `json:"policies"`
}

// PolicyBody is a Ladon policy as ladon writes it.
type PolicyBody struct {
	Description string          `json:"description"`
	Subjects    []string        `json:"subjects"`
	Actions     []string        `json:"actions"`
	Resources   []string        `json:"resources"`
	Effect      string          `json:"effect"`
	Conditions  json.RawMessage `json:"conditions,omitempty"`
}

func (s *Server) authorizePolicy(r *http.Request, action, id string) (caller, string, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return caller{}, "", err
	}
	post, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, "policy:"+id, nil)
	return c, post, err
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.authorizePolicy(r, policy.ActionPolicyRead, "*"); err != nil {
		s.writeError(w, r, err)
		return
	}
	all, err := s.Policies.GetAll(r.Context(), 1<<30, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := PolicyList{Policies: make([]json.RawMessage, 0, len(all))}
	for _, p := range all {
		b, err := json.Marshal(p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.Policies = append(out.Policies, b)
	}
	writeJSON(w, http.StatusOK, out)
}

// PolicyRecorder records the policy editor's changes in st's hash-chained
// audit log, each region's as a chain of its own, and notifies the
// region's heads (store.Store.RecordPolicyChange). cmd/duty gives it to
// the Editor the API uses.
func PolicyRecorder(st *store.Store) policy.Recorder {
	return func(ctx context.Context, tx pgx.Tx, ch policy.Change) error {
		return st.RecordPolicyChange(ctx, tx, store.PolicyChange(ch))
	}
}

// ProposalResponse is a policy proposal and what happens to it next.
type ProposalResponse struct {
	Proposal policy.Proposal `json:"proposal"`
	Message  string          `json:"message"`
}

// RejectProposalRequest says why a proposal is rejected (or withdrawn).
type RejectProposalRequest struct {
	Note string `json:"note"`
}

// ProposalList is a region's policy proposals, newest first.
type ProposalList struct {
	Region    org.Region        `json:"region"`
	Proposals []policy.Proposal `json:"proposals"`
}

// PolicyChangeList is a region's policy record: every hand-written policy
// change there, in order, as the hash-chained audit log holds it.
type PolicyChangeList struct {
	Region org.Region `json:"region"`
	// Record is the chain's name in the audit log and `duty audit verify`.
	Record  string             `json:"record"`
	Changes []store.AuditEntry `json:"changes"`
}

// putPolicy creates or replaces a hand-written policy — a recusal (回避)
// that denies one inspector one case, say. It is validated (patterns must
// be RE2 syntax) and kept within what its administrator administers. A
// narrow policy takes effect at once; a broad one (see policyScope) is
// stored as a proposal, answered 202, and takes effect only when a second
// administrator of the region approves it. Either way the change is a step
// of the region's policy record.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, post, err := s.authorizePolicy(r, policy.ActionPolicyWrite, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body PolicyBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, _ := json.Marshal(map[string]any{"id": id, "description": body.Description, "subjects": body.Subjects,
		"actions": body.Actions, "resources": body.Resources, "effect": body.Effect, "conditions": body.Conditions})
	p := new(ladon.DefaultPolicy)
	if err := json.Unmarshal(doc, p); err != nil {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "policy.unreadable", nil))
		return
	}
	if err := policy.ValidatePolicy(p); err != nil {
		s.writeError(w, r, err) // what is malformed first, then whether it is the caller's to write
		return
	}
	if err := policy.CheckHandWritten(id); err != nil {
		s.writeError(w, r, err)
		return
	}
	regions := administeredRegions(c)
	sc, err := s.policyScope(r.Context(), regions, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if old, err := s.Policies.Get(r.Context(), id); err == nil {
		// Replacing a policy is writing it away: it must have been one of
		// this administrator's to write, and lifting a broad deny loosens
		// as much as writing a broad allow grants.
		was, err := s.policyScope(r.Context(), regions, old)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if old.GetEffect() != ladon.AllowAccess && len(was.broad) > 0 {
			sc.broad = append(sc.broad, fmt.Sprintf("it replaces %q, a broad deny (%s)", id, strings.Join(was.broad, "; ")))
		}
	}
	if len(sc.broad) > 0 {
		prop, err := s.PolicyEditor.Propose(r.Context(), policy.ProposeInput{Action: policy.ProposePut, Policy: p,
			RegionCode: sc.region.Code, Broad: sc.broad, By: c.actor(post)})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, ProposalResponse{Proposal: prop, Message: proposedMessage(i18n.FromRequest(r), prop)})
		return
	}
	created, err := s.PolicyEditor.Put(r.Context(), p, c.actor(post), sc.region.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, p)
}

// deletePolicy deletes a hand-written policy the caller administers. Lifting
// a broad deny is proposed instead (202), like writing a broad allow.
func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, post, err := s.authorizePolicy(r, policy.ActionPolicyWrite, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := policy.CheckHandWritten(id); err != nil {
		s.writeError(w, r, err)
		return
	}
	old, err := s.Policies.Get(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sc, err := s.policyScope(r.Context(), administeredRegions(c), old)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if old.GetEffect() != ladon.AllowAccess && len(sc.broad) > 0 {
		broad := append([]string{fmt.Sprintf("it lifts %q, a broad deny", id)}, sc.broad...)
		prop, err := s.PolicyEditor.Propose(r.Context(), policy.ProposeInput{Action: policy.ProposeDelete, PolicyID: id,
			RegionCode: sc.region.Code, Broad: broad, By: c.actor(post)})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, ProposalResponse{Proposal: prop, Message: proposedMessage(i18n.FromRequest(r), prop)})
		return
	}
	if err := s.PolicyEditor.Delete(r.Context(), id, c.actor(post), sc.region.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": id})
}

// proposedMessage tells the proposer, in lang, who must approve and by when.
func proposedMessage(lang string, p policy.Proposal) string {
	return i18n.T(lang, "policy.proposal.proposed", i18n.Args{"Region": p.RegionCode, "ID": p.ID, "Until": p.ExpiresAt})
}

// proposalFor reads the proposal named in the path and checks that the
// caller may decide it: it may write policies (Ladon), and it administers
// the proposal's region, itself or from above.
func (s *Server) proposalFor(r *http.Request) (caller, string, policy.Proposal, org.Region, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return caller{}, "", policy.Proposal{}, org.Region{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return caller{}, "", policy.Proposal{}, org.Region{}, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "id"})
	}
	prop, err := s.PolicyEditor.GetProposal(r.Context(), id)
	if err != nil {
		return caller{}, "", policy.Proposal{}, org.Region{}, err
	}
	post, err := s.Warden.AllowedBy(r.Context(), c.subject(), policy.ActionPolicyWrite, "policy:"+prop.PolicyID, nil)
	if err != nil {
		return caller{}, "", policy.Proposal{}, org.Region{}, err
	}
	region, err := s.Store.GetRegion(r.Context(), prop.RegionCode)
	if err != nil {
		return caller{}, "", policy.Proposal{}, org.Region{}, err
	}
	if !slices.ContainsFunc(administeredRegions(c), func(a org.Region) bool { return within(region.Path, a.Path) }) {
		return caller{}, "", policy.Proposal{}, org.Region{}, duty.Fail(duty.EForbidden, "policy.proposal.not_your_region", duty.Args{"ID": id, "Region": region.Name})
	}
	return c, post, prop, region, nil
}

// approveProposal puts a proposal into effect: the second pair of eyes.
// The approver must administer the proposal's region and be able to write
// the policy itself but for its breadth, and must not be its proposer.
func (s *Server) approveProposal(w http.ResponseWriter, r *http.Request) {
	c, post, prop, _, err := s.proposalFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	regions := administeredRegions(c)
	for _, doc := range []json.RawMessage{prop.Policy, prop.Before} {
		if doc == nil {
			continue
		}
		p := new(ladon.DefaultPolicy)
		if err := json.Unmarshal(doc, p); err != nil {
			s.writeError(w, r, fmt.Errorf("proposal %d: %w", prop.ID, err))
			return
		}
		if _, err := s.policyScope(r.Context(), regions, p); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	done, err := s.PolicyEditor.Approve(r.Context(), prop.ID, c.actor(post))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := "policy.proposal.approved"
	if done.Action == policy.ProposeDelete {
		id = "policy.proposal.deleted"
	}
	msg := i18n.T(i18n.FromRequest(r), id, i18n.Args{"Policy": done.PolicyID})
	writeJSON(w, http.StatusOK, ProposalResponse{Proposal: done, Message: msg})
}

// rejectProposal ends a proposal without effect; its proposer may withdraw
// it the same way.
func (s *Server) rejectProposal(w http.ResponseWriter, r *http.Request) {
	c, post, prop, _, err := s.proposalFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body RejectProposalRequest
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	done, err := s.PolicyEditor.Reject(r.Context(), prop.ID, c.actor(post), strings.TrimSpace(body.Note))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ProposalResponse{Proposal: done, Message: i18n.T(i18n.FromRequest(r), "policy.proposal.rejected", i18n.Args{"Policy": done.PolicyID})})
}

// authorizePolicyRecord lets the caller read a region's policy record —
// its heads (党政同责) and policy administrators, and those of the regions
// above — and returns the region: the query's region code, or else the
// region of the caller's first post that reads such records.
func (s *Server) authorizePolicyRecord(r *http.Request) (org.Region, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return org.Region{}, err
	}
	code := r.URL.Query().Get("region")
	if code == "" {
		for _, p := range c.posts {
			if p.Role == org.RolePolicyAdmin || p.Role == org.RolePartySecretary || p.Role == org.RoleGovernmentHead {
				code = p.Org.RegionCode
				break
			}
		}
		if code == "" {
			return org.Region{}, duty.Fail(duty.EInvalid, "policy.region.required", nil)
		}
	}
	region, err := s.Store.GetRegion(r.Context(), code)
	if err != nil {
		return org.Region{}, err
	}
	if err := s.Warden.Authorize(r.Context(), c.subject(), policy.ActionPolicyRead, policy.PolicyRecordResource(region.Path), nil); err != nil {
		return org.Region{}, err
	}
	return region, nil
}

func (s *Server) listProposals(w http.ResponseWriter, r *http.Request) {
	region, err := s.authorizePolicyRecord(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pending := false
	switch r.URL.Query().Get("state") {
	case "":
	case policy.ProposalPending:
		pending = true
	default:
		s.writeError(w, r, duty.Fail(duty.EInvalid, "policy.proposal.state_filter", nil))
		return
	}
	list, err := s.PolicyEditor.Proposals(r.Context(), region.Code, pending, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []policy.Proposal{}
	}
	writeJSON(w, http.StatusOK, ProposalList{Region: region, Proposals: list})
}

func (s *Server) policyChanges(w http.ResponseWriter, r *http.Request) {
	region, err := s.authorizePolicyRecord(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	changes, err := s.Store.Timeline(r.Context(), store.PolicyChainID(region.Code))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if changes == nil {
		changes = []store.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, PolicyChangeList{Region: region, Record: store.PolicyRecordPrefix + region.Code, Changes: changes})
}

// administeredRegions are the regions of the caller's policy administrator
// posts, the deepest first: what they may write policies about. A policy
// belongs to the deepest of them that holds all of it.
func administeredRegions(c caller) []org.Region {
	var out []org.Region
	for _, p := range c.posts {
		if p.Role == org.RolePolicyAdmin && !slices.ContainsFunc(out, func(r org.Region) bool { return r.Code == p.Org.RegionCode }) {
			out = append(out, org.Region{Code: p.Org.RegionCode, Path: p.Org.RegionPath, Level: p.Org.RegionLevel})
		}
	}
	slices.SortStableFunc(out, func(a, b org.Region) int { return len(b.Path) - len(a.Path) })
	return out
}

// within reports whether a region path lies in the region with path region.
func within(path, region string) bool {
	return path != "" && region != "" && strings.HasPrefix(path, region)
}

// scope is where a hand-written policy lies: the region whose record
// keeps its changes and whose administrators approve it, and why it is
// broad (nothing: narrow, in effect at once).
type scope struct {
	region org.Region
	broad  []string
}

// policyScope finds the deepest region the caller administers that holds
// all of p, and whether p is broad there (regionScope). A policy that no
// such region holds is refused, with the reason the deepest one gives.
func (s *Server) policyScope(ctx context.Context, regions []org.Region, p ladon.Policy) (scope, error) {
	if len(regions) == 0 {
		return scope{}, duty.Fail(duty.EForbidden, "policy.not_admin", nil)
	}
	var first error
	for _, reg := range regions {
		broad, err := s.regionScope(ctx, reg, p)
		if err == nil {
			return scope{region: reg, broad: broad}, nil
		}
		if duty.ErrorCode(err) != duty.EForbidden {
			return scope{}, err
		}
		if first == nil {
			first = err
		}
	}
	return scope{}, first
}

// regionScope decides whether the region holds all of p, and if so why p
// is broad — why it needs a second administrator. The rules (docs/security.md):
//
// Subjects. A subject named literally — a person holding a post in the
// region (person:<id>) or a post of an organisation there (org:<id>:<role>)
// — is narrow. A pattern whose literal text begins with one organisation
// of the region (org:<id>:<…>) takes in several posts there: broad. Any
// other pattern (<.*>, person:<…>, org:1<…>) could take in anyone anywhere
// and is refused, approval or not.
//
// Resources, of an allow policy. Each begins, literally, with a case
// resource of the region (case:<region path>…), or it is refused. One
// that names a single case — literal, or a pattern whose literal end is
// ":<case number>" — is narrow; any other covers many cases (every case
// of an enterprise, a kind, the region): broad. A deny only takes away,
// from subjects the region holds: its resources are not limited.
//
// Actions and conditions do not count — a policy is only as wide as whom
// and what it reaches — but for a deny that takes policy administration
// away (an action matching policy:read or policy:write on a resource that
// can be a policy's or a policy record's): that is broad, or one
// administrator could shut the other out of approving anything.
func (s *Server) regionScope(ctx context.Context, reg org.Region, p ladon.Policy) (broad []string, err error) {
	now := s.Now().In(rules.China)
	for _, sub := range p.GetSubjects() {
		literal, _, pattern := strings.Cut(sub, "<")
		kind, rest, _ := strings.Cut(literal, ":")
		if pattern {
			idText, _, pinned := strings.Cut(rest, ":")
			id, err := strconv.ParseInt(idText, 10, 64)
			if kind != "org" || !pinned || err != nil || strconv.FormatInt(id, 10) != idText {
				return nil, duty.Fail(duty.EForbidden, "policy.subject.too_broad", duty.Args{"Subject": sub})
			}
			o, err := s.orgWithin(ctx, id, reg, sub)
			if err != nil {
				return nil, err
			}
			broad = append(broad, fmt.Sprintf("subject %q is a pattern over the posts of %s", sub, o.Name))
			continue
		}
		switch kind {
		case "person":
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				return nil, duty.Fail(duty.EInvalid, "policy.subject.bad_person", duty.Args{"Subject": sub})
			}
			posts, err := s.Store.PostsAt(ctx, id, now)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(posts, func(p org.Post) bool { return within(p.Org.RegionPath, reg.Path) }) {
				return nil, duty.Fail(duty.EForbidden, "policy.subject.outside", duty.Args{"Subject": sub})
			}
		case "org":
			idText, _, _ := strings.Cut(rest, ":")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				return nil, duty.Fail(duty.EInvalid, "policy.subject.bad_org", duty.Args{"Subject": sub})
			}
			if _, err := s.orgWithin(ctx, id, reg, sub); err != nil {
				return nil, err
			}
		default:
			return nil, duty.Fail(duty.EForbidden, "policy.subject.kind", duty.Args{"Subject": sub})
		}
	}
	if p.GetEffect() != ladon.AllowAccess {
		if deniesPolicyAdministration(p) {
			broad = append(broad, "it denies policy administration (policy:read, policy:write): one administrator must not shut another out alone")
		}
		return broad, nil
	}
	for _, res := range p.GetResources() {
		literal, _, pattern := strings.Cut(res, "<")
		path, ok := strings.CutPrefix(literal, "case:")
		if !ok || !within(path, reg.Path) {
			return nil, duty.Fail(duty.EForbidden, "policy.resource.outside", duty.Args{"Resource": res, "Prefix": "case:" + reg.Path})
		}
		if pattern && !namesOneCase(res) {
			broad = append(broad, fmt.Sprintf("resource %q covers more than one case", res))
		}
	}
	return broad, nil
}

// deniesPolicyAdministration reports whether a deny can take policy
// administration away: one of its actions matches policy:read or
// policy:write, and one of its resources' literal beginnings can begin a
// policy ("policy:…") or a policy record ("policyrecord:…").
func deniesPolicyAdministration(p ladon.Policy) bool {
	actions := slices.ContainsFunc(p.GetActions(), func(a string) bool {
		return policy.PatternMatches(a, policy.ActionPolicyRead) || policy.PatternMatches(a, policy.ActionPolicyWrite)
	})
	resources := slices.ContainsFunc(p.GetResources(), func(res string) bool {
		literal, _, _ := strings.Cut(res, "<")
		return strings.HasPrefix(literal, "policy") || strings.HasPrefix("policy", literal)
	})
	return actions && resources
}

// orgWithin reads an organisation a subject names and refuses it unless it
// lies in the region.
func (s *Server) orgWithin(ctx context.Context, id int64, reg org.Region, sub string) (org.Org, error) {
	o, err := s.Store.GetOrg(ctx, id)
	if duty.ErrorCode(err) == duty.ENotFound || (err == nil && !within(o.RegionPath, reg.Path)) {
		return org.Org{}, duty.Fail(duty.EForbidden, "policy.subject.outside", duty.Args{"Subject": sub})
	}
	return o, err
}

// namesOneCase reports whether a resource pattern can match one case only:
// its literal end, after the last pattern, is ":" and a case number, the
// last field of every case resource (policy.CaseResource).
func namesOneCase(res string) bool {
	i := strings.LastIndexByte(res, '>')
	tail, ok := strings.CutPrefix(res[i+1:], ":")
	if !ok {
		return false
	}
	_, err := cases.ParseNumber(tail)
	return err == nil
}
