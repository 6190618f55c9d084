package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/duty-project/duty/store"
)

// recordPage shows a person's record (终身追责): their posts over time,
// the deadlines missed on their watch, their steps and what they were
// told. "/people/me" is the visitor's own; whose else they may read is
// the API's to decide (a record they may not read is not found).
func (s *Server) recordPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, func(*me) bool { return true }, "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	if id == "me" {
		id = strconv.FormatInt(m.ID, 10)
	}
	var rec store.AccountabilityRecord
	if err := s.call(r, http.MethodGet, "/api/v1/persons/"+id+"/record", nil, &rec); err != nil {
		s.fail(w, r, m, err)
		return
	}
	section := ""
	if rec.PersonID == m.ID {
		section = "record"
	}
	s.render(w, http.StatusOK, "record", page{TitleID: "title.record", Title: rec.Name, Me: m, Data: rec, Now: time.Now(), Section: section})
}
