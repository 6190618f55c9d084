package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/orgimport"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

// MaxImportBytes is the largest file an import takes: a register of
// 100,000 enterprises is about 10 MiB as XLSX, 20 MiB as CSV.
const MaxImportBytes = 64 << 20

func importRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/imports/{kind}", summary: "import a 台账 (kind: enterprises, persons or departments) from an XLSX or CSV file sent as multipart/form-data field \"file\" (at most 64 MiB); query dry_run=true (the default) checks every row and writes nothing, dry_run=false writes all rows or none; document=文号 is recorded with every change. Answers the report: counts new, changed, unchanged and every bad row's row, column, header and reason (422 when a real import found bad rows). The organisation's administrators of every region the file writes into; 403 names the region",
			response: orgimport.Report{}, handle: (*Server).importLedger},
		{method: "GET", path: "/api/v1/exports/enterprises", summary: "the enterprise register as 台账 (format=xlsx|csv; filters region, industry, sector, risk_class, name as GET /api/v1/orgs lists them), with the 主要负责人's numbers masked; imported again it changes nothing",
			handle: (*Server).exportEnterprises},
		{method: "GET", path: "/api/v1/exports/persons", summary: "persons and their posts as 台账 (format=xlsx|csv; org=code or credit code, or region=code, the caller's area by default; current=true for posts held today), numbers masked; only the posts whose holder's record the caller may read or whose organisation they administer",
			handle: (*Server).exportPersons},
		{method: "GET", path: "/api/v1/exports/cases", summary: "the cases the caller may see as 台账 (format=xlsx|csv; the filters of GET /api/v1/cases), with Chinese headers and states",
			handle: (*Server).exportCases},
	}
}

// administerPost is the caller's post allowed to administer the
// organisation somewhere (its own region, asked first), or a refusal: an
// import is refused before its file is read.
func (s *Server) administerPost(ctx context.Context, c caller) (string, error) {
	for _, p := range c.posts {
		if post, err := s.Warden.AllowedBy(ctx, c.subject(), policy.ActionAdministerOrg, policy.OrgResource(p.Org.RegionPath, 0), nil); err == nil {
			return post, nil
		}
	}
	return "", duty.Fail(duty.EForbidden, "import.not_admin", nil)
}

func (s *Server) importLedger(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	post, err := s.administerPost(ctx, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	kind, err := orgimport.ParseKind(r.PathValue("kind"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	dry := true
	if v := q.Get("dry_run"); v != "" {
		if dry, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.kind", duty.Args{"Param": "dry_run", "Kind": i18n.Ref("json.kind.bool")}))
			return
		}
	}
	path, document, cleanup, err := receiveUpload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer cleanup()
	if document == "" {
		document = q.Get("document")
	}
	sub := c.subject()
	now := s.Now()
	rep, err := (&orgimport.Importer{Store: s.Store}).Import(ctx, path, orgimport.Options{
		Kind: kind, DryRun: dry, Today: now.In(rules.China),
		Change: store.OrgChange{By: c.actor(post), At: now, Document: strings.TrimSpace(document)},
		Authorize: func(ctx context.Context, code, path string) error {
			if s.Warden.Authorize(ctx, sub, policy.ActionAdministerOrg, policy.OrgResource(path, 0), nil) != nil {
				return duty.Fail(duty.EForbidden, "import.region.not_yours", duty.Args{"Code": code})
			}
			return nil
		},
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The reasons of the bad rows, in the caller's language.
	lang := i18n.FromRequest(r)
	for i, e := range rep.Errors {
		rep.Errors[i] = e.In(lang)
	}
	status := http.StatusOK
	if !dry && !rep.OK() {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rep)
}

// receiveUpload writes the multipart field "file" to a temporary file,
// never holding it in memory, and reads the optional field "document".
func receiveUpload(w http.ResponseWriter, r *http.Request) (path, document string, cleanup func(), err error) {
	cleanup = func() {}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", cleanup, duty.Fail(duty.EInvalid, "import.not_multipart", nil)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			cleanup()
			return "", "", func() {}, uploadError(err)
		}
		switch part.FormName() {
		case "document":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				cleanup()
				return "", "", func() {}, uploadError(err)
			}
			document = string(b)
		case "file":
			if path != "" {
				cleanup()
				return "", "", func() {}, duty.Fail(duty.EInvalid, "import.one_file", nil)
			}
			format, err := ledger.FormatOf(part.FileName())
			if err != nil {
				return "", "", cleanup, duty.FailWith(duty.EInvalid, err)
			}
			path, cleanup, err = saveTemp(part, format)
			if err != nil {
				return "", "", func() {}, err
			}
		}
		part.Close()
	}
	if path == "" {
		return "", "", cleanup, duty.Fail(duty.EInvalid, "import.no_file", nil)
	}
	return path, document, cleanup, nil
}

func saveTemp(part *multipart.Part, format ledger.Format) (string, func(), error) {
	f, err := os.CreateTemp("", "duty-import-*."+string(format))
	if err != nil {
		return "", func() {}, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	n, err := io.Copy(f, io.LimitReader(part, MaxImportBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > MaxImportBytes {
		err = duty.Fail(duty.EInvalid, "import.too_large", duty.Args{"MiB": MaxImportBytes >> 20})
	}
	if err != nil {
		cleanup()
		return "", func() {}, uploadError(err)
	}
	return f.Name(), cleanup, nil
}

func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return duty.Fail(duty.EInvalid, "import.too_large", duty.Args{"MiB": MaxImportBytes >> 20})
	}
	if duty.ErrorCode(err) != duty.EInternal {
		return err
	}
	return duty.Fail(duty.EInvalid, "import.upload.unreadable", nil)
}

// exportFormat reads format=xlsx|csv (xlsx by default).
func exportFormat(r *http.Request) (ledger.Format, error) {
	switch f := strings.ToLower(r.URL.Query().Get("format")); f {
	case "", "xlsx":
		return ledger.XLSX, nil
	case "csv":
		return ledger.CSV, nil
	}
	return "", duty.Fail(duty.EInvalid, "import.format", nil)
}

// startDownload sets the headers of a ledger download named name (without
// its extension, Chinese welcome: RFC 5987 carries it in UTF-8).
func startDownload(w http.ResponseWriter, format ledger.Format, name string) {
	file := name + "." + string(format)
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
		asciiFallback(file), url.PathEscape(file)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
}

// asciiFallback is a file name for clients that ignore filename*.
func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			continue
		}
		b.WriteRune(r)
	}
	ext := filepath.Ext(name)
	if strings.TrimSuffix(b.String(), ext) == "" {
		return "export" + ext
	}
	return b.String()
}

// download streams a ledger: write is told where; an error before the
// first byte is answered as JSON, after it only logged (the headers are
// gone; the client sees a cut-off file).
func (s *Server) download(w http.ResponseWriter, r *http.Request, format ledger.Format, name string, write func(io.Writer) error) {
	lw := &lazyWriter{w: w, start: func() { startDownload(w, format, name+"-"+s.Now().In(rules.China).Format("20060102")) }}
	if err := write(lw); err != nil {
		if !lw.started {
			s.writeError(w, r, err)
			return
		}
		s.Logger.ErrorContext(r.Context(), "export cut off", "path", r.URL.Path, "err", err)
	}
}

type lazyWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}

func (s *Server) exportEnterprises(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.EnterpriseFilter{RegionCode: q.Get("region"), IndustryCode: q.Get("industry"), Sector: q.Get("sector"),
		RiskClass: q.Get("risk_class"), NameContains: q.Get("name")}
	// A bad filter is answered before the download starts.
	probe := f
	probe.Limit = 1
	if _, err := s.Store.ListEnterprises(r.Context(), probe); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.download(w, r, format, "企业台账", func(out io.Writer) error {
		return orgimport.ExportEnterprises(r.Context(), s.Store, out, format, f, s.Now().In(rules.China))
	})
}

func (s *Server) exportPersons(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	var f store.OrgPostFilter
	switch {
	case q.Get("org") != "":
		ref := q.Get("org")
		o, err := s.Store.OrgByCode(ctx, s.Store.Pool, ref)
		if duty.ErrorCode(err) == duty.ENotFound {
			o, err = s.Store.OrgByCreditCode(ctx, s.Store.Pool, ref)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f.OrgID = o.ID
	case q.Get("region") != "":
		if f.RegionPath, err = s.Store.RegionPath(ctx, q.Get("region")); err != nil {
			s.writeError(w, r, err)
			return
		}
	default:
		scope, ok := c.scope()
		if !ok {
			s.writeError(w, r, duty.Fail(duty.EForbidden, "import.no_post", nil))
			return
		}
		if scope.EnterpriseID != 0 {
			f.OrgID = scope.EnterpriseID
		} else {
			f.RegionPath = scope.RegionPath
		}
	}
	if v := q.Get("current"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.kind", duty.Args{"Param": "current", "Kind": i18n.Ref("json.kind.bool")}))
			return
		}
		if b {
			f.HeldOn = s.Now().In(rules.China)
		}
	}
	sub := c.subject()
	administers := map[int64]bool{}
	see := func(p store.OrgPost) bool {
		if p.PersonID == c.person.ID {
			return true
		}
		ok, asked := administers[p.OrgID]
		if !asked {
			ok = s.Warden.Authorize(ctx, sub, policy.ActionAdministerOrg, policy.OrgResource(p.Path, p.OrgID), nil) == nil
			administers[p.OrgID] = ok
		}
		return ok || s.Warden.Authorize(ctx, sub, policy.ActionReadRecord, policy.PersonResource(p.Path, p.OrgID, p.PersonID), nil) == nil
	}
	s.download(w, r, format, "人员任职台账", func(out io.Writer) error {
		return orgimport.ExportPersons(ctx, s.Store, out, format, f, see)
	})
}

// caseSchema is the case list as 台账.
var caseSchema = ledger.Schema{Name: "案件台账", Columns: []ledger.Column{
	{Key: "case_no", Header: "案件编号"}, {Key: "kind", Header: "类别"}, {Key: "state", Header: "状态"}, {Key: "grade", Header: "等级"},
	{Key: "title", Header: "案由"}, {Key: "enterprise", Header: "企业"}, {Key: "region", Header: "所属地区"}, {Key: "industry", Header: "行业"},
	{Key: "acting", Header: "办理单位"}, {Key: "opened", Header: "立案日期"}, {Key: "closed", Header: "结案日期"},
	{Key: "next", Header: "下一期限"}, {Key: "overdue", Header: "是否逾期"},
}}

// chinese is the Chinese part of a label ("已销号 closed" → "已销号").
func chinese(label string) string {
	before, _, _ := strings.Cut(label, " ")
	return before
}

// caseStateName is a case's state in Chinese.
func caseStateName(k cases.Kind, state string) string {
	switch k {
	case cases.KindHazard:
		return chinese(hazard.State(state).Label())
	case cases.KindTalk:
		return chinese(talk.State(state).Label())
	case cases.KindPenalty:
		return chinese(penalty.State(state).Label())
	case cases.KindEscalation:
		return chinese(escalation.State(state).Label())
	case cases.KindAccident:
		return chinese(accident.State(state).Label())
	}
	return state
}

func (s *Server) exportCases(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.caseFilter(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The first page is read before the download starts, so that a
	// refusal is answered as JSON.
	f.Limit = 500
	rows, next, err := s.visibleCases(r, c, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	china := rules.China
	date := func(t time.Time) string { return t.In(china).Format(time.DateOnly) }
	s.download(w, r, format, "案件台账", func(out io.Writer) error {
		lw, err := ledger.NewWriter(out, format, caseSchema)
		if err != nil {
			return err
		}
		for {
			for _, row := range rows {
				cs := row.Summary
				closed, due, overdue := "", "", "否"
				if cs.ClosedAt != nil {
					closed = date(*cs.ClosedAt)
				}
				if d, ok := cs.NextDeadline(); ok {
					due = date(d)
				}
				if cs.Overdue {
					overdue = "是"
				}
				grade := ""
				if cs.Grade != "" {
					grade = chinese(hazard.Grade(cs.Grade).Label())
				}
				if err := lw.Write(cs.CaseNo, chinese(cs.Kind.Label()), caseStateName(cs.Kind, cs.State), grade, cs.Title, cs.Enterprise.Name,
					cs.RegionCode, orgimport.SectorName(cs.Industry), cs.ActingOrg.Name, date(cs.OpenedAt), closed, due, overdue); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			f.AfterCaseNo = next
			if rows, next, err = s.visibleCases(r, c, f); err != nil {
				return err
			}
		}
		return lw.Close()
	})
}
