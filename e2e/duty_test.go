// Package e2e boots the real duty binary — embedded Temporal server, real
// PostgreSQL, an HTTP port of its own — and drives cases over HTTP the way
// a user's client would.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duty-project/duty/apiclient"
	"github.com/duty-project/duty/internal/pgtest"
)

// binary returns the duty binary: $DUTY_BIN (scripts/test builds it once)
// or one built here.
func binary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("DUTY_BIN"); b != "" {
		return b
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "duty-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "duty")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/duty-project/duty/cmd/duty").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// instance is one running `duty dev`.
type instance struct {
	t        testing.TB
	cmd      *exec.Cmd
	base     string
	temporal string
	// db is the database the instance runs on.
	db string
	// dataDir holds the embedded server's certificates (temporal-tls/):
	// every client of it needs the client certificate there.
	dataDir string
	output  *syncBuffer
	exited  chan error
}

var (
	listenLine   = regexp.MustCompile(`API listening on (http://[0-9.:]+)`)
	temporalLine = regexp.MustCompile(`embedded Temporal server on ([0-9.:]+)`)
)

// start runs `duty dev` on the data folder and database, with any extra
// flags, and waits until its API answers.
func start(t testing.TB, dataDir, dbURL string, extra ...string) *instance {
	t.Helper()
	args := append([]string{"dev", "--data", dataDir, "--listen", "127.0.0.1:0", "--database-url", dbURL, "--log-level", "warn", "--demo-enterprises", "0"}, extra...)
	cmd := exec.Command(binary(t), args...)
	dieWithParent(cmd)
	out := &syncBuffer{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{t: t, cmd: cmd, db: dbURL, dataDir: dataDir, output: out, exited: make(chan error, 1)}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if m := temporalLine.FindStringSubmatch(line); m != nil {
				in.temporal = m[1]
			}
			if m := listenLine.FindStringSubmatch(line); m != nil && !signalled {
				in.base = m[1]
				signalled = true
				close(found)
			}
		}
	}()
	go func() { in.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-in.exited
		}
		keepOutputIfFailed(t, "duty", out)
	})
	select {
	case <-found:
	case err := <-in.exited:
		t.Fatalf("duty exited before listening: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("duty did not start in 2 minutes:\n%s", out.String())
	}
	return in
}

// certFile is a file of the embedded server's certificate folder.
func (in *instance) certFile(name string) string {
	return filepath.Join(in.dataDir, "temporal-tls", name)
}

// temporalEnv is what a `duty worker` or `duty server` needs to reach the
// embedded server: its address and, the frontend requiring mutual TLS,
// the client certificate from the data folder (the TEMPORAL_TLS_*
// variables an external cluster's would be given in).
func (in *instance) temporalEnv() []string {
	if in.temporal == "" {
		in.t.Fatal("duty did not print its embedded Temporal address")
	}
	return []string{"TEMPORAL_ADDRESS=" + in.temporal, "TEMPORAL_TLS_CERT=" + in.certFile("client.pem"),
		"TEMPORAL_TLS_KEY=" + in.certFile("client-key.pem"), "TEMPORAL_TLS_CA=" + in.certFile("ca.pem")}
}

// stop sends sig and waits for the process to end.
func (in *instance) stop(sig syscall.Signal) error {
	_ = in.cmd.Process.Signal(sig)
	select {
	case err := <-in.exited:
		return err
	case <-time.After(time.Minute):
		_ = in.cmd.Process.Kill()
		return fmt.Errorf("duty did not stop within a minute after %v", sig)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) WriteString(s string) {
	_, _ = b.Write([]byte(s))
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// keepOutputIfFailed saves a failed test's process output whole in
// $DUTY_ARTEFACTS (default: duty-e2e-logs in the temp folder) and logs only
// its last lines, without stack frames: the whole of it (the embedded
// server's included) ran to megabytes and pushed the failure itself out of
// CI's view.
func keepOutputIfFailed(t testing.TB, name string, out *syncBuffer) {
	if !t.Failed() {
		return
	}
	text := out.String()
	if text == "" {
		return
	}
	dir := os.Getenv("DUTY_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "duty-e2e-logs")
	}
	file := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name+".log")
	saved := "(not saved)"
	if err := os.MkdirAll(dir, 0o755); err == nil && os.WriteFile(file, []byte(text), 0o644) == nil {
		saved = file
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line != "" && line[0] != ' ' && line[0] != '\t' {
			lines = append(lines, line)
		}
	}
	const tail = 40
	if len(lines) > tail {
		lines = lines[len(lines)-tail:]
	}
	t.Logf("%s output, last %d lines (all of it in %s):\n%s", name, len(lines), saved, strings.Join(lines, "\n"))
}

// user is a logged-in demo account.
type user struct {
	t        testing.TB
	base     string
	token    string
	orgID    int64
	personID int64
}

func (in *instance) login(login string) *user {
	in.t.Helper()
	u := &user{t: in.t, base: in.base}
	status, body := u.call("POST", "/api/v1/login", map[string]any{"login": login, "password": "duty-demo"})
	if status != 200 {
		in.t.Fatalf("login %s: %d %v", login, status, body)
	}
	u.token = body["token"].(string)
	posts := body["person"].(map[string]any)["posts"].([]any)
	u.orgID = int64(posts[0].(map[string]any)["org"].(map[string]any)["id"].(float64))
	u.personID = int64(body["person"].(map[string]any)["id"].(float64))
	return u
}

// call sends a JSON request and decodes the JSON answer; the exchange is
// checked against the OpenAPI document (openapi_test.go).
func (u *user) call(method, path string, body any) (int, map[string]any) {
	u.t.Helper()
	return u.callWithKey("", method, path, body)
}

// callWithKey is call with an Idempotency-Key header (none when key is "").
func (u *user) callWithKey(key, method, path string, body any) (int, map[string]any) {
	u.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			u.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := checkedDoer{u.t}.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		u.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// must calls and fails the test unless the status is want.
func (u *user) must(want int, method, path string, body any) map[string]any {
	u.t.Helper()
	status, out := u.call(method, path, body)
	if status != want {
		u.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func caseOf(resp map[string]any) map[string]any { return resp["case"].(map[string]any) }

func state(resp map[string]any) string { return caseOf(resp)["state"].(string) }

func seq(resp map[string]any) float64 { return caseOf(resp)["seq"].(float64) }

func actions(resp map[string]any) []string {
	var out []string
	for _, e := range resp["timeline"].([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func dataDir(t testing.TB) string {
	// The data folder must be traversable by the postgres user when the
	// tests run as root; here it only holds Temporal's SQLite file, but
	// keep it the same shape as a user's.
	dir, err := os.MkdirTemp("", "duty-e2e-data")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func day(n int) string {
	return time.Now().Add(time.Duration(n) * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
}

// TestMajorHazardFromReportToClosedOverHTTP drives a major hazard from
// its report to 销号 through the generated client (apiclient), every
// exchange checked against the OpenAPI document.
func TestMajorHazardFromReportToClosedOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")
	leader := duty.login("zhang.shuji")
	outsider := duty.login("wu.jiancha") // 区应急管理局: not the construction sector
	ic, cc, oc := inspector.client(), company.client(), other.client()
	ctx := context.Background()

	opened := got(ic.PostHazardsWithResponse(ctx, nil, apiclient.OpenHazardRequest{
		Grade: apiclient.Major, EnterpriseId: company.orgID, Location: "凤台街工地3号楼",
		Description: "脚手架连墙件缺失", Evidence: []apiclient.EvidenceInput{{Name: "现场照片1.jpg"}},
	})).is(t, 201).JSON201
	no := opened.Case.CaseNo
	if !strings.HasPrefix(no, "YH-140502-") || opened.Case.State != apiclient.CaseStateReported {
		t.Fatalf("opened %s in state %s", no, opened.Case.State)
	}
	order := func(c *apiclient.ClientWithResponses, want int, b apiclient.OrderRequest) *apiclient.PostHazardsByCaseNoOrderResponse {
		t.Helper()
		return got(c.PostHazardsByCaseNoOrderWithResponse(ctx, no, nil, b)).is(t, want)
	}
	plan := func(want int, b apiclient.PlanRequest) {
		t.Helper()
		got(cc.PostHazardsByCaseNoPlanWithResponse(ctx, no, nil, b)).is(t, want)
	}
	review := func(b apiclient.PlanReviewRequest) {
		t.Helper()
		got(ic.PostHazardsByCaseNoPlanReviewWithResponse(ctx, no, nil, b)).is(t, 200)
	}
	completion := func(c *apiclient.ClientWithResponses, want int, b apiclient.CompletionRequest) {
		t.Helper()
		got(c.PostHazardsByCaseNoCompletionWithResponse(ctx, no, nil, b)).is(t, want)
	}
	reinspect := func(want int, b apiclient.ReinspectionRequest) *apiclient.PostHazardsByCaseNoReinspectionResponse {
		t.Helper()
		return got(ic.PostHazardsByCaseNoReinspectionWithResponse(ctx, no, nil, b)).is(t, want)
	}
	ev := func(name string) []apiclient.EvidenceInput { return []apiclient.EvidenceInput{{Name: name}} }

	// Refusals change nothing.
	got(outsider.client().PostHazardsWithResponse(ctx, nil, apiclient.OpenHazardRequest{Grade: apiclient.Major, EnterpriseId: company.orgID, Location: "x", Description: "y"})).is(t, 403)
	completion(cc, 409, apiclient.CompletionRequest{Summary: "完成", Evidence: ev("a")})
	order(cc, 403, apiclient.OrderRequest{Measures: "x", Deadline: day(10)})
	got(oc.GetCasesByCaseNoWithResponse(ctx, no)).is(t, 404)
	completion(oc, 404, apiclient.CompletionRequest{Summary: "x", Evidence: ev("a")})
	order(ic, 400, apiclient.OrderRequest{Measures: "", Deadline: day(10)})
	order(ic, 400, apiclient.OrderRequest{Measures: "x", Deadline: "yesterday"})
	// A field the document does not have is refused by the server too
	// (sent untyped: the generated client cannot send it).
	inspector.must(400, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "x", "deadline": day(10), "amount": 5})
	unchanged := got(ic.GetCasesByCaseNoWithResponse(ctx, no)).is(t, 200).JSON200
	if unchanged.Case.State != apiclient.CaseStateReported || unchanged.Case.AdditionalProperties["seq"] != float64(1) {
		t.Fatalf("refused requests changed the case: %s seq %v", unchanged.Case.State, unchanged.Case.AdditionalProperties["seq"])
	}

	order(ic, 200, apiclient.OrderRequest{Measures: "补设连墙件，停止3号楼作业", Deadline: day(20)})
	plan(400, apiclient.PlanRequest{ResponsiblePerson: "钱宏达", Measures: "补设", FundsYuan: 0, Deadline: day(15), EmergencyPlan: "撤离"})
	plan(200, apiclient.PlanRequest{ResponsiblePerson: "钱宏达", Measures: "补设", FundsYuan: 80000, Deadline: day(15), EmergencyPlan: "撤离"})
	review(apiclient.PlanReviewRequest{Approve: false, Comment: "资金预算不足"})
	plan(200, apiclient.PlanRequest{ResponsiblePerson: "钱宏达", Measures: "补设", FundsYuan: 150000, Deadline: day(15), EmergencyPlan: "撤离"})
	review(apiclient.PlanReviewRequest{Approve: true})
	got(cc.PostHazardsByCaseNoExtensionRequestWithResponse(ctx, no, nil, apiclient.ExtensionRequest{Reason: "钢管供应延误", NewDeadline: day(30)})).is(t, 200)
	got(cc.PostHazardsByCaseNoExtensionRequestWithResponse(ctx, no, nil, apiclient.ExtensionRequest{Reason: "again", NewDeadline: day(31)})).is(t, 409)
	granted := got(ic.PostHazardsByCaseNoExtensionDecisionWithResponse(ctx, no, nil, apiclient.ExtensionDecisionRequest{Grant: true, Comment: "同意延期至" + day(30)})).is(t, 200).JSON200
	if due := granted.Case.AdditionalProperties["deadline"]; due == nil || !strings.HasPrefix(due.(string), day(30)) {
		t.Fatalf("deadline after extension = %v, want %s", due, day(30))
	}
	completion(cc, 200, apiclient.CompletionRequest{Summary: "已补设", Evidence: []apiclient.EvidenceInput{{Name: "整改后照片.jpg", Sha256: strings.Repeat("ab", 32)}}})
	failed := reinspect(200, apiclient.ReinspectionRequest{Passed: false, Findings: "2处仍缺失", NewMeasures: "补齐剩余连墙件", NewDeadline: day(40)}).JSON200
	if failed.Case.State != apiclient.CaseStateOrdered || failed.Case.AdditionalProperties["round"] != float64(2) {
		t.Fatalf("after failed re-inspection: %s round %v", failed.Case.State, failed.Case.AdditionalProperties["round"])
	}
	plan(200, apiclient.PlanRequest{ResponsiblePerson: "钱宏达", Measures: "补齐", FundsYuan: 20000, Deadline: day(35), EmergencyPlan: "撤离"})
	review(apiclient.PlanReviewRequest{Approve: true})
	completion(cc, 200, apiclient.CompletionRequest{Summary: "已补齐", Evidence: ev("b.jpg")})
	closed := reinspect(200, apiclient.ReinspectionRequest{Passed: true, Findings: "符合要求，予以销号"}).JSON200
	if closed.Case.State != apiclient.CaseStateClosed {
		t.Fatalf("final state %s", closed.Case.State)
	}
	reinspect(409, apiclient.ReinspectionRequest{Passed: true, Findings: "again"})

	want := []string{"report", "order", "submit_plan", "review_plan", "submit_plan", "review_plan", "request_extension",
		"decide_extension", "report_completion", "reinspect", "submit_plan", "review_plan", "report_completion", "reinspect"}
	var steps []string
	for _, step := range closed.Timeline {
		steps = append(steps, step.Action)
	}
	if strings.Join(steps, ",") != strings.Join(want, ",") {
		t.Fatalf("timeline %v\nwant     %v", steps, want)
	}
	if first := closed.Timeline[1].Actor; first.Title != "区住建局执法检查员" || first.Name != "赵明" {
		t.Fatalf("the order's actor is recorded as %+v", first)
	}

	// Lists: the district party secretary sees it (党政同责); the other enterprise does not.
	if list := got(leader.client().GetCasesWithResponse(ctx)).is(t, 200).JSON200.Cases; len(list) != 1 {
		t.Fatalf("party secretary sees %d cases", len(list))
	}
	if list := got(oc.GetCasesWithResponse(ctx)).is(t, 200).JSON200.Cases; len(list) != 0 {
		t.Fatalf("another enterprise sees %d cases", len(list))
	}
	if list := got(cc.GetCasesWithResponse(ctx, query(url.Values{"state": {"closed"}}))).is(t, 200).JSON200.Cases; len(list) != 1 || list[0].State != apiclient.CaseStateClosed {
		t.Fatalf("the enterprise sees %d closed cases", len(list))
	}
	got((&user{t: t, base: duty.base}).client().GetCasesWithResponse(ctx)).is(t, 401)

	saveHistory(t, duty, "hazard/"+no, "hazard_major_closed.json")

	if err := duty.stop(syscall.SIGINT); err != nil {
		t.Fatalf("Ctrl-C did not stop duty cleanly: %v", err)
	}
}

func TestRestartResumesCasesAndFiresDeadlinesThatPassedWhileDown(t *testing.T) {
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	duty := start(t, dir, db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "塔吊基础", "description": "基础积水"})
	no := caseOf(opened)["case_no"].(string)
	deadline := time.Now().Add(6 * time.Second)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "排水", "deadline": deadline.Format(time.RFC3339Nano)})

	// Crash in the middle of the case, and stay down past the deadline.
	if err := duty.stop(syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL reported a clean exit")
	}
	time.Sleep(time.Until(deadline) + 2*time.Second)

	duty = start(t, dir, db)
	inspector = duty.login("zhao.jiancha")
	company = duty.login("qian.zong")
	var c map[string]any
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		c = inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
		if caseOf(c)["overdue"] == true {
			break
		}
	}
	if caseOf(c)["overdue"] != true || caseOf(c)["ladder_due"] != true {
		t.Fatalf("the deadline that passed while duty was down did not fire: %v", caseOf(c))
	}
	company.must(200, "POST", "/api/v1/hazards/"+no+"/completion", map[string]any{"summary": "已排水", "evidence": []map[string]any{{"name": "c.jpg"}}})
	closed := inspector.must(200, "POST", "/api/v1/hazards/"+no+"/reinspection", map[string]any{"passed": true, "findings": "ok"})
	if got := strings.Join(actions(closed), ","); got != "report,order,overdue,report_completion,reinspect" {
		t.Fatalf("timeline after restart: %s", got)
	}
	deadlines := caseOf(closed)["deadlines"].([]any)
	if deadlines[0].(map[string]any)["state"] != "missed" {
		t.Fatalf("deadline state %v", deadlines[0])
	}
	saveHistory(t, duty, "hazard/"+no, "hazard_general_overdue.json")
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM did not stop duty cleanly: %v", err)
	}
}

func TestHealthAndOpenAPI(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	anon := &user{t: t, base: duty.base}
	h := anon.must(200, "GET", "/healthz", nil)
	if h["postgres"] != "ok" || h["temporal"] != "ok" {
		t.Fatalf("health %v", h)
	}
	doc := anon.must(200, "GET", "/openapi.json", nil)
	if _, ok := doc["paths"].(map[string]any)["/api/v1/hazards/{caseNo}/reinspection"]; !ok {
		t.Fatal("openapi.json lacks the re-inspection endpoint")
	}
	// The binary serves the checked-in document the tests check against.
	raw, err := os.ReadFile(specFile())
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc, file) {
		t.Fatal("duty serves another OpenAPI document than api/openapi.json: run `go generate ./api ./apiclient` (and rebuild $DUTY_BIN)")
	}
	wrong := anon.must(401, "POST", "/api/v1/login", map[string]any{"login": "zhao.jiancha", "password": "nope"})
	if wrong["code"] != "unauthenticated" {
		t.Fatalf("wrong password: %v", wrong)
	}
}
