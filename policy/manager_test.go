package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/internal/pgtest"
)

// Compile-time proof that Manager is what ladon.Ladon takes.
var _ ladon.Manager = (*Manager)(nil)

func newWarden(m ladon.Manager) *ladon.Ladon {
	// Matcher and Metric are set explicitly: ladon fills a nil Metric
	// lazily from every decision, which is a data race.
	return &ladon.Ladon{
		Manager:     m,
		Matcher:     newLinearMatcher(512),
		Metric:      &ladon.MetricNoOp{},
		AuditLogger: &ladon.AuditLoggerNoOp{},
	}
}

func validPolicy(id string) *ladon.DefaultPolicy {
	return &ladon.DefaultPolicy{
		ID:        id,
		Effect:    ladon.AllowAccess,
		Subjects:  []string{"user:alice"},
		Resources: []string{"case:<.*>"},
		Actions:   []string{"view"},
	}
}

func TestValidatePolicyAcceptsOrdinaryPatterns(t *testing.T) {
	p := validPolicy("ok")
	p.Subjects = []string{"user:alice", "dept:1405<[0-9]+>", "role:<(inspector|supervisor)>", `x>y`}
	p.Resources = []string{"case:<.*>", "region:/14/<[0-9]{2}>/<.*>", `case:<[(+|)]+>`, `a:<\(b+\)+>`, "<(?:ab){2}>", "<(ab)?>", "<(ab){0,1}>"}
	p.Actions = []string{"<.*>", "view"}
	p.Conditions = ladon.Conditions{
		"channel": &ladon.StringEqualCondition{Equals: "web"},
		"ip":      &ladon.CIDRCondition{CIDR: "10.0.0.0/8"},
		"login":   &ladon.StringMatchCondition{Matches: "^[a-z]+$"},
	}
	if err := ValidatePolicy(p); err != nil {
		t.Fatal(err)
	}
}

func TestValidatePolicyRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(p *ladon.DefaultPolicy)
		expect []string // all must appear in the message
	}{
		{"empty id", func(p *ladon.DefaultPolicy) { p.ID = " " }, []string{"id is empty"}},
		{"bad effect", func(p *ladon.DefaultPolicy) { p.Effect = "Allow" }, []string{`effect "Allow"`}},
		{"no subject", func(p *ladon.DefaultPolicy) { p.Subjects = nil }, []string{"no subject"}},
		{"no resource", func(p *ladon.DefaultPolicy) { p.Resources = []string{} }, []string{"no resource"}},
		{"no action", func(p *ladon.DefaultPolicy) { p.Actions = nil }, []string{"no action"}},
		{"empty pattern", func(p *ladon.DefaultPolicy) { p.Actions = []string{""} }, []string{`action pattern ""`, "empty"}},
		{"unclosed class", func(p *ladon.DefaultPolicy) { p.Resources = []string{"case:<[a-z>"} }, []string{`resource pattern "case:<[a-z>"`, "does not compile"}},
		{"unbalanced delimiter", func(p *ladon.DefaultPolicy) { p.Subjects = []string{"user:<.*"} }, []string{`subject pattern "user:<.*"`, "does not compile"}},
		{"lookahead", func(p *ladon.DefaultPolicy) { p.Subjects = []string{"user:<(?=a)a+>"} }, []string{`subject pattern "user:<(?=a)a+>"`, "RE2", "does not compile"}},
		{"backreference", func(p *ladon.DefaultPolicy) { p.Resources = []string{`case:<(a)\1>`} }, []string{"does not compile"}},
		{"closes another part", func(p *ladon.DefaultPolicy) { p.Resources = []string{"case:<a)(b>"} }, []string{"does not compile"}},
		{"unregistered condition", func(p *ladon.DefaultPolicy) {
			p.Conditions = ladon.Conditions{"x": unregistered{}}
		}, []string{`condition "x"`, "not registered"}},
		{"bad match condition", func(p *ladon.DefaultPolicy) {
			p.Conditions = ladon.Conditions{"x": &ladon.StringMatchCondition{Matches: "("}}
		}, []string{`condition "x"`, "does not compile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validPolicy("p1")
			tc.edit(p)
			err := ValidatePolicy(p)
			if err == nil {
				t.Fatal("accepted")
			}
			if duty.ErrorCode(err) != duty.EInvalid {
				t.Errorf("code %q, want %q", duty.ErrorCode(err), duty.EInvalid)
			}
			for _, s := range tc.expect {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err.Error(), s)
				}
			}
		})
	}
}

func TestValidatePolicyOtherDelimiters(t *testing.T) {
	err := ValidatePolicy(curly{validPolicy("p1")})
	if err == nil || !strings.Contains(err.Error(), "delimiters") {
		t.Fatalf("got %v, want a complaint about delimiters", err)
	}
}

// curly is a policy with { } delimiters, which DefaultPolicy cannot store.
type curly struct{ *ladon.DefaultPolicy }

func (curly) GetStartDelimiter() byte { return '{' }
func (curly) GetEndDelimiter() byte   { return '}' }

type unregistered struct{}

func (unregistered) GetName() string                                            { return "NoSuchCondition" }
func (unregistered) Fulfills(context.Context, interface{}, *ladon.Request) bool { return true }

// Patterns that make a backtracking engine take polynomial or exponential
// time on a value that almost matches — ladon's gave up after 250 ms with
// an error, denying every decision that reached the policy — are matched
// by the warden's matcher in time linear in the value, with the right
// answer and no error. (BenchmarkSlowPatterns measures both engines.)
func TestSlowPatternsAreMatchedWithoutError(t *testing.T) {
	long := strings.Repeat("a", 5000)
	for _, tc := range []struct {
		pattern, value string
		want           bool
	}{
		{"user:<.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*x>", "user:" + long, false},
		{"user:<.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*x>", "user:" + long + "x", true},
		{"user:<(a+)+b>", "user:" + long, false},
		{"user:<(a|aa)+b>", "user:" + long + "b", true},
		{"user:<(.*)*y>", "user:" + long, false},
		{"case:<.*>:<.*.*.*.*.*.*z>", "case:x:" + long, false},
	} {
		p := validPolicy("slow")
		if err := ValidatePolicy(p); err != nil {
			t.Fatal(err)
		}
		got, err := newLinearMatcher(8).Matches(p, []string{tc.pattern}, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("%s on a %d-byte value: %v, %v; want %v and no error", tc.pattern, len(tc.value), got, err, tc.want)
		}
		p.Subjects = []string{tc.pattern}
		if err := ValidatePolicy(p); err != nil {
			t.Errorf("%s is refused: %v", tc.pattern, err)
		}
	}
}

// newManager returns a loaded Manager on a fresh database.
func newManager(t *testing.T) (*Manager, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	m := NewManager(pool)
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, pool
}

// watch runs m.Watch until the test ends and checks it ends cleanly.
func watch(t *testing.T, m *Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	})
}

// eventually polls cond for up to five seconds; it asserts that something
// arrives, not how fast.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: did not happen within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsonOf(t *testing.T, p ladon.Policy) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func countRows(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM policies`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCRUDRoundTrip(t *testing.T) {
	ctx := context.Background()
	m, pool := newManager(t)
	w := newWarden(m)

	p := &ladon.DefaultPolicy{
		ID:          "inspectors-view-region",
		Description: "检查员查看本辖区案件",
		Subjects:    []string{"role:inspector", "user:<[a-z]+>"},
		Effect:      ladon.AllowAccess,
		Resources:   []string{"case:<.*>:140502:<[0-9]+>"},
		Actions:     []string{"view", "<(order|approve)>"},
		Conditions: ladon.Conditions{
			"channel": &ladon.StringEqualCondition{Equals: "web"},
			"ip":      &ladon.CIDRCondition{CIDR: "10.0.0.0/8"},
		},
		Meta: []byte(`{"source":"test"}`),
	}
	v0 := m.Version()
	if err := m.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if m.Version() <= v0 {
		t.Error("Create did not reload the snapshot")
	}

	got, err := m.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, got), jsonOf(t, p); a != b {
		t.Errorf("round trip changed the policy:\n got %s\nwant %s", a, b)
	}
	if _, ok := got.GetConditions()["ip"].(*ladon.CIDRCondition); !ok {
		t.Errorf("condition came back as %T", got.GetConditions()["ip"])
	}

	// The stored document is ladon's own JSON.
	var effect, condType string
	if err := pool.QueryRow(ctx, `SELECT doc->>'effect', doc->'conditions'->'channel'->>'type' FROM policies WHERE id = $1`, p.ID).Scan(&effect, &condType); err != nil {
		t.Fatal(err)
	}
	if effect != "allow" || condType != "StringEqualCondition" {
		t.Errorf("stored effect %q, condition type %q", effect, condType)
	}

	// The reloaded conditions decide.
	req := &ladon.Request{Subject: "role:inspector", Resource: "case:hz:140502:7", Action: "approve",
		Context: ladon.Context{"channel": "web", "ip": "10.1.2.3"}}
	if err := w.IsAllowed(ctx, req); err != nil {
		t.Errorf("request meeting the conditions: %v", err)
	}
	req.Context["ip"] = "192.168.1.1"
	if err := w.IsAllowed(ctx, req); err == nil {
		t.Error("request from outside the CIDR was allowed")
	}

	// A caller editing what Get returned does not change the snapshot.
	got.(*ladon.DefaultPolicy).Subjects[0] = "user:mallory"
	if again, _ := m.Get(ctx, p.ID); again.GetSubjects()[0] != "role:inspector" {
		t.Error("editing a policy from Get changed the snapshot")
	}

	// Update.
	p2 := *p
	p2.Effect = ladon.DenyAccess
	p2.Conditions = ladon.Conditions{"channel": &ladon.StringEqualCondition{Equals: "app"}}
	if err := m.Update(ctx, &p2); err != nil {
		t.Fatal(err)
	}
	got, err = m.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, got), jsonOf(t, &p2); a != b {
		t.Errorf("after update:\n got %s\nwant %s", a, b)
	}

	// GetAll pages in id order.
	for _, id := range []string{"c", "a", "d", "b"} {
		if err := m.Create(ctx, validPolicy(id)); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ps ladon.Policies) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.GetID())
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		limit, offset int64
		want          string
	}{
		{0, 0, "a,b,c,d,inspectors-view-region"},
		{100, 0, "a,b,c,d,inspectors-view-region"},
		{2, 0, "a,b"},
		{2, 2, "c,d"},
		{2, 4, "inspectors-view-region"},
		{2, 5, ""},
		{2, 50, ""},
	} {
		all, err := m.GetAll(ctx, tc.limit, tc.offset)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(all); got != tc.want {
			t.Errorf("GetAll(%d, %d) = %s, want %s", tc.limit, tc.offset, got, tc.want)
		}
	}
	for _, find := range []func() (ladon.Policies, error){
		func() (ladon.Policies, error) { return m.FindRequestCandidates(ctx, req) },
		func() (ladon.Policies, error) { return m.FindPoliciesForSubject(ctx, "role:inspector") },
		func() (ladon.Policies, error) { return m.FindPoliciesForResource(ctx, "case:hz:140502:7") },
	} {
		ps, err := find()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(","+ids(ps)+",", ",inspectors-view-region,") {
			t.Errorf("candidates %s leave out the matching policy", ids(ps))
		}
	}

	// Delete.
	if err := m.Delete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, p.ID); !errors.Is(err, ladon.ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if n := countRows(t, pool); n != 4 {
		t.Errorf("%d rows left, want 4", n)
	}
}

func TestNotFoundAndConflict(t *testing.T) {
	ctx := context.Background()
	m, _ := newManager(t)

	checkNotFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ladon.ErrNotFound) || duty.ErrorCode(err) != duty.ENotFound {
			t.Errorf("%s: %v (code %q), want ladon.ErrNotFound and %q", what, err, duty.ErrorCode(err), duty.ENotFound)
		}
		if !strings.Contains(duty.ErrorMessage(err), "nope") {
			t.Errorf("%s: message %q does not name the id", what, duty.ErrorMessage(err))
		}
	}
	_, err := m.Get(ctx, "nope")
	checkNotFound("Get", err)
	checkNotFound("Update", m.Update(ctx, validPolicy("nope")))
	checkNotFound("Delete", m.Delete(ctx, "nope"))

	if err := m.Create(ctx, validPolicy("p1")); err != nil {
		t.Fatal(err)
	}
	other := validPolicy("p1")
	other.Effect = ladon.DenyAccess
	err = m.Create(ctx, other)
	if !errors.Is(err, ErrConflict) || duty.ErrorCode(err) != duty.EConflict {
		t.Fatalf("second Create: %v (code %q), want ErrConflict and %q", err, duty.ErrorCode(err), duty.EConflict)
	}
	if got, _ := m.Get(ctx, "p1"); got.GetEffect() != ladon.AllowAccess {
		t.Error("a conflicting Create overwrote the policy")
	}
}

func TestValidationStoresNothing(t *testing.T) {
	ctx := context.Background()
	m, pool := newManager(t)

	bad := validPolicy("bad-regex")
	bad.Resources = []string{"case:<[0-9>"}
	err := m.Create(ctx, bad)
	if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(err.Error(), `resource pattern "case:<[0-9>"`) || !strings.Contains(err.Error(), "does not compile") {
		t.Errorf("bad regex: %v", err)
	}
	lookahead := validPolicy("lookahead")
	lookahead.Subjects = []string{"user:<(?!x).+>"}
	err = m.Create(ctx, lookahead)
	if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(err.Error(), `subject pattern "user:<(?!x).+>"`) || !strings.Contains(err.Error(), "RE2") {
		t.Errorf("lookahead: %v", err)
	}
	t.Logf("message: %s", duty.ErrorMessage(err))
	if n := countRows(t, pool); n != 0 {
		t.Errorf("%d rows stored, want 0", n)
	}

	if err := m.Create(ctx, validPolicy("good")); err != nil {
		t.Fatal(err)
	}
	edit := validPolicy("good")
	edit.Actions = []string{`<(view)\1>`}
	if err := m.Update(ctx, edit); duty.ErrorCode(err) != duty.EInvalid {
		t.Errorf("Update with a backreference: %v", err)
	}
	if got, _ := m.Get(ctx, "good"); got.GetActions()[0] != "view" {
		t.Error("a refused Update changed the policy")
	}
}

func TestWatchSeesOtherManagersWrites(t *testing.T) {
	ctx := context.Background()
	writer, pool := newManager(t)
	reader := NewManager(pool)
	if err := reader.Load(ctx); err != nil {
		t.Fatal(err)
	}
	watch(t, reader)

	if err := writer.Create(ctx, validPolicy("p1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "create reaches the other manager", func() bool {
		_, err := reader.Get(ctx, "p1")
		return err == nil
	})

	up := validPolicy("p1")
	up.Effect = ladon.DenyAccess
	if err := writer.Update(ctx, up); err != nil {
		t.Fatal(err)
	}
	eventually(t, "update reaches the other manager", func() bool {
		p, err := reader.Get(ctx, "p1")
		return err == nil && p.GetEffect() == ladon.DenyAccess
	})

	if err := writer.Delete(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "delete reaches the other manager", func() bool {
		_, err := reader.Get(ctx, "p1")
		return errors.Is(err, ladon.ErrNotFound)
	})

	// A burst: every write is seen, and the reader reloads no more often
	// than it is told to (the count is logged, not asserted: how many
	// notices fold together depends on timing).
	v0 := reader.Version()
	const burst = 50
	for i := range burst {
		if err := writer.Create(ctx, validPolicy(fmt.Sprintf("b%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "a burst reaches the other manager", func() bool {
		all, _ := reader.GetAll(ctx, 0, 0)
		return len(all) == burst
	})
	t.Logf("%d writes, %d reloads in the watching manager", burst, reader.Version()-v0)
}

func TestWatchReconnectsAndCatchesUp(t *testing.T) {
	ctx := context.Background()
	writer, pool := newManager(t)
	reader := NewManager(pool)
	reader.minBackoff = 20 * time.Millisecond
	if err := reader.Load(ctx); err != nil {
		t.Fatal(err)
	}
	watch(t, reader)
	eventually(t, "the watcher listens", func() bool { return reader.listenPID.Load() != 0 })
	pid := reader.listenPID.Load()

	// Cut the listening connection, then write while it is down: the
	// notice goes nowhere, so only the catch-up reload can deliver it.
	var ok bool
	if err := pool.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate listener: %v %v", ok, err)
	}
	if err := writer.Create(ctx, validPolicy("while-down")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the watcher reconnects", func() bool {
		p := reader.listenPID.Load()
		return p != 0 && p != pid
	})
	eventually(t, "the write made while disconnected arrives", func() bool {
		_, err := reader.Get(ctx, "while-down")
		return err == nil
	})
	// And it listens again.
	if err := writer.Create(ctx, validPolicy("after")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a write after reconnecting arrives", func() bool {
		_, err := reader.Get(ctx, "after")
		return err == nil
	})
}

func TestWatchSurvivesIdleChecks(t *testing.T) {
	ctx := context.Background()
	writer, pool := newManager(t)
	reader := NewManager(pool)
	reader.idleCheck = 20 * time.Millisecond
	if err := reader.Load(ctx); err != nil {
		t.Fatal(err)
	}
	watch(t, reader)
	eventually(t, "the watcher listens", func() bool { return reader.listenPID.Load() != 0 })
	pid := reader.listenPID.Load()
	time.Sleep(300 * time.Millisecond) // several idle checks pass
	if err := writer.Create(ctx, validPolicy("p1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a write after idle checks arrives", func() bool {
		_, err := reader.Get(ctx, "p1")
		return err == nil
	})
	if reader.listenPID.Load() != pid {
		t.Error("idle checks replaced a healthy connection")
	}
}

// TestLoadKeepsSnapshotOnBadDocument: an unreadable row must not drop
// policies (a dropped deny is an allow).
func TestLoadKeepsSnapshotOnBadDocument(t *testing.T) {
	ctx := context.Background()
	m, pool := newManager(t)
	if err := m.Create(ctx, validPolicy("p1")); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO policies (id, doc) VALUES ('broken', '{"id":"broken","conditions":{"x":{"type":"Nope"}}}')`); err != nil {
		t.Fatal(err)
	}
	v := m.Version()
	if err := m.Load(ctx); err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("Load: %v, want an error naming the broken policy", err)
	}
	if _, err := m.Get(ctx, "p1"); err != nil || m.Version() != v {
		t.Errorf("the snapshot changed after a failed load: %v", err)
	}
}

// The equivalence test's vocabulary: concrete values for requests and a
// mix of literal and regex patterns for policies. Narrow patterns are
// common and broad ones rare, so that a request matches about one policy
// on average and all three outcomes occur often.
var (
	eqRegions  = []string{"140502", "140503", "140581", "140601", "140602"}
	eqKinds    = []string{"hz", "wt", "pn"}
	eqActions  = []string{"open", "order", "approve", "escalate", "view"}
	eqChannels = []string{"web", "app", ""}
	eqIPs      = []string{"10.1.2.3", "192.168.0.1", ""}
)

func eqSubject(r *rand.Rand) string {
	switch n := r.IntN(100); {
	case n < 60:
		return fmt.Sprintf("user:u%d", r.IntN(50))
	case n < 85:
		return fmt.Sprintf("role:r%d", r.IntN(10))
	default:
		return "dept:" + eqRegions[r.IntN(len(eqRegions))]
	}
}

func eqResource(r *rand.Rand) string {
	return fmt.Sprintf("case:%s:%s:%d", eqKinds[r.IntN(len(eqKinds))], eqRegions[r.IntN(len(eqRegions))], r.IntN(30))
}

func eqSubjectPattern(r *rand.Rand) string {
	switch n := r.IntN(100); {
	case n < 90:
		return eqSubject(r)
	case n < 96:
		return fmt.Sprintf("role:<r[0-%d]>", r.IntN(10))
	case n < 99:
		return "dept:1405<[0-9]+>"
	default:
		return "user:<.*>"
	}
}

func eqResourcePattern(r *rand.Rand) string {
	switch n := r.IntN(100); {
	case n < 85:
		return eqResource(r)
	case n < 95:
		return fmt.Sprintf("case:%s:%s:<[0-9]+>", eqKinds[r.IntN(len(eqKinds))], eqRegions[r.IntN(len(eqRegions))])
	case n < 99:
		return fmt.Sprintf("case:<[a-z]+>:%s:<.*>", eqRegions[r.IntN(len(eqRegions))])
	default:
		return "case:" + eqKinds[r.IntN(len(eqKinds))] + ":<.*>"
	}
}

func eqActionPattern(r *rand.Rand) string {
	switch n := r.IntN(100); {
	case n < 85:
		return eqActions[r.IntN(len(eqActions))]
	case n < 97:
		return "<(open|view)>"
	default:
		return "<.*>"
	}
}

func randomPolicy(r *rand.Rand, id string) *ladon.DefaultPolicy {
	pick := func(gen func(*rand.Rand) string) []string {
		out := make([]string, 1+r.IntN(2))
		for i := range out {
			out[i] = gen(r)
		}
		return out
	}
	p := &ladon.DefaultPolicy{
		ID:        id,
		Effect:    ladon.AllowAccess,
		Subjects:  pick(eqSubjectPattern),
		Resources: pick(eqResourcePattern),
		Actions:   pick(eqActionPattern),
	}
	if r.IntN(100) < 30 {
		p.Effect = ladon.DenyAccess
	}
	if r.IntN(100) < 20 {
		p.Conditions = ladon.Conditions{"channel": &ladon.StringEqualCondition{Equals: eqChannels[r.IntN(2)]}}
	}
	if r.IntN(100) < 10 {
		if p.Conditions == nil {
			p.Conditions = ladon.Conditions{}
		}
		p.Conditions["ip"] = &ladon.CIDRCondition{CIDR: "10.0.0.0/8"}
	}
	return p
}

func randomRequest(r *rand.Rand) *ladon.Request {
	req := &ladon.Request{Subject: eqSubject(r), Resource: eqResource(r), Action: eqActions[r.IntN(len(eqActions))], Context: ladon.Context{}}
	if c := eqChannels[r.IntN(len(eqChannels))]; c != "" {
		req.Context["channel"] = c
	}
	if ip := eqIPs[r.IntN(len(eqIPs))]; ip != "" {
		req.Context["ip"] = ip
	}
	return req
}

// outcome reduces a decision to what it means; which policy ladon met
// first may differ with candidate order, but not the outcome.
func outcome(err error) string {
	switch {
	case err == nil:
		return "allowed"
	case errors.Is(err, ladon.ErrRequestForcefullyDenied):
		return "denied by a deny policy"
	case errors.Is(err, ladon.ErrRequestDenied):
		return "denied, no allow matched"
	default:
		return "error: " + err.Error()
	}
}

// TestEquivalentToMemoryManager: a warden on the Manager decides exactly
// as one on ladon's memory manager holding the same policies, while the
// snapshot is being swapped underneath. It guards the JSON round trip
// through PostgreSQL and the candidate index (index.go), here on broad,
// random patterns; TestEquivalentOnGeneratedOrganisation does the same on
// the shapes duty generates.
func TestEquivalentToMemoryManager(t *testing.T) {
	const nPolicies, nRequests = 2000, 2000
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0x5eed))

	m, pool := newManager(t)
	mem := memory.NewMemoryManager()
	var batch pgx.Batch
	for i := range nPolicies {
		p := randomPolicy(r, fmt.Sprintf("p%05d", i))
		if err := ValidatePolicy(p); err != nil {
			t.Fatal(err)
		}
		if err := mem.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if i < 20 { // some through the front door, the bulk in one batch
			if err := m.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		doc, err := encodePolicy(p)
		if err != nil {
			t.Fatal(err)
		}
		batch.Queue(`INSERT INTO policies (id, doc) VALUES ($1, $2)`, p.ID, doc)
	}
	if err := pool.SendBatch(ctx, &batch).Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if all, _ := m.GetAll(ctx, 0, 0); len(all) != nPolicies {
		t.Fatalf("loaded %d policies, want %d", len(all), nPolicies)
	}

	requests := make([]*ladon.Request, nRequests)
	for i := range requests {
		requests[i] = randomRequest(r)
	}

	ours, theirs := newWarden(m), newWarden(mem)
	stop := make(chan struct{})
	var reloads sync.WaitGroup
	reloads.Add(1)
	go func() { // swap snapshots under the deciders, for the race detector
		defer reloads.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := m.Load(ctx); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(20 * time.Millisecond) // leave the CPUs to the deciders
		}
	}()

	const workers = 4
	tally := make([]map[string]int, workers)
	var deciders sync.WaitGroup
	for w := range workers {
		tally[w] = map[string]int{}
		deciders.Add(1)
		go func() {
			defer deciders.Done()
			for i := w; i < len(requests); i += workers {
				req := requests[i]
				a, b := outcome(ours.IsAllowed(ctx, req)), outcome(theirs.IsAllowed(ctx, req))
				if a != b {
					t.Errorf("request %+v: Manager says %s, memory manager says %s", *req, a, b)
				}
				tally[w][a]++
			}
		}()
	}
	deciders.Wait()
	close(stop)
	reloads.Wait()

	total := map[string]int{}
	for _, tl := range tally {
		for k, v := range tl {
			total[k] += v
		}
	}
	t.Logf("outcomes: %v", total)
	for _, o := range []string{"allowed", "denied by a deny policy", "denied, no allow matched"} {
		if total[o] < nRequests/50 {
			t.Errorf("only %d of %d requests %s: the test does not exercise that outcome", total[o], nRequests, o)
		}
	}
}
