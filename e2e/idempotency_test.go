package e2e

import (
	"strings"
	"sync"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestOpeningACaseTwiceWithOneKeyOpensItOnce: a client that lost the
// answer to "open a case" sends it again with the same Idempotency-Key —
// even several copies at once — and every copy answers with the one case
// the key opened. Another person's key of the same text, or no key, opens
// a case of its own; a malformed key is refused before anything is
// stored. (A key reused for another kind of case: store's
// TestOpeningNumberBindsAKeyToOneCase.)
func TestOpeningACaseTwiceWithOneKeyOpensItOnce(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	colleague := duty.login("sun.jiancha")
	company := duty.login("qian.zong")
	hazard := map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "凤台街工地",
		"description": "临边防护缺失"}

	const copies = 4
	numbers := make([]string, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, out := inspector.callWithKey("open-hazard-7f3a", "POST", "/api/v1/hazards", hazard)
			if status != 201 {
				t.Errorf("copy %d: status %d: %v", i, status, out)
				return
			}
			numbers[i] = caseOf(out)["case_no"].(string)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, n := range numbers[1:] {
		if n != numbers[0] {
			t.Fatalf("one key opened several cases: %v", numbers)
		}
	}
	// The case took one step (opened), whatever the copies did.
	got := inspector.must(200, "GET", "/api/v1/cases/"+numbers[0], nil)
	if a := actions(got); len(a) != 1 {
		t.Fatalf("timeline after %d copies: %v", copies, a)
	}

	other := colleague.callWithKeyMust(t, 201, "open-hazard-7f3a", hazard)
	plain := caseOf(inspector.must(201, "POST", "/api/v1/hazards", hazard))["case_no"].(string)
	if other == numbers[0] || plain == numbers[0] || other == plain {
		t.Fatalf("another person's key or no key reused a case: key %s, colleague %s, no key %s", numbers[0], other, plain)
	}

	// The key stands for that request: another hazard with it is a 409
	// that names the first, and opens nothing.
	otherHazard := map[string]any{"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地", "description": "塔吊基础沉降"}
	status, out := inspector.callWithKey("open-hazard-7f3a", "POST", "/api/v1/hazards", otherHazard)
	if status != 409 || !strings.Contains(out["message"].(string), "已用于另一请求") {
		t.Fatalf("the key with another opening: %d %v, want 409", status, out)
	}

	status, out = inspector.callWithKey(strings.Repeat("k", 201), "POST", "/api/v1/hazards", hazard)
	if status != 400 || !strings.Contains(out["message"].(string), "Idempotency-Key") {
		t.Fatalf("an over-long key: %d %v, want 400 about the key", status, out)
	}
	list := inspector.must(200, "GET", "/api/v1/cases?kind=hazard", nil)
	if n := len(list["cases"].([]any)); n != 3 {
		t.Fatalf("%d hazard cases on record, want 3 (the keyed one, the colleague's, the unkeyed one)", n)
	}
}

func (u *user) callWithKeyMust(t *testing.T, want int, key string, hazard map[string]any) string {
	t.Helper()
	status, out := u.callWithKey(key, "POST", "/api/v1/hazards", hazard)
	if status != want {
		t.Fatalf("POST /api/v1/hazards with key %s: %d, want %d: %v", key, status, want, out)
	}
	return caseOf(out)["case_no"].(string)
}

// A step's Idempotency-Key is its sender's, for one request: the same
// request again answers with the first outcome; the key with another
// request (another step, other content) is a 409 saying so; another
// user's same key is another request altogether.
func TestAStepKeyStandsForOneRequest(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	colleague := duty.login("sun.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID,
		"location": "凤台街工地", "description": "临边防护缺失"})
	no := caseOf(opened)["case_no"].(string)
	order := map[string]any{"measures": "加装防护栏", "deadline": day(10)}
	if s, out := inspector.callWithKey("k-1", "POST", "/api/v1/hazards/"+no+"/order", order); s != 200 {
		t.Fatalf("order: %d %v", s, out)
	}
	if s, out := inspector.callWithKey("k-1", "POST", "/api/v1/hazards/"+no+"/order", order); s != 200 || seq(out) != 2 {
		t.Fatalf("the same order again: %d %v, want its first outcome", s, out)
	}
	other := map[string]any{"measures": "拆除", "deadline": day(12)}
	s, out := inspector.callWithKey("k-1", "POST", "/api/v1/hazards/"+no+"/order", other)
	if s != 409 || !strings.Contains(out["message"].(string), "已用于另一请求") {
		t.Fatalf("the key with another order: %d %v, want 409", s, out)
	}
	// The colleague's k-1 is their own: their step is refused or taken
	// on its merits (here: the case is ordered already), not answered
	// with the inspector's outcome.
	if s, out := colleague.callWithKey("k-1", "POST", "/api/v1/hazards/"+no+"/order", order); s != 409 || strings.Contains(out["message"].(string), "Idempotency-Key") {
		t.Fatalf("another user's key: %d %v, want the case's own refusal", s, out)
	}
	if got := actions(inspector.must(200, "GET", "/api/v1/cases/"+no, nil)); strings.Join(got, ",") != "report,order" {
		t.Fatalf("timeline %v", got)
	}
}
