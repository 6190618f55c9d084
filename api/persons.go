package api

import (
	"net/http"
	"strconv"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/store"
)

// recordLimit is how many entries of each list a person's record shows.
const recordLimit = 200

func personRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/persons/{personID}/record", summary: "a person's record (终身追责): every post they held and when, the steps they took, the regulators' deadlines missed on their watch (on cases they handled, or in the department they headed), and the notifications they were sent — across transfers and after they leave; the person themselves, the heads of their area and of their department and those above",
			response: store.AccountabilityRecord{}, handle: (*Server).personRecord},
	}
}

// personRecord answers a person's record to the person, or to whoever
// policy lets read it through any post the person holds or held: the
// record follows the person, so a post that ended still places them. A
// record the caller may not read is not found, as a case is.
func (s *Server) personRecord(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("personID"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "id"}))
		return
	}
	notFound := duty.Fail(duty.ENotFound, "person.record.not_found", duty.Args{"ID": id})
	rec, err := s.Store.AccountabilityRecord(r.Context(), id, recordLimit)
	if duty.ErrorCode(err) == duty.ENotFound {
		s.writeError(w, r, notFound)
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	if id != c.person.ID && !s.mayReadRecord(r, c, rec) {
		s.writeError(w, r, notFound)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// mayReadRecord reports whether policy lets the caller read the record
// through one of the person's posts, past or present.
func (s *Server) mayReadRecord(r *http.Request, c caller, rec store.AccountabilityRecord) bool {
	for _, p := range rec.Posts {
		res := policy.PersonResource(p.Org.RegionPath, p.Org.ID, rec.PersonID)
		if s.Warden.Authorize(r.Context(), c.subject(), policy.ActionReadRecord, res, nil) == nil {
			return true
		}
	}
	return false
}
