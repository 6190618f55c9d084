package web

import (
	"context"
	"net/http"
	"time"

	"github.com/duty-project/duty/api"
)

// publicInspections is the public page of drawn inspections' results
// (双随机、一公开): no login, no person named, no link into a case. A
// visitor who is logged in sees exactly the same.
func (s *Server) publicInspections(w http.ResponseWriter, r *http.Request) {
	var res api.PublicInspectionsResponse
	// Asked without the visitor's token: the list is the public's, whoever
	// looks.
	anon := r.WithContext(context.WithValue(r.Context(), tokenKey{}, ""))
	if err := s.call(anon, http.MethodGet, "/api/v1/public/inspections", nil, &res); err != nil {
		if e, ok := err.(*apiError); ok {
			s.render(w, e.Status, "public", page{TitleID: "title.public", Error: e.Message, Now: time.Now()})
			return
		}
		s.fail(w, r, nil, err)
		return
	}
	s.render(w, http.StatusOK, "public", page{TitleID: "title.public", Data: res, Now: time.Now()})
}
