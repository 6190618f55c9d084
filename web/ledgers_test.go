package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/orgimport"
)

// A dry run's report is a table of bad rows, and a clean one offers to
// import the checked file; only an organisation administrator sees the
// form.
func TestTheLedgersPageShowsTheReport(t *testing.T) {
	s := &Server{pages: parsePages()}
	admin := &me{Name: "权立", Posts: []mePost{{Role: org.RoleOrgAdmin}}}
	bad := &orgimport.Report{Kind: orgimport.Enterprises, DryRun: true, Rows: 3, New: 1, ErrorCount: 1,
		Errors: []ledger.CellError{{Row: 3, Column: "A", Header: "统一社会信用代码", Reason: "第18位校验码错误"}}}
	w := httptest.NewRecorder()
	s.render(w, http.StatusOK, "ledgers", page{Me: admin, Data: ledgersData{Kinds: orgimport.Kinds, Report: bad, File: "企业.xlsx"}})
	body := w.Body.String()
	for _, want := range []string{`enctype="multipart/form-data"`, "<td data-label=\"行\">3</td>", "第18位校验码错误", "未写入任何数据"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(body, ">确认导入</button>") {
		t.Error("a file with bad rows is offered for import")
	}
	good := &orgimport.Report{Kind: orgimport.Enterprises, DryRun: true, Rows: 2, New: 2}
	w = httptest.NewRecorder()
	s.render(w, http.StatusOK, "ledgers", page{Me: admin, Data: ledgersData{Kinds: orgimport.Kinds, Report: good, Upload: "7-abc.xlsx"}})
	if body := w.Body.String(); !strings.Contains(body, ">确认导入</button>") || !strings.Contains(body, "7-abc.xlsx") {
		t.Errorf("a clean dry run is not offered for import:\n%s", body)
	}
	w = httptest.NewRecorder()
	s.render(w, http.StatusOK, "ledgers", page{Me: &me{Name: "赵明"}, Data: ledgersData{Kinds: orgimport.Kinds}})
	if body := w.Body.String(); strings.Contains(body, "multipart/form-data") || !strings.Contains(body, "/ledgers/export/cases") {
		t.Errorf("the page of someone who does not import:\n%s", body)
	}
}

// A kept upload is found only by the visitor who uploaded it.
func TestAKeptUploadIsTheVisitors(t *testing.T) {
	s := &Server{}
	for _, name := range []string{"8-abc.xlsx", "../7-abc.xlsx", "7-../../etc/passwd", ""} {
		if _, err := s.keptUpload(&me{ID: 7}, name); err == nil {
			t.Errorf("%q found for visitor 7", name)
		}
	}
}
