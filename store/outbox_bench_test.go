package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
)

// BenchmarkRecordStepNotifying times RecordStep for a step that notifies
// the enterprise's three persons (an order, queued on the log and webhook
// channels: six outbox rows) against one that notifies no one (an
// internal record), measured in the same run.
func BenchmarkRecordStepNotifying(b *testing.B) {
	d := newDemo(b)
	d.st.NotifyChannels = []string{"log", "webhook"}
	ctx := context.Background()
	due := cases.Deadline{Key: "rectify-1", What: "整改", Party: cases.PartyEnterprise,
		DueAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), State: cases.DeadlinePending}
	inspector := d.actor("zhao.jiancha", "inspector", cases.SideRegulator)
	run := func(i int, action string) time.Duration {
		s := d.hazardStep(1, action, inspector, due)
		s.Case.WorkflowID = "hazard/" + action + "-" + strconv.Itoa(i)
		s.Case.CaseNo = action + "-" + strconv.Itoa(i)
		start := time.Now()
		if _, err := d.st.RecordStep(ctx, s); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(-1, "order")
	run(-1, "record_discussion")
	var notifying, silent time.Duration
	b.ResetTimer()
	for i := range b.N {
		notifying += run(i, "order")
		silent += run(i, "record_discussion")
	}
	b.StopTimer()
	b.ReportMetric(float64(notifying.Microseconds())/float64(b.N), "notifying-µs")
	b.ReportMetric(float64(silent.Microseconds())/float64(b.N), "silent-µs")
	b.ReportMetric(float64(notifying)/float64(silent), "ratio")
}
