package policy

import (
	"fmt"
	"regexp"
	"strings"

	lru "github.com/hashicorp/golang-lru"
	"github.com/ory/ladon"
)

// linearMatcher matches a policy's patterns against a request's subject,
// resource or action as ladon's RegexpMatcher does — a pattern without the
// start delimiter is compared as it is; any other is compiled into
// "^" + its literal text + "(" + each regular expression + ")" … + "$" —
// but with Go's regexp, whose matching time is linear in the value's
// length whatever the pattern. ladon compiles with regexp2, a backtracking
// engine: a pattern such as <.*.*.*.*.*.*x> or <(a+)+b> takes it
// polynomial or exponential time on a value that almost matches, and it
// gives up after 250 ms with an error, so one such policy stalled and
// denied every decision that reached it.
//
// Patterns are therefore RE2 syntax (Go's regexp/syntax): lookarounds and
// backreferences do not compile, and ValidatePolicy refuses them when a
// policy is written.
type linearMatcher struct {
	// compiled patterns by their text; an LRU, so that a large
	// organisation's patterns do not grow memory without bound.
	compiled *lru.Cache
}

// newLinearMatcher makes a matcher that keeps up to size compiled patterns.
func newLinearMatcher(size int) *linearMatcher {
	c, err := lru.New(size)
	if err != nil {
		panic(err) // only for a size below 1, a programming error
	}
	return &linearMatcher{compiled: c}
}

// Matches reports whether needle matches one of the patterns of haystack
// (ladon's matcher interface). A pattern that does not compile is an error,
// which ladon turns into a deny, as its own matcher does.
func (m *linearMatcher) Matches(p ladon.Policy, haystack []string, needle string) (bool, error) {
	start, end := p.GetStartDelimiter(), p.GetEndDelimiter()
	for _, pat := range haystack {
		if strings.IndexByte(pat, start) < 0 {
			if pat == needle {
				return true, nil
			}
			continue
		}
		var re *regexp.Regexp
		if v, ok := m.compiled.Get(pat); ok {
			re = v.(*regexp.Regexp)
		} else {
			var err error
			if re, err = compilePattern(pat, start, end); err != nil {
				return false, err
			}
			m.compiled.Add(pat, re)
		}
		if re.MatchString(needle) {
			return true, nil
		}
	}
	return false, nil
}

// compilePattern compiles a policy pattern whose regular expressions stand
// between start and end delimiters (nested delimiters raise a level, as in
// ladon, so <[<]> is one expression). Each expression must compile on its
// own, so that one cannot close the group of another.
func compilePattern(pat string, start, end byte) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteByte('^')
	level, from, literal := 0, 0, 0
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case start:
			if level++; level == 1 {
				b.WriteString(regexp.QuoteMeta(pat[literal:i]))
				from = i + 1
			}
		case end:
			level--
			switch {
			case level < 0:
				return nil, fmt.Errorf("a %q closes nothing at byte %d", end, i)
			case level == 0:
				expr := pat[from:i]
				if _, err := regexp.Compile(expr); err != nil {
					return nil, err
				}
				b.WriteString("(" + expr + ")")
				literal = i + 1
			}
		}
	}
	if level != 0 {
		return nil, fmt.Errorf("a %q is never closed", start)
	}
	b.WriteString(regexp.QuoteMeta(pat[literal:]))
	b.WriteByte('$')
	return regexp.Compile(b.String())
}

// PatternMatches reports whether a policy pattern (delimiters < and >)
// matches value as a decision would match it. A pattern that does not
// compile matches nothing, as it would deny.
func PatternMatches(pattern, value string) bool {
	if !strings.Contains(pattern, "<") {
		return pattern == value
	}
	re, err := compilePattern(pattern, '<', '>')
	return err == nil && re.MatchString(value)
}
