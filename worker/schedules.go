package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty/workflows"
	"github.com/duty-project/duty/workflows/duties"
)

// EnsureSchedules makes sure the Temporal Schedules duty relies on exist:
// the daily sweep of missed prevention duties (package workflows/duties).
// Every worker process calls it at start; the first creates the schedule
// and the rest find it there, so however many workers run, one schedule
// starts one sweep a day. A sweep still running when the next is due
// makes the next skip (it would find the same duties), and a day missed
// while the cluster was down is caught up within a day.
func EnsureSchedules(ctx context.Context, c client.Client) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: duties.ScheduleID,
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour:   []client.ScheduleRange{{Start: duties.SweepHourUTC}},
			Minute: []client.ScheduleRange{{Start: duties.SweepMinuteUTC}},
		}}},
		Action: &client.ScheduleWorkflowAction{
			ID: duties.ScheduleID, Workflow: duties.WorkflowName, Args: []any{duties.Input{}},
			TaskQueue: workflows.TaskQueue,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: 24 * time.Hour,
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create the schedule %s: %w", duties.ScheduleID, err)
	}
	return nil
}
