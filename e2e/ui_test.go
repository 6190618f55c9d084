package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

var uiLine = regexp.MustCompile(`Temporal Web UI on (http://[0-9.:]+) \(namespace duty\)`)

// get fetches url and returns the status, content type and body.
func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// TestTemporalWebUIShowsCaseHistory opens a hazard through duty's API and
// reads its workflow, and the workflow's history, back through the Temporal
// Web UI that `duty dev` serves beside the embedded server.
func TestTemporalWebUIShowsCaseHistory(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--ui-port", "0")
	m := uiLine.FindStringSubmatch(duty.output.String())
	if m == nil {
		t.Fatalf("no Temporal Web UI line in the output:\n%s", duty.output.String())
	}
	ui := m[1]
	if !strings.HasPrefix(ui, "http://127.0.0.1:") || strings.HasSuffix(ui, ":0") {
		t.Fatalf("UI on %s, want a loopback port", ui)
	}

	// The UI's pages, from the assets embedded in the ui-server module.
	for _, page := range []string{"/", "/namespaces/duty/workflows"} {
		status, ctype, body := get(t, ui+page)
		if status != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(strings.ToLower(string(body)), "<!doctype html") {
			t.Fatalf("GET %s: %d %s\n%.300s", page, status, ctype, body)
		}
	}
	var settings struct {
		DefaultNamespace    string
		DisableWriteActions bool
	}
	if status, _, body := get(t, ui+"/api/v1/settings"); status != 200 || json.Unmarshal(body, &settings) != nil ||
		settings.DefaultNamespace != "duty" || !settings.DisableWriteActions {
		t.Fatalf("UI settings: %d %s", status, body)
	}

	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	workflowID := "hazard/" + caseOf(opened)["case_no"].(string)

	// The UI's API is a proxy (grpc-gateway) to the frontend: the case's
	// workflow appears in the namespace's list once visibility has it.
	type execution struct {
		WorkflowID string `json:"workflowId"`
		RunID      string `json:"runId"`
	}
	var runID string
	for end := time.Now().Add(30 * time.Second); runID == "" && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		status, _, body := get(t, ui+"/api/v1/namespaces/duty/workflows")
		var list struct {
			Executions []struct {
				Execution execution `json:"execution"`
				Type      struct{ Name string }
				Status    string
			}
		}
		if status != 200 || json.Unmarshal(body, &list) != nil {
			t.Fatalf("GET /api/v1/namespaces/duty/workflows: %d %s", status, body)
		}
		for _, e := range list.Executions {
			if e.Execution.WorkflowID == workflowID {
				if e.Type.Name != "HazardRectification" || e.Status != "WORKFLOW_EXECUTION_STATUS_RUNNING" {
					t.Fatalf("workflow %s listed as %s, %s", workflowID, e.Type.Name, e.Status)
				}
				runID = e.Execution.RunID
			}
		}
	}
	if runID == "" {
		t.Fatalf("workflow %s never appeared in the UI's list", workflowID)
	}

	// Its history, as the UI's history page reads it.
	escaped := url.PathEscape(workflowID)
	status, _, body := get(t, ui+"/api/v1/namespaces/duty/workflows/"+escaped+"/history?execution.runId="+runID)
	var history struct {
		History struct {
			Events []struct{ EventType string }
		}
	}
	if status != 200 || json.Unmarshal(body, &history) != nil || len(history.History.Events) == 0 ||
		history.History.Events[0].EventType != "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED" {
		t.Fatalf("history of %s: %d %.500s", workflowID, status, body)
	}
	if status, ctype, _ := get(t, ui+"/namespaces/duty/workflows/"+escaped+"/"+runID+"/history"); status != 200 || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("history page: %d %s", status, ctype)
	}

	// Read-only: changing a case is for duty's API, under policy and audit.
	req, err := http.NewRequest("POST", ui+"/api/v1/namespaces/duty/workflows/"+escaped+"/terminate", strings.NewReader(`{"reason":"ui"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer x") // past the UI's CSRF check, to its write guard
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("terminate through the UI: %d, want 405", resp.StatusCode)
	}
	if c := inspector.must(200, "GET", "/api/v1/cases/"+caseOf(opened)["case_no"].(string), nil); state(c) != "reported" {
		t.Fatalf("case state %s after the refused terminate", state(c))
	}

	if err := duty.stop(syscall.SIGINT); err != nil {
		t.Fatalf("Ctrl-C did not stop duty cleanly: %v", err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(ui, "http://"), time.Second); err == nil {
		t.Fatal("the UI still answers after duty stopped")
	}
}

// TestTemporalWebUIOffOrPortTaken: --ui-port -1 starts no UI, and a taken
// port costs only the UI, not `duty dev`.
func TestTemporalWebUIOffOrPortTaken(t *testing.T) {
	off := start(t, dataDir(t), pgtest.NewDatabase(t), "--ui-port", "-1")
	if strings.Contains(off.output.String(), "Temporal Web UI") {
		t.Fatalf("--ui-port -1 started a UI:\n%s", off.output.String())
	}
	if err := off.stop(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	busy := start(t, dataDir(t), pgtest.NewDatabase(t), "--ui-port", port)
	if !strings.Contains(busy.output.String(), "Temporal Web UI not started") || !strings.Contains(busy.output.String(), ":"+port) {
		t.Fatalf("no warning about the taken port %s:\n%s", port, busy.output.String())
	}
	busy.login("zhao.jiancha") // the API still serves
	if err := busy.stop(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(binary(t), "help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--ui-port") || !strings.Contains(string(out), "DUTY_UI_PORT") {
		t.Fatalf("duty help: %v\n%s", err, out)
	}
}
