package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// webhookSink is a webhook receiver on loopback that refuses the first
// few calls (an endpoint down, then back).
type webhookSink struct {
	mu       sync.Mutex
	refuse   int
	calls    int
	received []map[string]any
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.refuse {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.received = append(s.received, body)
	w.WriteHeader(http.StatusNoContent)
}

// to lists the logins the sink received notifications for about a case
// and action.
func (s *webhookSink) to(caseNo, action string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.received {
		if b["case_no"] == caseNo && b["action"] == action {
			out = append(out, b["person"].(map[string]any)["login"].(string))
		}
	}
	return out
}

// settledNotifications returns the caller's notifications once every one about
// the case has reached a final delivery state on every channel.
func (u *user) settledNotifications(caseNo string, want int) []map[string]any {
	u.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var mine []map[string]any
		settled := true
		for _, n := range u.must(200, "GET", "/api/v1/notifications", nil)["notifications"].([]any) {
			n := n.(map[string]any)
			if n["case_no"] != caseNo {
				continue
			}
			mine = append(mine, n)
			for _, d := range n["deliveries"].([]any) {
				settled = settled && d.(map[string]any)["state"] == "delivered"
			}
		}
		if settled && len(mine) >= want {
			return mine
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("notifications about %s not all delivered in 30 s: %v", caseNo, mine)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNotificationsAndMetrics drives a major hazard and a major escalation
// on the real binary with a webhook that is down at first: every person
// concerned is notified on the log and the webhook channels, retried with
// River's backoff until delivered, and /metrics reports the case, the escalation, the activities,
// the deliveries and the permission decisions.
func TestNotificationsAndMetrics(t *testing.T) {
	sink := &webhookSink{refuse: 3}
	hook := httptest.NewServer(sink)
	defer hook.Close()
	const metricsToken = "e2e-metrics-token"
	duty := start(t, dataDir(t), pgtest.NewDatabase(t),
		"--webhook-url", hook.URL, "--notify-poll", "100ms", "--metrics-token", metricsToken)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	head := duty.login("wang.juzhang")
	secretary := duty.login("zhang.shuji")
	cityHead := duty.login("zheng.juzhang")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := caseOf(opened)["case_no"].(string)
	path := "/api/v1/hazards/" + no + "/"
	inspector.must(200, "POST", path+"order", map[string]any{"measures": "补设连墙件", "deadline": day(20)})
	company.must(200, "POST", path+"plan", map[string]any{"responsible_person": "钱宏达", "measures": "补设", "funds_yuan": 150000, "deadline": day(15), "emergency_plan": "撤离"})

	// The enterprise hears of the report and the order, on both channels,
	// delivered in the end although the webhook refused the first calls.
	mine := company.settledNotifications(no, 2)
	actions := map[string]bool{}
	for _, n := range mine {
		actions[n["action"].(string)] = true
		if len(n["deliveries"].([]any)) != 2 {
			t.Fatalf("deliveries %v, want log and webhook", n["deliveries"])
		}
	}
	if !actions["report"] || !actions["order"] || actions["submit_plan"] {
		t.Fatalf("the enterprise was notified of %v", actions)
	}
	// The inspector hears of the plan, not of their own order.
	for _, n := range inspector.settledNotifications(no, 1) {
		if a := n["action"]; a != "submit_plan" {
			t.Fatalf("the inspector was notified of %s", a)
		}
	}
	retried := false
	for _, n := range mine {
		for _, d := range n["deliveries"].([]any) {
			d := d.(map[string]any)
			retried = retried || (d["channel"] == "webhook" && d["attempts"].(float64) > 1)
		}
	}
	if !retried {
		t.Fatalf("no webhook delivery to the enterprise needed a retry: %v", mine)
	}
	if got := sink.to(no, "order"); len(got) != 3 {
		t.Fatalf("webhook got the order for %v, want the enterprise's three persons", got)
	}

	// A major escalation: the city bureau's head, and both the district's
	// party secretary and its head of government (党政同责).
	orgs := map[string]int64{}
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		m := o.(map[string]any)
		orgs[m["code"].(string)] = int64(m["id"].(float64))
	}
	esc := head.must(201, "POST", "/api/v1/cases/"+no+"/escalations", map[string]any{
		"to_org_id": orgs["1405-jsj"], "reason": "listed_supervision", "summary": "建议挂牌督办", "major": true})
	escNo := caseOf(esc)["case_no"].(string)
	for _, u := range []*user{cityHead, secretary} {
		got := u.settledNotifications(escNo, 1)
		if got[0]["category"] != "escalation" {
			t.Fatalf("escalation notification %v", got[0])
		}
	}
	waitFor(t, func() bool { return len(sink.to(escNo, "submit")) == 3 }, "the webhook to receive the escalation three times")
	if got := strings.Join(sink.to(escNo, "submit"), ","); !strings.Contains(got, "liu.quzhang") {
		t.Fatalf("the district head was not notified of the major escalation: %s", got)
	}

	// /metrics needs the metrics token, even from loopback (a reverse
	// proxy's requests come from there too).
	resp, err := http.Get(duty.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", duty.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out := string(raw)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, out)
	}
	for _, want := range []string{
		`duty_cases{kind="hazard",state="plan_submitted"} 1`,
		`duty_cases{kind="escalation",state="submitted"} 1`,
		`duty_escalations_held{state="submitted"} 1`,
		`duty_escalation_held_seconds_bucket{le="3600"} 1`,
		`duty_cases_overdue{kind="hazard"} 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for series, least := range map[string]float64{
		// Every step is written by its workflow's RecordStep activity.
		`duty_activity_attempts_total{activity="RecordStep",outcome="ok"}`:          1,
		`duty_policy_decision_seconds_count{outcome="allowed"}`:                     5,
		`duty_notification_deliveries_total{channel="webhook",outcome="retry"}`:     3,
		`duty_notification_deliveries_total{channel="webhook",outcome="delivered"}`: 6,
		`duty_notification_deliveries_total{channel="log",outcome="delivered"}`:     6,
	} {
		if v := metricValue(out, series); v < least {
			t.Errorf("%s = %v, want at least %v", series, v, least)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepLines(out, "duty_"))
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func metricValue(text, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
