// Package e2e boots the real duty binary — embedded Temporal server, real
// PostgreSQL, an HTTP port of its own — and drives cases over HTTP the way
// a user's client would.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// call sends a JSON request and decodes the JSON answer.
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
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

func TestMajorHazardFromReportToClosedOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")
	leader := duty.login("zhang.shuji")
	outsider := duty.login("wu.jiancha") // 区应急管理局: not the construction sector

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地3号楼",
		"description": "脚手架连墙件缺失", "evidence": []map[string]any{{"name": "现场照片1.jpg"}},
	})
	no := caseOf(opened)["case_no"].(string)
	if !strings.HasPrefix(no, "YH-140502-") || state(opened) != "reported" {
		t.Fatalf("opened %s in state %s", no, state(opened))
	}
	path := "/api/v1/hazards/" + no + "/"

	// Refusals change nothing.
	outsider.must(403, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID, "location": "x", "description": "y"})
	company.must(409, "POST", path+"completion", map[string]any{"summary": "完成", "evidence": []map[string]any{{"name": "a"}}})
	company.must(403, "POST", path+"order", map[string]any{"measures": "x", "deadline": day(10)})
	other.must(404, "GET", "/api/v1/cases/"+no, nil)
	other.must(404, "POST", path+"completion", map[string]any{"summary": "x", "evidence": []map[string]any{{"name": "a"}}})
	inspector.must(400, "POST", path+"order", map[string]any{"measures": "", "deadline": day(10)})
	inspector.must(400, "POST", path+"order", map[string]any{"measures": "x", "deadline": "yesterday"})
	inspector.must(400, "POST", path+"order", map[string]any{"measures": "x", "deadline": day(10), "amount": 5})
	unchanged := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	if state(unchanged) != "reported" || seq(unchanged) != 1 {
		t.Fatalf("refused requests changed the case: %s seq %v", state(unchanged), seq(unchanged))
	}

	inspector.must(200, "POST", path+"order", map[string]any{"measures": "补设连墙件，停止3号楼作业", "deadline": day(20)})
	company.must(400, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "补设", "funds_yuan": 0, "deadline": day(15), "emergency_plan": "撤离"})
	company.must(200, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "补设", "funds_yuan": 80000, "deadline": day(15), "emergency_plan": "撤离"})
	inspector.must(200, "POST", path+"plan-review", map[string]any{"approve": false, "comment": "资金预算不足"})
	company.must(200, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "补设", "funds_yuan": 150000, "deadline": day(15), "emergency_plan": "撤离"})
	inspector.must(200, "POST", path+"plan-review", map[string]any{"approve": true})
	company.must(200, "POST", path+"extension-request", map[string]any{"reason": "钢管供应延误", "new_deadline": day(30)})
	company.must(409, "POST", path+"extension-request", map[string]any{"reason": "again", "new_deadline": day(31)})
	granted := inspector.must(200, "POST", path+"extension-decision", map[string]any{"grant": true, "comment": "同意延期至" + day(30)})
	if got := caseOf(granted)["deadline"].(string); !strings.HasPrefix(got, day(30)) {
		t.Fatalf("deadline after extension = %s, want %s", got, day(30))
	}
	company.must(200, "POST", path+"completion", map[string]any{"summary": "已补设", "evidence": []map[string]any{{"name": "整改后照片.jpg", "sha256": strings.Repeat("ab", 32)}}})
	failed := inspector.must(200, "POST", path+"reinspection", map[string]any{"passed": false, "findings": "2处仍缺失", "new_measures": "补齐剩余连墙件", "new_deadline": day(40)})
	if state(failed) != "ordered" || caseOf(failed)["round"].(float64) != 2 {
		t.Fatalf("after failed re-inspection: %s round %v", state(failed), caseOf(failed)["round"])
	}
	company.must(200, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "补齐", "funds_yuan": 20000, "deadline": day(35), "emergency_plan": "撤离"})
	inspector.must(200, "POST", path+"plan-review", map[string]any{"approve": true})
	company.must(200, "POST", path+"completion", map[string]any{"summary": "已补齐", "evidence": []map[string]any{{"name": "b.jpg"}}})
	closed := inspector.must(200, "POST", path+"reinspection", map[string]any{"passed": true, "findings": "符合要求，予以销号"})
	if state(closed) != "closed" {
		t.Fatalf("final state %s", state(closed))
	}
	inspector.must(409, "POST", path+"reinspection", map[string]any{"passed": true, "findings": "again"})

	want := []string{"report", "order", "submit_plan", "review_plan", "submit_plan", "review_plan", "request_extension",
		"decide_extension", "report_completion", "reinspect", "submit_plan", "review_plan", "report_completion", "reinspect"}
	if got := actions(closed); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("timeline %v\nwant     %v", got, want)
	}
	first := closed["timeline"].([]any)[1].(map[string]any)["actor"].(map[string]any)
	if first["title"] != "区住建局执法检查员" || first["name"] != "赵明" {
		t.Fatalf("the order's actor is recorded as %v", first)
	}

	// Lists: the district party secretary sees it (党政同责); the other enterprise does not.
	if list := leader.must(200, "GET", "/api/v1/cases", nil)["cases"].([]any); len(list) != 1 {
		t.Fatalf("party secretary sees %d cases", len(list))
	}
	if list := other.must(200, "GET", "/api/v1/cases", nil)["cases"].([]any); len(list) != 0 {
		t.Fatalf("another enterprise sees %d cases", len(list))
	}
	if list := company.must(200, "GET", "/api/v1/cases?state=closed", nil)["cases"].([]any); len(list) != 1 {
		t.Fatalf("the enterprise sees %d closed cases", len(list))
	}
	(&user{t: t, base: duty.base}).must(401, "GET", "/api/v1/cases", nil)

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
	wrong := anon.must(401, "POST", "/api/v1/login", map[string]any{"login": "zhao.jiancha", "password": "nope"})
	if wrong["code"] != "unauthenticated" {
		t.Fatalf("wrong password: %v", wrong)
	}
}
