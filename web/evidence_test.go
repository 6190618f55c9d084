package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAPI answers as the API would for an enterprise manager on one open
// hazard awaiting completion: the visitor, the case, and the completion
// step — refused or taken as the test says.
type fakeAPI struct {
	stepStatus int // the answer to the completion step
	stepsSent  int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/v1/me":
		_, _ = w.Write([]byte(`{"id":11,"login":"qian.zong","name":"钱宏达","posts":[{"id":1,"role":"enterprise_head","org":{"id":7,"kind":"enterprise","name":"宏达建筑"}}]}`))
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/cases/YH-140502-2026-000001":
		_, _ = w.Write([]byte(`{"case":{"workflow_id":"hazard/YH-140502-2026-000001","case_no":"YH-140502-2026-000001","kind":"hazard","state":"ordered","next_actions":["report_completion"]},"timeline":[]}`))
	case r.URL.Path == "/api/v1/orgs":
		_, _ = w.Write([]byte(`{"orgs":[]}`))
	case r.URL.Path == "/api/v1/cases/YH-140502-2026-000001/documents":
		_, _ = w.Write([]byte(`{"documents":[]}`))
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/hazards/YH-140502-2026-000001/completion":
		f.stepsSent++
		w.WriteHeader(f.stepStatus)
		if f.stepStatus == http.StatusOK {
			_, _ = w.Write([]byte(`{"case":{"case_no":"YH-140502-2026-000001"}}`))
		} else {
			_, _ = w.Write([]byte(`{"code":"conflict","message":"refused"}`))
		}
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":"not_found","message":"no case"}`))
	}
}

// postCompletion posts the completion form with one evidence file.
func postCompletion(h http.Handler, caseNo string, file []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("form", "hazard:report_completion")
	_ = mw.WriteField("summary", "已补设")
	fw, _ := mw.CreateFormFile("evidence", "整改后照片.jpg")
	_, _ = fw.Write(file)
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/cases/"+caseNo+"/act", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// folder lists the evidence folder's files.
func folder(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Evidence is kept only for a step that is taken: an unknown case, a
// refused step or a visitor past their quota leave nothing in the folder.
func TestEvidenceIsKeptOnlyWhenItsStepIsTaken(t *testing.T) {
	dir := t.TempDir()
	api := &fakeAPI{stepStatus: http.StatusConflict}
	s := &Server{API: api, EvidenceDir: dir, EvidenceQuota: 1 << 20, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.Handler()
	photo := bytes.Repeat([]byte("照片"), 1000)

	if w := postCompletion(h, "YH-140502-2026-999999", photo); w.Code != http.StatusNotFound || len(folder(t, dir)) != 0 {
		t.Fatalf("a case that does not exist: %d, folder %v", w.Code, folder(t, dir))
	}
	if w := postCompletion(h, "YH-140502-2026-000001", photo); w.Code != http.StatusConflict || len(folder(t, dir)) != 0 {
		t.Fatalf("a refused step: %d, folder %v", w.Code, folder(t, dir))
	}
	api.stepStatus = http.StatusOK
	if w := postCompletion(h, "YH-140502-2026-000001", photo); w.Code != http.StatusSeeOther {
		t.Fatalf("a step taken: %d %s", w.Code, w.Body)
	}
	sum := sha256.Sum256(photo)
	name := hex.EncodeToString(sum[:])
	if got := folder(t, dir); len(got) != 2 || got[0] != name || got[1] != name+".cases" {
		t.Fatalf("after the step was taken the folder holds %v, want the photo under its SHA-256 and the list of its cases", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, name+".cases")); err != nil || string(b) != "YH-140502-2026-000001\n" {
		t.Fatalf("the photo's cases: %q %v", b, err)
	}
	// The quota is a megabyte a day: the next photo of 1.5 MB is refused
	// before the step is sent.
	sent := api.stepsSent
	big := bytes.Repeat([]byte("x"), 3<<19)
	if w := postCompletion(h, "YH-140502-2026-000001", big); w.Code != http.StatusRequestEntityTooLarge || api.stepsSent != sent ||
		!strings.Contains(w.Body.String(), "今日上传已达上限") || len(folder(t, dir)) != 2 {
		t.Fatalf("past the quota: %d, steps sent %d, folder %v", w.Code, api.stepsSent-sent, folder(t, dir))
	}
}
