package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/documents"
)

func TestCasePageListsDocumentsWithPrintLinksAndServiceForm(t *testing.T) {
	s := &Server{pages: parsePages()}
	m := &me{Name: "赵明"}
	m.Posts = make([]mePost, 1)
	m.Posts[0].Org.Kind = "department"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := caseData{Summary: cases.Summary{CaseNo: "YH-140502-2026-000001"}, View: map[string]any{}, Documents: []documentRow{
		{DocumentEntry: api.DocumentEntry{Document: documents.Document{ID: "order-1", Title: "责令限期整改指令书", IssuedAt: at}, Number: "城住建责改〔2026〕1号"},
			Served: []servedRow{{Method: "直接送达", ReceivedBy: "钱宏达", By: "赵明", At: at}}},
		{DocumentEntry: api.DocumentEntry{Document: documents.Document{ID: "penalty-decision", Title: "行政处罚决定书", IssuedAt: at, ServedByStep: true}, Number: "城住建罚决〔2026〕1号"}},
	}}
	w := httptest.NewRecorder()
	s.render(w, http.StatusOK, "case", page{Title: "case", Me: m, Data: d})
	body := w.Body.String()
	for _, want := range []string{"文书", "城住建责改〔2026〕1号", `href="/cases/YH-140502-2026-000001/documents/order-1?format=pdf"`,
		`href="/cases/YH-140502-2026-000001/documents/order-1?format=html"`, "直接送达", "钱宏达", `data-form="service-order-1"`, "未送达"} {
		if !strings.Contains(body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if strings.Contains(body, `data-form="service-penalty-decision"`) {
		t.Error("the penalty decision's service is the penalty's own step, not a document form")
	}
}

func TestDocumentIsPassedThroughWithItsHeaders(t *testing.T) {
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/me":
			_, _ = io.WriteString(w, `{"id":1,"name":"x","posts":[]}`)
		case r.Header.Get("Authorization") != "Bearer tok":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":"unauthenticated","message":"log in"}`)
		case r.URL.Query().Get("format") == "pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", "inline")
			_, _ = io.WriteString(w, "%PDF-1.4 …")
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"code":"not_found","message":"no case"}`)
		}
	})
	s := &Server{API: fake, Logger: slog.New(slog.DiscardHandler)}
	h := s.Handler()
	get := func(path string, token bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if token {
			r.AddCookie(&http.Cookie{Name: cookieName, Value: "tok"})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := get("/cases/YH-140502-2026-000001/documents/order-1?format=pdf", true); w.Code != 200 ||
		w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF") {
		t.Fatalf("pdf: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	if w := get("/cases/YH-140502-2026-000001/documents/order-1", true); w.Code != 404 || !strings.Contains(w.Body.String(), "no case") {
		t.Fatalf("refusal: %d %s", w.Code, w.Body.String())
	}
	if w := get("/cases/YH-140502-2026-000001/documents/order-1", false); w.Code != http.StatusSeeOther {
		t.Fatalf("no session: %d", w.Code)
	}
}
