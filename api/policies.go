package api

import (
	"encoding/json"
	"net/http"

	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/policy"
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
// that denies one inspector one case, say. It is validated (patterns that
// would make the regexp engine backtrack are refused) and audited.
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
	if err := s.PolicyEditor.Delete(r.Context(), id, c.actor(post)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": id})
}
