// Package policy decides every permission in duty with Ladon policies
// stored in PostgreSQL: 属地 (a department acts in its region and below),
// sector (in the industries it supervises), 党政同责 (the party secretary and
// the government head both see their whole area) and enterprises answering
// only their own cases.
package policy

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ory/ladon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
)

// Actions a policy can grant. Case actions are "<kind>:<update>", e.g.
// hazard:order; ActionView lets a subject read a case of any kind.
const (
	ActionView = "case:view"
	ActionOpen = "open"
)

// Action names the Ladon action for an update (or ActionOpen) on a kind.
func Action(kind, update string) string { return kind + ":" + update }

// CaseResource is the Ladon resource of a case. It spells out what the
// policies match on — region path, kind, industry, enterprise — so that
// 属地, sector and ownership are plain patterns. The region path comes
// first so that a department's pattern starts with a literal prefix
// ("case:/14/1405/140502/"), which the policy index narrows candidates by.
// caseNo is "new" for a case being opened.
func CaseResource(kind, regionPath, industry string, enterpriseID int64, caseNo string) string {
	return "case:" + regionPath + ":" + kind + ":" + industry + ":" + strconv.FormatInt(enterpriseID, 10) + ":" + caseNo
}

// Subject is who asks: a person acting through the posts they hold now.
// Each entry is one Ladon subject (see SubjectFor).
type Subject struct {
	PersonID int64
	Posts    []string
}

// SubjectFor is the subject of a person holding posts: the person (for
// policies about one person, such as a recusal), each post's organisation
// and role, and each post's portfolio. The API and tests build subjects
// only through this.
func SubjectFor(personID int64, posts []org.Post) Subject {
	sub := Subject{PersonID: personID, Posts: []string{PersonSubject(personID)}}
	for _, p := range posts {
		sub.Posts = append(sub.Posts, PostSubject(p.Role, p.Org.ID))
		if len(p.Portfolio) > 0 {
			sub.Posts = append(sub.Posts, PostPortfolioSubject(p.ID))
		}
	}
	return sub
}

// PersonSubject is the Ladon subject of a person, whatever their posts.
func PersonSubject(personID int64) string { return "person:" + strconv.FormatInt(personID, 10) }

// PostSubject is the Ladon subject of a post: the organisation first, so
// that policies of one organisation share a literal prefix ("org:6:").
func PostSubject(role string, orgID int64) string {
	return "org:" + strconv.FormatInt(orgID, 10) + ":" + role
}

// Facts are what the server knows about a request (amounts, the posts'
// regions); they become the Ladon context. They never come from the
// request body.
type Facts map[string]any

// tracerName names the instrumentation of decisions in a trace.
const tracerName = "github.com/duty-project/duty/policy"

// Warden answers permission questions.
type Warden struct {
	ladon   *ladon.Ladon
	observe func(action string, allowed bool, took time.Duration)
}

// Observe has every decision reported to f: its action, whether it was
// allowed and how long it took (the decision-latency metric). Call it
// before the warden is shared.
func (w *Warden) Observe(f func(action string, allowed bool, took time.Duration)) { w.observe = f }

// matcherCacheSize is how many compiled patterns the warden keeps: with
// ladon's default of 512, a large organisation's patterns were evicted and
// recompiled on every decision (figures in docs/performance.md).
const matcherCacheSize = 16384

// NewWarden builds a warden over a policy manager. Matcher and Metric are
// set explicitly: ladon's nil Metric is a data race under concurrent use.
func NewWarden(m ladon.Manager) *Warden {
	return &Warden{ladon: &ladon.Ladon{
		Manager:     m,
		Matcher:     newLinearMatcher(matcherCacheSize),
		AuditLogger: &ladon.AuditLoggerNoOp{},
		Metric:      &ladon.MetricNoOp{},
	}}
}

// Authorize returns nil when one of the subject's posts is allowed the
// action on the resource and none is explicitly denied; otherwise a
// forbidden *duty.Error. Any failure to decide is a denial.
func (w *Warden) Authorize(ctx context.Context, subject Subject, action, resource string, facts Facts) error {
	_, err := w.AllowedBy(ctx, subject, action, resource, facts)
	return err
}

// AllowedBy is Authorize that also says which post allowed the action, so
// the record can name the capacity in which the person acted.
//
// Each post is decided as ladon's IsAllowed decides it — the Manager's
// candidates, then ladon's DoPoliciesAllow over them — but a post without
// a single candidate is not handed to ladon: with no policy to match it
// can only be ErrRequestDenied, which ladon would build with a stack trace
// and report from a new goroutine. Most posts a person asks through have
// none (their person subject, and any post whose organisation has nothing
// there), so that was most of a decision's cost.
func (w *Warden) AllowedBy(ctx context.Context, subject Subject, action, resource string, facts Facts) (by string, err error) {
	if parent := trace.SpanFromContext(ctx); parent.IsRecording() {
		// Traced only inside a traced request, on its provider: a
		// decision otherwise costs no span, not even a no-op one.
		var span trace.Span
		ctx, span = parent.TracerProvider().Tracer(tracerName).Start(ctx, "policy.decide", trace.WithAttributes(
			attribute.String("duty.policy.action", action), attribute.String("duty.policy.resource", resource),
			attribute.Int("duty.policy.subjects", len(subject.Posts))))
		defer func() {
			span.SetAttributes(attribute.Bool("duty.policy.allowed", err == nil), attribute.String("duty.policy.allowed_by", by))
			var e *duty.Error
			if errors.As(err, &e) {
				why, _ := e.Args["Why"].(i18n.Ref)
				span.SetAttributes(attribute.String("duty.policy.refusal", string(why)))
			}
			span.End()
		}()
	}
	if w.observe != nil {
		start := time.Now()
		defer func() { w.observe(action, err == nil, time.Since(start)) }()
	}
	allowedBy := ""
	// One request for every post: ladon neither keeps nor changes it.
	req := &ladon.Request{Action: action, Resource: resource, Context: ladon.Context(facts)}
	for _, post := range subject.Posts {
		req.Subject = post
		switch err := w.decide(ctx, req); {
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

// decide is ladon's IsAllowed for one request, except that a request
// without candidates is denied without asking ladon (see AllowedBy).
func (w *Warden) decide(ctx context.Context, r *ladon.Request) error {
	policies, err := w.ladon.Manager.FindRequestCandidates(ctx, r)
	if err != nil {
		return err
	}
	if len(policies) == 0 {
		// What ladon would return, less the stack trace.
		return ladon.ErrRequestDenied
	}
	return w.ladon.DoPoliciesAllow(ctx, r, policies)
}

// denied is a refusal saying why (a message); the action refused is in
// the details, for clients and the log, not in the words people read.
func denied(action string, why i18n.Ref) error {
	e := duty.Fail(duty.EForbidden, "policy.denied", duty.Args{"Why": why})
	e.Details = map[string]any{"action": action}
	return e
}
