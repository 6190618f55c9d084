package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
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

// putPolicy creates or replaces a hand-written policy — a recusal (回避)
// that denies one inspector one case, say. It is validated (patterns must
// be RE2 syntax), kept within what its administrator administers, and
// audited.
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
		s.writeError(w, r, duty.Errorf(duty.EInvalid, "the policy cannot be read: %v", err))
		return
	}
	if err := policy.ValidatePolicy(p); err != nil {
		s.writeError(w, r, err) // what is malformed first, then whether it is the caller's to write
		return
	}
	if err := s.checkAdministered(r.Context(), administeredRegions(c), p); err != nil {
		s.writeError(w, r, err)
		return
	}
	if old, err := s.Policies.Get(r.Context(), id); err == nil && !strings.HasPrefix(id, policy.OrgPolicyPrefix) {
		// Replacing a policy is writing it away: it must have been one of
		// this administrator's to write.
		if err := s.checkAdministered(r.Context(), administeredRegions(c), old); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	created, err := s.PolicyEditor.Put(r.Context(), p, c.actor(post))
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

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, post, err := s.authorizePolicy(r, policy.ActionPolicyWrite, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if old, err := s.Policies.Get(r.Context(), id); err == nil && !strings.HasPrefix(id, policy.OrgPolicyPrefix) {
		if err := s.checkAdministered(r.Context(), administeredRegions(c), old); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.PolicyEditor.Delete(r.Context(), id, c.actor(post)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": id})
}

// administeredRegions are the region paths of the caller's policy
// administrator posts: what they may write policies about.
func administeredRegions(c caller) []string {
	var out []string
	for _, p := range c.posts {
		if p.Role == org.RolePolicyAdmin {
			out = append(out, p.Org.RegionPath)
		}
	}
	return out
}

// within reports whether a region path lies in one of regions.
func within(path string, regions []string) bool {
	return slices.ContainsFunc(regions, func(r string) bool { return path != "" && strings.HasPrefix(path, r) })
}

// checkAdministered refuses a hand-written policy that reaches beyond what
// its administrator administers. Each subject names, literally, a person
// holding a post in the administrator's region (person:<id>) or a post of
// an organisation there (org:<id>:<role>): a pattern could take in anyone
// anywhere. An allow policy's resources begin, literally, with a case
// resource of that region (case:<region path>…), so it grants nothing
// outside it; a deny only takes away, and may name a case by its number.
func (s *Server) checkAdministered(ctx context.Context, regions []string, p ladon.Policy) error {
	now := s.Now().In(rules.China)
	for _, sub := range p.GetSubjects() {
		if strings.ContainsRune(sub, '<') {
			return duty.Errorf(duty.EForbidden, "subject %q is a pattern: name each person (person:<id>) or post (org:<id>:<role>) of your region instead", sub)
		}
		kind, rest, _ := strings.Cut(sub, ":")
		switch kind {
		case "person":
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				return duty.Errorf(duty.EInvalid, "subject %q: person:<id> takes a person's number", sub)
			}
			posts, err := s.Store.PostsAt(ctx, id, now)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(posts, func(p org.Post) bool { return within(p.Org.RegionPath, regions) }) {
				return duty.Errorf(duty.EForbidden, "subject %q holds no post in the region you administer", sub)
			}
		case "org":
			idText, _, _ := strings.Cut(rest, ":")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				return duty.Errorf(duty.EInvalid, "subject %q: org:<id>:<role> takes an organisation's number", sub)
			}
			o, err := s.Store.GetOrg(ctx, id)
			if duty.ErrorCode(err) == duty.ENotFound || (err == nil && !within(o.RegionPath, regions)) {
				return duty.Errorf(duty.EForbidden, "subject %q is not an organisation of the region you administer", sub)
			} else if err != nil {
				return err
			}
		default:
			return duty.Errorf(duty.EForbidden, "subject %q: a hand-written policy names a person (person:<id>) or a post (org:<id>:<role>)", sub)
		}
	}
	if p.GetEffect() != ladon.AllowAccess {
		return nil
	}
	for _, res := range p.GetResources() {
		literal, _, _ := strings.Cut(res, "<")
		path, ok := strings.CutPrefix(literal, "case:")
		if !ok || !within(path, regions) {
			return duty.Errorf(duty.EForbidden, "resource %q: an allow policy you write begins with a case resource of the region you administer (case:%s…)", res, regions[0])
		}
	}
	return nil
}
