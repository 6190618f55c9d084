package policy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"

	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// slowAllowedBy is Warden.AllowedBy as it was before it skipped ladon for
// a post without candidates, and the reference its fast path is held to:
// ladon's IsAllowed, as it stands, for every post. Over ladon's memory
// manager (every policy a candidate, no index) it is the plain ladon
// decision.
func slowAllowedBy(ctx context.Context, l *ladon.Ladon, subject Subject, action, resource string, facts Facts) (string, error) {
	allowedBy := ""
	for _, post := range subject.Posts {
		err := l.IsAllowed(ctx, &ladon.Request{Subject: post, Action: action, Resource: resource, Context: ladon.Context(facts)})
		switch {
		case err == nil:
			if allowedBy == "" {
				allowedBy = post
			}
		case errors.Is(err, ladon.ErrRequestForcefullyDenied):
			return "", denied(action, "policy.denied.explicit")
		case errors.Is(err, ladon.ErrRequestDenied):
		default:
			return "", denied(action, "policy.denied.check_failed")
		}
	}
	if allowedBy == "" {
		if len(subject.Posts) == 0 {
			return "", denied(action, "policy.denied.no_post")
		}
		return "", denied(action, "policy.denied.not_covered")
	}
	return allowedBy, nil
}

// decisionsAgree asks the warden and the reference each request and fails
// t on any difference in the post that allowed it or in the refusal; it
// returns how many were allowed and how many refused by a deny policy.
func decisionsAgree(t *testing.T, w *Warden, reference *ladon.Ladon, requests []decisionRequest, facts func(int) Facts) (allowed, denyPolicy int) {
	t.Helper()
	ctx := context.Background()
	for i, q := range requests {
		f := facts(i)
		by, err := w.AllowedBy(ctx, q.subject, q.action, q.resource, f)
		slowBy, slowErr := slowAllowedBy(ctx, reference, q.subject, q.action, q.resource, f)
		if by != slowBy || fmt.Sprint(err) != fmt.Sprint(slowErr) {
			t.Errorf("%+v (facts %v): warden %q %v, ladon alone %q %v", q, f, by, err, slowBy, slowErr)
		}
		switch {
		case err == nil:
			allowed++
		case strings.Contains(err.Error(), "explicit rule"):
			denyPolicy++
		}
	}
	return allowed, denyPolicy
}

// TestWardenDecidesAsLadonAlone: the warden — the index's candidates,
// narrowed by the literal text of the patterns, and a post without any
// denied without asking ladon — decides every request as ladon alone does
// over its memory manager (every policy a candidate), down to the post
// named and the refusal's words. On a province (ForOrganisation, as duty
// writes it; a smaller one than BenchmarkProvince's, with the same
// shapes) asked by persons holding one to three posts, with and without
// penalty facts; and on the generated organisation with its recusals
// (deny policies).
func TestWardenDecidesAsLadonAlone(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 15))
	const nRequests = 2000

	t.Run("province", func(t *testing.T) {
		p := generateProvince(300, seed)
		policies := ForOrganisation(Organisation{Orgs: p.orgs, PortfolioPosts: p.portfolios})
		w := NewWarden(snapshotManager(policies))
		reference := benchWarden(bySubjectOf(policies), 1<<16)
		limits := rules.Builtin().InForce(time.Now()).AuthorityLimits
		actions := []string{ActionView, ActionOpen, "hazard:order", "hazard:submit_plan", "talk:record_talk", "penalty:pay",
			ActionDecidePenalty, ActionOpenEscalation, "escalation:decide", ActionKeepStaff, ActionAdministerOrg,
			ActionReadPersonal, ActionReadRecord, ActionPolicyRead, ActionPolicyWrite, "case:VIEW", ""}
		requests := make([]decisionRequest, nRequests)
		for i := range requests {
			post := pick(r, p.posts)
			if r.IntN(2) == 0 { // as many enterprises' persons as regulators
				post = pick(r, p.posts[:3*len(p.enterprises)])
			}
			q := p.requestOf(r, post)
			// Persons with more posts: a leader who is also a department's
			// head, an inspector with a portfolio, in any order.
			posts := []org.Post{post}
			for range r.IntN(3) {
				if r.IntN(3) == 0 {
					posts = append(posts, pick(r, p.portfolios))
				} else {
					posts = append(posts, pick(r, p.posts))
				}
			}
			r.Shuffle(len(posts), func(i, j int) { posts[i], posts[j] = posts[j], posts[i] })
			q.subject = SubjectFor(post.PersonID, posts)
			if r.IntN(3) == 0 {
				q.action = pick(r, actions)
			}
			if r.IntN(4) == 0 {
				ent, dept := pick(r, p.enterprises), pick(r, p.depts)
				q.resource = pick(r, []string{
					OrgResource(ent.RegionPath, ent.ID), OrgResource(dept.RegionPath, 0),
					PersonResource(ent.RegionPath, ent.ID, 7), PersonResource(dept.RegionPath, dept.ID, 7),
					HeldResource(dept.ID, "TQ-"+dept.RegionCode+"-2026-000001"), "policy:org:dept:1",
					PolicyRecordResource(dept.RegionPath), CaseResource("accident", ent.RegionPath, ent.Industries[0], ent.ID, "new"),
					CaseResource("hazard", dept.RegionPath, "mining", ent.ID, "new"), "case:", "",
				})
			}
			requests[i] = q
		}
		allowed, _ := decisionsAgree(t, w, reference, requests, func(i int) Facts {
			if i%3 != 0 {
				return nil
			}
			return PenaltyFact(PenaltyFine, int64(i%7)*40_000, limits)
		})
		t.Logf("%d policies: %d of %d requests allowed", len(policies), allowed, nRequests)
		if allowed < nRequests/10 || allowed > nRequests*9/10 {
			t.Errorf("%d of %d allowed: the mix does not exercise both outcomes", allowed, nRequests)
		}
	})

	t.Run("generated with recusals", func(t *testing.T) {
		g := generateOrganisation(600, seed)
		w := NewWarden(snapshotManager(g.policies))
		reference := benchWarden(memoryManagerOf(t, g.policies), 1<<16)
		requests := make([]decisionRequest, nRequests/2)
		for i := range requests {
			first := g.request(r)
			sub := Subject{PersonID: int64(i), Posts: []string{PersonSubject(int64(i)), first.Subject}}
			for range r.IntN(2) {
				sub.Posts = append(sub.Posts, g.request(r).Subject)
			}
			requests[i] = decisionRequest{sub, first.Action, first.Resource}
		}
		allowed, recused := decisionsAgree(t, w, reference, requests, func(int) Facts { return nil })
		t.Logf("%d policies: %d of %d requests allowed, %d refused by a recusal", len(g.policies), allowed, len(requests), recused)
		if allowed < len(requests)/10 || recused < len(requests)/50 {
			t.Errorf("%d allowed, %d recused: the mix does not exercise every outcome", allowed, recused)
		}
	})
}

// TestLiteralsFitEveryMatch: literalsFit never refuses a value that the
// warden's matcher says a pattern matches — on random patterns of literal
// runs and expressions over a small alphabet (so that matches are
// common), nested delimiters and inline flags included — and it does
// refuse some that do not match, or it would narrow nothing.
func TestLiteralsFitEveryMatch(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 16))
	literals := []string{"", "a", "b", ":", "a:", "ab", "ba", "A"}
	exprs := []string{"<.*>", "<[a-z]*>", "<a|b>", "<(?i)a>", "<b+>", "<a<b>c>", "<:?>", "<>", "<[^:]+>"}
	alphabet := "ab:A"
	matched, narrowed := 0, 0
	for range 20_000 {
		var pat strings.Builder
		for range r.IntN(4) {
			pat.WriteString(pick(r, literals))
			pat.WriteString(pick(r, exprs))
		}
		pat.WriteString(pick(r, literals))
		// Half the values are the pattern with each expression replaced by
		// a few random letters, so that its literal runs are there and
		// the expressions decide.
		var value []byte
		if r.IntN(2) == 0 {
			level := 0
			for _, c := range []byte(pat.String()) {
				switch {
				case c == '<':
					if level++; level == 1 {
						for range r.IntN(3) {
							value = append(value, alphabet[r.IntN(len(alphabet))])
						}
					}
				case c == '>':
					level--
				case level == 0:
					value = append(value, c)
				}
			}
		} else {
			for range r.IntN(7) {
				value = append(value, alphabet[r.IntN(len(alphabet))])
			}
		}
		re, err := compilePattern(pat.String(), '<', '>')
		if err != nil {
			t.Fatalf("%q does not compile: %v", pat.String(), err)
		}
		matches := re.MatchString(string(value))
		if !strings.Contains(pat.String(), "<") {
			matches = pat.String() == string(value)
		}
		fits := literalsFit(pat.String(), '<', '>', string(value))
		switch {
		case matches && !fits:
			t.Errorf("%q matches %q, but literalsFit refuses it", pat.String(), value)
		case matches:
			matched++
		case !fits:
			narrowed++
		}
	}
	t.Logf("%d matches, %d non-matches refused", matched, narrowed)
	if matched < 1000 || narrowed < 1000 {
		t.Errorf("%d matches and %d refusals: the patterns do not exercise both", matched, narrowed)
	}

	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"case:<[0-9/]+>:<hazard|talk>:<[a-z_]*>:10001234:<.+>", "case:/14/1405/:hazard:mining:10001234:YH-1", true},
		{"case:<[0-9/]+>:<hazard|talk>:<[a-z_]*>:10001234:<.+>", "case:/14/1405/:hazard:mining:10001235:YH-1", false},
		{"case:/14/<[0-9/]*>:<.+>", "case:/15/1405/:x", false}, // the prefix
		{"a<.*>b<.*>c", "acb", false}, // the runs in order
		{"a<.*>b", "ab", true},
		{"a<.*>bc", "abc", true},
		{"a<.*>bb", "abb", true},
		{"ab<.*>b", "ab", false}, // the suffix cannot overlap the prefix
		{"n:<a<b>c>:x", "n:abc:x", true},
		{"n:<a<b>c>:x", "n:abc:y", false},
		{"x>y", "x>y", true}, // no start delimiter: compared as a string
		{"x>y", "x>yz", false},
		{"zzz:<.*:x", "zzz:y", true}, // does not balance: not narrowed past its prefix
		{"zzz:>x<.*>", "zzz:>x1", true},
	} {
		if got := literalsFit(c.pattern, '<', '>', c.value); got != c.want {
			t.Errorf("literalsFit(%q, %q) = %v, want %v", c.pattern, c.value, got, c.want)
		}
		if c.want == false && PatternMatches(c.pattern, c.value) {
			t.Errorf("%q matches %q: the table is wrong", c.pattern, c.value)
		}
	}
}

// bySubject is a ladon.Manager whose candidates are every policy with a
// subject pattern and those naming the request's subject literally: a
// superset that owes nothing to the index, and small enough for ladon to
// decide thousands of requests quickly where its memory manager (every
// policy a candidate) would take milliseconds each.
type bySubject struct {
	ladon.Manager
	literal  map[string]ladon.Policies
	patterns ladon.Policies
}

func bySubjectOf(policies []*ladon.DefaultPolicy) *bySubject {
	m := &bySubject{Manager: memory.NewMemoryManager(), literal: map[string]ladon.Policies{}}
	for _, p := range policies {
		if slices.ContainsFunc(p.Subjects, func(s string) bool { return strings.Contains(s, "<") }) {
			m.patterns = append(m.patterns, p)
			continue
		}
		for _, s := range slices.Compact(slices.Sorted(slices.Values(p.Subjects))) {
			m.literal[s] = append(m.literal[s], p)
		}
	}
	return m
}

// FindRequestCandidates is the superset described on bySubject.
func (m *bySubject) FindRequestCandidates(_ context.Context, r *ladon.Request) (ladon.Policies, error) {
	return append(slices.Clone(m.patterns), m.literal[r.Subject]...), nil
}
