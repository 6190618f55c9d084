// Package web serves duty's pages for the three kinds of user: the
// regulator's desk, the enterprise's inbox and the supervisors' board,
// with a page per case. Pages are rendered on the server from templates
// embedded in the binary.
//
// Every page is a client of the JSON API, called in-process with the
// visitor's token: what a page shows and what an action does are decided
// by exactly the same authentication, Ladon policies, validation and
// workflow rules as the API, and a refusal reaches the visitor with the
// API's own message.
package web

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Server serves the pages. API is duty's JSON API handler; EvidenceDir is
// where uploaded evidence files are kept, named by their SHA-256.
type Server struct {
	API         http.Handler
	EvidenceDir string
	// EvidenceQuota is what one person may upload in a day, EvidenceCap
	// what the evidence folder may hold; 0 means the defaults.
	EvidenceQuota, EvidenceCap int64
	Logger                     *slog.Logger
	// OIDC offers sign-in through the province's identity provider on
	// the login page (the API must have it configured).
	OIDC bool
	// Now is the clock that decides when to refresh a token; tests may
	// replace it.
	Now func() time.Time

	pages     map[string]map[string]*template.Template
	evidence  *evidenceFiles
	refreshes refresher
}

// cookieName holds the visitor's API access token (session.go).
const cookieName = "duty_token"

// Handler returns the pages' HTTP handler.
func (s *Server) Handler() http.Handler {
	s.pages = parsePages()
	s.evidence = &evidenceFiles{dir: s.EvidenceDir, quota: cmp.Or(s.EvidenceQuota, defaultEvidenceQuota), capacity: cmp.Or(s.EvidenceCap, defaultEvidenceCap)}
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /login/oidc", s.oidcLogin)
	mux.HandleFunc("GET /login/oidc/callback", s.oidcCallback)
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /desk", s.desk)
	mux.HandleFunc("POST /desk/hazards", s.openHazard)
	mux.HandleFunc("POST /desk/inspections", s.openInspection)
	mux.HandleFunc("GET /rescue", s.rescuePage)
	mux.HandleFunc("GET /duties", s.dutiesPage)
	mux.HandleFunc("POST /rescue/inspections", s.openRescue)
	mux.HandleFunc("POST /desk/plans", s.openPlan)
	mux.HandleFunc("POST /plans/{caseNo}/draws", s.drawOnPlan)
	mux.HandleFunc("GET /public/inspections", s.publicInspections)
	mux.HandleFunc("GET /public/reports", s.publicReport)
	mux.HandleFunc("POST /public/reports", s.filePublicReport)
	mux.HandleFunc("GET /public/reports/follow", s.followPublicReport)
	mux.HandleFunc("GET /public/reports/{code}", s.publicReportStatus)
	mux.HandleFunc("POST /cases/{caseNo}/reporter", s.showReporter)
	mux.HandleFunc("GET /campaigns", s.campaigns)
	mux.HandleFunc("POST /campaigns", s.startCampaign)
	mux.HandleFunc("GET /campaigns/{caseNo}/board", s.campaignBoard)
	mux.HandleFunc("GET /inbox", s.inbox)
	mux.HandleFunc("GET /board", s.board)
	mux.HandleFunc("GET /board/cases", s.boardCases)
	mux.HandleFunc("GET /cases/{caseNo}", s.casePage)
	mux.HandleFunc("POST /cases/{caseNo}/act", s.act)
	mux.HandleFunc("GET /cases/{caseNo}/evidence/{sha256}", s.evidenceFile)
	mux.HandleFunc("GET /cases/{caseNo}/evidence/{sha256}/thumb", s.evidenceThumb)
	mux.HandleFunc("GET /cases/{caseNo}/evidence/{sha256}/view", s.evidenceViewer)
	mux.HandleFunc("GET /policies", s.policiesPage)
	mux.HandleFunc("GET /people/{id}", s.recordPage)
	mux.HandleFunc("GET /ledgers", s.ledgersPage)
	mux.HandleFunc("POST /ledgers/import", s.importLedger)
	mux.HandleFunc("GET /ledgers/export/{list}", s.exportLedger)
	mux.HandleFunc("GET /accidents", s.accidentsPage)
	mux.HandleFunc("POST /accidents", s.openAccident)
	mux.HandleFunc("GET /notices", s.noticesPage)
	mux.HandleFunc("POST /notices/{id}/read", s.readNotice)
	mux.HandleFunc("POST /notices/read", s.readNotices)
	s.organisationRoutes(mux)
	mux.HandleFunc("POST /policies/proposals/{id}/{decision}", s.decideProposal)
	mux.HandleFunc("GET /cases/{caseNo}/documents/{docID}", s.document)
	mux.HandleFunc("GET /cases/{caseNo}/archive", s.caseArchive)
	mux.HandleFunc("POST /cases/{caseNo}/documents/{docID}/service", s.serveDocument)
	// A form posted from another site (a forged step, or a login into the
	// attacker's account) is refused: browsers say where a request comes
	// from (Sec-Fetch-Site, or Origin, "null" included), and only this
	// site's own pages may post. The session cookie is SameSite=Lax too.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, i18n.T(i18n.FromRequest(r), "web.cross_site_refused", nil), http.StatusForbidden)
	}))
	return securityHeaders(csrf.Handler(s.keepSession(withLang(mux))))
}

// pagePolicy is the Content-Security-Policy of every page: its own styles
// and nothing else — no scripts, plugins, frames or other sites' forms —
// and no site may frame it (clickjacking). A document's page carries the
// document's own policy instead.
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets what every page answer needs: its content policy,
// no framing, no referrer beyond this site, and no caching of pages that
// show case data (a shared computer's browser would keep them).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pagePolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// localPath is next if it is a path on this site, and "/" otherwise: the
// page after login must not lead elsewhere. Browsers read a backslash as
// a slash, so "/\evil.example" is another site just as "//evil.example" is.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\t\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// apiError is the API's error body, and the status it came with.
type apiError struct {
	Status  int             `json:"-"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

// call sends one request to the API in-process as the visitor and decodes
// the answer into out (when not nil). A refusal comes back as *apiError.
func (s *Server) call(r *http.Request, method, path string, body, out any) error {
	rec, err := s.send(r, method, path, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

// send sends one request to the API in-process as the visitor (the
// access token as the bearer token) and returns the answer as
// it came; a refusal comes back as *apiError.
func (s *Server) send(r *http.Request, method, path string, body any) (*recorder, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	// The API answers, refusals included, in the visitor's language.
	req.Header.Set("Accept-Language", i18n.FromRequest(r))
	// The API limits logins per client address: the visitor's, not ours.
	req.RemoteAddr = r.RemoteAddr
	if t := token(r); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.API.ServeHTTP(rec, req)
	if rec.status >= 300 {
		e := &apiError{Status: rec.status}
		if json.Unmarshal(rec.body.Bytes(), e) != nil || e.Message == "" {
			e.Message = http.StatusText(rec.status)
		}
		return nil, e
	}
	return rec, nil
}

// recorder collects an in-process API answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// page is what every template gets: the visitor, the page's data, and a
// message to show (an error or a notice). Lang and Languages are filled in
// by render: the page's language and the language switch's links.
type page struct {
	// TitleID is the message that names the page, shown before Title
	// (the data part of a title: a case number, a file's name).
	TitleID string
	Title   string
	Me      *me
	Data    any
	Error   string
	Notice  string
	Posted  url.Values
	Now     time.Time
	Section string
	// Period is what a printed page says it covers (统计期间, the list's
	// filter), beside who printed it and when.
	Period string
	// Lang and Languages are filled in by render: the page's language
	// and the language switch's links.
	Lang      string
	Languages []langOption
}

// render writes a page with the layout, in the request's language; status
// is the HTTP status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	lang, here := langOf(w)
	p.Lang, p.Languages = lang, langOptions(lang, here)
	t, ok := s.pages[lang][name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.Logger.Error("render page", "page", name, "error", err)
		http.Error(w, i18n.T(lang, "error.internal", nil), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail shows a refusal or failure as a page with the API's status and
// message; an expired or missing session goes to the login page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, m *me, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		s.Logger.Error("page", "path", r.URL.Path, "error", err)
		e = &apiError{Status: http.StatusInternalServerError, Message: i18n.T(i18n.FromRequest(r), "error.internal", nil)}
	}
	if e.Status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	lang := i18n.FromRequest(r)
	title := i18n.T(lang, "error.title.other", i18n.Args{"Status": e.Status})
	if id := fmt.Sprintf("error.title.%d", e.Status); i18n.Has(lang, id) {
		title = i18n.T(lang, id, nil)
	}
	s.render(w, e.Status, "error", page{Title: title, Me: m, Error: e.Message, Now: time.Now()})
}

// me is the visitor as the API describes them, with the kinds of user
// their posts make them.
type me struct {
	ID    int64    `json:"id"`
	Login string   `json:"login"`
	Name  string   `json:"name"`
	Posts []mePost `json:"posts"`
}

// mePost is one of the visitor's posts.
type mePost struct {
	ID    int64  `json:"id"`
	Role  string `json:"role"`
	Title string `json:"title"`
	Org   struct {
		ID         int64  `json:"id"`
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		RegionCode string `json:"region_code"`
		// RegionLevel is the level of the organisation's region (county,
		// city, province): who investigates and approves an accident.
		RegionLevel string `json:"region_level"`
	} `json:"org"`
}

// Regulator, Enterprise and Supervisor say which pages are the visitor's:
// a department's officers work at the desk, an enterprise's persons in
// the inbox, party and government leaders (and departments, for their
// statistics and escalations) at the board.
func (m *me) Regulator() bool  { return m.has(org.KindDepartment) }
func (m *me) Enterprise() bool { return m.has(org.KindEnterprise) }

// DepartmentHead says the visitor heads a department: a closed case's
// page offers them its case file (案卷). The API decides whether they may
// have it (case:archive); this only spares the others a link to a refusal.
func (m *me) DepartmentHead() bool {
	for _, p := range m.Posts {
		if p.Org.Kind == org.KindDepartment && p.Role == org.RoleDeptHead {
			return true
		}
	}
	return false
}

// Rescue says the visitor serves in a rescue team (救援队伍): the team's
// page is theirs.
func (m *me) Rescue() bool { return m.has(org.KindRescueTeam) }

func (m *me) Supervisor() bool {
	return m.has(org.KindPartyCommittee) || m.has(org.KindGovernment) || m.has(org.KindDepartment)
}

// Side is the side of the case the visitor acts on: the regulator's or
// the enterprise's (see cases.Side*).
func (m *me) Side() string {
	if m.Enterprise() && !m.Regulator() {
		return cases.SideEnterprise
	}
	if m.Rescue() && !m.Regulator() {
		return cases.SideRescue
	}
	return cases.SideRegulator
}

func (m *me) has(kind string) bool {
	for _, p := range m.Posts {
		if p.Org.Kind == kind {
			return true
		}
	}
	return false
}

// whoami reads the visitor from the API; no session is a 401.
func (s *Server) whoami(r *http.Request) (*me, error) {
	var m me
	if err := s.call(r, http.MethodGet, "/api/v1/me", nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login", page{Title: i18n.T(i18n.FromRequest(r), "login.title", nil), Data: loginData{Next: r.URL.Query().Get("next"), OIDC: s.OIDC}, Now: time.Now()})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		lang := i18n.FromRequest(r)
		s.render(w, http.StatusBadRequest, "login", page{Title: i18n.T(lang, "login.title", nil), Error: i18n.T(lang, "web.form_unreadable", nil), Data: loginData{OIDC: s.OIDC}, Now: time.Now()})
		return
	}
	var pair tokenPair
	err := s.call(r, http.MethodPost, "/api/v1/login", map[string]string{"login": r.PostForm.Get("login"), "password": r.PostForm.Get("password")}, &pair)
	if err != nil {
		s.loginFailed(w, r, err, r.PostForm.Get("next"))
		return
	}
	// Session cookies (no expiry: gone when the browser closes; the tokens
	// inside expire on their own), Secure when the page came over TLS.
	setTokens(w, r, pair)
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	// The session ends on the server too, so both tokens are dead even if
	// a copy of the cookies survives; a session already over is no matter.
	_, _ = s.send(r, http.MethodPost, "/api/v1/logout", nil)
	clearTokens(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// home sends the visitor to their own page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, homeOf(m), http.StatusSeeOther)
}

// forbidden is the page for a visitor on a page that is not theirs: why
// (message id of the catalogue; none when empty), and their own page.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, m *me, id string) {
	lang := i18n.FromRequest(r)
	home := "/"
	if m != nil {
		home = homeOf(m)
	}
	what := i18n.T(lang, "forbid.your_home", i18n.Args{"Home": home})
	if id != "" {
		what = i18n.T(lang, "forbid.why", i18n.Args{"Why": i18n.Ref(id), "Home": home})
	}
	s.fail(w, r, m, &apiError{Status: http.StatusForbidden, Message: what})
}

// Site serves duty's one HTTP address: the JSON API (and its health,
// document and metrics endpoints) where the path says so, the pages
// everywhere else.
func Site(apiHandler http.Handler, pages *Server) http.Handler {
	ph := pages.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/openapi.json" || p == "/metrics" {
			apiHandler.ServeHTTP(w, r)
			return
		}
		ph.ServeHTTP(w, r)
	})
}
