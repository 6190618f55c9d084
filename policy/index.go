package policy

import (
	"math"
	"slices"
	"strings"

	"github.com/ory/ladon"
)

// The candidate index narrows the policies a decision looks at by the
// literal text each pattern begins with. It rests on how the warden's
// matcher (linearMatcher, which matches as ladon v1.3.0's RegexpMatcher
// does, in linear time) matches a pattern against a value:
//
//   - A pattern without the policy's start delimiter is compared with ==:
//     it matches exactly one value.
//   - Any other pattern is compiled by compilePattern into
//     "^" + QuoteMeta(text before the first delimiter) + "(" + part + ")" ...
//     "$", case-sensitively (Go's regexp without flags, so ^ is the start
//     of the value, never of a line; an inline flag inside a part cannot
//     reach back before it). A value it matches therefore begins, byte for
//     byte, with the text before the first start delimiter.
//
// So every value a policy's subject patterns match begins with one of its
// subject keys (or equals one of its literal subjects), and likewise for
// resources and actions: a policy is a candidate for a request only if
// each of the three has a key fitting the request. The index returns that
// superset; the warden still matches every candidate exactly.
//
// A request whose subject reaches few policies (duty's subjects are
// literal: one organisation's role, one person) is answered from those
// alone, each checked against the resource and the action. Otherwise
// each policy has a home dimension, the one where its keys are rarest
// (usually its subject: "org:6:" belongs to one organisation's policies,
// while "case:" begins every enterprise's resource pattern; a recusal's
// literal resource names one case). The request looks up its subject, its
// resource and its action, each among the policies at home there, and
// checks every policy it finds against the other two dimensions. So it
// touches only the policies whose rarest keys fit it, however common
// their other keys are.
//
// A policy found either way is a candidate only if, in each dimension,
// one of its patterns has all its literal text where a match would have
// it (literalsFit): "case:<…>:10001234:<.+>" begins like every case, but
// only its enterprise's cases contain ":10001234:". Most requests a
// person makes through a post that cannot have them then have no
// candidate, and the warden denies them without asking ladon.
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
// value reaches and a lookup never finds it twice.
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

// bucket lists, as positions in policyIndex.entries in snapshot order, the
// policies having one key in one dimension: all of them, for the
// one-dimensional lookups, and those whose home is this dimension, for
// requests.
type bucket struct {
	all, home []int32
}

// dimIndex finds the policies whose keys in one dimension fit a value.
type dimIndex struct {
	exact  map[string]*bucket // literal pattern -> policies
	prefix map[string]*bucket // literal prefix -> policies
	// lengths are the distinct lengths of the keys in prefix, ascending:
	// a value is looked up once for each length it is at least as long as.
	lengths []int
	// homeLengths are the lengths of the prefix keys whose bucket has
	// policies at home, and exactHome says whether any exact key's has:
	// a request looks up only those, since it takes nothing else from a
	// bucket. Few policies are at home among resources and none among
	// actions, so this skips most of a request's map lookups.
	homeLengths []int
	exactHome   bool
}

// forEachBucket calls f with every bucket whose key fits v.
func (d *dimIndex) forEachBucket(v string, f func(*bucket)) {
	if b, ok := d.exact[v]; ok {
		f(b)
	}
	for _, n := range d.lengths {
		if n > len(v) {
			return
		}
		if b, ok := d.prefix[v[:n]]; ok {
			f(b)
		}
	}
}

// forEachHomeBucket calls f with every bucket whose key fits v and that
// has policies at home; it may also call it with some that have none.
func (d *dimIndex) forEachHomeBucket(v string, f func(*bucket)) {
	if d.exactHome {
		if b, ok := d.exact[v]; ok {
			f(b)
		}
	}
	for _, n := range d.homeLengths {
		if n > len(v) {
			return
		}
		if b, ok := d.prefix[v[:n]]; ok {
			f(b)
		}
	}
}

// bucketFor returns the bucket of key k, making it if need be.
func bucketFor(m map[string]*bucket, k string) *bucket {
	b, ok := m[k]
	if !ok {
		b = &bucket{}
		m[k] = b
	}
	return b
}

// buildIndex indexes policies, keeping their order within each bucket so
// that lookups are deterministic.
func buildIndex(policies ladon.Policies) *policyIndex {
	ix := &policyIndex{entries: make([]indexEntry, len(policies))}
	for d := range ix.dims {
		ix.dims[d] = dimIndex{exact: map[string]*bucket{}, prefix: map[string]*bucket{}}
	}
	compiles := compileCheck{}
	var indexed []int32
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
				b := bucketFor(di.exact, k)
				b.all = append(b.all, pos)
			}
			for _, k := range e.keys[d].prefixes {
				b := bucketFor(di.prefix, k)
				b.all = append(b.all, pos)
			}
		}
		indexed = append(indexed, pos)
	}
	// Home each policy where the buckets holding it are smallest: that is
	// how many other policies a request fitting its key there also finds.
	for _, pos := range indexed {
		e := &ix.entries[pos]
		home, least := -1, math.MaxInt
		for d := range ix.dims {
			k := &e.keys[d]
			if len(k.exact)+len(k.prefixes) == 0 {
				home = -1 // no pattern in this dimension: it can never match
				break
			}
			n := 0
			for _, key := range k.exact {
				n += len(ix.dims[d].exact[key].all)
			}
			for _, key := range k.prefixes {
				n += len(ix.dims[d].prefix[key].all)
			}
			if n < least {
				home, least = d, n
			}
		}
		if home < 0 {
			continue
		}
		di := &ix.dims[home]
		for _, key := range e.keys[home].exact {
			b := di.exact[key]
			b.home = append(b.home, pos)
		}
		for _, key := range e.keys[home].prefixes {
			b := di.prefix[key]
			b.home = append(b.home, pos)
		}
	}
	for d := range ix.dims {
		di := &ix.dims[d]
		seen, seenHome := map[int]bool{}, map[int]bool{}
		for k, b := range di.prefix {
			if !seen[len(k)] {
				seen[len(k)] = true
				di.lengths = append(di.lengths, len(k))
			}
			if len(b.home) > 0 && !seenHome[len(k)] {
				seenHome[len(k)] = true
				di.homeLengths = append(di.homeLengths, len(k))
			}
		}
		slices.Sort(di.lengths)
		slices.Sort(di.homeLengths)
		for _, b := range di.exact {
			if len(b.home) > 0 {
				di.exactHome = true
				break
			}
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
// fit its subject, its resource and its action.
func (ix *policyIndex) request(subject, resource, action string) ladon.Policies {
	values := [numDims]string{dimSubject: subject, dimResource: resource, dimAction: action}
	// Most requests have no candidate or one or two: nothing is allocated
	// for none, and room for four saves growing.
	var out ladon.Policies
	if len(ix.always) > 0 {
		out = ix.appendAlways(make(ladon.Policies, 0, len(ix.always)+4))
	}
	add := func(e *indexEntry, d int) {
		if e.fitsOthers(d, &values) && e.literalsFit(&values) {
			if out == nil {
				out = make(ladon.Policies, 0, 4)
			}
			out = append(out, e.policy)
		}
	}
	// Subject first: every candidate is in a bucket the subject reaches,
	// and duty's subjects are literal, one organisation's role or one
	// person, so those buckets hold a handful of policies, or none (a
	// person's own subject, nearly always). Checking them is cheaper than
	// looking the resource up at each of its key lengths. A subject that
	// reaches many (a broad pattern such as "org:<.*>") takes the home
	// lookups below instead, which bound the work by each policy's rarest
	// key.
	var reached [4]*bucket
	if buckets, ok := ix.dims[dimSubject].reach(subject, reached[:0], subjectFirstMax); ok {
		for _, b := range buckets {
			for _, pos := range b.all {
				add(&ix.entries[pos], dimSubject)
			}
		}
		return out
	}
	for d := range ix.dims {
		ix.dims[d].forEachHomeBucket(values[d], func(b *bucket) {
			for _, pos := range b.home {
				add(&ix.entries[pos], d)
			}
		})
	}
	return out
}

// subjectFirstMax is how many policies the buckets a subject reaches may
// hold for a request to be answered from them alone (request).
const subjectFirstMax = 64

// reach appends to buckets those whose key fits v and reports true, unless
// they would be more than cap(buckets) or hold more than most policies in
// all: then it reports false, and the caller looks elsewhere.
func (d *dimIndex) reach(v string, buckets []*bucket, most int) ([]*bucket, bool) {
	n := 0
	add := func(b *bucket) bool {
		n += len(b.all)
		if n > most || len(buckets) == cap(buckets) {
			return false
		}
		buckets = append(buckets, b)
		return true
	}
	if b, ok := d.exact[v]; ok && !add(b) {
		return nil, false
	}
	for _, l := range d.lengths {
		if l > len(v) {
			break
		}
		if b, ok := d.prefix[v[:l]]; ok && !add(b) {
			return nil, false
		}
	}
	return buckets, true
}

// fitsOthers reports whether e's keys fit values in every dimension but
// skip.
func (e *indexEntry) fitsOthers(skip int, values *[numDims]string) bool {
	for d := range e.keys {
		if d != skip && !e.keys[d].fits(values[d]) {
			return false
		}
	}
	return true
}

// literalsFit reports whether, in every dimension, some pattern of e's
// has all its literal text in the value, in order (literalsFit of one
// pattern). It narrows the candidates the keys found, which know only the
// text before a pattern's first expression: an enterprise's case pattern
// "case:<[0-9/]+>:<…>:<[a-z_]*>:10001234:<.+>" has the prefix "case:",
// which every case fits, but only its own cases contain ":10001234:".
// Without it, a person asking about another enterprise's case reached
// ladon with a candidate ladon then refused, at the price of a stack
// trace; with it, the warden knows the denial from an empty candidate
// list. Only entries with patterns that compile reach it.
func (e *indexEntry) literalsFit(values *[numDims]string) bool {
	start, end := e.policy.GetStartDelimiter(), e.policy.GetEndDelimiter()
	for d, pats := range [numDims][]string{dimSubject: e.policy.GetSubjects(), dimResource: e.policy.GetResources(), dimAction: e.policy.GetActions()} {
		fits := false
		for _, pat := range pats {
			if literalsFit(pat, start, end, values[d]) {
				fits = true
				break
			}
		}
		if !fits {
			return false
		}
	}
	return true
}

// literalsFit reports whether v could match pat as far as pat's literal
// text tells: v equals a pattern without the start delimiter; otherwise v
// begins with the text before the first expression, contains each run of
// text between two expressions after the one before it, and ends with the
// text after the last. compilePattern quotes that text and wraps each
// expression in its own group (so an inline flag such as (?i) ends with
// it), so a value it matches is that text and the expressions' matches
// in turn; finding each run at its earliest place never passes the place
// where the match has it, so the test never refuses a value the pattern
// matches. A pattern whose delimiters do not balance (it cannot compile)
// is given the benefit of the doubt.
func literalsFit(pat string, start, end byte, v string) bool {
	i := strings.IndexByte(pat, start)
	if i < 0 {
		return pat == v
	}
	if !strings.HasPrefix(v, pat[:i]) {
		return false
	}
	rest := v[i:]
	// run is where the current run of literal text began, or -1 while
	// inside an expression or before the first one closes.
	level, run := 0, -1
	for j := i; j < len(pat); j++ {
		switch pat[j] {
		case start:
			if level++; level == 1 && run >= 0 {
				if lit := pat[run:j]; lit != "" {
					k := strings.Index(rest, lit)
					if k < 0 {
						return false
					}
					rest = rest[k+len(lit):]
				}
				run = -1
			}
		case end:
			if level--; level == 0 {
				run = j + 1
			} else if level < 0 {
				return true
			}
		}
	}
	if level != 0 || run < 0 {
		return true
	}
	return strings.HasSuffix(rest, pat[run:])
}

// one returns the policies whose keys in dimension d fit v, for the
// Manager's one-dimensional lookups.
func (ix *policyIndex) one(d int, v string) ladon.Policies {
	out := ix.appendAlways(nil)
	ix.dims[d].forEachBucket(v, func(b *bucket) {
		for _, pos := range b.all {
			out = append(out, ix.entries[pos].policy)
		}
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
		_, err := compilePattern(string(start)+part+string(end), start, end)
		ok = err == nil
		c[part] = ok
	}
	return ok
}
