package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestFaultsLoseNothing drives hazard cases through their scripts over
// HTTP, concurrently, while the system is broken under it:
//
//  1. the worker process (`duty worker`, the only one: `duty dev
//     --no-worker` runs Temporal and the API) is killed with SIGKILL at
//     random moments and restarted, DUTY_FAULT_KILLS times (default 6);
//  2. the whole system — the `duty dev` process with the embedded Temporal
//     server and the API, and the worker — is killed with SIGKILL and
//     started again on the same data folder;
//  3. PostgreSQL (a cluster of the test's own, `duty pg start --data`) is
//     stopped and started again.
//
// The client retries every request that got no answer or a 5xx with the
// same Idempotency-Key, so a retried step can never become a second step;
// a refusal after a retry is resolved by reading the case. Case creation
// has no idempotency key (POST /api/v1/hazards numbers a new case each
// time), so no creation is in flight while the API process is killed.
//
// At the end, from PostgreSQL: every case is in the state its script
// expects with exactly the expected audit entries, seq contiguous 1..n
// (0 lost, 0 duplicated), no deadline that came due is still pending
// (every timer fired), no case beyond those started, and `duty audit
// verify` finds every hash chain intact. It prints the counts with -v.
//
// DUTY_FAULT_CASES (default 200) and DUTY_FAULT_SEED (default: random,
// logged) make a run larger or repeatable. About 3–4 minutes on 2 cores.
func TestFaultsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: several minutes; skipped under -short")
	}
	n := envInt("DUTY_FAULT_CASES", 200)
	kills := envInt("DUTY_FAULT_KILLS", 6)
	seed := uint64(envInt("DUTY_FAULT_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("faults: %d cases, %d worker kills, seed %d (DUTY_FAULT_SEED)", n, kills, seed)
	rng := mrand.New(mrand.NewPCG(seed, 7))
	began := time.Now()

	pg := startOwnPostgres(t)
	dir := dataDir(t)
	// Logged in once for the whole run: tokens must outlive it.
	dev := start(t, dir, pg.url, "--no-worker", "--token-ttl", "1h")
	inspector, company := dev.login("zhao.jiancha"), dev.login("qian.zong")
	wk := startWorkerProc(t, pg.url, dev)

	pool, err := pgxpool.New(context.Background(), pg.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	f := &faultRun{t: t, pool: pool, inspector: inspector.token, company: company.token,
		enterprise: company.orgID, overdue: map[string]bool{}}
	f.base.Store(&dev.base)
	f.http = &http.Client{Timeout: 45 * time.Second}

	// One poller tells the drivers which cases have gone overdue (the
	// timer fired and the step is in the read model), instead of every
	// driver polling the API.
	pollCtx, stopPoll := context.WithCancel(context.Background())
	defer stopPoll()
	go f.pollOverdue(pollCtx)

	// The drivers: case i starts at i*spread, then takes its steps with
	// pauses, so that cases are at every stage when each fault strikes.
	scripts := faultScripts()
	// Bounded: on 2 idle cores the scripts end within about 3 minutes; the
	// bound leaves room for a machine busy with other builds and tests.
	end := time.Now().Add(7 * time.Minute)
	var drivers sync.WaitGroup
	results := make([]*faultCase, n)
	for i := range n {
		fc := &faultCase{index: i, script: scripts[i%len(scripts)], rng: mrand.New(mrand.NewPCG(seed, uint64(i)+100))}
		results[i] = fc
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			time.Sleep(time.Duration(i) * 20 * time.Second / time.Duration(n))
			f.drive(fc, end)
		}()
	}

	// Faults.
	var faultLog []string
	note := func(format string, a ...any) {
		line := fmt.Sprintf("%6.1fs ", time.Since(began).Seconds()) + fmt.Sprintf(format, a...) +
			fmt.Sprintf(" (%d cases mid-script, %d requests in flight)", f.active.Load(), f.inflight.Load())
		faultLog = append(faultLog, line)
		t.Log(line)
	}
	for k := range kills {
		time.Sleep(time.Duration(2000+rng.IntN(4000)) * time.Millisecond)
		wk.kill(t)
		note("worker killed (SIGKILL %d/%d)", k+1, kills)
		time.Sleep(time.Duration(200+rng.IntN(1800)) * time.Millisecond)
		wk = startWorkerProc(t, pg.url, dev)
	}

	// The whole system, with cases perhaps still being opened: a creation
	// is retried with its Idempotency-Key like any step.
	time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
	note("duty dev (Temporal + API) and the worker killed together (SIGKILL)")
	wk.kill(t)
	_ = dev.stop(syscall.SIGKILL)
	dev = start(t, dir, pg.url, "--no-worker", "--token-ttl", "1h")
	f.base.Store(&dev.base)
	wk = startWorkerProc(t, pg.url, dev)
	note("duty dev and the worker running again")

	time.Sleep(time.Duration(3000+rng.IntN(3000)) * time.Millisecond)
	note("PostgreSQL stopping")
	pg.stop(t)
	time.Sleep(2 * time.Second)
	pg.start(t)
	note("PostgreSQL running again")

	waitTimeout(t, &drivers, time.Until(end)+time.Minute, "case scripts")
	stopPoll()
	elapsed := time.Since(began)

	f.verify(results, pg.url, elapsed, faultLog)
	wk.kill(t)
}

// faultRun is the shared state of the drivers.
type faultRun struct {
	t                   *testing.T
	pool                *pgxpool.Pool
	http                *http.Client
	base                atomic.Pointer[string]
	inspector, company  string
	enterprise          int64
	active, inflight    atomic.Int64
	retries, recovered  atomic.Int64
	reordered           atomic.Int64
	mu                  sync.Mutex
	overdue             map[string]bool
	pollErrs, requested atomic.Int64
}

// faultCase is one case's run through its script.
type faultCase struct {
	index  int
	script faultScript
	rng    *mrand.Rand
	caseNo string
	err    error
}

// faultScript is what is done to a case and what must then be on record.
type faultScript struct {
	name    string
	grade   string
	steps   []faultStep
	actions []string // the audit entries expected, in order
	state   string
	overdue bool // still overdue at the end (a closed case is not)
	timer   bool // its deadline came due: the overdue step is expected
}

type faultStep struct {
	who    string // inspector or company
	path   string // under /api/v1/hazards/{no}/; "" waits for the overdue step
	action string
	body   func() map[string]any
}

func faultScripts() []faultScript {
	ev := []map[string]any{{"name": "整改后照片.jpg"}}
	soon := func() string { return time.Now().Add(8 * time.Second).Format(time.RFC3339Nano) }
	order := func(deadline func() string) faultStep {
		return faultStep{"inspector", "order", "order", func() map[string]any {
			return map[string]any{"measures": "整改", "deadline": deadline()}
		}}
	}
	far := func() string { return day(20) }
	completion := faultStep{"company", "completion", "report_completion", func() map[string]any {
		return map[string]any{"summary": "已整改", "evidence": ev}
	}}
	pass := faultStep{"inspector", "reinspection", "reinspect", func() map[string]any {
		return map[string]any{"passed": true, "findings": "符合要求，予以销号"}
	}}
	fail := faultStep{"inspector", "reinspection", "reinspect", func() map[string]any {
		return map[string]any{"passed": false, "findings": "仍有缺陷", "new_measures": "补齐", "new_deadline": day(25)}
	}}
	overdue := faultStep{action: "overdue"}
	return []faultScript{
		{name: "general, overdue, then closed", grade: "general",
			steps:   []faultStep{order(soon), overdue, completion, pass},
			actions: []string{"report", "order", "overdue", "report_completion", "reinspect"}, state: "closed", timer: true},
		{name: "general, closed", grade: "general",
			steps:   []faultStep{order(far), completion, pass},
			actions: []string{"report", "order", "report_completion", "reinspect"}, state: "closed"},
		{name: "major, plan, closed", grade: "major",
			steps: []faultStep{order(far),
				{"company", "plan", "submit_plan", func() map[string]any {
					return map[string]any{"responsible_person": "钱宏达", "measures": "补设", "funds_yuan": 80000, "deadline": day(15), "emergency_plan": "撤离"}
				}},
				{"inspector", "plan-review", "review_plan", func() map[string]any { return map[string]any{"approve": true} }},
				completion, pass},
			actions: []string{"report", "order", "submit_plan", "review_plan", "report_completion", "reinspect"}, state: "closed"},
		{name: "general, overdue, left open", grade: "general",
			steps:   []faultStep{order(soon), overdue},
			actions: []string{"report", "order", "overdue"}, state: "ordered", overdue: true, timer: true},
		{name: "general, re-inspection failed, closed in round 2", grade: "general",
			steps:   []faultStep{order(far), completion, fail, completion, pass},
			actions: []string{"report", "order", "report_completion", "reinspect", "report_completion", "reinspect"}, state: "closed"},
	}
}

// drive opens the case and takes its script's steps.
func (f *faultRun) drive(fc *faultCase, end time.Time) {
	f.active.Add(1)
	defer f.active.Add(-1)
	fc.caseNo, fc.err = f.create(fc, end)
	if fc.err != nil {
		return
	}
	done := 1 // the report
	for _, st := range fc.script.steps {
		time.Sleep(time.Duration(500+fc.rng.IntN(4500)) * time.Millisecond)
		if st.path == "" {
			if fc.err = f.awaitOverdue(fc.caseNo, end); fc.err != nil {
				return
			}
		} else if fc.err = f.step(fc, st, done+1, end); fc.err != nil {
			return
		}
		done++
	}
}

// create opens the case, retrying with one Idempotency-Key until it has an
// answer: a retry gets the case an unanswered attempt opened.
func (f *faultRun) create(fc *faultCase, end time.Time) (string, error) {
	key := newKey()
	body := map[string]any{"grade": fc.script.grade, "enterprise_id": f.enterprise,
		"location": "故障测试工地", "description": "fault case #" + strconv.Itoa(fc.index)}
	for attempt := 0; ; attempt++ {
		if time.Now().After(end) {
			return "", fmt.Errorf("case #%d not opened in time", fc.index)
		}
		status, out, err := f.do("POST", "/api/v1/hazards", f.inspector, body, key)
		switch {
		case err == nil && status == 201:
			return caseOf(out)["case_no"].(string), nil
		case err != nil || status >= 500:
			f.retries.Add(1)
			time.Sleep(backoff(attempt))
		default:
			return "", fmt.Errorf("open case #%d: %d %v", fc.index, status, out)
		}
	}
}

// step takes one step, retrying with the same Idempotency-Key until it has
// an answer; want is the number of audit entries once the step is taken.
func (f *faultRun) step(fc *faultCase, st faultStep, want int, end time.Time) error {
	key := newKey()
	body := st.body()
	token := f.inspector
	if st.who == "company" {
		token = f.company
	}
	path := "/api/v1/hazards/" + fc.caseNo + "/" + st.path
	for attempt := 0; ; attempt++ {
		if time.Now().After(end) {
			return fmt.Errorf("%s %s: not done in time", fc.caseNo, st.action)
		}
		status, out, err := f.do("POST", path, token, body, key)
		if err == nil && status == 200 {
			got := actions(out)
			if len(got) < want || got[want-1] != st.action {
				return fmt.Errorf("%s %s: answered with timeline %v", fc.caseNo, st.action, got)
			}
			return nil
		}
		if err != nil || status >= 500 || status == 404 {
			// No answer, a failure of the engine, or a case whose first
			// step is not in the read model yet: the same request again.
			f.retries.Add(1)
			time.Sleep(backoff(attempt))
			continue
		}
		// A refusal. After an attempt without an answer it may mean the
		// step was taken then (the case closed, or moved on): read the case.
		// The step may be taken and not yet in the read model — its record
		// activity waiting out a killed worker (recordOptions' 10 s) — so
		// after an unanswered attempt, watch the timeline a little longer.
		taken := func(got []string) bool { return len(got) >= want && got[want-1] == st.action }
		got, rerr := f.timeline(fc.caseNo, end)
		for wait := time.Now().Add(25 * time.Second); rerr == nil && attempt > 0 && !taken(got) && time.Now().Before(wait); {
			time.Sleep(time.Second)
			got, rerr = f.timeline(fc.caseNo, end)
		}
		if rerr != nil {
			return rerr
		}
		if taken(got) {
			f.recovered.Add(1)
			return nil
		}
		if status == 400 && st.action == "order" {
			// The short deadline passed while the request waited or was
			// retried: a new order (the old one, refused or never taken,
			// cannot be taken any more: its deadline is past).
			f.reordered.Add(1)
			key, body = newKey(), st.body()
			continue
		}
		return fmt.Errorf("%s %s (attempt %d): %d %v; timeline %v", fc.caseNo, st.action, attempt+1, status, out, got)
	}
}

// timeline reads a case's actions through the API, retrying outages.
func (f *faultRun) timeline(caseNo string, end time.Time) ([]string, error) {
	for attempt := 0; time.Now().Before(end); attempt++ {
		status, out, err := f.do("GET", "/api/v1/cases/"+caseNo, f.inspector, nil, "")
		if err == nil && status == 200 {
			return actions(out), nil
		}
		time.Sleep(backoff(attempt))
	}
	return nil, fmt.Errorf("%s: could not read the case in time", caseNo)
}

func (f *faultRun) awaitOverdue(caseNo string, end time.Time) error {
	for time.Now().Before(end) {
		f.mu.Lock()
		ok := f.overdue[caseNo]
		f.mu.Unlock()
		if ok {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s: the overdue step was not recorded in time", caseNo)
}

func (f *faultRun) pollOverdue(ctx context.Context) {
	for ctx.Err() == nil {
		rows, err := f.pool.Query(ctx, "SELECT case_no FROM cases WHERE overdue")
		if err == nil {
			var nos []string
			for rows.Next() {
				var no string
				if rows.Scan(&no) == nil {
					nos = append(nos, no)
				}
			}
			rows.Close()
			f.mu.Lock()
			for _, no := range nos {
				f.overdue[no] = true
			}
			f.mu.Unlock()
		} else {
			f.pollErrs.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// do sends one request to the API as it is now (its address changes when
// the process restarts) and decodes the answer; err is a transport error.
func (f *faultRun) do(method, path, token string, body any, key string) (int, map[string]any, error) {
	f.inflight.Add(1)
	defer f.inflight.Add(-1)
	f.requested.Add(1)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, *f.base.Load()+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%d, not JSON: %.200s", resp.StatusCode, raw)
	}
	return resp.StatusCode, out, nil
}

// verify checks the record against the scripts and prints the counts.
func (f *faultRun) verify(results []*faultCase, dbURL string, elapsed time.Duration, faultLog []string) {
	t := f.t
	ctx := context.Background()
	failed := 0
	for _, fc := range results {
		if fc.err != nil {
			failed++
			if failed <= 10 {
				t.Errorf("case #%d (%s): %v", fc.index, fc.script.name, fc.err)
			}
		}
	}
	var total int
	if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != len(results) {
		t.Errorf("%d cases in the read model, %d opened by the test: a retried creation made a second case", total, len(results))
	}
	var dupSeq, unfired, missed int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT workflow_id, seq FROM audit_log GROUP BY 1, 2 HAVING count(*) > 1) d`).Scan(&dupSeq); err != nil {
		t.Fatal(err)
	}
	// A deadline that came due and is still pending is a timer that did
	// not fire (one second of grace for a timer due at this moment).
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state IN ('pending', 'extended') AND due_at < now() - interval '1 second'),
		count(*) FILTER (WHERE state = 'missed') FROM deadlines`).Scan(&unfired, &missed); err != nil {
		t.Fatal(err)
	}

	var expectedSteps, recordedSteps, lost, extra, wrongState, timersDue int
	perScript := map[string]int{}
	for _, fc := range results {
		if fc.caseNo == "" {
			lost += len(fc.script.actions)
			expectedSteps += len(fc.script.actions)
			continue
		}
		perScript[fc.script.name]++
		if fc.script.timer {
			timersDue++
		}
		expectedSteps += len(fc.script.actions)
		var st string
		var overdue, closed bool
		var seq int64
		if err := f.pool.QueryRow(ctx, `SELECT state, overdue, closed_at IS NOT NULL, seq FROM cases WHERE case_no = $1`, fc.caseNo).
			Scan(&st, &overdue, &closed, &seq); err != nil {
			t.Errorf("%s: %v", fc.caseNo, err)
			lost += len(fc.script.actions)
			continue
		}
		rows, err := f.pool.Query(ctx, `SELECT seq, chain_pos, action FROM audit_log WHERE case_no = $1 ORDER BY seq`, fc.caseNo)
		if err != nil {
			t.Fatal(err)
		}
		// Seqs are 1..n, and each step is chained at its own position: a
		// case writes its steps one at a time, in step order.
		var got []string
		contiguous := true
		for i := int64(1); rows.Next(); i++ {
			var s, pos int64
			var a string
			if err := rows.Scan(&s, &pos, &a); err != nil {
				t.Fatal(err)
			}
			if s != i || pos != i {
				contiguous = false
			}
			got = append(got, a)
		}
		rows.Close()
		recordedSteps += len(got)
		if strings.Join(got, ",") != strings.Join(fc.script.actions, ",") || !contiguous || seq != int64(len(got)) {
			missing, more := diffCount(fc.script.actions, got)
			lost += missing
			extra += more
			if lost+extra <= 10 {
				t.Errorf("%s (%s): audit %v (seq/chain contiguous: %v, case seq %d), want %v", fc.caseNo, fc.script.name, got, contiguous, seq, fc.script.actions)
			}
		}
		if st != fc.script.state || overdue != fc.script.overdue || closed != (fc.script.state == "closed") {
			wrongState++
			if wrongState <= 10 {
				t.Errorf("%s (%s): state %s overdue %v closed %v, want %s overdue %v", fc.caseNo, fc.script.name, st, overdue, closed, fc.script.state, fc.script.overdue)
			}
		}
	}
	if dupSeq > 0 || unfired > 0 || missed != timersDue {
		t.Errorf("duplicated (workflow_id, seq): %d; deadlines due but pending: %d; missed deadlines %d, want %d", dupSeq, unfired, missed, timersDue)
	}

	// The notification outbox, where the binary has one: a notification
	// exists exactly when its step does, once per person and channel.
	notifications := "no outbox in this binary"
	var hasOutbox bool
	if err := f.pool.QueryRow(ctx, `SELECT to_regclass('outbox') IS NOT NULL`).Scan(&hasOutbox); err != nil {
		t.Fatal(err)
	}
	if hasOutbox {
		var queued, dup, orphan, delivered int
		if err := f.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'delivered'),
			(SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY workflow_id, seq, person_id, channel HAVING count(*) > 1) d),
			(SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.workflow_id = o.workflow_id AND a.seq = o.seq AND a.action = o.action))
			FROM outbox`).Scan(&queued, &delivered, &dup, &orphan); err != nil {
			t.Fatal(err)
		}
		if dup > 0 || orphan > 0 {
			t.Errorf("outbox: %d duplicated notifications, %d without their step", dup, orphan)
		}
		notifications = fmt.Sprintf("%d queued (%d delivered so far), duplicated %d, without their step %d", queued, delivered, dup, orphan)
		// Where River delivers them: every row has its own job, and no
		// notification has two.
		var hasRiver bool
		if err := f.pool.QueryRow(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&hasRiver); err != nil {
			t.Fatal(err)
		}
		if hasRiver {
			var unqueued, shared, twice int
			if err := f.pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = o.job_id
					AND j.args = jsonb_build_object('workflow_id', o.workflow_id, 'seq', o.seq, 'person_id', o.person_id, 'channel', o.channel))),
				(SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY job_id HAVING count(*) > 1) s),
				(SELECT count(*) FROM (SELECT 1 FROM river_job WHERE kind = 'duty_notification' GROUP BY args HAVING count(*) > 1) d)`).
				Scan(&unqueued, &shared, &twice); err != nil {
				t.Fatal(err)
			}
			if unqueued > 0 || shared > 0 || twice > 0 {
				t.Errorf("River: %d notifications without their job, %d jobs shared by two, %d notifications queued twice", unqueued, shared, twice)
			}
			notifications += fmt.Sprintf("; River jobs: %d missing, %d shared, %d twice", unqueued, shared, twice)
		}
	}

	// The hash chains survived every crash.
	verify := "skipped (this binary has no `duty audit`)"
	out, err := exec.Command(binary(t), "audit", "verify", "--database-url", dbURL).CombinedOutput()
	switch {
	case err == nil:
		verify = "every chain intact"
	case strings.Contains(string(out), "unknown command"):
	default:
		verify = "FAILED"
		t.Errorf("duty audit verify: %v\n%s", err, out)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "fault suite: %d cases in %s, %d requests (%d retried, %d refusals resolved as already taken)\n",
		len(results), elapsed.Round(time.Second), f.requested.Load(), f.retries.Load(), f.recovered.Load())
	for _, l := range faultLog {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	for _, s := range faultScripts() {
		fmt.Fprintf(&b, "  %-48s %d cases\n", s.name, perScript[s.name])
	}
	fmt.Fprintf(&b, "  steps expected %d, recorded %d: lost %d, duplicated %d; duplicated (workflow_id, seq) %d\n", expectedSteps, recordedSteps, lost, extra, dupSeq)
	fmt.Fprintf(&b, "  cases in the expected state %d of %d; cases in the read model %d; scripts failed %d\n", len(results)-wrongState-failed, len(results), total, failed)
	fmt.Fprintf(&b, "  orders with a short deadline re-issued after it passed in transit: %d\n", f.reordered.Load())
	fmt.Fprintf(&b, "  timers due %d, fired %d (deadlines missed on record %d, due but still pending %d)\n", timersDue, missed, missed, unfired)
	fmt.Fprintf(&b, "  notifications: %s\n", notifications)
	fmt.Fprintf(&b, "  duty audit verify: %s\n", verify)
	t.Log("\n" + b.String())
	if os.Getenv("DUTY_FAULT_REPORT") != "" {
		_ = os.WriteFile(os.Getenv("DUTY_FAULT_REPORT"), []byte(b.String()), 0o644)
	}
}

// diffCount is how many of want are missing from got and how many of got
// are beyond want, as multisets.
func diffCount(want, got []string) (missing, extra int) {
	m := map[string]int{}
	for _, a := range want {
		m[a]++
	}
	for _, a := range got {
		m[a]--
	}
	for _, c := range m {
		if c > 0 {
			missing += c
		} else {
			extra -= c
		}
	}
	return missing, extra
}

// ownPostgres is a cluster the test starts, stops and starts again.
type ownPostgres struct {
	dir, url string
}

func startOwnPostgres(t *testing.T) *ownPostgres {
	// /var/tmp: when the tests run as root, PostgreSQL runs as the postgres
	// user, which must reach the folder.
	dir, err := os.MkdirTemp("/var/tmp", "duty-e2e-faults-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pg := &ownPostgres{dir: dir}
	t.Cleanup(func() {
		_ = exec.Command(binary(t), "pg", "stop", "--data", dir).Run()
		_ = os.RemoveAll(dir)
	})
	pg.start(t)
	return pg
}

func (pg *ownPostgres) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(binary(t), "pg", "start", "--data", pg.dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duty pg start: %v\n%s", err, stderr.String())
	}
	url := strings.TrimSpace(string(out))
	if pg.url != "" && url != pg.url {
		t.Fatalf("PostgreSQL came back at %s, was %s", url, pg.url)
	}
	pg.url = url
}

func (pg *ownPostgres) stop(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(binary(t), "pg", "stop", "--data", pg.dir).CombinedOutput(); err != nil {
		t.Fatalf("duty pg stop: %v\n%s", err, out)
	}
}

// workerProc is one `duty worker`.
type workerProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
}

func startWorkerProc(t *testing.T, dbURL string, dev *instance) *workerProc {
	t.Helper()
	cmd := exec.Command(binary(t), "worker")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+dbURL, "DUTY_LOG_LEVEL=warn"), dev.temporalEnv()...)
	w := &workerProc{cmd: cmd, out: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-w.exited
		keepOutputIfFailed(t, fmt.Sprintf("worker-%d", cmd.Process.Pid), w.out)
		w.exited <- nil
	})
	return w
}

// kill sends SIGKILL and waits for the process to end; a worker that had
// already died is a failure (it must survive everything but its own kill).
func (w *workerProc) kill(t *testing.T) {
	t.Helper()
	select {
	case err := <-w.exited:
		t.Errorf("duty worker had exited by itself: %v\n%s", err, w.out)
		w.exited <- err
		return
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	w.exited <- <-w.exited
}

func waitTimeout(t *testing.T, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not finish in %s", what, d.Round(time.Second))
	}
}

func backoff(attempt int) time.Duration {
	return min(time.Duration(200<<min(attempt, 4))*time.Millisecond, 3*time.Second)
}

func newKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
