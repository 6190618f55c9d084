package api

import (
	"net/http"
	"strings"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
)

// caller is an authenticated person with the posts they hold today.
type caller struct {
	person  org.Person
	posts   []org.Post
	session string
}

func (c caller) subject() policy.Subject {
	return policy.SubjectFor(c.person.ID, c.posts)
}

// actor is the caller acting through the post whose subject allowed the
// action: the record keeps that post even after the person moves on.
func (c caller) actor(postSubject string) cases.Actor {
	for _, p := range c.posts {
		if policy.PostSubject(p.Role, p.Org.ID) == postSubject || policy.PostPortfolioSubject(p.ID) == postSubject {
			return cases.Actor{PersonID: c.person.ID, Name: c.person.Name, PostID: p.ID, Role: p.Role,
				Title: p.Title, OrgID: p.Org.ID, OrgName: p.Org.Name, Side: sideOf(p.Org.Kind)}
		}
	}
	return cases.Actor{PersonID: c.person.ID, Name: c.person.Name}
}

func sideOf(orgKind string) string {
	switch orgKind {
	case org.KindDepartment:
		return cases.SideRegulator
	case org.KindEnterprise:
		return cases.SideEnterprise
	case org.KindRescueTeam:
		return cases.SideRescue
	}
	return cases.SideLeader
}

// authenticate reads the bearer token and loads the person's posts held
// today (in China), which are what decide their permissions.
func (s *Server) authenticate(r *http.Request) (caller, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return caller{}, duty.Fail(duty.EUnauthenticated, "auth.login_first", nil)
	}
	now := s.Now()
	claims, err := s.Signer.Verify(token, now)
	if err != nil {
		return caller{}, err
	}
	if err := s.Store.UseSession(r.Context(), claims.Session, claims.PersonID, now, s.SessionIdle); duty.ErrorCode(err) == duty.ENotFound {
		return caller{}, duty.Recode(err, duty.EUnauthenticated)
	} else if err != nil {
		return caller{}, err
	}
	person, err := s.Store.GetPerson(r.Context(), claims.PersonID)
	if duty.ErrorCode(err) == duty.ENotFound {
		return caller{}, duty.Fail(duty.EUnauthenticated, "auth.account_gone", nil)
	} else if err != nil {
		return caller{}, err
	}
	posts, err := s.Store.PostsAt(r.Context(), person.ID, now.In(rules.China))
	if err != nil {
		return caller{}, err
	}
	return caller{person: person, posts: posts, session: claims.Session}, nil
}

// LoginRequest asks for a token.
type LoginRequest struct {
	Login    string `json:"login" openapi:"required"`
	Password string `json:"password" openapi:"required"`
}

// LoginResponse carries the session's first tokens and who they are for.
type LoginResponse struct {
	TokenResponse
	Person MeResponse `json:"person"`
}

// MeResponse describes the caller and the posts they hold today.
type MeResponse struct {
	ID    int64      `json:"id"`
	Login string     `json:"login"`
	Name  string     `json:"name"`
	Posts []org.Post `json:"posts"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, MeResponse{ID: c.person.ID, Login: c.person.Login, Name: c.person.Name, Posts: c.posts})
}

// OrgList is the organisation directory.
type OrgList struct {
	Orgs []org.Org `json:"orgs"`
}

// listOrgs is the directory of organisations, so a client can find the
// enterprise a hazard belongs to. Any logged-in person may read it: who
// regulates whom is public record.
func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	kind := r.URL.Query().Get("kind")
	switch kind {
	case "", org.KindPartyCommittee, org.KindGovernment, org.KindDepartment, org.KindEnterprise, org.KindRescueTeam, org.KindJudicial:
	default:
		s.writeError(w, r, duty.Fail(duty.EInvalid, "org.kind.unknown", nil))
		return
	}
	orgs, err := s.Store.ListOrgs(r.Context(), kind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if orgs == nil {
		orgs = []org.Org{}
	}
	writeJSON(w, http.StatusOK, OrgList{Orgs: orgs})
}
