package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// --- paced

// pacedUpdates is how many updates follow each paced case's opening:
// order, plan, plan review, completion, re-inspection (销号).
const pacedUpdates = 5

// paced is the headline: n cases open at once, each step arriving at least
// pace after the case's last, as people use the system — the back-to-back
// lifecycle measures throughput, which hides what each step costs an open
// case. Bare and duty take alternate rounds: round r of the bare workflows
// (one step of every one, spread evenly over pace), then round r of the
// hazards, then round r+1 of the bare ones… Each side thus meets the same
// arrival rate (n per pace) at the same number of open workflows, and the
// SQLite file's growth during a round is that side's alone.
func (b *bench) paced(ctx context.Context, n int, pace time.Duration) error {
	if n <= 0 {
		return nil
	}
	// A few of each first, so that neither side pays for warming up.
	if _, err := b.parallel(4, func(i int) error { return b.emptyWorkflow(ctx, "warm-paced", i, pacedUpdates) }); err != nil {
		return err
	}
	if _, err := b.parallel(4, func(int) error { return b.majorHazard() }); err != nil {
		return err
	}
	b.baseRetries.Store(0)
	b.dutyRetries.Store(0)

	const sides = 2 // 0 bare, 1 duty
	rounds := 1 + pacedUpdates
	stamp := time.Now().UnixNano()
	ids := make([]string, n) // bare workflow IDs
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-paced-%d-%d", stamp, i)
	}
	nos := make([]string, n) // hazard case numbers
	steps := b.hazardSteps()
	// lat[side][step] are the latencies of that step of every case.
	var lat [sides][][]time.Duration
	for s := range lat {
		lat[s] = make([][]time.Duration, rounds)
	}
	var last [sides][]time.Time // when each case's last step was sent
	for s := range last {
		last[s] = make([]time.Time, n)
	}
	var grew [sides]int64
	var done atomic.Int64
	total := int64(sides * rounds * n)

	// One PostgreSQL transaction, probed through the rounds so it meets the
	// same load as the steps: BEGIN; SELECT txid_current(); COMMIT — taking
	// a transaction id makes the commit write and flush a WAL record, as a
	// step's write does, without touching any table.
	var pgLat []time.Duration
	var pgMu sync.Mutex
	probeCtx, stopProbe := context.WithCancel(ctx)
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-probeCtx.Done():
				return
			case <-tick.C:
			}
			began := time.Now()
			tx, err := b.app.store.Pool.Begin(probeCtx)
			if err != nil {
				continue
			}
			if _, err := tx.Exec(probeCtx, `SELECT txid_current()`); err != nil {
				_ = tx.Rollback(probeCtx)
				continue
			}
			if tx.Commit(probeCtx) == nil {
				pgMu.Lock()
				pgLat = append(pgLat, time.Since(began))
				pgMu.Unlock()
			}
		}
	}()
	defer func() { stopProbe(); <-probed }()

	var round, side atomic.Int64
	tickCtx, stopTick := context.WithCancel(ctx)
	defer stopTick()
	go func() {
		// Progress now and then: a full run takes a quarter of an hour.
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				fmt.Fprintf(b.progress, "duty bench: paced round %d of %d (%s): %d of %d steps done\n",
					round.Load()+1, rounds, [...]string{"bare", "duty"}[side.Load()], done.Load(), total)
			}
		}
	}()

	fmt.Fprintf(b.progress, "duty bench: paced: %d bare workflows and %d hazards, %d rounds each, alternating, each at least %s: about %s\n",
		n, n, rounds, pace, (time.Duration(sides*rounds) * pace).Round(time.Second))
	began := time.Now()
	next := began
	for r := range rounds {
		for s := range sides {
			round.Store(int64(r))
			side.Store(int64(s))
			if wait := time.Until(next); wait > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(wait):
				}
			}
			start := time.Now()
			next = start.Add(pace)
			before := b.storedSize()
			var mu sync.Mutex
			err := b.spread(ctx, n, start, pace, func(i int) time.Time { return last[s][i].Add(pace) }, func(i int) error {
				sent := time.Now()
				last[s][i] = sent
				var err error
				switch {
				case s == 0 && r == 0:
					_, err = b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: benchQueue}, "BenchEmpty", pacedUpdates, b.report("major"))
				case s == 0:
					err = b.bareUpdate(ctx, ids[i], r-1)
				case r == 0:
					nos[i], err = b.openHazard("major")
				default:
					err = b.take(steps[r-1], nos[i])
				}
				took := time.Since(sent)
				if err != nil {
					return err
				}
				mu.Lock()
				lat[s][r] = append(lat[s][r], took)
				mu.Unlock()
				done.Add(1)
				return nil
			})
			if err != nil {
				return fmt.Errorf("round %d (%s): %w", r+1, [...]string{"bare", "duty"}[s], err)
			}
			g := b.storedSize() - before
			grew[s] += g
			// The growth of each round, so that one can see how each
			// round adds to its side's figure.
			fmt.Fprintf(b.progress, "duty bench: paced round %d of %d (%s) took %s, SQLite %+d KiB: %d of %d steps done\n",
				r+1, rounds, [...]string{"bare", "duty"}[s], time.Since(start).Round(time.Millisecond), g>>10, done.Load(), total)
		}
	}
	took := time.Since(began)
	stopTick()
	stopProbe()
	<-probed

	// Temporal's work: from the histories, a sample when n is large.
	every := max(1, n/200)
	var bareIDs, dutyIDs []string
	for i := 0; i < n; i += every {
		bareIDs = append(bareIDs, ids[i])
		dutyIDs = append(dutyIDs, "hazard/"+nos[i])
	}
	bw, err := b.historyWork(ctx, bareIDs)
	if err != nil {
		return err
	}
	dw, err := b.historyWork(ctx, dutyIDs)
	if err != nil {
		return err
	}

	fmt.Fprintf(b.out, "paced: %d major hazards and %d bare workflows open at once, each taking report/start + %d updates, one step per case per round;\n",
		n, n, pacedUpdates)
	fmt.Fprintf(b.out, "  rounds alternate bare, duty, bare…, each spreads its %d steps over %s (≤ %d in flight) and starts ≥ %s after the last, so\n",
		n, pace, b.conc, pace)
	fmt.Fprintf(b.out, "  a case's steps are ≥ %s apart (about %s: the other side's round comes between) · %d rounds took %s\n",
		pace, 2*pace, sides*rounds, took.Round(time.Second))
	fmt.Fprintf(b.out, "  %-46s %6s %8s %8s %8s\n", "latency, request → answer", "count", "p50", "p99", "max")
	row := func(name string, xs []time.Duration) {
		p50, p99, mx := percentiles(xs)
		fmt.Fprintf(b.out, "  %-46s %6d %8s %8s %8s\n", name, len(xs), p50, p99, mx)
	}
	updates := func(s int) []time.Duration {
		var all []time.Duration
		for _, xs := range lat[s][1:] {
			all = append(all, xs...)
		}
		return all
	}
	row("bare Temporal: start workflow", lat[0][0])
	row("bare Temporal: update (wait for Completed)", updates(0))
	row("duty over HTTP: report (open a hazard)", lat[1][0])
	row("duty over HTTP: step (order … 销号)", updates(1))
	pgMu.Lock()
	row("one PostgreSQL transaction (probe, see below)", pgLat)
	pgMu.Unlock()
	var by []string
	for r, st := range steps {
		_, p99, _ := percentiles(lat[1][r+1])
		by = append(by, st.path+" "+p99.String())
	}
	fmt.Fprintf(b.out, "  duty p99 by step: %s\n", strings.Join(by, " · "))
	_, bp99, _ := percentiles(updates(0))
	_, dp99, _ := percentiles(updates(1))
	_, pg99, _ := percentiles(pgLat)
	limit := 2*bp99 + pg99
	fmt.Fprintf(b.out, "  step p99 duty/bare: %.2f× · target duty p99 ≤ 2 × bare p99 + one PG transaction's p99 = %s: %s\n",
		float64(dp99)/float64(max(bp99, time.Millisecond)), limit, verdict(dp99 <= limit))
	fmt.Fprintf(b.out, "  (PG transaction: BEGIN; SELECT txid_current(); COMMIT every 100 ms through the rounds, on the API's pool — a commit that flushes WAL)\n")

	steps6 := float64(1 + pacedUpdates)
	sample := "all"
	if every > 1 {
		sample = fmt.Sprintf("%d (every %dth) of", len(dutyIDs), every)
	}
	fmt.Fprintf(b.out, "  Temporal work per step (÷ %d: the opening and %d updates), from the histories of %s %d cases each side:\n",
		1+pacedUpdates, pacedUpdates, sample, n)
	fmt.Fprintf(b.out, "  %-46s %8s %8s %10s  %s\n", "", "bare", "duty", "duty−bare", "target")
	work := func(name string, bv, dv float64, format, target string) {
		fmt.Fprintf(b.out, "  %-46s %8s %8s %10s  %s\n", name, fmt.Sprintf(format, bv), fmt.Sprintf(format, dv), fmt.Sprintf("%+"+format[1:], dv-bv), target)
	}
	per := func(w historyWork, x int64) float64 { return float64(x) / float64(max(1, w.cases)) / steps6 }
	work("workflow tasks completed", per(bw, bw.tasks), per(dw, dw.tasks), "%.2f", "")
	act := per(dw, dw.activities) - per(bw, bw.activities)
	work("activities scheduled", per(bw, bw.activities), per(dw, dw.activities), "%.2f", "≤ 1 beyond bare: "+verdict(act <= 1))
	work("timers started", per(bw, bw.timers), per(dw, dw.timers), "%.2f", "")
	work("history events", per(bw, bw.events), per(dw, dw.events), "%.1f", "")
	hb := per(dw, dw.bytes) - per(bw, bw.bytes)
	work("history bytes", per(bw, bw.bytes), per(dw, dw.bytes), "%.0f", "≤ 2048 beyond bare: "+verdict(hb <= 2048))
	if dw.children+dw.signals > 0 {
		fmt.Fprintf(b.out, "  the hazards also started %d child workflows and signalled %d (their own histories are not counted)\n", dw.children, dw.signals)
	}
	fmt.Fprintf(b.out, "  closed at the end (in the sample): bare %d of %d, duty %d of %d\n", bw.closed, bw.cases, dw.closed, dw.cases)
	bareKiB, dutyKiB := float64(grew[0])/float64(n)/1024, float64(grew[1])/float64(n)/1024
	fmt.Fprintf(b.out, "  SQLite per case (growth of the checkpointed file during each side's rounds ÷ %d): bare %.1f KiB, duty %.1f KiB, duty−bare %+.1f KiB · target duty ≤ 15 KiB: %s\n",
		n, bareKiB, dutyKiB, dutyKiB-bareKiB, verdict(dutyKiB <= 15))
	fmt.Fprintf(b.out, "  (each round's growth is on stderr; pages a round frees, such as finished tasks', are reused by the next, whichever side it is)\n")
	fmt.Fprintf(b.out, "  retried: bare %d, duty %d · load average %s\n\n", b.baseRetries.Swap(0), b.dutyRetries.Swap(0), loadavg())
	return nil
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// spread runs f(0..n-1) with at most b.conc at once, f(i) starting at
// from + over·i/n but never before notBefore(i), and waits for them all;
// the first error stops it. Unlike parallel it paces the calls, so that a
// latency is one step's, not a queue's.
func (b *bench) spread(ctx context.Context, n int, from time.Time, over time.Duration, notBefore func(i int) time.Time, f func(i int) error) error {
	work := make(chan int)
	var firstErr error
	var once sync.Once
	failed := make(chan struct{})
	var wg sync.WaitGroup
	for range min(b.conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err; close(failed) })
				}
			}
		}()
	}
dispatch:
	for i := range n {
		at := from.Add(over * time.Duration(i) / time.Duration(n))
		if nb := notBefore(i); nb.After(at) {
			at = nb
		}
		select {
		case <-failed:
			break dispatch
		case <-ctx.Done():
			break dispatch
		case <-time.After(time.Until(at)):
		}
		select {
		case work <- i:
		case <-failed:
			break dispatch
		case <-ctx.Done():
			break dispatch
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// historyWork is what Temporal did for a set of workflows, counted from
// their histories.
type historyWork struct {
	cases, closed                            int
	tasks, activities, timers, events, bytes int64
	children, signals                        int64
}

// historyWork counts the events of each workflow's history that cost the
// server work: workflow tasks completed, activities scheduled, timers
// started, and the bytes of every event (as stored, near enough: the
// events' encoded size).
func (b *bench) historyWork(ctx context.Context, ids []string) (historyWork, error) {
	var w historyWork
	for _, id := range ids {
		it := b.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		w.cases++
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return w, fmt.Errorf("history of %s: %w", id, err)
			}
			w.events++
			w.bytes += int64(proto.Size(ev))
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				w.tasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				w.activities++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				w.timers++
			case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
				w.children++
			case enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
				w.signals++
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
				w.closed++
			}
		}
	}
	return w, nil
}
