package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/org"
)

// dutiesPage is the prevention duties' page (应急预案与演练): an
// enterprise's own duties, when each is due and what a miss brings; a
// department's, the drills and filings owed to it that are missed or
// coming due within the window (?within=, days).
func (s *Server) dutiesPage(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	var id int64
	for _, p := range m.Posts {
		if p.Org.Kind == org.KindEnterprise || p.Org.Kind == org.KindDepartment {
			id = p.Org.ID
			break
		}
	}
	if id == 0 {
		s.forbidden(w, r, m, "duties.not_yours")
		return
	}
	path := "/api/v1/orgs/" + strconv.FormatInt(id, 10) + "/duties"
	if v := r.URL.Query().Get("within"); v != "" {
		path += "?within=" + url.QueryEscape(v)
	}
	var d api.DutiesResponse
	if err := s.call(r, http.MethodGet, path, nil, &d); err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.render(w, http.StatusOK, "duties", page{TitleID: "nav.duties", Me: m, Data: d, Now: time.Now(), Section: "duties", Period: d.Org.Name})
}
