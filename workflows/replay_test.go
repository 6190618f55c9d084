package workflows

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows/casekit"
)

// TestSavedHistoriesReplay replays every history saved under
// testdata/<release>/ (recorded from the real binary by the e2e tests with
// DUTY_UPDATE_HISTORIES=1) against today's workflow code. A change that
// would break cases a release may be running fails here: guard it with
// workflow.GetVersion.
func TestSavedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no saved histories under testdata/<release>/")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			// As the worker runs them: warrants checked, with the key of
			// the installation that recorded the history (histories of
			// v0.1.0 predate warrants and have none).
			secret, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".secret")
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				Interceptors: []interceptor.WorkerInterceptor{warrant.Interceptor(warrant.NewKey(secret), casekit.UpdateOpen)}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range All {
				replayer.RegisterWorkflowWithOptions(r.Func, workflow.RegisterOptions{Name: r.Name})
			}
			if err := replayFile(replayer, f); err != nil {
				t.Fatalf("%s no longer replays: %v", f, err)
			}
		})
	}
}

// replayFile replays the history in f as the workflow it was recorded
// from: under its own ID, which warrants name.
func replayFile(replayer worker.WorkflowReplayer, f string) error {
	r, err := os.Open(f)
	if err != nil {
		return err
	}
	defer r.Close()
	hist, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
	if err != nil {
		return err
	}
	id := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowId()
	return replayer.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: id}})
}
