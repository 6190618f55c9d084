package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty"
)

// ValidatePolicy reports, in words an administrator can act on, everything
// that is wrong with p. The Manager calls it on every write, and the API
// calls it before accepting a policy, so that a policy that could never
// match, could stall decisions, or could not be read back is refused at the
// door instead of failing later at decision time. The error is a
// *duty.Error with code duty.EInvalid.
func ValidatePolicy(p ladon.Policy) error {
	if p == nil {
		return duty.Errorf(duty.EInvalid, "policy is missing")
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if strings.TrimSpace(p.GetID()) == "" {
		add("the policy id is empty")
	}
	// DefaultPolicy treats every effect other than "allow" as deny, so a
	// typo such as "Allow" would silently deny; insist on the two words.
	if e := p.GetEffect(); e != ladon.AllowAccess && e != ladon.DenyAccess {
		add("effect %q is neither %q nor %q", e, ladon.AllowAccess, ladon.DenyAccess)
	}
	// Policies are stored as ladon.DefaultPolicy, whose delimiters are fixed
	// at < and >; a policy written with other delimiters would change
	// meaning on the way through the database.
	start, end := p.GetStartDelimiter(), p.GetEndDelimiter()
	if start != '<' || end != '>' {
		add("pattern delimiters must be < and >, not %q and %q", start, end)
		start, end = '<', '>'
	}
	for _, f := range []struct {
		kind     string
		patterns []string
	}{
		{"subject", p.GetSubjects()},
		{"resource", p.GetResources()},
		{"action", p.GetActions()},
	} {
		if len(f.patterns) == 0 {
			// A policy with no subjects (or resources, or actions) matches
			// no request at all, which is never what its author meant.
			add("the policy has no %s; it would never match", f.kind)
		}
		for _, pat := range f.patterns {
			if msg := checkPattern(pat, start, end); msg != "" {
				add("%s pattern %q: %s", f.kind, pat, msg)
			}
		}
	}
	for key, c := range p.GetConditions() {
		if msg := checkCondition(c); msg != "" {
			add("condition %q: %s", key, msg)
		}
	}

	if len(problems) == 0 {
		return nil
	}
	id := p.GetID()
	if strings.TrimSpace(id) == "" {
		return duty.Errorf(duty.EInvalid, "invalid policy: %s", strings.Join(problems, "; "))
	}
	return duty.Errorf(duty.EInvalid, "invalid policy %q: %s", id, strings.Join(problems, "; "))
}

// checkPattern returns why pat is unacceptable, or "" if it is fine.
func checkPattern(pat string, start, end byte) string {
	if pat == "" {
		// An empty pattern matches only an empty subject, resource or
		// action, which the server never sends: it is a mistake.
		return "the pattern is empty"
	}
	// A pattern without the start delimiter is compared as a plain
	// string and never compiled, so only those with one can fail.
	if !strings.ContainsRune(pat, rune(start)) {
		return ""
	}
	if _, err := compilePattern(pat, start, end); err != nil {
		return "it does not compile as RE2 syntax (Go's regexp; no lookarounds or backreferences): " + err.Error()
	}
	return ""
}

// checkCondition returns why c cannot be stored, or "" if it can.
func checkCondition(c ladon.Condition) string {
	if c == nil {
		return "the condition is empty"
	}
	// Conditions are read back through ladon.ConditionFactories; one that
	// is not registered there would make every later load of the policy
	// table fail, so it must not get in.
	if _, ok := ladon.ConditionFactories[c.GetName()]; !ok {
		return fmt.Sprintf("condition type %q is not registered in ladon.ConditionFactories", c.GetName())
	}
	// StringMatchCondition ignores a pattern that does not compile and then
	// never matches, which would quietly disable an allow policy.
	if m, ok := c.(*ladon.StringMatchCondition); ok {
		if _, err := regexp.Compile(m.Matches); err != nil {
			return fmt.Sprintf("its pattern %q does not compile: %v", m.Matches, err)
		}
	}
	return ""
}
