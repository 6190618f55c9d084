package policy

import (
	"regexp"
	"slices"
	"strings"

	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
)

// ValidatePolicy reports, in words an administrator can act on, everything
// that is wrong with p. The Manager calls it on every write, and the API
// calls it before accepting a policy, so that a policy that could never
// match, could stall decisions, or could not be read back is refused at the
// door instead of failing later at decision time. The error is a
// *duty.Error with code duty.EInvalid.
func ValidatePolicy(p ladon.Policy) error {
	if p == nil {
		return duty.Fail(duty.EInvalid, "policy.invalid.missing", nil)
	}
	var problems i18n.MsgList
	add := func(id string, args i18n.Args) { problems = append(problems, i18n.Msg{ID: id, Args: args}) }

	if strings.TrimSpace(p.GetID()) == "" {
		add("policy.problem.no_id", nil)
	}
	// DefaultPolicy treats every effect other than "allow" as deny, so a
	// typo such as "Allow" would silently deny; insist on the two words.
	if e := p.GetEffect(); e != ladon.AllowAccess && e != ladon.DenyAccess {
		add("policy.problem.effect", i18n.Args{"Effect": e})
	}
	// Policies are stored as ladon.DefaultPolicy, whose delimiters are fixed
	// at < and >; a policy written with other delimiters would change
	// meaning on the way through the database.
	start, end := p.GetStartDelimiter(), p.GetEndDelimiter()
	if start != '<' || end != '>' {
		add("policy.problem.delimiters", i18n.Args{"Start": string(rune(start)), "End": string(rune(end))})
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
		part := i18n.Ref("policy.part." + f.kind)
		if len(f.patterns) == 0 {
			// A policy with no subjects (or resources, or actions) matches
			// no request at all, which is never what its author meant.
			add("policy.problem.none", i18n.Args{"Part": part})
		}
		for _, pat := range f.patterns {
			if why, bad := checkPattern(pat, start, end); bad {
				add("policy.problem.pattern", i18n.Args{"Part": part, "Pattern": pat, "Why": why})
			}
		}
	}
	for key, c := range p.GetConditions() {
		if why, bad := checkCondition(c); bad {
			add("policy.problem.condition", i18n.Args{"Key": key, "Why": why})
		}
	}

	if len(problems) == 0 {
		return nil
	}
	// Conditions are a map: name the problems in one order every time.
	slices.SortStableFunc(problems, func(a, b i18n.Msg) int { return strings.Compare(a.ID, b.ID) })
	id := p.GetID()
	if strings.TrimSpace(id) == "" {
		return duty.Fail(duty.EInvalid, "policy.invalid", duty.Args{"Problems": problems})
	}
	return duty.Fail(duty.EInvalid, "policy.invalid.id", duty.Args{"ID": id, "Problems": problems})
}

// checkPattern returns why pat is unacceptable, and whether it is.
func checkPattern(pat string, start, end byte) (i18n.Msg, bool) {
	if pat == "" {
		// An empty pattern matches only an empty subject, resource or
		// action, which the server never sends: it is a mistake.
		return i18n.Msg{ID: "policy.problem.pattern_empty"}, true
	}
	// A pattern without the start delimiter is compared as a plain
	// string and never compiled, so only those with one can fail.
	if !strings.ContainsRune(pat, rune(start)) {
		return i18n.Msg{}, false
	}
	if _, err := compilePattern(pat, start, end); err != nil {
		return i18n.Msg{ID: "policy.problem.pattern_re2", Args: i18n.Args{"Detail": err.Error()}}, true
	}
	return i18n.Msg{}, false
}

// checkCondition returns why c cannot be stored, and whether it cannot.
func checkCondition(c ladon.Condition) (i18n.Msg, bool) {
	if c == nil {
		return i18n.Msg{ID: "policy.problem.condition_empty"}, true
	}
	// Conditions are read back through ladon.ConditionFactories; one that
	// is not registered there would make every later load of the policy
	// table fail, so it must not get in.
	if _, ok := ladon.ConditionFactories[c.GetName()]; !ok {
		return i18n.Msg{ID: "policy.problem.condition_type", Args: i18n.Args{"Type": c.GetName()}}, true
	}
	// StringMatchCondition ignores a pattern that does not compile and then
	// never matches, which would quietly disable an allow policy.
	if m, ok := c.(*ladon.StringMatchCondition); ok {
		if _, err := regexp.Compile(m.Matches); err != nil {
			return i18n.Msg{ID: "policy.problem.condition_pattern", Args: i18n.Args{"Pattern": m.Matches, "Detail": err.Error()}}, true
		}
	}
	return i18n.Msg{}, false
}
