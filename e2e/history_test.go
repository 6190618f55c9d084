package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/warrant"
	dutyworker "github.com/duty-project/duty/worker"
	"github.com/duty-project/duty/workflows"
)

// saveHistory fetches a finished case's workflow history from the running
// embedded server and replays it against the workflow code. With
// DUTY_UPDATE_HISTORIES=1 it also stores it in
// workflows/testdata/<historyRelease>/, where the replay test keeps
// checking that later changes stay compatible with the cases a release
// may be running.
func saveHistory(t *testing.T, duty *instance, workflowID, file string) {
	t.Helper()
	c := duty.temporalClient(t)
	defer c.Close()
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	// Replayed as the worker runs it, warrants checked with the
	// installation's key: a replay decides as the first run did.
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		Interceptors: []interceptor.WorkerInterceptor{dutyworker.Warrants(installationKey(t, duty.db))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range workflows.All {
		replayer.RegisterWorkflowWithOptions(r.Func, workflow.RegisterOptions{Name: r.Name})
	}
	// The workflow's own ID: warrants name it.
	if err := replayer.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: workflowID}}); err != nil {
		if b, merr := protojson.Marshal(hist); merr == nil {
			_ = os.WriteFile(filepath.Join(os.TempDir(), strings.ReplaceAll(workflowID, "/", "_")+".history.json"), b, 0o644)
			_ = os.WriteFile(filepath.Join(os.TempDir(), strings.ReplaceAll(workflowID, "/", "_")+".secret"), []byte(installationSecret(t, duty.db)), 0o644)
		}
		t.Fatalf("the live history of %s does not replay: %v", workflowID, err)
	}
	// A kind not yet in a release (file "") is replayed live only: its
	// histories are saved with the release that ships it.
	if file == "" || os.Getenv("DUTY_UPDATE_HISTORIES") != "1" {
		return
	}
	// One event per line: compact, and still readable and diffable.
	var buf bytes.Buffer
	buf.WriteString("{\"events\": [\n")
	for i, ev := range hist.Events {
		b, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		if i < len(hist.Events)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	dir := filepath.Join("..", "workflows", "testdata", historyRelease)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The replay test checks the histories' warrants with the key of the
	// installation that recorded them (a throwaway one).
	if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(file, ".json")+".secret"), []byte(installationSecret(t, duty.db)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %d events (%d bytes) to workflows/testdata/%s/%s", len(hist.Events), buf.Len(), historyRelease, file)
}

// historyRelease is the release whose workflows the saved histories were
// recorded from. Histories of a release stay as they are once it is out:
// after a workflow change guarded by workflow.GetVersion, name the next
// release here and record its histories beside the older ones, which go
// on proving that the cases that release may be running still replay.
const historyRelease = "v0.1.0"

type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// TestStepsMinutesApartAreRecordedAsTheyCome records the history of a case
// as real ones run: each step long after the last (more than a minute,
// past any timer an engine might arm between steps), and a reminder timer
// crossed on the way. It runs only when histories are recorded
// (DUTY_UPDATE_HISTORIES=1): it takes three minutes, and the saved
// history is replayed by every test run of the workflows.
func TestStepsMinutesApartAreRecordedAsTheyCome(t *testing.T) {
	if os.Getenv("DUTY_UPDATE_HISTORIES") != "1" {
		t.Skip("records a history; set DUTY_UPDATE_HISTORIES=1")
	}
	const apart = 65 * time.Second
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地5号楼", "description": "卸料平台防护栏缺失"})
	no := caseOf(opened)["case_no"].(string)
	path := "/api/v1/hazards/" + no + "/"
	// A deadline just over three days ahead: the 72-hour reminder of the
	// default rule set falls due a minute after the order, between steps.
	deadline := time.Now().Add(72*time.Hour + time.Minute)
	inspector.must(200, "POST", path+"order", map[string]any{"measures": "加装防护栏", "deadline": deadline.Format(time.RFC3339)})
	time.Sleep(apart)
	company.must(200, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "加装防护栏",
		"funds_yuan": 20000, "deadline": deadline.Add(-time.Hour).Format(time.RFC3339), "emergency_plan": "人员撤离预案"})
	time.Sleep(apart)
	inspector.must(200, "POST", path+"plan-review", map[string]any{"approve": true})
	company.must(200, "POST", path+"completion", map[string]any{"summary": "已加装", "evidence": []map[string]any{{"name": "护栏.jpg"}}})
	time.Sleep(apart)
	closed := inspector.must(200, "POST", path+"reinspection", map[string]any{"passed": true, "findings": "符合要求"})
	if got := strings.Join(actions(closed), ","); got != "report,order,remind,submit_plan,review_plan,report_completion,reinspect" {
		t.Fatalf("timeline: %s", got)
	}
	saveHistory(t, duty, "hazard/"+no, "hazard_major_steps_minutes_apart.json")
}

// installationSecret is the secret an installation keeps in its database,
// from which it makes its warrant key.
func installationSecret(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var secret string
	if err := conn.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'token_signing_key'`).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// installationKey is the warrant key of the installation on db.
func installationKey(t *testing.T, db string) *warrant.Key {
	return warrant.NewKey([]byte(installationSecret(t, db)))
}
