package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
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
			replayer := worker.NewWorkflowReplayer()
			for _, r := range All {
				replayer.RegisterWorkflowWithOptions(r.Func, workflow.RegisterOptions{Name: r.Name})
			}
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("%s no longer replays: %v", f, err)
			}
		})
	}
}
