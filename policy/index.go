package policy

import (
	"math"
	"slices"
	"strings"

	"github.com/ory/ladon"
	"github.com/ory/ladon/compiler"
)

// The candidate index narrows the policies a decision looks at by the
// literal text each pattern begins with. It rests on how ladon v1.3.0's
// RegexpMatcher (ladon.DefaultMatcher) matches a pattern against a value:
//
//   - A pattern without the policy's start delimiter is compared with ==:
//     it matches exactly one value.
//   - Any other pattern is compiled by compiler.CompileRegex into
//     "^" + QuoteMeta(text before the first delimiter) + "(" + part + ")" ...
//     "$", case-sensitively (regexp2 with only the RE2 option, so ^ is the
//     start of the value, never of a line; an inline option inside a part
//     cannot reach back before it). A value it matches therefore begins,
//     byte for byte, with the text before the first start delimiter.
//
// So every value a policy's subject patterns match begins with one of its
// subject keys (or equals one of its literal subjects), and likewise for
// resources and actions: a policy is a candidate for a request only if
// each of the three has a key fitting the request. The index returns that
// superset; the warden still matches every candidate exactly.
//
// Decisions also have an error path the index must keep: a pattern that
// does not compile makes ladon fail the whole decision whenever the
// matcher reaches it, whatever the value. ValidatePolicy refuses such
// patterns on every write, but a row written around the Manager could
// carry one, so a policy with a pattern that does not compile is a
// candidate for every request, exactly as with ladon's memory manager.

// The dimensions of a request the index knows.
const (
	dimSubject = iota
	dimResource
	dimAction
	numDims
)

// policyIndex is the immutable candidate index of one snapshot.
type policyIndex struct {
	entries []indexEntry
	dims    [numDims]dimIndex
	// always holds the positions of policies that are candidates for every
	// request: those with a pattern that does not compile.
	always []int32
}

// indexEntry is one policy with its keys in each dimension.
type indexEntry struct {
	policy ladon.Policy
	keys   [numDims]patternKeys
}

// patternKeys are what a value must fit for one of a policy's patterns in
// one dimension to match it: equal one of exact, or begin with one of
// prefixes. They are minimal: no key fits a value that another key of the
// same policy also fits, so a policy sits in at most one bucket that a
// value reaches and the lookup never returns it twice.
type patternKeys struct {
	exact    []string
	prefixes []string
}

// fits reports whether some key fits v.
func (k *patternKeys) fits(v string) bool {
	for _, p := range k.prefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	for _, e := range k.exact {
		if e == v {
			return true
		}
	}
	return false
}

// dimIndex finds the policies whose keys in one dimension fit a value.
type dimIndex struct {
	exact  map[string][]int32 // literal pattern -> positions
	prefix map[string][]int32 // literal prefix -> positions
	// lengths are the distinct lengths of the keys in prefix, ascending:
	// a value is looked up once for each length it is at least as long as.
	lengths []int
}

// forEachBucket calls f with every bucket whose key fits v, until f
// returns false.
func (d *dimIndex) forEachBucket(v string, f func([]int32) bool) {
	if b, ok := d.exact[v]; ok && !f(b) {
		return
	}
	for _, n := range d.lengths {
		if n > len(v) {
			return
		}
		if b, ok := d.prefix[v[:n]]; ok && !f(b) {
			return
		}
	}
}

// count returns how many policies' keys fit v, or any number above limit
// once the count passes it.
func (d *dimIndex) count(v string, limit int) int {
	n := 0
	d.forEachBucket(v, func(b []int32) bool {
		n += len(b)
		return n <= limit
	})
	return n
}

// buildIndex indexes policies, keeping their order within each bucket so
// that lookups are deterministic.
func buildIndex(policies ladon.Policies) *policyIndex {
	ix := &policyIndex{entries: make([]indexEntry, len(policies))}
	for d := range ix.dims {
		ix.dims[d] = dimIndex{exact: map[string][]int32{}, prefix: map[string][]int32{}}
	}
	compiles := compileCheck{}
	for i, p := range policies {
		pos := int32(i)
		e := &ix.entries[i]
		e.policy = p
		start, end := p.GetStartDelimiter(), p.GetEndDelimiter()
		patterns := [numDims][]string{dimSubject: p.GetSubjects(), dimResource: p.GetResources(), dimAction: p.GetActions()}
		broken := false
		for d, pats := range patterns {
			for _, pat := range pats {
				if !compiles.ok(pat, start, end) {
					broken = true
				}
			}
			e.keys[d] = keysOf(pats, start)
		}
		if broken {
			ix.always = append(ix.always, pos)
			continue
		}
		for d := range ix.dims {
			di := &ix.dims[d]
			for _, k := range e.keys[d].exact {
				di.exact[k] = append(di.exact[k], pos)
			}
			for _, k := range e.keys[d].prefixes {
				di.prefix[k] = append(di.prefix[k], pos)
			}
		}
	}
	for d := range ix.dims {
		di := &ix.dims[d]
		seen := map[int]bool{}
		for k := range di.prefix {
			if !seen[len(k)] {
				seen[len(k)] = true
				di.lengths = append(di.lengths, len(k))
			}
		}
		slices.Sort(di.lengths)
		// Buckets were built by appending; clip them so that nothing can
		// append into their spare capacity.
		for k, b := range di.exact {
			di.exact[k] = slices.Clip(b)
		}
		for k, b := range di.prefix {
			di.prefix[k] = slices.Clip(b)
		}
	}
	return ix
}

// keysOf returns the minimal keys of patterns: a key that another key
// already covers is dropped, since any value it fits the other fits too.
func keysOf(patterns []string, start byte) patternKeys {
	var prefixes, exact []string
	for _, pat := range patterns {
		if i := strings.IndexByte(pat, start); i >= 0 {
			prefixes = append(prefixes, pat[:i])
		} else {
			exact = append(exact, pat)
		}
	}
	// Shortest first, so that a prefix is kept only if no kept (shorter or
	// equal) prefix covers it.
	slices.SortFunc(prefixes, func(a, b string) int { return len(a) - len(b) })
	var k patternKeys
	covered := func(v string) bool {
		for _, p := range k.prefixes {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
		return false
	}
	for _, p := range prefixes {
		if !covered(p) {
			k.prefixes = append(k.prefixes, p)
		}
	}
	for _, e := range exact {
		if !covered(e) && !slices.Contains(k.exact, e) {
			k.exact = append(k.exact, e)
		}
	}
	return k
}

// request returns the candidates for a request: the policies whose keys
// fit its subject, its resource and its action. It walks the dimension
// whose buckets hold the fewest policies for this request (for duty's
// policies, nearly always the subject: "org:6:" reaches one
// organisation's policies, while "case:" reaches every enterprise's) and
// checks the other two dimensions policy by policy.
func (ix *policyIndex) request(subject, resource, action string) ladon.Policies {
	values := [numDims]string{dimSubject: subject, dimResource: resource, dimAction: action}
	drive, fewest := 0, math.MaxInt
	for d := range ix.dims {
		if n := ix.dims[d].count(values[d], fewest); n < fewest {
			drive, fewest = d, n
		}
	}
	out := make(ladon.Policies, 0, len(ix.always)+fewest)
	out = ix.appendAlways(out)
	ix.dims[drive].forEachBucket(values[drive], func(b []int32) bool {
		for _, pos := range b {
			e := &ix.entries[pos]
			if ix.fitsOthers(e, drive, &values) {
				out = append(out, e.policy)
			}
		}
		return true
	})
	return out
}

// fitsOthers reports whether e's keys fit values in every dimension but
// skip.
func (ix *policyIndex) fitsOthers(e *indexEntry, skip int, values *[numDims]string) bool {
	for d := range e.keys {
		if d != skip && !e.keys[d].fits(values[d]) {
			return false
		}
	}
	return true
}

// one returns the policies whose keys in dimension d fit v, for the
// Manager's one-dimensional lookups.
func (ix *policyIndex) one(d int, v string) ladon.Policies {
	out := make(ladon.Policies, 0, len(ix.always)+ix.dims[d].count(v, math.MaxInt))
	out = ix.appendAlways(out)
	ix.dims[d].forEachBucket(v, func(b []int32) bool {
		for _, pos := range b {
			out = append(out, ix.entries[pos].policy)
		}
		return true
	})
	return out
}

func (ix *policyIndex) appendAlways(out ladon.Policies) ladon.Policies {
	for _, pos := range ix.always {
		out = append(out, ix.entries[pos].policy)
	}
	return out
}

// compileCheck tells whether ladon can compile a pattern. ladon compiles
// each part between outermost delimiters on its own and then the whole
// pattern, whose literal text is quoted; so a pattern compiles when its
// delimiters balance and each part compiles. Parts repeat across policies
// ("[0-9]+", ".+", "dept_head|inspector"), so each distinct part is
// compiled once per index build, which keeps building 100,000 policies
// cheap.
type compileCheck map[string]bool

func (c compileCheck) ok(pat string, start, end byte) bool {
	if strings.IndexByte(pat, start) < 0 {
		return true // compared as a string, never compiled
	}
	// The same walk as ladon's compiler: nested delimiters raise a level,
	// and a level below zero or left open is an error.
	level, from := 0, 0
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case start:
			if level++; level == 1 {
				from = i + 1
			}
		case end:
			if level--; level == 0 {
				if !c.partOK(pat[from:i], start, end) {
					return false
				}
			} else if level < 0 {
				return false
			}
		}
	}
	return level == 0
}

func (c compileCheck) partOK(part string, start, end byte) bool {
	ok, seen := c[part]
	if !seen {
		_, err := compiler.CompileRegex(string(start)+part+string(end), start, end)
		ok = err == nil
		c[part] = ok
	}
	return ok
}
