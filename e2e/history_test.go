package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/duty-project/duty/workflows"
)

// saveHistory fetches a finished case's workflow history from the running
// embedded server and replays it against the workflow code. With
// DUTY_UPDATE_HISTORIES=1 it also stores it in workflows/testdata, where
// the replay test keeps checking that later changes stay compatible.
func saveHistory(t *testing.T, temporalAddr, workflowID, file string) {
	t.Helper()
	if temporalAddr == "" {
		t.Fatal("duty did not print its embedded Temporal address")
	}
	c, err := client.Dial(client.Options{HostPort: temporalAddr, Namespace: "duty", Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
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
	replayer := worker.NewWorkflowReplayer()
	for _, r := range workflows.All {
		replayer.RegisterWorkflowWithOptions(r.Func, workflow.RegisterOptions{Name: r.Name})
	}
	if err := replayer.ReplayWorkflowHistory(nil, hist); err != nil {
		t.Fatalf("the live history of %s does not replay: %v", workflowID, err)
	}
	if os.Getenv("DUTY_UPDATE_HISTORIES") != "1" {
		return
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	file = historyFile(file)
	if err := os.WriteFile(filepath.Join("..", "workflows", "testdata", file), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %d events to workflows/testdata/%s", len(hist.Events), file)
}

// historyGeneration names the histories saved now, so that saving them
// after a deliberate workflow change adds files beside the older ones
// (which must go on replaying) instead of replacing them. Change it with
// each such change; "" was the first generation, "api_steps" has update
// steps written by the API (workflows.stepsByAPI), "closing_confirmed" the
// API confirming a closing step (workflows.closingConfirmedVersion),
// "case_changes" one version marker for the changes before it
// (workflows.caseChanges).
const historyGeneration = "case_changes"

// historyFile is where a history named file is saved in this generation.
func historyFile(file string) string {
	if historyGeneration == "" {
		return file
	}
	return strings.TrimSuffix(file, ".json") + "_" + historyGeneration + ".json"
}

type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
