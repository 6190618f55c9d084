package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ory/ladon"
	"github.com/ory/ladon/compiler"

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
	// ladon's matcher compares a pattern without the start delimiter as a
	// plain string and never compiles it, so only those with one can fail.
	if !strings.ContainsRune(pat, rune(start)) {
		return ""
	}
	if _, err := compiler.CompileRegex(pat, start, end); err != nil {
		return "it does not compile: " + err.Error()
	}
	for _, part := range regexParts(pat, start, end) {
		if risky, ok := riskyRepeat(part); ok {
			return fmt.Sprintf("the regular expression <%s> repeats the group %s, which itself contains a repetition or an alternative (|); "+
				"ladon matches with a backtracking engine, so such a pattern can take exponential time on a non-matching value, "+
				"stalling every permission check for 250 ms before failing it; rewrite it without the nested repetition, "+
				"for example (a+)+ as a+ or (a|b)+ as [ab]+", part, risky)
		}
	}
	return ""
}

// regexParts returns the regular expressions between the outermost
// delimiters of pat, found exactly as ladon's compiler finds them (nested
// delimiters raise a level), so that the parts checked are the parts
// compiled. pat must already have compiled.
func regexParts(pat string, start, end byte) []string {
	var parts []string
	level, from := 0, 0
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case start:
			if level++; level == 1 {
				from = i + 1
			}
		case end:
			if level--; level == 0 {
				parts = append(parts, pat[from:i])
			}
		}
	}
	return parts
}

// riskyRepeat looks for a group that is repeated (by *, +, or a {n,m}
// allowing more than one) and contains a quantifier or an alternative: the
// shape of (a+)+, (a*)*, (.*)* and (a|aa)+. ladon compiles patterns with
// github.com/dlclark/regexp2, a backtracking engine: on a value that almost
// matches, it tries every way of dividing the input among the iterations of
// such a group, which is exponential in the value's length. ladon caps a
// match at 250 ms and then returns an error, so one such policy costs every
// decision that reaches it a quarter of a second and turns it into a deny.
//
// The check is deliberately conservative and purely syntactic: it also
// refuses some harmless shapes such as (a|b)+ (write [ab]+) or (ab?)+,
// because telling those apart from (a|ab)+ needs real automata theory and
// the patterns duty uses never need a repeated group with choices inside.
// It returns the offending group with its quantifier, and whether one was
// found. re must compile.
func riskyRepeat(re string) (string, bool) {
	type group struct {
		start         int
		quant, choice bool
	}
	// stack[0] is the whole expression, which is never repeated here.
	stack := []group{{start: -1}}
	for i := 0; i < len(re); i++ {
		top := &stack[len(stack)-1]
		switch c := re[i]; c {
		case '\\':
			i = skipEscape(re, i)
		case '[':
			i = skipClass(re, i)
		case '(':
			stack = append(stack, group{start: i})
			// The ? of (?:, (?i), (?P<name>, (?=... is syntax, not a
			// quantifier; nothing else in those prefixes looks like one.
			if i+1 < len(re) && re[i+1] == '?' {
				i++
			}
		case ')':
			if len(stack) == 1 {
				continue // unbalanced; the compiler would have refused it
			}
			g := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			qEnd, repeats, ok := quantifierAt(re, i+1)
			if ok && repeats && (g.quant || g.choice) {
				return re[g.start:qEnd], true
			}
			parent := &stack[len(stack)-1]
			parent.quant = parent.quant || g.quant || ok
			parent.choice = parent.choice || g.choice
			if ok {
				i = qEnd - 1
			}
		case '|':
			top.choice = true
		case '*', '+', '?':
			top.quant = true
		case '{':
			if end, _, ok := quantifierAt(re, i); ok {
				top.quant = true
				i = end - 1
			}
		}
	}
	return "", false
}

// quantifierAt reports whether a quantifier starts at re[i], where it ends
// (one past its last byte, including a lazy ? or possessive +), and whether
// it allows more than one repetition.
func quantifierAt(re string, i int) (end int, repeats, ok bool) {
	if i >= len(re) {
		return i, false, false
	}
	switch re[i] {
	case '*', '+':
		end, repeats = i+1, true
	case '?':
		end, repeats = i+1, false
	case '{':
		m := counted.FindStringSubmatch(re[i:])
		if m == nil {
			return i, false, false // a literal {
		}
		end = i + len(m[0])
		// {n} and {n,m} repeat more than once when their upper bound is
		// above one; {n,} always may.
		upper := m[1]
		if m[2] != "" {
			upper = m[3]
		}
		if upper == "" {
			repeats = true
		} else {
			n, err := strconv.Atoi(upper)
			repeats = err != nil || n > 1 // too large for an int is large
		}
	default:
		return i, false, false
	}
	if end < len(re) && (re[end] == '?' || re[end] == '+') {
		end++
	}
	return end, repeats, true
}

// counted matches a counted quantifier at the start of a string; any other
// { is a literal brace to regexp2, as it is to Go's regexp.
var counted = regexp.MustCompile(`^\{([0-9]+)(,([0-9]*))?\}`)

// skipEscape returns the index of the last byte of the escape starting at
// re[i] ('\\'), so that \*, \(, \p{L} or \x{41} are not read as syntax.
func skipEscape(re string, i int) int {
	if i+1 >= len(re) {
		return i
	}
	switch re[i+1] {
	case 'p', 'P', 'x':
		if i+2 < len(re) && re[i+2] == '{' {
			if j := strings.IndexByte(re[i+2:], '}'); j >= 0 {
				return i + 2 + j
			}
		}
	}
	return i + 1
}

// skipClass returns the index of the ] closing the character class that
// starts at re[i] ('['): quantifiers and bars inside a class are literals.
func skipClass(re string, i int) int {
	j := i + 1
	if j < len(re) && re[j] == '^' {
		j++
	}
	if j < len(re) && re[j] == ']' {
		j++ // a ] first in a class is a literal
	}
	for ; j < len(re); j++ {
		switch re[j] {
		case '\\':
			j = skipEscape(re, j)
		case '[':
			if j+1 < len(re) && re[j+1] == ':' { // [:alpha:]
				if k := strings.Index(re[j+2:], ":]"); k >= 0 {
					j = j + 2 + k + 1
				}
			}
		case ']':
			return j
		}
	}
	return len(re) - 1
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
