package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
)

// fakeCases answers GET /api/v1/cases with the cases given.
type fakeCases []api.CaseItem

func (f fakeCases) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/api/v1/cases" {
		http.Error(w, `{"code":"not_found","message":"no such page"}`, http.StatusNotFound)
		return
	}
	_ = json.NewEncoder(w).Encode(api.CaseList{Cases: f})
}

// The desk's queue: the cases whose next step is the inspector's come
// first, soonest limit first; a case awaiting only the enterprise, or
// only an optional step of the inspector's (withdrawal), is among the
// rest; closed cases are hidden unless asked for; the rest is paged.
func TestTheDeskQueue(t *testing.T) {
	now := time.Now()
	due := func(d time.Duration, party string) []cases.Deadline {
		return []cases.Deadline{{Key: "decision", What: "处罚决定", Party: party, DueAt: now.Add(d), State: cases.DeadlinePending}}
	}
	closed := now.Add(-time.Hour)
	list := fakeCases{
		{Summary: cases.Summary{CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard, State: "reported"}, NextActions: []string{"order"}, Seq: 1},
		{Summary: cases.Summary{CaseNo: "CF-140502-2026-000001", Kind: cases.KindPenalty, State: "opened", Deadlines: due(48*time.Hour, cases.PartyRegulator)},
			NextActions: []string{"notify", "withdraw"}, Seq: 3, SeenSeq: 3},
		{Summary: cases.Summary{CaseNo: "CF-140502-2026-000002", Kind: cases.KindPenalty, State: "opened", Deadlines: due(24*time.Hour, cases.PartyRegulator)},
			NextActions: []string{"notify"}, Seq: 2, SeenSeq: 1},
		{Summary: cases.Summary{CaseNo: "CF-140502-2026-000003", Kind: cases.KindPenalty, State: "notified", Deadlines: due(12*time.Hour, cases.PartyRegulator)},
			NextActions: []string{"plead", "waive_rights", "request_hearing", "withdraw"}, Seq: 2, SeenSeq: 2},
		{Summary: cases.Summary{CaseNo: "YH-140502-2026-000002", Kind: cases.KindHazard, State: "closed", ClosedAt: &closed}, Seq: 5, SeenSeq: 5},
	}
	for i := 3; i <= 25; i++ {
		list = append(list, api.CaseItem{Summary: cases.Summary{CaseNo: fmt.Sprintf("YH-140502-2026-%06d", i), Kind: cases.KindHazard, State: "ordered",
			Deadlines: due(time.Duration(i)*time.Hour, cases.PartyEnterprise)}, NextActions: []string{"report_completion", "request_extension"}, Seq: 2, SeenSeq: 2})
	}
	s := &Server{API: list, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	m := &me{Name: "赵明", Posts: []mePost{{Role: "inspector"}}}
	m.Posts[0].Org.Kind = "department"
	get := func(query string) queue {
		t.Helper()
		q, err := s.workQueue(httptest.NewRequest(http.MethodGet, "/desk?"+query, nil), m)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	q := get("")
	var mine []string
	for _, c := range q.Mine {
		mine = append(mine, c.CaseNo+":"+strings.Join(c.Todo, "、"))
	}
	if got := strings.Join(mine, " "); got != "CF-140502-2026-000002:告知 CF-140502-2026-000001:告知 YH-140502-2026-000001:责令限期整改" {
		t.Errorf("needs the inspector: %s", got)
	}
	if q.Unread != 2 || !q.Mine[0].Unread || q.Mine[1].Unread {
		t.Errorf("unread: %d; first %v, second %v", q.Unread, q.Mine[0].Unread, q.Mine[1].Unread)
	}
	if q.RestTotal != 24 || q.Pages != 2 || len(q.Rest) != 20 || q.Rest[0].CaseNo != "YH-140502-2026-000003" {
		t.Errorf("the rest: %d in %d pages, %d shown, first %s", q.RestTotal, q.Pages, len(q.Rest), q.Rest[0].CaseNo)
	}
	if q2 := get("page=2&kind=hazard"); len(q2.Rest) != 4 || q2.Page != 2 || q2.Next() != 0 || q2.Prev() != 1 || q2.PageLink(1) != "?kind=hazard&page=1" {
		t.Errorf("page 2: %d shown, page %d, link %s", len(q2.Rest), q2.Page, q2.PageLink(1))
	}
	if q3 := get("closed=1"); q3.RestTotal != 25 {
		t.Errorf("with closed cases: %d", q3.RestTotal)
	}
}
