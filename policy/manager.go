package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
)

// notifyChannel is the channel the policies table's trigger notifies on
// every change (store/migrations/0001_init.up.sql).
const notifyChannel = "duty_policies_changed"

// ErrConflict is matched (errors.Is) by the error Create returns when the
// id is taken. ladon v1.3.0 defines ErrNotFound but no conflict error, so
// this is the conflict counterpart of ladon.ErrNotFound.
var ErrConflict = errors.New("policy: a policy with this id already exists")

// Manager is a ladon.Manager whose source of truth is the policies table in
// PostgreSQL and whose reads come from an immutable in-process snapshot.
// Every permission decision reads the snapshot through one atomic load, so
// decisions never wait for the database or for each other; writes go to
// PostgreSQL first and then replace the snapshot. Other processes learn of
// a write from the table's NOTIFY, which Watch turns into a reload.
//
// Each snapshot carries an index of the literal text of its patterns
// (index.go), so a decision sees the few policies that could match it
// rather than all of them: none or one candidate per post in a province's
// 200,000 policies.
//
// Policies returned by FindRequestCandidates, FindPoliciesForSubject and
// FindPoliciesForResource are shared with the snapshot and must not be
// modified; Get and GetAll return copies, since their callers edit them.
type Manager struct {
	pool *pgxpool.Pool
	snap atomic.Pointer[snapshot]
	// reloadMu serialises reloads: a reload that began reading earlier
	// must not replace the snapshot of one that began later.
	reloadMu sync.Mutex
	log      *slog.Logger

	// Tuning for Watch; tests shorten them.
	minBackoff, maxBackoff time.Duration
	// idleCheck is how long Watch waits for a notice before it checks that
	// its connection still answers: a connection that died without a
	// reset (a dropped route, a frozen host) would otherwise leave the
	// snapshot stale with no error anywhere.
	idleCheck time.Duration
	// listenPID is the backend process id of Watch's connection, so tests
	// can cut it.
	listenPID atomic.Uint32
	// watching is true while Watch listens: CatchUp then waits for the
	// listener rather than reloading everything itself.
	watching atomic.Bool

	// pending is what the notices heard since the last reload ask for.
	pendingMu sync.Mutex
	pending   pendingReload
	// compacting is true while a new base is being built (compact).
	compacting atomic.Bool
	// waiters are the CatchUp calls waiting for their fence to be heard
	// and the reload after it done, by fence token.
	waiters map[string]chan struct{}
}

// pendingReload is what the next reload must read: every policy (all),
// or those ids; and the fences it releases when done.
type pendingReload struct {
	all    bool
	ids    map[string]struct{}
	fences []string
}

// NewManager returns a Manager on pool with an empty snapshot: call Load
// before the first decision, and Watch to follow other processes' writes.
func NewManager(pool *pgxpool.Pool) *Manager {
	m := &Manager{
		pool:       pool,
		log:        slog.Default().With("component", "policy.Manager"),
		minBackoff: 250 * time.Millisecond,
		maxBackoff: 30 * time.Second,
		idleCheck:  time.Minute,
	}
	m.snap.Store(newSnapshot(0, nil))
	return m
}

// Version counts the snapshots this Manager has installed: it grows by one
// on every reload, so a caller can tell that a reload happened since it
// last looked. It says nothing about what changed.
func (m *Manager) Version() uint64 { return m.snap.Load().version }

// Load reads every policy from PostgreSQL and installs them as the new
// snapshot. If any stored policy cannot be read, Load fails and the old
// snapshot stays: dropping the unreadable one could silently remove a deny.
func (m *Manager) Load(ctx context.Context) error {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()

	policies, err := m.read(ctx, `SELECT id, doc FROM policies ORDER BY id`)
	if err != nil {
		return err
	}
	m.snap.Store(newSnapshot(m.snap.Load().version+1, policies))
	return nil
}

// read decodes the stored policies a query selects (id, doc). Any it
// cannot read is an error, never skipped: dropping it could silently
// remove a deny.
func (m *Manager) read(ctx context.Context, query string, args ...any) ([]*ladon.DefaultPolicy, error) {
	rows, err := m.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("policy: load policies: %w", err)
	}
	defer rows.Close()
	var out []*ladon.DefaultPolicy
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("policy: load policies: %w", err)
		}
		p, err := decodePolicy(doc)
		if err != nil {
			return nil, fmt.Errorf("policy: load policy %q: %w", id, err)
		}
		if p.ID != id {
			return nil, fmt.Errorf("policy: load policy %q: its document has id %q", id, p.ID)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy: load policies: %w", err)
	}
	return out, nil
}

// LoadIDs reads the policies with these ids from PostgreSQL and installs a
// snapshot in which they replace what the last one held: an id no longer
// stored is dropped. It is how a notice naming a few policies is followed
// without reading every policy again.
func (m *Manager) LoadIDs(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	fresh, err := m.read(ctx, `SELECT id, doc FROM policies WHERE id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	old := m.snap.Load()
	next := old.with(old.version+1, ids, fresh)
	m.snap.Store(next)
	if len(next.over.all) > compactAt && m.compacting.CompareAndSwap(false, true) {
		go m.compact(next)
	}
	return nil
}

// CatchUp returns once this Manager's snapshot holds every policy change
// committed before it was called, by this process or any other: it sends
// a fence through the policies' notice channel and waits until Watch has
// heard it and reloaded what the notices before it named (notices arrive
// in commit order). Without Watch running, it reloads every policy. A
// change of the organisation calls it after its transaction commits, so
// that the caller's next request is decided on the new policies.
func (m *Manager) CatchUp(ctx context.Context) error {
	if !m.watching.Load() {
		return m.Load(ctx)
	}
	token := strconv.FormatUint(fenceSeq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	done := make(chan struct{})
	m.pendingMu.Lock()
	if m.waiters == nil {
		m.waiters = map[string]chan struct{}{}
	}
	m.waiters[token] = done
	m.pendingMu.Unlock()
	defer func() {
		m.pendingMu.Lock()
		delete(m.waiters, token)
		m.pendingMu.Unlock()
	}()
	if _, err := m.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fencePrefix+token); err != nil {
		return fmt.Errorf("policy: catch up: %w", err)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fencePrefix begins a CatchUp's notice; fenceSeq numbers them.
const fencePrefix = "fence:"

var fenceSeq atomic.Uint64

// heard notes what a notice asks to reload.
func (m *Manager) heard(payload string) {
	m.pendingMu.Lock()
	defer m.pendingMu.Unlock()
	if token, ok := strings.CutPrefix(payload, fencePrefix); ok {
		m.pending.fences = append(m.pending.fences, token)
		return
	}
	var ids []string
	if payload == "" || payload == "*" || json.Unmarshal([]byte(payload), &ids) != nil {
		m.pending.all = true
		return
	}
	if m.pending.all {
		return
	}
	if m.pending.ids == nil {
		m.pending.ids = map[string]struct{}{}
	}
	for _, id := range ids {
		m.pending.ids[id] = struct{}{}
	}
	if len(m.pending.ids) > compactAt {
		// A sync of thousands (a start-up's, an import's): reading
		// everything once is cheaper than an overlay of them.
		m.pending.all, m.pending.ids = true, nil
	}
}

// reloadAll asks the next reload to read every policy.
func (m *Manager) reloadAll() {
	m.pendingMu.Lock()
	m.pending.all = true
	m.pendingMu.Unlock()
}

// takePending hands the reloader what is pending and starts afresh.
func (m *Manager) takePending() pendingReload {
	m.pendingMu.Lock()
	defer m.pendingMu.Unlock()
	p := m.pending
	m.pending = pendingReload{}
	return p
}

// release lets the CatchUp calls of these fences return.
func (m *Manager) release(fences []string) {
	m.pendingMu.Lock()
	defer m.pendingMu.Unlock()
	for _, f := range fences {
		if ch, ok := m.waiters[f]; ok {
			close(ch)
			delete(m.waiters, f)
		}
	}
}

// reloadPending reloads what p asks for.
func (m *Manager) reloadPending(ctx context.Context, p pendingReload) error {
	if p.all {
		return m.Load(ctx)
	}
	ids := make([]string, 0, len(p.ids))
	for id := range p.ids {
		ids = append(ids, id)
	}
	return m.LoadIDs(ctx, ids)
}

// Create stores a new policy. An id that is already taken is a conflict:
// the error has code duty.EConflict and matches ErrConflict.
func (m *Manager) Create(ctx context.Context, p ladon.Policy) error {
	doc, err := encodeValid(p)
	if err != nil {
		return err
	}
	tag, err := m.pool.Exec(ctx,
		`INSERT INTO policies (id, doc, updated_at) VALUES ($1, $2, now()) ON CONFLICT (id) DO NOTHING`,
		p.GetID(), doc)
	if err != nil {
		return fmt.Errorf("policy: create %q: %w", p.GetID(), err)
	}
	if tag.RowsAffected() == 0 {
		return &codedError{duty.Fail(duty.EConflict, "policy.exists", duty.Args{"ID": p.GetID()}), ErrConflict}
	}
	return m.reloadAfterWrite(ctx, p.GetID())
}

// Update replaces an existing policy. A missing id is not found (code
// duty.ENotFound, matches ladon.ErrNotFound) rather than created, so that
// an edit racing a delete does not bring the policy back.
func (m *Manager) Update(ctx context.Context, p ladon.Policy) error {
	doc, err := encodeValid(p)
	if err != nil {
		return err
	}
	tag, err := m.pool.Exec(ctx, `UPDATE policies SET doc = $2, updated_at = now() WHERE id = $1`, p.GetID(), doc)
	if err != nil {
		return fmt.Errorf("policy: update %q: %w", p.GetID(), err)
	}
	if tag.RowsAffected() == 0 {
		return missingPolicy(p.GetID())
	}
	return m.reloadAfterWrite(ctx, p.GetID())
}

// Delete removes a policy. A missing id is not found, so that a caller who
// mistyped an id learns that nothing was revoked.
func (m *Manager) Delete(ctx context.Context, id string) error {
	tag, err := m.pool.Exec(ctx, `DELETE FROM policies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("policy: delete %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return missingPolicy(id)
	}
	return m.reloadAfterWrite(ctx, id)
}

// reloadAfterWrite makes the writer see its own write at once instead of
// when the notice comes back. The write itself is already committed, so a
// failure here says so rather than inviting a retry that would conflict.
func (m *Manager) reloadAfterWrite(ctx context.Context, id string) error {
	if err := m.LoadIDs(ctx, []string{id}); err != nil {
		return fmt.Errorf("policy: %q was saved, but this process could not reload its policies (it will on the next change notice): %w", id, err)
	}
	return nil
}

// Get returns a copy of the policy with this id from the snapshot, or an
// error with code duty.ENotFound that matches ladon.ErrNotFound.
func (m *Manager) Get(_ context.Context, id string) (ladon.Policy, error) {
	p, ok := m.snap.Load().get(id)
	if !ok {
		return nil, missingPolicy(id)
	}
	return clonePolicy(p)
}

// GetAll returns copies of up to limit policies in id order, skipping the
// first offset; a limit of zero or less means no limit.
func (m *Manager) GetAll(_ context.Context, limit, offset int64) (ladon.Policies, error) {
	all := m.snap.Load().list()
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(all)) {
		offset = int64(len(all))
	}
	page := all[offset:]
	if limit > 0 && limit < int64(len(page)) {
		page = page[:limit]
	}
	out := make(ladon.Policies, 0, len(page))
	for _, p := range page {
		c, err := clonePolicy(p.(*ladon.DefaultPolicy))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// FindRequestCandidates returns a superset of the policies that can match
// r: those with a subject, a resource and an action pattern whose literal
// text fits r (see index.go); the warden does the exact matching.
func (m *Manager) FindRequestCandidates(_ context.Context, r *ladon.Request) (ladon.Policies, error) {
	return m.snap.Load().request(r.Subject, r.Resource, r.Action), nil
}

// FindPoliciesForSubject returns a superset of the policies whose subjects
// can match subject.
func (m *Manager) FindPoliciesForSubject(_ context.Context, subject string) (ladon.Policies, error) {
	return m.snap.Load().one(dimSubject, subject), nil
}

// FindPoliciesForResource returns a superset of the policies whose
// resources can match resource.
func (m *Manager) FindPoliciesForResource(_ context.Context, resource string) (ladon.Policies, error) {
	return m.snap.Load().one(dimResource, resource), nil
}

// Watch keeps this Manager's snapshot in step with the database until ctx
// ends, then returns ctx's error. It holds its own connection (outside the
// pool, so it never starves queries) listening for the policies table's
// notice, and reloads on each one. Notices that arrive while a reload runs
// are folded into one further reload, so a burst of writes costs at most
// two reloads here. When the connection fails, Watch reconnects with
// exponential backoff and reloads once it listens again, because notices
// sent while it was away are lost. Call Load first: Watch reports failures
// only to the log and never returns early.
func (m *Manager) Watch(ctx context.Context) error {
	// kick holds at most one pending reload: that is the coalescing.
	kick := make(chan struct{}, 1)
	reloaderDone := make(chan struct{})
	go func() {
		defer close(reloaderDone)
		m.reloadOnKick(ctx, kick)
	}()
	defer func() { <-reloaderDone }()

	backoff := m.minBackoff
	for {
		listened, err := m.listen(ctx, kick)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if listened {
			backoff = m.minBackoff // it worked for a while: start over
		}
		m.log.Warn("policy change listener lost its connection; reconnecting", "err", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(2*backoff, m.maxBackoff)
	}
}

// listen runs one connection's life: connect, LISTEN, ask for a catch-up
// reload, then turn notices into kicks until the connection fails. It
// reports whether it got as far as listening.
func (m *Manager) listen(ctx context.Context, kick chan<- struct{}) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, m.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx) // the connection is being abandoned either way
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	m.listenPID.Store(conn.PgConn().PID())
	m.watching.Store(true)
	defer m.watching.Store(false)
	// Changes made before LISTEN took effect (since Load, or while the
	// previous connection was down) sent notices nobody heard.
	m.reloadAll()
	poke(kick)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, m.idleCheck)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			m.heard(n.Payload)
			poke(kick)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet for a while; prove the connection is alive. A notice
			// that arrives meanwhile is queued by pgx and returned by the
			// next wait.
			pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("ping: %w", err)
			}
		default:
			return true, fmt.Errorf("wait for notification: %w", err)
		}
	}
}

// reloadOnKick reloads whenever kick fires until ctx ends. A failed reload
// is retried with backoff, since no further notice may come to prompt it;
// meanwhile the last good snapshot keeps serving.
func (m *Manager) reloadOnKick(ctx context.Context, kick <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		for backoff := m.minBackoff; ; backoff = min(2*backoff, m.maxBackoff) {
			p := m.takePending()
			err := m.reloadPending(ctx, p)
			if err == nil {
				m.release(p.fences)
				break
			}
			if ctx.Err() != nil {
				break
			}
			// Read everything next time, and keep the fences waiting.
			m.pendingMu.Lock()
			m.pending.all = true
			m.pending.fences = append(m.pending.fences, p.fences...)
			m.pendingMu.Unlock()
			m.log.Error("reloading policies failed; decisions use the previous policies until a reload succeeds", "err", err, "retry_in", backoff)
			if !sleep(ctx, backoff) {
				return
			}
		}
	}
}

// poke asks for a reload without blocking: if one is already pending, it
// will read this change too.
func poke(kick chan<- struct{}) {
	select {
	case kick <- struct{}{}:
	default:
	}
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// snapshot is one immutable generation of the policy set. Nothing in it
// changes after it is made, which is what lets readers use it without
// locks.
//
// It is a large base layer, built when every policy is read, with a small
// overlay of the policies written since and the set of base ids those
// replaced or removed: following a change rebuilds the overlay only,
// never the base's index of a province's 200,000 policies (which takes
// about a second). When the overlay grows past compactAt, the Manager
// builds a new base off the decision path (compact).
type snapshot struct {
	version uint64
	base    *layer
	over    *layer
	// gone holds the ids of base policies that over replaces or that were
	// removed; nil when none.
	gone map[string]bool
}

// layer is an immutable set of policies with its lookups.
type layer struct {
	all  ladon.Policies // in id order
	byID map[string]*ladon.DefaultPolicy
	// index narrows the candidates of a decision; it is built with the
	// layer and shares its policies.
	index *policyIndex
}

// compactAt is the overlay size past which a new base is built.
const compactAt = 2048

func newLayer(policies []*ladon.DefaultPolicy) *layer {
	l := &layer{
		all:  make(ladon.Policies, 0, len(policies)),
		byID: make(map[string]*ladon.DefaultPolicy, len(policies)),
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].ID < policies[j].ID })
	for _, p := range policies {
		l.all = append(l.all, p)
		l.byID[p.ID] = p
	}
	l.index = buildIndex(l.all)
	return l
}

func newSnapshot(version uint64, policies []*ladon.DefaultPolicy) *snapshot {
	return &snapshot{version: version, base: newLayer(policies), over: newLayer(nil)}
}

// with is s with the policies ids replaced by fresh (an id missing from
// fresh is removed): the base is shared, the overlay rebuilt.
func (s *snapshot) with(version uint64, ids []string, fresh []*ladon.DefaultPolicy) *snapshot {
	replaced := make(map[string]bool, len(ids))
	for _, id := range ids {
		replaced[id] = true
	}
	over := make([]*ladon.DefaultPolicy, 0, len(s.over.all)+len(fresh))
	for _, p := range s.over.all {
		if !replaced[p.GetID()] {
			over = append(over, p.(*ladon.DefaultPolicy))
		}
	}
	over = append(over, fresh...)
	gone := make(map[string]bool, len(s.gone)+len(ids))
	for id := range s.gone {
		gone[id] = true
	}
	for id := range replaced {
		if _, inBase := s.base.byID[id]; inBase {
			gone[id] = true
		}
	}
	return &snapshot{version: version, base: s.base, over: newLayer(over), gone: gone}
}

// get is the policy with this id.
func (s *snapshot) get(id string) (*ladon.DefaultPolicy, bool) {
	if p, ok := s.over.byID[id]; ok {
		return p, true
	}
	if s.gone[id] {
		return nil, false
	}
	p, ok := s.base.byID[id]
	return p, ok
}

// list is every policy, in id order.
func (s *snapshot) list() ladon.Policies {
	if len(s.gone) == 0 && len(s.over.all) == 0 {
		return s.base.all
	}
	out := make(ladon.Policies, 0, len(s.base.all)+len(s.over.all))
	for _, p := range s.base.all {
		if !s.gone[p.GetID()] {
			out = append(out, p)
		}
	}
	out = append(out, s.over.all...)
	sort.Slice(out, func(i, j int) bool { return out[i].GetID() < out[j].GetID() })
	return out
}

// request returns the candidates of a request from both layers.
func (s *snapshot) request(subject, resource, action string) ladon.Policies {
	return s.merge(s.base.index.request(subject, resource, action), func(l *layer) ladon.Policies {
		return l.index.request(subject, resource, action)
	})
}

// one returns the candidates of a one-dimensional lookup from both layers.
func (s *snapshot) one(d int, v string) ladon.Policies {
	return s.merge(s.base.index.one(d, v), func(l *layer) ladon.Policies { return l.index.one(d, v) })
}

// merge drops from base's candidates those the overlay replaced or that
// were removed, and adds the overlay's.
func (s *snapshot) merge(fromBase ladon.Policies, fromOver func(*layer) ladon.Policies) ladon.Policies {
	if len(s.gone) > 0 {
		kept := fromBase[:0]
		for _, p := range fromBase {
			if !s.gone[p.GetID()] {
				kept = append(kept, p)
			}
		}
		fromBase = kept
	}
	if len(s.over.all) > 0 {
		fromBase = append(fromBase, fromOver(s.over)...)
	}
	return fromBase
}

// compact builds a new base of everything s0 holds, off the decision
// path, then installs it with an overlay of whatever changed since s0.
// A full Load meanwhile makes it moot.
func (m *Manager) compact(s0 *snapshot) {
	defer m.compacting.Store(false)
	var all []*ladon.DefaultPolicy
	for _, p := range s0.list() {
		all = append(all, p.(*ladon.DefaultPolicy))
	}
	base := newLayer(all)
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	s1 := m.snap.Load()
	if s1.base != s0.base {
		return
	}
	// Every change since s0 is in s1's overlay or gone set; the policies
	// are never modified in place, so an id whose policy is the same
	// object in both is unchanged.
	var ids []string
	var fresh []*ladon.DefaultPolicy
	note := func(id string) {
		p1, ok1 := s1.get(id)
		p0, ok0 := s0.get(id)
		if ok1 == ok0 && p1 == p0 {
			return
		}
		ids = append(ids, id)
		if ok1 {
			fresh = append(fresh, p1)
		}
	}
	for _, p := range s1.over.all {
		note(p.GetID())
	}
	for id := range s1.gone {
		if _, over := s1.over.byID[id]; !over {
			note(id)
		}
	}
	next := &snapshot{version: s1.version, base: base, over: newLayer(nil)}
	if len(ids) > 0 {
		next = next.with(s1.version, ids, fresh)
	}
	m.snap.Store(next)
}

// encodeValid validates p and returns the JSON stored for it: ladon's own
// encoding of a DefaultPolicy, so the table can be read by any ladon tool.
func encodeValid(p ladon.Policy) ([]byte, error) {
	if err := ValidatePolicy(p); err != nil {
		return nil, err
	}
	return encodePolicy(p)
}

// encodePolicy returns ladon's JSON for p as a DefaultPolicy.
func encodePolicy(p ladon.Policy) ([]byte, error) {
	dp, ok := p.(*ladon.DefaultPolicy)
	if !ok {
		dp = &ladon.DefaultPolicy{
			ID:          p.GetID(),
			Description: p.GetDescription(),
			Subjects:    p.GetSubjects(),
			Effect:      p.GetEffect(),
			Resources:   p.GetResources(),
			Actions:     p.GetActions(),
			Conditions:  p.GetConditions(),
			Meta:        p.GetMeta(),
		}
	}
	doc, err := json.Marshal(dp)
	if err != nil {
		return nil, fmt.Errorf("policy: encode %q: %w", p.GetID(), err)
	}
	return doc, nil
}

// decodePolicy reads ladon's JSON; DefaultPolicy's UnmarshalJSON builds the
// conditions through ladon.ConditionFactories.
func decodePolicy(doc []byte) (*ladon.DefaultPolicy, error) {
	p := new(ladon.DefaultPolicy)
	if err := json.Unmarshal(doc, p); err != nil {
		return nil, err
	}
	return p, nil
}

// clonePolicy returns a deep copy of p, so that a caller editing a policy
// it got from Get cannot change the snapshot under concurrent decisions.
// Going through JSON copies the conditions too, whatever their type.
func clonePolicy(p *ladon.DefaultPolicy) (*ladon.DefaultPolicy, error) {
	doc, err := encodePolicy(p)
	if err != nil {
		return nil, err
	}
	c, err := decodePolicy(doc)
	if err != nil {
		return nil, fmt.Errorf("policy: copy %q: %w", p.ID, err)
	}
	return c, nil
}

// missingPolicy is the error for a missing id: duty's code for the API, and
// ladon's ErrNotFound for code written against ladon.
func missingPolicy(id string) error {
	return &codedError{duty.Fail(duty.ENotFound, "policy.not_found", duty.Args{"ID": id}), ladon.ErrNotFound}
}

// codedError carries both a *duty.Error, which the API maps to a status and
// a message, and a sentinel that code written against ladon tests with
// errors.Is. Its text is the duty error's alone, which is the readable one.
type codedError struct {
	err      *duty.Error
	sentinel error
}

// Error implements the error interface.
func (e *codedError) Error() string { return e.err.Error() }

// Unwrap exposes both errors to errors.Is and errors.As.
func (e *codedError) Unwrap() []error { return []error{e.err, e.sentinel} }
