package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// runDutySplit runs a duty command to its end and returns its stdout, stderr
// and exit status.
func runDutySplit(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("duty %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// ackedCase is a case and the last step an answer acknowledged.
type ackedCase struct {
	no  string
	seq float64
	at  time.Time
}

// tryCall is user.call for a goroutine: failures are returned, not fatal.
func tryCall(u *user, method, path string, body any) (int, map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, u.base+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, out, nil
}

// load opens hazards and orders them, one after another, until stop is
// closed, recording each acknowledged step. strict fails the test on a
// request that fails; otherwise (duty is to be killed) load just ends.
func load(t *testing.T, inspector, company *user, stop <-chan struct{}, strict bool) (acked func() []ackedCase, wait func()) {
	var mu sync.Mutex
	var got []ackedCase
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			status, body, err := tryCall(inspector, "POST", "/api/v1/hazards", map[string]any{
				"grade": "general", "enterprise_id": company.orgID, "location": "负载工地", "description": "负载隐患"})
			if status != 201 || err != nil {
				if strict {
					t.Errorf("open during the backup: %d %v %v", status, body, err)
				}
				return
			}
			no := caseOf(body)["case_no"].(string)
			mu.Lock()
			got = append(got, ackedCase{no: no, seq: seq(body), at: time.Now()})
			mu.Unlock()
			status, body, err = tryCall(inspector, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "整改", "deadline": day(20)})
			if status != 200 || err != nil {
				if strict {
					t.Errorf("order during the backup: %d %v %v", status, body, err)
				}
				return
			}
			mu.Lock()
			got = append(got, ackedCase{no: no, seq: seq(body), at: time.Now()})
			mu.Unlock()
		}
	}()
	return func() []ackedCase {
			mu.Lock()
			defer mu.Unlock()
			return append([]ackedCase(nil), got...)
		}, func() {
			<-done
		}
}

// TestBackupUnderLoadRestoresIntoASystemThatCarriesOn opens cases, takes
// `duty backup` while steps are being taken and timers are armed,
// restores it into another data folder and database, starts duty there,
// and shows that every case acknowledged before the backup is there and
// carries on, a timer that came due after the backup fires, the audit
// chains verify and `duty check` finds the stores agreeing.
func TestBackupUnderLoadRestoresIntoASystemThatCarriesOn(t *testing.T) {
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	duty := start(t, dir, db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")

	// Cases in several states; one with a deadline that comes due after
	// the backup, while the restored system runs.
	var cases []ackedCase
	for i := range 4 {
		opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
			"grade": "general", "enterprise_id": company.orgID, "location": "塔吊" + itoa(int64(i)), "description": "基础积水"})
		no := caseOf(opened)["case_no"].(string)
		c := ackedCase{no: no, seq: seq(opened)}
		if i > 0 {
			c.seq = seq(inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "排水", "deadline": day(20)}))
		}
		if i > 1 {
			c.seq = seq(company.must(200, "POST", "/api/v1/hazards/"+no+"/completion", map[string]any{"summary": "已排水", "evidence": []map[string]any{{"name": "c.jpg"}}}))
		}
		cases = append(cases, c)
	}
	timed := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "配电房", "description": "漏电保护器失效"})
	timedNo := caseOf(timed)["case_no"].(string)
	due := time.Now().Add(40 * time.Second)
	timed = inspector.must(200, "POST", "/api/v1/hazards/"+timedNo+"/order", map[string]any{"measures": "更换", "deadline": due.Format(time.RFC3339Nano)})
	cases = append(cases, ackedCase{no: timedNo, seq: seq(timed)})

	// The backup, with steps being taken all through it.
	stop := make(chan struct{})
	acked, wait := load(t, inspector, company, stop, true)
	time.Sleep(500 * time.Millisecond)
	backupDir := filepath.Join(t.TempDir(), "backup")
	began := time.Now()
	out, progress, code := runDutySplit(t, "backup", "--out", backupDir, "--data", dir, "--database-url", db)
	backupDone := time.Now()
	close(stop)
	wait()
	if code != 0 {
		t.Fatalf("duty backup exited %d:\n%s\n%s", code, out, progress)
	}
	t.Logf("backup:\n%s%s", progress, out)
	for _, want := range []string{"PostgreSQL: snapshot", "Temporal: copying", "computing SHA-256"} {
		if !strings.Contains(progress, want) {
			t.Errorf("the backup's progress does not say %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(backupDir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	for _, c := range acked() {
		if c.at.Before(began) {
			cases = append(cases, c)
		}
	}
	if len(acked()) < 4 {
		t.Fatalf("only %d steps were taken around the backup: no load", len(acked()))
	}
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping the first installation: %v", err)
	}

	// A restore never overwrites.
	if _, stderr, code := runDutySplit(t, "restore", "--from", backupDir, "--data", dir, "--database-url", pgtest.NewDatabase(t)); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("restore into a non-empty data folder: exit %d, %s", code, stderr)
	}
	dir2, db2 := filepath.Join(dataDir(t), "restored"), pgtest.NewDatabase(t)
	out, progress, code = runDutySplit(t, "restore", "--from", backupDir, "--data", dir2, "--database-url", db2)
	if code != 0 {
		t.Fatalf("duty restore exited %d:\n%s\n%s", code, out, progress)
	}
	t.Logf("restore:\n%s%s", progress, out)

	restored := start(t, dir2, db2)
	// The read model may lag a workflow by a step written between the two
	// snapshots; --repair writes it, and then nothing differs.
	out, errOut, code := runDutySplit(t, "check", "--repair", "--data", dir2, "--database-url", db2)
	t.Logf("check --repair:\n%s%s", out, errOut)
	if code != 0 {
		t.Fatalf("duty check --repair exited %d", code)
	}
	if out, _, code := runDutySplit(t, "check", "--data", dir2, "--database-url", db2); code != 0 || !strings.Contains(out, "0 differences found") {
		t.Fatalf("duty check after the repair: exit %d\n%s", code, out)
	}

	inspector = restored.login("zhao.jiancha")
	company = restored.login("qian.zong")
	// Nothing acknowledged before the backup is lost.
	last := map[string]float64{}
	for _, c := range cases {
		last[c.no] = max(last[c.no], c.seq)
	}
	for no, s := range last {
		got := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
		if seq(got) < s {
			t.Errorf("%s: restored at step %v, step %v was acknowledged before the backup", no, seq(got), s)
		}
	}
	// The timer that came due fires.
	var c map[string]any
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		c = inspector.must(200, "GET", "/api/v1/cases/"+timedNo, nil)
		if caseOf(c)["overdue"] == true {
			break
		}
	}
	if caseOf(c)["overdue"] != true {
		t.Fatalf("the deadline of %s (due %s) did not fire after the restore: %v", timedNo, due.Format(time.TimeOnly), caseOf(c))
	}
	// It fired in the restored system, not before the backup.
	for _, e := range c["timeline"].([]any) {
		entry := e.(map[string]any)
		if entry["action"] != "overdue" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, entry["at"].(string))
		if err != nil || !at.After(backupDone) {
			t.Fatalf("the overdue step of %s is at %v, the backup ended at %s: the timer did not come due after the backup (%v)", timedNo, entry["at"], backupDone, err)
		}
	}
	// Every case carries on: the ordered ones to completion, the completed
	// ones to closed.
	for _, cs := range cases[:5] {
		path := "/api/v1/hazards/" + cs.no + "/"
		st := state(inspector.must(200, "GET", "/api/v1/cases/"+cs.no, nil))
		switch st {
		case "reported":
			inspector.must(200, "POST", path+"order", map[string]any{"measures": "排水", "deadline": day(20)})
			fallthrough
		case "ordered":
			company.must(200, "POST", path+"completion", map[string]any{"summary": "已排水", "evidence": []map[string]any{{"name": "c.jpg"}}})
			fallthrough
		case "completion_reported":
			if got := state(inspector.must(200, "POST", path+"reinspection", map[string]any{"passed": true, "findings": "符合要求"})); got != "closed" {
				t.Errorf("%s after re-inspection: %s", cs.no, got)
			}
		default:
			t.Errorf("%s restored in state %s", cs.no, st)
		}
	}
	if out, code := auditVerify(t, db2); code != 0 {
		t.Fatalf("duty audit verify on the restored database exited %d:\n%s", code, out)
	}
	if out, _, code := runDutySplit(t, "check", "--data", dir2, "--database-url", db2); code != 0 {
		t.Fatalf("duty check at the end: exit %d\n%s", code, out)
	}
	if err := restored.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping the restored installation: %v", err)
	}
}

// TestUncleanStopThenCheck kills duty with SIGKILL while steps are being
// taken, starts it again, and expects `duty check` to find the stores
// agreeing, or to repair them.
func TestUncleanStopThenCheck(t *testing.T) {
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	duty := start(t, dir, db, "--temporal-sync", "full")
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	stop := make(chan struct{})
	acked, wait := load(t, inspector, company, stop, false)
	for end := time.Now().Add(time.Minute); len(acked()) < 6 && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
	}
	if err := duty.stop(syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL reported a clean exit")
	}
	close(stop)
	// The load's requests fail once duty is gone: not the test's errors.
	wait()
	before := acked()
	if len(before) < 6 {
		t.Fatalf("only %d steps before the kill", len(before))
	}
	duty = start(t, dir, db, "--temporal-sync", "full")
	out, errOut, code := runDutySplit(t, "check", "--repair", "--data", dir, "--database-url", db)
	t.Logf("check --repair after SIGKILL:\n%s%s", out, errOut)
	if code != 0 {
		t.Fatalf("duty check --repair exited %d", code)
	}
	if out, _, code := runDutySplit(t, "check", "--data", dir, "--database-url", db); code != 0 || !strings.Contains(out, "0 differences found") {
		t.Fatalf("duty check after the repair: exit %d\n%s", code, out)
	}
	inspector = duty.login("zhao.jiancha")
	for _, c := range before {
		if got := seq(inspector.must(200, "GET", "/api/v1/cases/"+c.no, nil)); got < c.seq {
			t.Errorf("%s at step %v after the restart; step %v was acknowledged before the kill", c.no, got, c.seq)
		}
	}
	if out, code := auditVerify(t, db); code != 0 {
		t.Fatalf("duty audit verify exited %d:\n%s", code, out)
	}
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// TestCheckRepairsAReadModelBehindItsWorkflows restores PostgreSQL from
// one backup and the Temporal store from a later one — the read model
// behind its workflows by several steps and a whole case, what a step
// written between two snapshots leaves on a smaller scale — and expects
// `duty check` to name each difference and exit 1, `--repair` to write
// the missing steps from the workflows' histories, the audit chains to
// verify, and the repaired cases to carry on.
func TestCheckRepairsAReadModelBehindItsWorkflows(t *testing.T) {
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	duty := start(t, dir, db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	var nos []string
	for i := range 2 {
		opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
			"grade": "general", "enterprise_id": company.orgID, "location": "仓库" + itoa(int64(i)), "description": "消防通道堵塞"})
		nos = append(nos, caseOf(opened)["case_no"].(string))
	}
	early := filepath.Join(t.TempDir(), "early")
	if out, errOut, code := runDutySplit(t, "backup", "--out", early, "--data", dir, "--database-url", db); code != 0 {
		t.Fatalf("backup: %d\n%s%s", code, out, errOut)
	}
	for _, no := range nos {
		inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "清理", "deadline": day(20)})
	}
	company.must(200, "POST", "/api/v1/hazards/"+nos[0]+"/completion", map[string]any{"summary": "已清理", "evidence": []map[string]any{{"name": "d.jpg"}}})
	later := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "车间", "description": "安全出口上锁"})
	nos = append(nos, caseOf(later)["case_no"].(string))
	late := filepath.Join(t.TempDir(), "late")
	if out, errOut, code := runDutySplit(t, "backup", "--out", late, "--data", dir, "--database-url", db); code != 0 {
		t.Fatalf("backup: %d\n%s%s", code, out, errOut)
	}
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	dir2, db2 := filepath.Join(dataDir(t), "restored"), pgtest.NewDatabase(t)
	if out, errOut, code := runDutySplit(t, "restore", "--from", early, "--data", dir2, "--database-url", db2); code != 0 {
		t.Fatalf("restore: %d\n%s%s", code, out, errOut)
	}
	temporal, err := os.ReadFile(filepath.Join(late, "temporal.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "temporal.db"), temporal, 0o644); err != nil {
		t.Fatal(err)
	}
	restored := start(t, dir2, db2)

	out, _, code := runDutySplit(t, "check", "--data", dir2, "--database-url", db2)
	t.Logf("check:\n%s", out)
	if code != 1 || !strings.Contains(out, "4 differences found, 4 remain") ||
		!strings.Contains(out, "PostgreSQL's counter is at 2, but a workflow holds "+nos[2]) ||
		!strings.Contains(out, nos[0]+" (hazard/"+nos[0]+"): the read model stops at step 1 (state reported); the workflow wrote up to step 3 (state completion_reported); missing: 2 order, 3 report_completion") ||
		!strings.Contains(out, nos[2]+" (hazard/"+nos[2]+"): the read model stops at step 0 (state none)") {
		t.Fatalf("duty check on a read model behind: exit %d", code)
	}
	out, _, code = runDutySplit(t, "check", "--repair", "--data", dir2, "--database-url", db2)
	t.Logf("check --repair:\n%s", out)
	if code != 0 || strings.Count(out, "repaired: wrote steps") != 3 || !strings.Contains(out, "repaired: the counter is at 3") {
		t.Fatalf("duty check --repair: exit %d", code)
	}
	if out, _, code := runDutySplit(t, "check", "--data", dir2, "--database-url", db2); code != 0 || !strings.Contains(out, "0 differences found") {
		t.Fatalf("duty check after the repair: exit %d\n%s", code, out)
	}
	if out, code := auditVerify(t, db2); code != 0 {
		t.Fatalf("duty audit verify after the repair exited %d:\n%s", code, out)
	}
	inspector = restored.login("zhao.jiancha")
	closed := inspector.must(200, "POST", "/api/v1/hazards/"+nos[0]+"/reinspection", map[string]any{"passed": true, "findings": "通道畅通"})
	if got := strings.Join(actions(closed), ","); got != "report,order,report_completion,reinspect" {
		t.Fatalf("timeline of the repaired case: %s", got)
	}
	inspector.must(200, "POST", "/api/v1/hazards/"+nos[2]+"/order", map[string]any{"measures": "解锁", "deadline": day(10)})
	// The next case gets a new number, not one a workflow already holds.
	company = restored.login("qian.zong")
	next := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "食堂", "description": "燃气报警器失效"})
	if no := caseOf(next)["case_no"].(string); no <= nos[2] {
		t.Fatalf("the case opened after the repair is %s; %s was already in use", no, nos[2])
	}
	if err := restored.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}
