package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/orgimport"
)

// OrgAdmin says whether the visitor keeps a region's organisation (组织管理员):
// the ledgers page then offers to import. Whether they may import into
// the regions a file names is the API's to decide.
func (m *me) OrgAdmin() bool {
	return slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Role == org.RoleOrgAdmin })
}

// ledgersData is the ledgers page (台账): the import form, the report of
// the last dry run or import, and the exports.
type ledgersData struct {
	Kinds    []orgimport.Kind
	Kind     orgimport.Kind
	Document string
	File     string
	Report   *orgimport.Report
	// Upload names the checked file kept for the confirmation, "" when
	// there is nothing to confirm.
	Upload string
}

func (s *Server) ledgersPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, func(*me) bool { return true }, "")
	if !ok {
		return
	}
	s.renderLedgers(w, m, http.StatusOK, ledgersData{Kind: orgimport.Enterprises}, "", "")
}

func (s *Server) renderLedgers(w http.ResponseWriter, m *me, status int, d ledgersData, notice, msg string) {
	d.Kinds = orgimport.Kinds
	s.render(w, status, "ledgers", page{TitleID: "title.ledgers", Me: m, Data: d, Notice: notice, Error: msg, Now: time.Now(), Section: "ledgers"})
}

// uploadDir keeps files checked by a dry run until they are confirmed,
// for an hour at most, named by the visitor and a random token.
func (s *Server) uploadDir() string {
	return filepath.Join(os.TempDir(), "duty-ledger-uploads")
}

// importLedger is both steps of an import from the page: an upload is
// checked (a dry run) and kept; a confirmation imports the kept file.
func (s *Server) importLedger(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).OrgAdmin, "forbid.import")
	if !ok {
		return
	}
	s.sweepUploads()
	d := ledgersData{Kind: orgimport.Enterprises}
	lang := i18n.FromRequest(r)
	refuse := func(err error) {
		s.renderLedgers(w, m, http.StatusBadRequest, d, "", duty.ErrorText(lang, duty.FailWith(duty.EInvalid, err)))
	}
	var path string
	confirm := false
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		r.Body = http.MaxBytesReader(w, r.Body, api.MaxImportBytes+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			refuse(duty.Fail(duty.EInvalid, "form.unreadable", nil))
			return
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				refuse(duty.Fail(duty.EInvalid, "import.upload.unreadable", nil))
				return
			}
			switch part.FormName() {
			case "kind":
				b, _ := io.ReadAll(io.LimitReader(part, 64))
				d.Kind = orgimport.Kind(b)
			case "document":
				b, _ := io.ReadAll(io.LimitReader(part, 1024))
				d.Document = strings.TrimSpace(string(b))
			case "file":
				if part.FileName() == "" {
					continue
				}
				if path != "" {
					os.Remove(path)
				}
				d.File = filepath.Base(part.FileName())
				if path, err = s.keepUpload(m, part); err != nil {
					refuse(err)
					return
				}
			}
		}
	} else {
		if err := parseForm(r); err != nil {
			refuse(duty.Fail(duty.EInvalid, "form.unreadable", nil))
			return
		}
		d.Kind, d.Document, d.File = orgimport.Kind(r.PostForm.Get("kind")), r.PostForm.Get("document"), r.PostForm.Get("file")
		var err error
		if path, err = s.keptUpload(m, r.PostForm.Get("upload")); err != nil {
			refuse(err)
			return
		}
		confirm = true
	}
	if path == "" {
		refuse(duty.Fail(duty.EInvalid, "import.no_file", nil))
		return
	}
	rep, status, err := s.sendImport(r, d.Kind, path, d.File, d.Document, !confirm)
	if err != nil {
		os.Remove(path)
		var e *apiError
		if errors.As(err, &e) {
			s.renderLedgers(w, m, e.Status, d, "", e.Message)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	d.Report = &rep
	switch {
	case confirm || !rep.OK():
		os.Remove(path)
	default:
		d.Upload = filepath.Base(path)
	}
	notice := ""
	if rep.Committed {
		notice = i18n.T(lang, "ledgers.imported.notice", i18n.Args{"File": d.File, "New": rep.New, "Changed": rep.Changed, "Unchanged": rep.Unchanged})
	}
	s.renderLedgers(w, m, status, d, notice, "")
}

// keepUpload writes an uploaded file to the upload folder under the
// visitor's id and a random token.
func (s *Server) keepUpload(m *me, part *multipart.Part) (string, error) {
	format, err := ledger.FormatOf(part.FileName())
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.uploadDir(), 0o700); err != nil {
		return "", err
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	path := filepath.Join(s.uploadDir(), fmt.Sprintf("%d-%s.%s", m.ID, hex.EncodeToString(b[:]), format))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(part, api.MaxImportBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > api.MaxImportBytes {
		err = duty.Fail(duty.EInvalid, "import.too_large", duty.Args{"MiB": api.MaxImportBytes >> 20})
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// keptUpload finds a file kept for the visitor: a name of another
// visitor's, or any other name, is not found.
func (s *Server) keptUpload(m *me, name string) (string, error) {
	prefix := strconv.FormatInt(m.ID, 10) + "-"
	if !strings.HasPrefix(name, prefix) || name != filepath.Base(name) || strings.ContainsAny(name, `/\`) {
		return "", duty.Fail(duty.EInvalid, "ledgers.upload.none", nil)
	}
	path := filepath.Join(s.uploadDir(), name)
	if _, err := os.Stat(path); err != nil {
		return "", duty.Fail(duty.EInvalid, "ledgers.upload.expired", nil)
	}
	return path, nil
}

// sweepUploads removes kept files older than an hour.
func (s *Server) sweepUploads() {
	entries, _ := os.ReadDir(s.uploadDir())
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.Remove(filepath.Join(s.uploadDir(), e.Name()))
		}
	}
}

// sendImport posts the file to the API in-process as the visitor, the
// body streamed from the file.
func (s *Server) sendImport(r *http.Request, kind orgimport.Kind, path, name, document string, dry bool) (orgimport.Report, int, error) {
	var rep orgimport.Report
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := mw.WriteField("document", document); err != nil {
				return err
			}
			fw, err := mw.CreateFormFile("file", name+filepath.Ext(path))
			if err != nil {
				return err
			}
			if _, err := io.Copy(fw, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	// The API answers in the visitor's language: the report's reasons too.
	q := url.Values{"dry_run": {strconv.FormatBool(dry)}, "lang": {i18n.FromRequest(r)}}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/api/v1/imports/"+url.PathEscape(string(kind))+"?"+q.Encode(), pr)
	if err != nil {
		return rep, 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.RemoteAddr = r.RemoteAddr
	if t := token(r); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.API.ServeHTTP(rec, req)
	_, _ = io.Copy(io.Discard, pr) // let the writer finish if the API stopped reading
	if rec.status >= 300 && rec.status != http.StatusUnprocessableEntity {
		e := &apiError{Status: rec.status}
		if json.Unmarshal(rec.body.Bytes(), e) != nil || e.Message == "" {
			e.Message = http.StatusText(rec.status)
		}
		return rep, 0, e
	}
	return rep, rec.status, json.Unmarshal(rec.body.Bytes(), &rep)
}

// exportLedger downloads a ledger: the API's answer, streamed to the
// visitor as it comes.
func (s *Server) exportLedger(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, func(*me) bool { return true }, "")
	if !ok {
		return
	}
	list := r.PathValue("list")
	if !slices.Contains([]string{"enterprises", "persons", "cases", "statistics", "trend", "rankings", "escalations"}, list) {
		s.fail(w, r, m, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.no_ledger", nil)})
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/api/v1/exports/"+list+"?"+r.URL.RawQuery, http.NoBody)
	if err != nil {
		s.fail(w, r, m, err)
		return
	}
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("Authorization", "Bearer "+token(r))
	s.API.ServeHTTP(w, req)
}
