package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/org/regioncode"
	"github.com/duty-project/duty/org/riskclass"
	"github.com/duty-project/duty/org/uscc"
)

// This file keeps the organisation a region moves in with (issue 15):
// regions, organisations (enterprises by 统一社会信用代码), their internal
// units, rescue teams' agreements, persons (by identity number), and
// posts held over time — appointed, ended, transferred.
//
// Every write runs in the caller's transaction, so that an import writes
// all of its rows or none; is idempotent (saving what is on record
// changes nothing and records nothing, so a file imported twice leaves
// one trace); and is a step of its region's organisation record: an
// audit-log chain per region (workflow id org/<region>, case number
// ORG-<region>) linked by the same trigger as the cases' and checked by
// `duty audit verify`.
//
// Nothing here decides who may make a change: the caller (API, import)
// asks package policy first. The one read that needs more than that is
// PersonalInfo, which also records who read what.

// OrgChainPrefix begins the workflow id of a region's organisation record
// ("org/<region code>"); OrgRecordPrefix its case number ("ORG-<region
// code>"), which no case number can be.
const (
	OrgChainPrefix  = "org/"
	OrgRecordPrefix = "ORG-"
)

// OrgChainID is the workflow id of a region's organisation record.
func OrgChainID(regionCode string) string { return OrgChainPrefix + regionCode }

// Actions of the organisation record, one per kind of change.
const (
	OrgActionSaveRegion    = "region.save"
	OrgActionSaveOrg       = "org.save"
	OrgActionSaveUnit      = "unit.save"
	OrgActionSavePerson    = "person.save"
	OrgActionSaveAgreement = "agreement.save"
	OrgActionAppoint       = "post.appoint"
	OrgActionEndPost       = "post.end"
	OrgActionTransfer      = "post.transfer"
)

// OrgChange says who makes a change of the organisation, when, and on what
// authority. By is recorded as the step's actor; Document is the document
// the change rests on (任免文件 文号, a register's reference), kept on the
// post and in the record.
type OrgChange struct {
	By       cases.Actor
	At       time.Time
	Document string
	Note     string
}

func (ch OrgChange) check() error {
	if ch.By.Name == "" || ch.At.IsZero() {
		return errors.New("store: an organisation change needs who makes it and when")
	}
	return nil
}

// Querier is what reads take: the pool, or a transaction that sees what
// it has written (an import resolving rows it added a moment before).
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// orgChangeDetails is what an organisation record's entry says beyond
// its actor and states, hashed with the rest. Before and After are the
// thing as it was and is; a person's identity number and phone appear
// masked, since the record is read by many.
type orgChangeDetails struct {
	Subject  string          `json:"subject"` // region, org, unit, person, post, agreement
	ID       any             `json:"id"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Ended    json.RawMessage `json:"ended,omitempty"` // a transfer's ended post
	Document string          `json:"document,omitempty"`
	Note     string          `json:"note,omitempty"`
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only this file's own types are marshalled
	}
	return b
}

// orgEntry is one step of a region's organisation record, before it is
// numbered: what changed there, from which state to which.
type orgEntry struct {
	region, action, before, after string
	details                       orgChangeDetails
}

// recordOrgChange writes one step of a region's organisation record.
func (s *Store) recordOrgChange(ctx context.Context, tx pgx.Tx, region, action, stateBefore, stateAfter string, d orgChangeDetails, ch OrgChange) error {
	return s.recordOrgChanges(ctx, tx, []orgEntry{{region: region, action: action, before: stateBefore, after: stateAfter, details: d}}, ch)
}

// recordOrgChanges writes steps of organisation records, in order, in
// one statement: an edit writes one, an import's batch (SaveEnterprises)
// a thousand, and both are numbered and linked by the same rules.
// Changes in one region are numbered one after another: the region's
// org_chains row is locked to the end of the transaction, and each entry
// takes the number after the chain's last. Their links (chain_pos,
// prev_hash, hash) are computed here, in the order given, with the
// encoding of the audit_log trigger (auditHash), which a thousand entries
// linked one by one in the trigger would cost a tenth of a millisecond
// each; the database checks them, set-based, before the statement ends
// (migration 0041), so a wrong link is refused as it would have been
// impossible before. The row's length is written once, at commit
// (migration 0023), so that a deleted tail shows without a thousand
// changes in one import rewriting the row a thousand times, by the events
// of the first statement that writes the chain in the transaction only
// (migration 0045), so that it is not 300,000 trigger calls either.
func (s *Store) recordOrgChanges(ctx context.Context, tx pgx.Tx, entries []orgEntry, ch OrgChange) error {
	if len(entries) == 0 {
		return nil
	}
	regions := make([]string, 0, 1)
	for _, e := range entries {
		if !slices.Contains(regions, e.region) {
			regions = append(regions, e.region)
		}
	}
	// In code order, so that two transactions locking the same regions
	// never wait on each other in a circle.
	slices.Sort(regions)
	for _, region := range regions {
		if err := lockOrgChain(ctx, tx, region); err != nil {
			return err
		}
	}
	n := len(entries)
	workflowIDs, caseNos, details := make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		workflowIDs[i], caseNos[i] = OrgChainID(e.region), OrgRecordPrefix+e.region
		d := e.details
		d.Document, d.Note = ch.Document, ch.Note
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		details[i] = string(b)
	}
	// The links are computed here, a batch at a time, and checked by the
	// database after the insert (migration 0041): the hash covers the
	// details as jsonb prints them and the time as stored. The details are
	// printed so here (jsonbText); only what it cannot print is sent to be
	// read back as jsonb text, with the time and each chain's last entry.
	printed := true
	for i := range details {
		t, ok := jsonbText([]byte(details[i]))
		if !ok {
			printed = false
			break
		}
		details[i] = t
	}
	readBack := details
	if printed {
		readBack = []string{}
	}
	var at time.Time
	var heads []chainHead
	rows, err := tx.Query(ctx, `
		SELECT $2::timestamptz, ARRAY(SELECT d::jsonb::text FROM unnest($3::text[]) WITH ORDINALITY u(d, ord) ORDER BY ord),
			w.workflow_id, coalesce(l.chain_pos, 0), coalesce(l.hash, $4), coalesce(l.seq, 0)
		FROM (SELECT DISTINCT unnest($1::text[]) AS workflow_id) w
		LEFT JOIN LATERAL (
			SELECT a.chain_pos, a.hash, (SELECT max(b.seq) FROM audit_log b WHERE b.workflow_id = w.workflow_id) AS seq
			FROM audit_log a WHERE a.workflow_id = w.workflow_id ORDER BY a.chain_pos DESC LIMIT 1) l ON true`,
		workflowIDs, ch.At, readBack, genesis)
	if err != nil {
		return fmt.Errorf("store: organisation record: %w", err)
	}
	for rows.Next() {
		var h chainHead
		if err := rows.Scan(&at, &readBack, &h.WorkflowID, &h.Pos, &h.Hash, &h.Seq); err != nil {
			rows.Close()
			return fmt.Errorf("store: organisation record: %w", err)
		}
		heads = append(heads, h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: organisation record: %w", err)
	}
	if !printed {
		details = readBack
	}
	by := ch.By
	var actorID, actorOrgID *int64
	if by.PersonID != 0 {
		actorID = &by.PersonID
	}
	if by.OrgID != 0 {
		actorOrgID = &by.OrgID
	}
	// COPY, not INSERT … SELECT FROM unnest: the entries go in as they
	// are sent, without arrays built here and taken apart there (COPY
	// still inserts them one by one, through the triggers, and runs the
	// statement's link check after the last).
	copied := make([][]any, n)
	for i, e := range entries {
		h := &heads[slices.IndexFunc(heads, func(h chainHead) bool { return h.WorkflowID == workflowIDs[i] })]
		h.Pos++
		h.Seq++
		r := auditRow{workflowID: workflowIDs[i], chainPos: h.Pos, seq: h.Seq, caseNo: caseNos[i], at: at, action: e.action,
			actorID: actorID, actorName: by.Name, actorRole: by.Role, actorPost: by.Title, actorOrgID: actorOrgID, actorOrg: by.OrgName,
			stateBefore: e.before, stateAfter: e.after, details: details[i]}
		prev := h.Hash
		h.Hash = auditHash(&r, h.Hash)
		copied[i] = []any{r.workflowID, r.seq, r.caseNo, at, r.action, actorID, by.Name, by.Role, by.Title, actorOrgID, by.OrgName,
			r.stateBefore, r.stateAfter, r.details, r.chainPos, prev, h.Hash}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditColumns, pgx.CopyFromRows(copied)); err != nil {
		return fmt.Errorf("store: organisation record entry: %w", err)
	}
	return nil
}

// auditColumns are the columns recordOrgChanges gives, in its order.
var auditColumns = []string{"workflow_id", "seq", "case_no", "at", "action", "actor_id", "actor_name", "actor_role",
	"actor_post", "actor_org_id", "actor_org", "state_before", "state_after", "details", "chain_pos", "prev_hash", "hash"}

// chainHead is a chain's last entry: its position, hash and seq.
type chainHead struct {
	WorkflowID string
	Pos, Seq   int64
	Hash       []byte
}

// lockOrgChain locks a region's organisation record to the end of the
// transaction; a region's first change begins it. Two first changes at
// once: the second waits on the key, finds the row, and locks it once
// the first has committed.
func lockOrgChain(ctx context.Context, tx pgx.Tx, region string) error {
	workflowID := OrgChainID(region)
	lock := func() (bool, error) {
		rows, err := tx.Query(ctx, `SELECT 1 FROM org_chains WHERE workflow_id = $1 FOR UPDATE`, workflowID)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		found := rows.Next()
		return found, rows.Err()
	}
	locked, err := lock()
	if err == nil && !locked {
		if _, err = tx.Exec(ctx, `INSERT INTO org_chains (workflow_id, region_code, seq) VALUES ($1, $2, 1)
			ON CONFLICT (workflow_id) DO NOTHING`, workflowID, region); err == nil {
			_, err = lock()
		}
	}
	if err != nil {
		return fmt.Errorf("store: organisation record of region %q: %w", region, err)
	}
	return nil
}

// badInput is an invalid-input error whose message is a parser's (a code
// or number that is not one): its reason and the position at fault.
func badInput(err error) error { return duty.FailWith(duty.EInvalid, err) }

// badInputIn is badInput naming whose input it is: message id (of the
// catalogue) with the parser's reason as its argument Reason.
func badInputIn(id string, args duty.Args, err error) error {
	var m i18n.Messager
	if !errors.As(err, &m) {
		return err
	}
	args["Reason"] = m.Msg()
	return refuse(id, args)
}

// refuse is an invalid-input error, message id of the catalogue.
func refuse(id string, args duty.Args) error { return duty.Fail(duty.EInvalid, id, args) }

// clash is a conflict with what is on record, message id of the catalogue.
func clash(id string, args duty.Args) error { return duty.Fail(duty.EConflict, id, args) }

// states of a thing in the organisation record.
func presence(existed bool) string {
	if existed {
		return "recorded"
	}
	return "absent"
}

// ---- regions ----

// SaveRegion records a region by its division code, in either form
// (140500 or 1405): its level and parent follow from the code, and the
// parent must be on record already. r.ParentCode may name another
// ancestor where GB/T 2260's grouping code is not kept (a county directly
// under a province). Renaming is a change; moving a region to another
// parent is refused, since every path below it would move.
func (s *Store) SaveRegion(ctx context.Context, tx pgx.Tx, r org.Region, ch OrgChange) (org.Region, bool, error) {
	if err := ch.check(); err != nil {
		return org.Region{}, false, err
	}
	code, err := regioncode.Parse(r.Code)
	if err != nil {
		return org.Region{}, false, badInput(err)
	}
	name := strings.TrimSpace(r.Name)
	if name == "" {
		return org.Region{}, false, refuse("region.name_required", duty.Args{"Code": code})
	}
	parent := regioncode.Parent(code)
	if r.ParentCode != "" {
		if !strings.HasPrefix(code, r.ParentCode) || len(r.ParentCode) >= len(code) {
			return org.Region{}, false, refuse("region.parent_not_above", duty.Args{"Code": code, "Parent": r.ParentCode})
		}
		parent = r.ParentCode
	}
	want := org.Region{Code: code, Name: name, Level: regioncode.Level(code), ParentCode: parent, Path: "/" + code + "/"}
	if parent != "" {
		var parentPath string
		if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = $1`, parent).Scan(&parentPath); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return org.Region{}, false, refuse("region.parent_unknown", duty.Args{"Code": code, "Parent": parent})
			}
			return org.Region{}, false, err
		}
		want.Path = parentPath + code + "/"
	}
	var had org.Region
	err = tx.QueryRow(ctx, `SELECT code, name, level, coalesce(parent_code, ''), path FROM regions WHERE code = $1 FOR UPDATE`, code).
		Scan(&had.Code, &had.Name, &had.Level, &had.ParentCode, &had.Path)
	existed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return org.Region{}, false, err
	}
	if existed {
		if had.ParentCode != want.ParentCode {
			return had, false, clash("region.moved", duty.Args{"Code": code, "Parent": had.ParentCode})
		}
		if had == want {
			return had, false, nil
		}
		_, err = tx.Exec(ctx, `UPDATE regions SET name = $2, level = $3 WHERE code = $1`, code, want.Name, want.Level)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code, path) VALUES ($1, $2, $3, NULLIF($4, ''), $5)`,
			code, want.Name, want.Level, want.ParentCode, want.Path)
	}
	if err != nil {
		return org.Region{}, false, fmt.Errorf("store: region %s: %w", code, err)
	}
	var before any
	if existed {
		before = had
	}
	d := orgChangeDetails{Subject: "region", ID: code, Before: rawJSON(before), After: rawJSON(want)}
	return want, true, s.recordOrgChange(ctx, tx, code, OrgActionSaveRegion, presence(existed), "recorded", d, ch)
}

// ---- organisations ----

// OrgInput is an organisation as an administrator or an import gives it.
type OrgInput struct {
	// Code is duty's own key of the organisation; for an enterprise it
	// may be empty, and its credit code is then its code.
	Code string
	Kind string // one of org.Kind*
	Name string
	// RegionCode is the region it belongs to (属地), in either form.
	RegionCode string
	// Sectors: a department's, those it supervises; an enterprise's,
	// its own — derived from IndustryCode when empty.
	Sectors []string
	// SuperiorID is the department or government above (escalations go
	// there); 0 for none.
	SuperiorID int64
	// CreditCode is the 统一社会信用代码: an enterprise is found by it.
	CreditCode   string
	Address      string
	IndustryCode string
	RiskClass    string
}

var orgKinds = []string{org.KindPartyCommittee, org.KindGovernment, org.KindDepartment, org.KindEnterprise, org.KindRescueTeam, org.KindJudicial}

var sectorWord = regexp.MustCompile(`^[a-z_]+$`)

// industries is the industry table the store maps codes with.
func (s *Store) industries() *industry.Table {
	if s.Industries != nil {
		return s.Industries
	}
	return industry.Default()
}

// SaveOrg records an organisation: an enterprise by its credit code (else
// its code), anything else by its code. It checks what it is given —
// the credit code's check character (the error names the position), a
// region on record, the industry code (whose sector becomes the
// enterprise's when no sectors are given), the risk class, a superior
// that exists and is not below it — and refuses to change an
// organisation's kind or to give one credit code to two organisations.
func (s *Store) SaveOrg(ctx context.Context, tx pgx.Tx, in OrgInput, ch OrgChange) (org.Org, bool, error) {
	if err := ch.check(); err != nil {
		return org.Org{}, false, err
	}
	want, err := s.checkOrg(ctx, tx, in)
	if err != nil {
		return org.Org{}, false, err
	}
	// Find what is on record: by credit code first, the key a register
	// keeps, then by code.
	var had org.Org
	existed := false
	if want.CreditCode != "" {
		had, err = scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.credit_code = $1 FOR UPDATE OF o`, want.CreditCode))
		existed = err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return org.Org{}, false, err
		}
	}
	if !existed && want.Code != "" {
		had, err = scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.code = $1 FOR UPDATE OF o`, want.Code))
		existed = err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return org.Org{}, false, err
		}
		if existed && had.CreditCode != "" && want.CreditCode != "" && had.CreditCode != want.CreditCode {
			return had, false, clash("org.credit_code.differs", duty.Args{"Code": want.Code, "Had": had.CreditCode, "Want": want.CreditCode})
		}
	}
	if want.Code == "" {
		want.Code = want.CreditCode
		if existed {
			want.Code = had.Code
		}
	}
	if existed {
		if had.Kind != want.Kind {
			return had, false, clash("org.kind.fixed", duty.Args{"Code": had.Code, "Had": i18n.Ref("org_kind." + had.Kind), "Want": i18n.Ref("org_kind." + want.Kind)})
		}
		if want.Code != had.Code {
			return had, false, clash("org.credit_code.belongs", duty.Args{"CreditCode": want.CreditCode, "Owner": had.Code, "Code": want.Code})
		}
		if want.ParentID != 0 && want.ParentID == had.ID {
			return had, false, refuse("org.superior.self", duty.Args{"Code": had.Code})
		}
		want.ID = had.ID
		if sameOrg(had, want) {
			return had, false, nil
		}
		if want.ParentID != 0 {
			var below bool
			if err := tx.QueryRow(ctx, `
				WITH RECURSIVE up(id) AS (SELECT $1::bigint UNION SELECT o.parent_id FROM orgs o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL)
				SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`, want.ParentID, had.ID).Scan(&below); err != nil {
				return org.Org{}, false, err
			}
			if below {
				return had, false, refuse("org.superior.below", duty.Args{"Code": had.Code})
			}
		}
		_, err = tx.Exec(ctx, `UPDATE orgs SET name = $2, region_code = $3, industries = $4, parent_id = NULLIF($5, 0),
			credit_code = NULLIF($6, ''), address = $7, industry_code = $8, risk_class = $9 WHERE id = $1`,
			had.ID, want.Name, want.RegionCode, want.Industries, want.ParentID, want.CreditCode, want.Address, want.IndustryCode, want.RiskClass)
		if err != nil {
			return org.Org{}, false, orgWriteError(err, want)
		}
	} else {
		err = tx.QueryRow(ctx, `INSERT INTO orgs (code, kind, name, region_code, industries, parent_id, credit_code, address, industry_code, risk_class)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), NULLIF($7, ''), $8, $9, $10) RETURNING id`,
			want.Code, want.Kind, want.Name, want.RegionCode, want.Industries, want.ParentID, want.CreditCode, want.Address,
			want.IndustryCode, want.RiskClass).Scan(&want.ID)
		if err != nil {
			return org.Org{}, false, orgWriteError(err, want)
		}
	}
	var before any
	changedIDs := []int64{want.ID}
	if existed {
		before = had
		if had.ParentID != 0 && had.ParentID != want.ParentID {
			changedIDs = append(changedIDs, had.ParentID)
		}
	}
	d := orgChangeDetails{Subject: "org", ID: want.ID, Before: rawJSON(before), After: rawJSON(want)}
	if err := s.recordOrgChange(ctx, tx, want.RegionCode, OrgActionSaveOrg, presence(existed), "recorded", d, ch); err != nil {
		return want, true, err
	}
	return want, true, s.orgChanged(ctx, tx, changedIDs, nil)
}

// orgChanged lets the generated policies follow a change (OrgChanged),
// or notes it for FlushOrgChanges under BatchOrgChanges.
func (s *Store) orgChanged(ctx context.Context, tx pgx.Tx, orgIDs, postIDs []int64) error {
	if s.OrgChanged == nil {
		return nil
	}
	if b, ok := ctx.Value(orgBatchKey{}).(*orgBatch); ok {
		b.orgs = append(b.orgs, orgIDs...)
		b.posts = append(b.posts, postIDs...)
		return nil
	}
	return s.OrgChanged(ctx, tx, orgIDs, postIDs)
}

type orgBatchKey struct{}

// orgBatch is what the writes under BatchOrgChanges changed.
type orgBatch struct{ orgs, posts []int64 }

// BatchOrgChanges returns a context under which the writes of the
// organisation note what they change instead of calling OrgChanged each:
// an import of thousands of rows then calls FlushOrgChanges once, before
// it commits, with all of them.
func BatchOrgChanges(ctx context.Context) context.Context {
	return context.WithValue(ctx, orgBatchKey{}, &orgBatch{})
}

// FlushOrgChanges calls OrgChanged, in tx, with everything the writes
// under ctx (BatchOrgChanges) changed, and starts the batch afresh.
func (s *Store) FlushOrgChanges(ctx context.Context, tx pgx.Tx) error {
	b, ok := ctx.Value(orgBatchKey{}).(*orgBatch)
	if !ok || s.OrgChanged == nil || len(b.orgs)+len(b.posts) == 0 {
		return nil
	}
	orgs, posts := slices.Compact(slices.Sorted(slices.Values(b.orgs))), slices.Compact(slices.Sorted(slices.Values(b.posts)))
	b.orgs, b.posts = nil, nil
	return s.OrgChanged(context.WithValue(ctx, orgBatchKey{}, nil), tx, orgs, posts)
}

// orgWriteError says which key a write collided on.
func orgWriteError(err error, o org.Org) error {
	if strings.Contains(err.Error(), "orgs_code_key") {
		return clash("org.code.taken", duty.Args{"Code": o.Code})
	}
	if strings.Contains(err.Error(), "orgs_credit_code_key") {
		return clash("org.credit_code.taken", duty.Args{"CreditCode": o.CreditCode})
	}
	return fmt.Errorf("store: organisation %s: %w", o.Code, err)
}

// checkOrg validates an input and returns the organisation it describes,
// its region's path and level filled in.
func (s *Store) checkOrg(ctx context.Context, q Querier, in OrgInput) (org.Org, error) {
	o, err := s.orgFromInput(in, func(code string) (path, level string, err error) {
		err = q.QueryRow(ctx, `SELECT path, level FROM regions WHERE code = $1`, code).Scan(&path, &level)
		return path, level, err
	})
	if err != nil || o.ParentID == 0 {
		return o, err
	}
	var kind string
	if err := q.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = $1`, o.ParentID).Scan(&kind); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return o, refuse("org.superior.unknown", duty.Args{"Org": orgLabel(in), "ID": o.ParentID})
		}
		return o, err
	}
	if kind == org.KindEnterprise {
		return o, refuse("org.superior.enterprise", duty.Args{"Org": orgLabel(in)})
	}
	return o, nil
}

func orgLabel(in OrgInput) string {
	if label := strings.TrimSpace(in.Code); label != "" {
		return label
	}
	return in.CreditCode
}

// orgFromInput checks what an input says by itself, and that its region
// is on record (regionOf answers pgx.ErrNoRows for one that is not), and
// returns the organisation it describes; its superior is checkOrg's. One
// edit asks PostgreSQL for the region, an import's batch a map.
func (s *Store) orgFromInput(in OrgInput, regionOf func(code string) (path, level string, err error)) (org.Org, error) {
	o := org.Org{Code: strings.TrimSpace(in.Code), Kind: in.Kind, Name: strings.TrimSpace(in.Name), ParentID: in.SuperiorID,
		Address: strings.TrimSpace(in.Address)}
	label := orgLabel(in)
	if !slices.Contains(orgKinds, o.Kind) {
		return o, refuse("org.kind.unknown", nil)
	}
	if o.Name == "" {
		return o, refuse("org.name_required", duty.Args{"Org": label})
	}
	if strings.TrimSpace(in.CreditCode) != "" {
		c, err := uscc.Parse(in.CreditCode)
		if err != nil {
			return o, badInput(err)
		}
		o.CreditCode = string(c)
	}
	if o.Code == "" && o.CreditCode == "" {
		return o, refuse("org.code_required", duty.Args{"Name": o.Name})
	}
	region, err := regioncode.Parse(in.RegionCode)
	if err != nil {
		return o, badInputIn("org.input.bad", duty.Args{"Org": label}, err)
	}
	o.RegionCode = region
	if o.RegionPath, o.RegionLevel, err = regionOf(region); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return o, refuse("org.region.unknown", duty.Args{"Org": label, "Region": region})
		}
		return o, err
	}
	if strings.TrimSpace(in.IndustryCode) != "" {
		e, err := s.industries().Resolve(in.IndustryCode)
		if err != nil {
			return o, badInputIn("org.input.bad", duty.Args{"Org": label}, err)
		}
		o.IndustryCode, _ = industry.Parse(in.IndustryCode)
		if len(in.Sectors) == 0 && o.Kind == org.KindEnterprise {
			in.Sectors = []string{e.Sector}
		}
	}
	o.Industries = []string{}
	for _, sec := range in.Sectors {
		if !sectorWord.MatchString(sec) {
			return o, refuse("org.sector.bad", duty.Args{"Org": label, "Sector": sec})
		}
		if !slices.Contains(o.Industries, sec) {
			o.Industries = append(o.Industries, sec)
		}
	}
	if o.RiskClass, err = riskclass.Parse(in.RiskClass); err != nil {
		return o, badInputIn("org.input.bad", duty.Args{"Org": label}, err)
	}
	return o, nil
}

func sameOrg(a, b org.Org) bool {
	return a.Name == b.Name && a.RegionCode == b.RegionCode && slices.Equal(a.Industries, b.Industries) && a.ParentID == b.ParentID &&
		a.CreditCode == b.CreditCode && a.Address == b.Address && a.IndustryCode == b.IndustryCode && a.RiskClass == b.RiskClass
}

// OrgByCode reads an organisation by duty's code for it.
func (s *Store) OrgByCode(ctx context.Context, q Querier, code string) (org.Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.code = $1`, code))
	if err != nil {
		return org.Org{}, missing(err, "org.code.unknown", duty.Args{"Code": code})
	}
	return o, nil
}

// OrgByCreditCode reads an organisation by its 统一社会信用代码, which is
// checked first (a mistyped code is invalid, not merely absent).
func (s *Store) OrgByCreditCode(ctx context.Context, q Querier, creditCode string) (org.Org, error) {
	c, err := uscc.Parse(creditCode)
	if err != nil {
		return org.Org{}, badInput(err)
	}
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.credit_code = $1`, string(c)))
	if err != nil {
		return org.Org{}, missing(err, "org.credit_code.unknown", duty.Args{"CreditCode": string(c)})
	}
	return o, nil
}

// EnterpriseFilter selects enterprises of the register. Empty fields do
// not filter.
type EnterpriseFilter struct {
	// RegionCode: in this region and below.
	RegionCode string
	// IndustryCode: GB/T 4754 codes beginning so ("26" finds 2614).
	IndustryCode string
	Sector       string
	RiskClass    string
	// NameContains: a part of the name (not indexed: narrow by region).
	NameContains string
	// After is the Next of the page before; "" for the first page.
	After string
	// Limit is the page size: 1–1000, 100 when 0.
	Limit int
}

// EnterprisePage is one page of the register, in name order. Next is the
// cursor of the page after, "" on the last page.
type EnterprisePage struct {
	Enterprises []org.Org `json:"enterprises"`
	Next        string    `json:"next,omitempty"`
}

type enterpriseCursor struct {
	Name string `json:"n"`
	ID   int64  `json:"i"`
}

// ListEnterprises reads the enterprise register a page at a time. Pages
// are keyset pages on (name, id), so page 1,000 of 100,000 enterprises
// costs what page 1 does, and a row added meanwhile neither repeats nor
// skips one.
func (s *Store) ListEnterprises(ctx context.Context, f EnterpriseFilter) (EnterprisePage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	var after enterpriseCursor
	if f.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.After)
		if err != nil || json.Unmarshal(b, &after) != nil {
			return EnterprisePage{}, refuse("request.cursor.unknown", duty.Args{"Cursor": f.After})
		}
	}
	path := ""
	if f.RegionCode != "" {
		code, err := regioncode.Parse(f.RegionCode)
		if err != nil {
			return EnterprisePage{}, badInput(err)
		}
		r, err := s.GetRegion(ctx, code)
		if err != nil {
			return EnterprisePage{}, err
		}
		path = r.Path
	}
	industryPrefix := ""
	if f.IndustryCode != "" {
		c, err := industry.Parse(f.IndustryCode)
		if err != nil {
			return EnterprisePage{}, badInput(err)
		}
		industryPrefix = c
	}
	risk, err := riskclass.Parse(f.RiskClass)
	if err != nil {
		return EnterprisePage{}, badInput(err)
	}
	// Only the filters given become conditions, so that the keyset
	// condition meets the (name, id) index as a range, not an OR.
	where := []string{`o.kind = 'enterprise'`}
	var args []any
	cond := func(sql string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			sql = strings.Replace(sql, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, sql)
	}
	if path != "" {
		cond(`o.region_code IN (SELECT code FROM regions WHERE path LIKE ? || '%')`, path)
	}
	if industryPrefix != "" {
		cond(`o.industry_code LIKE ? || '%'`, industryPrefix)
	}
	if f.Sector != "" {
		cond(`? = ANY(o.industries)`, f.Sector)
	}
	if risk != "" {
		cond(`o.risk_class = ?`, risk)
	}
	if f.NameContains != "" {
		cond(`strpos(o.name, ?) > 0`, f.NameContains)
	}
	if after.ID != 0 {
		cond(`(o.name, o.id) > (?, ?)`, after.Name, after.ID)
	}
	args = append(args, f.Limit+1)
	rows, err := s.Pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY o.name, o.id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return EnterprisePage{}, fmt.Errorf("store: enterprises: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
	if err != nil {
		return EnterprisePage{}, fmt.Errorf("store: enterprises: %w", err)
	}
	page := EnterprisePage{Enterprises: list}
	if len(list) > f.Limit {
		page.Enterprises = list[:f.Limit]
		last := page.Enterprises[f.Limit-1]
		b, _ := json.Marshal(enterpriseCursor{Name: last.Name, ID: last.ID})
		page.Next = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// ---- internal units ----

// UnitInput is an internal unit as an administrator or an import gives it.
type UnitInput struct {
	OrgID int64
	// Code is the organisation's own key for the unit.
	Code string
	Kind string // one of org.Unit*
	Name string
	// ParentCode is the code of the unit above, "" for a unit directly
	// under the organisation.
	ParentCode string
}

// SaveUnit records an internal unit of an organisation by its code there.
// The unit above must be on record already and must not be the unit
// itself or below it.
func (s *Store) SaveUnit(ctx context.Context, tx pgx.Tx, in UnitInput, ch OrgChange) (org.Unit, bool, error) {
	if err := ch.check(); err != nil {
		return org.Unit{}, false, err
	}
	want := org.Unit{OrgID: in.OrgID, Code: strings.TrimSpace(in.Code), Kind: in.Kind, Name: strings.TrimSpace(in.Name)}
	if want.Code == "" || want.Name == "" {
		return want, false, refuse("unit.code_name_required", nil)
	}
	if !slices.Contains(org.UnitKinds, want.Kind) {
		return want, false, refuse("unit.kind.unknown", duty.Args{"Code": want.Code, "Kind": in.Kind})
	}
	var region string
	if err := tx.QueryRow(ctx, `SELECT region_code FROM orgs WHERE id = $1`, in.OrgID).Scan(&region); err != nil {
		return want, false, unknownRef(err, "unit.org.unknown", duty.Args{"Code": want.Code, "ID": in.OrgID})
	}
	var had org.Unit
	err := tx.QueryRow(ctx, `SELECT id, org_id, code, kind, name, coalesce(parent_id, 0) FROM org_units WHERE org_id = $1 AND code = $2 FOR UPDATE`,
		in.OrgID, want.Code).Scan(&had.ID, &had.OrgID, &had.Code, &had.Kind, &had.Name, &had.ParentID)
	existed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return want, false, err
	}
	if in.ParentCode != "" {
		if err := tx.QueryRow(ctx, `SELECT id FROM org_units WHERE org_id = $1 AND code = $2`, in.OrgID, in.ParentCode).Scan(&want.ParentID); err != nil {
			return want, false, unknownRef(err, "unit.parent.unknown", duty.Args{"Code": want.Code, "Parent": in.ParentCode})
		}
		if existed {
			var below bool
			if err := tx.QueryRow(ctx, `
				WITH RECURSIVE up(id) AS (SELECT $1::bigint UNION SELECT u.parent_id FROM org_units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL)
				SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`, want.ParentID, had.ID).Scan(&below); err != nil {
				return want, false, err
			}
			if below {
				return want, false, refuse("unit.parent.below", duty.Args{"Code": want.Code})
			}
		}
	}
	if existed {
		want.ID = had.ID
		if had == want {
			return had, false, nil
		}
		_, err = tx.Exec(ctx, `UPDATE org_units SET kind = $2, name = $3, parent_id = NULLIF($4, 0) WHERE id = $1`, had.ID, want.Kind, want.Name, want.ParentID)
	} else {
		err = tx.QueryRow(ctx, `INSERT INTO org_units (org_id, code, kind, name, parent_id) VALUES ($1, $2, $3, $4, NULLIF($5, 0)) RETURNING id`,
			want.OrgID, want.Code, want.Kind, want.Name, want.ParentID).Scan(&want.ID)
	}
	if err != nil {
		return want, false, fmt.Errorf("store: unit %s: %w", want.Code, err)
	}
	var before any
	if existed {
		before = had
	}
	d := orgChangeDetails{Subject: "unit", ID: want.ID, Before: rawJSON(before), After: rawJSON(want)}
	return want, true, s.recordOrgChange(ctx, tx, region, OrgActionSaveUnit, presence(existed), "recorded", d, ch)
}

// Units lists an organisation's internal units, parents before children.
func (s *Store) Units(ctx context.Context, q Querier, orgID int64) ([]org.Unit, error) {
	rows, err := q.Query(ctx, `
		WITH RECURSIVE tree AS (
			SELECT u.*, ARRAY[u.code] AS sort FROM org_units u WHERE u.org_id = $1 AND u.parent_id IS NULL
			UNION ALL
			SELECT u.*, tree.sort || u.code FROM org_units u JOIN tree ON u.parent_id = tree.id)
		SELECT id, org_id, code, kind, name, coalesce(parent_id, 0) FROM tree ORDER BY sort`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: units: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Unit, error) {
		var u org.Unit
		return u, r.Scan(&u.ID, &u.OrgID, &u.Code, &u.Kind, &u.Name, &u.ParentID)
	})
}

// unknownRef turns pgx.ErrNoRows into an invalid-input error, message id
// of the catalogue: a reference in the input to something that is not on
// record.
func unknownRef(err error, id string, args duty.Args) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return refuse(id, args)
	}
	return err
}

// ---- rescue teams' agreements ----

// SaveRescueAgreement records that a rescue team serves an enterprise from
// a day (to a last day, or open-ended), keyed by team, enterprise and
// first day. Two agreements of one team and enterprise may not overlap.
// It is a step of the team's region's record.
func (s *Store) SaveRescueAgreement(ctx context.Context, tx pgx.Tx, a org.RescueAgreement, ch OrgChange) (org.RescueAgreement, bool, error) {
	if err := ch.check(); err != nil {
		return a, false, err
	}
	if a.ValidFrom.IsZero() {
		return a, false, refuse("agreement.from_required", nil)
	}
	a.ValidFrom = calendarDay(a.ValidFrom)
	if a.ValidTo != nil {
		to := calendarDay(*a.ValidTo)
		if to.Before(a.ValidFrom) {
			return a, false, refuse("agreement.ends_before", duty.Args{"To": day(to), "From": day(a.ValidFrom)})
		}
		a.ValidTo = &to
	}
	var teamKind, entKind, region string
	if err := tx.QueryRow(ctx, `SELECT kind, region_code FROM orgs WHERE id = $1`, a.TeamID).Scan(&teamKind, &region); err != nil || teamKind != org.KindRescueTeam {
		return a, false, unknownRef(orNoRows(err), "agreement.team.unknown", duty.Args{"ID": a.TeamID})
	}
	if err := tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = $1`, a.EnterpriseID).Scan(&entKind); err != nil || entKind != org.KindEnterprise {
		return a, false, unknownRef(orNoRows(err), "agreement.enterprise.unknown", duty.Args{"ID": a.EnterpriseID})
	}
	// One team's agreements are taken in turn, so two overlapping ones
	// cannot both pass the check below.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE`, a.TeamID); err != nil {
		return a, false, err
	}
	var had org.RescueAgreement
	err := tx.QueryRow(ctx, `SELECT id, team_id, enterprise_id, valid_from, valid_to, document FROM rescue_agreements
		WHERE team_id = $1 AND enterprise_id = $2 AND valid_from = $3`, a.TeamID, a.EnterpriseID, day(a.ValidFrom)).
		Scan(&had.ID, &had.TeamID, &had.EnterpriseID, &had.ValidFrom, &had.ValidTo, &had.Document)
	existed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return a, false, err
	}
	if a.Document == "" {
		a.Document = ch.Document
	}
	if existed {
		a.ID = had.ID
		if sameDay(had.ValidTo, a.ValidTo) && had.Document == a.Document {
			return had, false, nil
		}
	}
	var overlapFrom time.Time
	err = tx.QueryRow(ctx, `SELECT valid_from FROM rescue_agreements WHERE team_id = $1 AND enterprise_id = $2 AND id <> $3
		AND valid_from <= coalesce($5::date, 'infinity') AND coalesce(valid_to, 'infinity') >= $4::date LIMIT 1`,
		a.TeamID, a.EnterpriseID, a.ID, day(a.ValidFrom), dayOrNil(a.ValidTo)).Scan(&overlapFrom)
	if err == nil {
		return a, false, clash("agreement.overlaps", duty.Args{"From": day(overlapFrom)})
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return a, false, err
	}
	if existed {
		_, err = tx.Exec(ctx, `UPDATE rescue_agreements SET valid_to = $2, document = $3 WHERE id = $1`, a.ID, dayOrNil(a.ValidTo), a.Document)
	} else {
		err = tx.QueryRow(ctx, `INSERT INTO rescue_agreements (team_id, enterprise_id, valid_from, valid_to, document) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			a.TeamID, a.EnterpriseID, day(a.ValidFrom), dayOrNil(a.ValidTo), a.Document).Scan(&a.ID)
	}
	if err != nil {
		return a, false, fmt.Errorf("store: rescue agreement: %w", err)
	}
	var before any
	if existed {
		before = had
	}
	d := orgChangeDetails{Subject: "agreement", ID: a.ID, Before: rawJSON(before), After: rawJSON(a)}
	return a, true, s.recordOrgChange(ctx, tx, region, OrgActionSaveAgreement, presence(existed), "recorded", d, ch)
}

// RescueAgreements lists the agreements of a team (teamID) or of an
// enterprise (enterpriseID; teamID 0), oldest first.
func (s *Store) RescueAgreements(ctx context.Context, q Querier, teamID, enterpriseID int64) ([]org.RescueAgreement, error) {
	rows, err := q.Query(ctx, `SELECT id, team_id, enterprise_id, valid_from, valid_to, document FROM rescue_agreements
		WHERE ($1 = 0 OR team_id = $1) AND ($2 = 0 OR enterprise_id = $2) ORDER BY valid_from, id`, teamID, enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: rescue agreements: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.RescueAgreement, error) {
		var a org.RescueAgreement
		return a, r.Scan(&a.ID, &a.TeamID, &a.EnterpriseID, &a.ValidFrom, &a.ValidTo, &a.Document)
	})
}

func orNoRows(err error) error {
	if err == nil {
		return pgx.ErrNoRows // found, but of the wrong kind: as good as absent
	}
	return err
}

// ---- persons ----

// PersonInput is a person as an administrator or an import gives them.
type PersonInput struct {
	// IDNumber is the 居民身份证号: a person is found by it when given,
	// else by Login.
	IDNumber string
	// Login is the account's name; "" for a person who does not log in
	// (named in cases, holding an enterprise post), who gets the login
	// person-<id>, with no password and no identity to sign in with.
	Login string
	Name  string
	Phone string
	// RegionCode is the region whose organisation record keeps the
	// change: that of the organisation the person serves.
	RegionCode string
}

// generatedLogin is the login of a person recorded without one.
const generatedLogin = "person-"

// SavePerson records a person by identity number (else login). Numbers
// are checked (GB 11643 check character, birth date; a mobile phone) and
// stored apart from persons, in person_private; the record keeps them
// masked. One identity number is one person: a login that belongs to a
// person with another number on record is a conflict. A password is
// never set here.
func (s *Store) SavePerson(ctx context.Context, tx pgx.Tx, in PersonInput, ch OrgChange) (org.Person, bool, error) {
	if err := ch.check(); err != nil {
		return org.Person{}, false, err
	}
	in, err := checkPerson(in)
	if err != nil {
		return org.Person{}, false, err
	}
	name, login, idNumber, phone, region := in.Name, in.Login, in.IDNumber, in.Phone, in.RegionCode
	read := func(where string, arg any) (storedPerson, bool, error) {
		var p storedPerson
		err := tx.QueryRow(ctx, `SELECT p.id, p.login, p.name, coalesce(x.id_number, ''), coalesce(x.phone, '')
			FROM persons p LEFT JOIN person_private x ON x.person_id = p.id WHERE `+where+` FOR UPDATE OF p`, arg).
			Scan(&p.id, &p.login, &p.name, &p.idn, &p.phone)
		if errors.Is(err, pgx.ErrNoRows) {
			return p, false, nil
		}
		return p, err == nil, err
	}
	var had storedPerson
	existed := false
	if idNumber != "" {
		if had, existed, err = read(`x.id_number = $1`, idNumber); err != nil {
			return org.Person{}, false, err
		}
	}
	if !existed && login != "" {
		if had, existed, err = read(`p.login = $1`, login); err != nil {
			return org.Person{}, false, err
		}
		if existed && had.idn != "" && idNumber != "" && had.idn != idNumber {
			return org.Person{}, false, clash("person.login.other_id", duty.Args{"Login": login, "IDNumber": personal.MaskIDNumber(had.idn)})
		}
	}
	want := storedPerson{id: had.id, login: had.login, name: name, idn: had.idn, phone: had.phone}
	if login != "" {
		want.login = login
	}
	if idNumber != "" {
		want.idn = idNumber
	}
	if phone != "" {
		want.phone = phone
	}
	if existed && want == had {
		return org.Person{ID: had.id, Login: had.login, Name: had.name}, false, nil
	}
	if existed {
		if _, err := tx.Exec(ctx, `UPDATE persons SET login = $2, name = $3 WHERE id = $1`, want.id, want.login, want.name); err != nil {
			if strings.Contains(err.Error(), "persons_login_key") {
				return org.Person{}, false, clash("person.login.taken", duty.Args{"Login": want.login})
			}
			return org.Person{}, false, fmt.Errorf("store: person: %w", err)
		}
	} else {
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('persons', 'id'))`).Scan(&want.id); err != nil {
			return org.Person{}, false, err
		}
		if want.login == "" {
			want.login = fmt.Sprintf("%s%d", generatedLogin, want.id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO persons (id, login, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3)`, want.id, want.login, want.name); err != nil {
			if strings.Contains(err.Error(), "persons_login_key") {
				return org.Person{}, false, clash("person.login.taken", duty.Args{"Login": want.login})
			}
			return org.Person{}, false, fmt.Errorf("store: person: %w", err)
		}
	}
	if want.idn != had.idn || want.phone != had.phone {
		if _, err := tx.Exec(ctx, `INSERT INTO person_private (person_id, id_number, phone) VALUES ($1, NULLIF($2, ''), NULLIF($3, ''))
			ON CONFLICT (person_id) DO UPDATE SET id_number = EXCLUDED.id_number, phone = EXCLUDED.phone`, want.id, want.idn, want.phone); err != nil {
			if strings.Contains(err.Error(), "person_private_id_number_key") {
				return org.Person{}, false, clash("person.id_number.taken", duty.Args{"IDNumber": personal.MaskIDNumber(want.idn)})
			}
			return org.Person{}, false, fmt.Errorf("store: person: %w", err)
		}
	}
	var before any
	if existed {
		before = had.masked()
	}
	d := orgChangeDetails{Subject: "person", ID: want.id, Before: rawJSON(before), After: rawJSON(want.masked())}
	return org.Person{ID: want.id, Login: want.login, Name: want.name}, true,
		s.recordOrgChange(ctx, tx, region, OrgActionSavePerson, presence(existed), "recorded", d, ch)
}

// checkPerson checks what a person's input says by itself and returns it
// in the form stored: names trimmed, numbers in their canonical form,
// the region's code in its full form.
func checkPerson(in PersonInput) (PersonInput, error) {
	out := PersonInput{Name: strings.TrimSpace(in.Name), Login: strings.TrimSpace(in.Login)}
	var err error
	if strings.TrimSpace(in.IDNumber) != "" {
		if out.IDNumber, err = personal.ParseIDNumber(in.IDNumber); err != nil {
			return out, badInputIn("person.input.bad", duty.Args{"Name": out.Name}, err)
		}
	}
	if strings.TrimSpace(in.Phone) != "" {
		if out.Phone, err = personal.ParsePhone(in.Phone); err != nil {
			return out, badInputIn("person.input.bad", duty.Args{"Name": out.Name}, err)
		}
	}
	if out.Name == "" {
		return out, refuse("person.name_required", nil)
	}
	if out.IDNumber == "" && out.Login == "" {
		return out, refuse("person.key_required", duty.Args{"Name": out.Name})
	}
	if strings.HasPrefix(out.Login, generatedLogin) {
		return out, refuse("person.login.reserved", duty.Args{"Prefix": generatedLogin})
	}
	if out.RegionCode, err = regioncode.Parse(in.RegionCode); err != nil {
		return out, badInputIn("person.input.bad", duty.Args{"Name": out.Name}, err)
	}
	return out, nil
}

// storedPerson is a person as persons and person_private keep them.
type storedPerson struct {
	id                      int64
	login, name, idn, phone string
}

// masked is the person as the organisation record keeps them.
func (p storedPerson) masked() map[string]string {
	return map[string]string{"login": p.login, "name": p.name, "id_number": maskOrEmpty(p.idn, personal.MaskIDNumber),
		"phone": maskOrEmpty(p.phone, personal.MaskPhone)}
}

func maskOrEmpty(s string, mask func(string) string) string {
	if s == "" {
		return ""
	}
	return mask(s)
}

// PersonByIDNumber finds a person by identity number (checked first).
func (s *Store) PersonByIDNumber(ctx context.Context, q Querier, idNumber string) (org.Person, error) {
	n, err := personal.ParseIDNumber(idNumber)
	if err != nil {
		return org.Person{}, badInput(err)
	}
	var p org.Person
	err = q.QueryRow(ctx, `SELECT p.id, p.login, p.name FROM persons p JOIN person_private x ON x.person_id = p.id WHERE x.id_number = $1`, n).
		Scan(&p.ID, &p.Login, &p.Name)
	if err != nil {
		return org.Person{}, missing(err, "person.id_number.unknown", duty.Args{"IDNumber": personal.MaskIDNumber(n)})
	}
	return p, nil
}

// PersonRecord is a person as pages and lists show them: identity number
// and phone masked, and every post they held, oldest first, ended ones
// included — accountability follows the person (终身追责).
type PersonRecord struct {
	Person   org.Person `json:"person"`
	IDNumber string     `json:"id_number,omitempty"` // masked
	Phone    string     `json:"phone,omitempty"`     // masked
	Posts    []org.Post `json:"posts"`
}

// GetPersonRecord reads a person's record, masked.
func (s *Store) GetPersonRecord(ctx context.Context, q Querier, personID int64) (PersonRecord, error) {
	var rec PersonRecord
	var idn, phone string
	err := q.QueryRow(ctx, `SELECT p.id, p.login, p.name, coalesce(x.id_number, ''), coalesce(x.phone, '')
		FROM persons p LEFT JOIN person_private x ON x.person_id = p.id WHERE p.id = $1`, personID).
		Scan(&rec.Person.ID, &rec.Person.Login, &rec.Person.Name, &idn, &phone)
	if err != nil {
		return rec, missing(err, "person.unknown", duty.Args{"ID": personID})
	}
	rec.IDNumber, rec.Phone = maskOrEmpty(idn, personal.MaskIDNumber), maskOrEmpty(phone, personal.MaskPhone)
	rows, err := q.Query(ctx, `SELECT `+postColumns+` WHERE p.person_id = $1 ORDER BY p.started_on, p.id`, personID)
	if err != nil {
		return rec, fmt.Errorf("store: posts: %w", err)
	}
	if rec.Posts, err = pgx.CollectRows(rows, scanPost); err != nil {
		return rec, fmt.Errorf("store: posts: %w", err)
	}
	return rec, nil
}

// PersonalInfo is a person's identity number and phone in full.
type PersonalInfo struct {
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// PersonalInfo reads a person's identity number and phone in full and
// records, in the same transaction, that reader read them, when and why
// (个人信息保护法: who read a person's full record is itself recorded).
//
// It is the only read of person_private that is not masked. The caller
// must first have decided, through package policy, that reader
// administers this person; nothing here can tell.
func (s *Store) PersonalInfo(ctx context.Context, personID, readerID int64, purpose string, at time.Time) (PersonalInfo, error) {
	var info PersonalInfo
	if strings.TrimSpace(purpose) == "" {
		return info, refuse("person.purpose_required", nil)
	}
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT coalesce(x.id_number, ''), coalesce(x.phone, '')
			FROM persons p LEFT JOIN person_private x ON x.person_id = p.id WHERE p.id = $1`, personID).Scan(&info.IDNumber, &info.Phone)
		if err != nil {
			return missing(err, "person.unknown", duty.Args{"ID": personID})
		}
		_, err = tx.Exec(ctx, `INSERT INTO personal_reads (person_id, reader_id, at, purpose) VALUES ($1, $2, $3, $4)`, personID, readerID, at, purpose)
		return err
	})
	return info, err
}

// PersonalRead is one read of a person's full record.
type PersonalRead struct {
	ReaderID   int64     `json:"reader_id"`
	ReaderName string    `json:"reader_name"`
	At         time.Time `json:"at"`
	Purpose    string    `json:"purpose"`
}

// PersonalReads lists who read a person's full record, latest first.
func (s *Store) PersonalReads(ctx context.Context, personID int64) ([]PersonalRead, error) {
	rows, err := s.Pool.Query(ctx, `SELECT r.reader_id, p.name, r.at, r.purpose FROM personal_reads r JOIN persons p ON p.id = r.reader_id
		WHERE r.person_id = $1 ORDER BY r.at DESC, r.id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: personal reads: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonalRead, error) {
		var x PersonalRead
		return x, r.Scan(&x.ReaderID, &x.ReaderName, &x.At, &x.Purpose)
	})
}

// ---- posts ----

// Appointment is a post to start: who, where, as what, from which day.
type Appointment struct {
	PersonID int64
	OrgID    int64
	// UnitID is the internal unit of OrgID the post is in; 0: none.
	UnitID    int64
	Role      string // one of org.Roles
	Title     string
	Portfolio []string
	StartsOn  time.Time
	// EndsOn records a post that has already ended (an import of past
	// posts); nil for a post held from StartsOn on. Appoint never clears
	// an end on record: ending is EndPost's.
	EndsOn *time.Time
}

// Appoint records that a person holds a post from a day (任职), on the
// document in ch. The same person, organisation, role and first day is
// the same post: saving it again changes nothing, or corrects its title,
// portfolio or unit. A post that would overlap another of the same
// person, organisation, role and unit is refused, as is one ending
// before it starts.
func (s *Store) Appoint(ctx context.Context, tx pgx.Tx, a Appointment, ch OrgChange) (org.Post, bool, error) {
	if err := ch.check(); err != nil {
		return org.Post{}, false, err
	}
	post, before, changed, err := s.appoint(ctx, tx, a, ch)
	if err != nil || !changed {
		return post, changed, err
	}
	d := orgChangeDetails{Subject: "post", ID: post.ID, Before: rawJSON(before), After: rawJSON(postFacts(post))}
	if err := s.recordOrgChange(ctx, tx, post.Org.RegionCode, OrgActionAppoint, postState(before), postState(post), d, ch); err != nil {
		return post, true, err
	}
	return post, true, s.orgChanged(ctx, tx, nil, []int64{post.ID})
}

// postFacts is a post as the record keeps it: without the organisation's
// every field.
func postFacts(p org.Post) map[string]any {
	m := map[string]any{"person_id": p.PersonID, "org_id": p.Org.ID, "org": p.Org.Name, "role": p.Role, "title": p.Title,
		"started_on": day(p.StartedOn)}
	if p.UnitID != 0 {
		m["unit_id"] = p.UnitID
	}
	if len(p.Portfolio) > 0 {
		m["portfolio"] = p.Portfolio
	}
	if p.EndedOn != nil {
		m["ended_on"] = day(*p.EndedOn)
	}
	return m
}

// postState names a post's state in the record: absent, held or ended.
func postState(p any) string {
	switch p := p.(type) {
	case nil:
		return "absent"
	case map[string]any:
		if _, ok := p["ended_on"]; ok {
			return "ended"
		}
		return "held"
	case org.Post:
		if p.EndedOn != nil {
			return "ended"
		}
		return "held"
	}
	return ""
}

// appoint writes an appointment and returns the post, the post's facts
// before (nil if new) and whether anything changed; the caller records.
func (s *Store) appoint(ctx context.Context, tx pgx.Tx, a Appointment, ch OrgChange) (org.Post, any, bool, error) {
	title := strings.TrimSpace(a.Title)
	if !slices.Contains(org.Roles, a.Role) {
		return org.Post{}, nil, false, refuse("post.role.unknown", duty.Args{"Role": a.Role})
	}
	if title == "" {
		return org.Post{}, nil, false, refuse("post.title_required", nil)
	}
	if a.StartsOn.IsZero() {
		return org.Post{}, nil, false, refuse("post.start_required", nil)
	}
	start := calendarDay(a.StartsOn)
	var end *time.Time
	if a.EndsOn != nil {
		e := calendarDay(*a.EndsOn)
		if e.Before(start) {
			return org.Post{}, nil, false, refuse("post.ends_before", duty.Args{"End": day(e), "Start": day(start)})
		}
		end = &e
	}
	portfolio := a.Portfolio
	if portfolio == nil {
		portfolio = []string{}
	}
	for _, sec := range portfolio {
		if !sectorWord.MatchString(sec) {
			return org.Post{}, nil, false, refuse("post.portfolio.bad", duty.Args{"Sector": sec})
		}
	}
	// One person's posts change one at a time: the overlap check below
	// then sees every post of theirs.
	var personName string
	if err := tx.QueryRow(ctx, `SELECT name FROM persons WHERE id = $1 FOR UPDATE`, a.PersonID).Scan(&personName); err != nil {
		return org.Post{}, nil, false, unknownRef(err, "person.unknown", duty.Args{"ID": a.PersonID})
	}
	if _, err := s.checkOrgRef(ctx, tx, a.OrgID); err != nil {
		return org.Post{}, nil, false, err
	}
	if a.UnitID != 0 {
		var unitOrg int64
		if err := tx.QueryRow(ctx, `SELECT org_id FROM org_units WHERE id = $1`, a.UnitID).Scan(&unitOrg); err != nil || unitOrg != a.OrgID {
			return org.Post{}, nil, false, unknownRef(orNoRows(err), "post.unit.other_org", duty.Args{"Unit": a.UnitID, "Org": a.OrgID})
		}
	}
	var hadID int64
	var had org.Post
	err := tx.QueryRow(ctx, `SELECT id FROM posts WHERE person_id = $1 AND org_id = $2 AND role = $3 AND started_on = $4`,
		a.PersonID, a.OrgID, a.Role, day(start)).Scan(&hadID)
	existed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return org.Post{}, nil, false, err
	}
	if existed {
		if had, err = s.getPost(ctx, tx, hadID); err != nil {
			return org.Post{}, nil, false, err
		}
		if end == nil {
			end = had.EndedOn // an end on record stays
		}
		if had.Title == title && slices.Equal(had.Portfolio, portfolio) && had.UnitID == a.UnitID && sameDay(had.EndedOn, end) {
			return had, nil, false, nil
		}
	}
	var other org.Post
	err = tx.QueryRow(ctx, `SELECT id, started_on, ended_on FROM posts
		WHERE person_id = $1 AND org_id = $2 AND role = $3 AND coalesce(unit_id, 0) = $4 AND id <> $5
		  AND started_on < coalesce($7::date, 'infinity') AND coalesce(ended_on, 'infinity') > $6::date
		ORDER BY started_on LIMIT 1`, a.PersonID, a.OrgID, a.Role, a.UnitID, hadID, day(start), dayOrNil(end)).
		Scan(&other.ID, &other.StartedOn, &other.EndedOn)
	if err == nil {
		var until any = i18n.Ref("post.still_held")
		if other.EndedOn != nil {
			until = day(*other.EndedOn)
		}
		return org.Post{}, nil, false, clash("post.held", duty.Args{"Person": personName, "Start": day(other.StartedOn), "Until": until, "ID": other.ID})
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return org.Post{}, nil, false, err
	}
	id := hadID
	if existed {
		_, err = tx.Exec(ctx, `UPDATE posts SET title = $2, portfolio = $3, unit_id = NULLIF($4, 0), ended_on = $5,
			ended_by = CASE WHEN ended_on IS DISTINCT FROM $5 THEN NULLIF($6, 0) ELSE ended_by END,
			end_doc = CASE WHEN ended_on IS DISTINCT FROM $5 THEN $7 ELSE end_doc END WHERE id = $1`,
			id, title, portfolio, a.UnitID, dayOrNil(end), ch.By.PersonID, endDoc(end, ch))
	} else {
		err = tx.QueryRow(ctx, `INSERT INTO posts (person_id, org_id, role, title, portfolio, started_on, ended_on, unit_id,
			appointed_by, appoint_doc, ended_by, end_doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0), NULLIF($9, 0), $10, CASE WHEN $7::date IS NULL THEN NULL ELSE NULLIF($9, 0) END, $11)
			RETURNING id`, a.PersonID, a.OrgID, a.Role, title, portfolio, day(start), dayOrNil(end), a.UnitID,
			ch.By.PersonID, ch.Document, endDoc(end, ch)).Scan(&id)
	}
	if err != nil {
		return org.Post{}, nil, false, fmt.Errorf("store: post: %w", err)
	}
	post, err := s.getPost(ctx, tx, id)
	if err != nil {
		return org.Post{}, nil, false, err
	}
	var before any
	if existed {
		before = postFacts(had)
	}
	return post, before, true, nil
}

func endDoc(end *time.Time, ch OrgChange) string {
	if end == nil {
		return ""
	}
	return ch.Document
}

// checkOrgRef checks that an organisation referred to exists.
func (s *Store) checkOrgRef(ctx context.Context, q Querier, orgID int64) (string, error) {
	var region string
	if err := q.QueryRow(ctx, `SELECT region_code FROM orgs WHERE id = $1`, orgID).Scan(&region); err != nil {
		return "", unknownRef(err, "org.unknown", duty.Args{"ID": orgID})
	}
	return region, nil
}

// getPost reads one post.
func (s *Store) getPost(ctx context.Context, q Querier, id int64) (org.Post, error) {
	rows, err := q.Query(ctx, `SELECT `+postColumns+` WHERE p.id = $1`, id)
	if err != nil {
		return org.Post{}, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPost)
	if err != nil {
		return org.Post{}, missing(err, "post.unknown", duty.Args{"ID": id})
	}
	return p, nil
}

// GetPost reads one post, ended or not.
func (s *Store) GetPost(ctx context.Context, id int64) (org.Post, error) {
	return s.getPost(ctx, s.Pool, id)
}

// EndPost records that a post ends on a day (离任, 免职): from that day
// the person no longer holds it, and since every request reads the
// caller's posts afresh, a post ended today stops counting at once.
// Ending it again on the same day changes nothing; on another day is a
// conflict (a correction is not an end); before it started is refused.
func (s *Store) EndPost(ctx context.Context, tx pgx.Tx, postID int64, on time.Time, ch OrgChange) (org.Post, bool, error) {
	if err := ch.check(); err != nil {
		return org.Post{}, false, err
	}
	post, before, changed, err := s.endPost(ctx, tx, postID, on, ch)
	if err != nil || !changed {
		return post, changed, err
	}
	d := orgChangeDetails{Subject: "post", ID: post.ID, Before: rawJSON(before), After: rawJSON(postFacts(post))}
	if err := s.recordOrgChange(ctx, tx, post.Org.RegionCode, OrgActionEndPost, "held", "ended", d, ch); err != nil {
		return post, true, err
	}
	return post, true, s.orgChanged(ctx, tx, nil, []int64{post.ID})
}

func (s *Store) endPost(ctx context.Context, tx pgx.Tx, postID int64, on time.Time, ch OrgChange) (org.Post, map[string]any, bool, error) {
	if on.IsZero() {
		return org.Post{}, nil, false, refuse("post.end_required", nil)
	}
	end := calendarDay(on)
	var personID int64
	if err := tx.QueryRow(ctx, `SELECT person_id FROM posts WHERE id = $1`, postID).Scan(&personID); err != nil {
		return org.Post{}, nil, false, missing(err, "post.unknown", duty.Args{"ID": postID})
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM persons WHERE id = $1 FOR UPDATE`, personID); err != nil {
		return org.Post{}, nil, false, err
	}
	had, err := s.getPost(ctx, tx, postID)
	if err != nil {
		return org.Post{}, nil, false, err
	}
	if end.Before(calendarDay(had.StartedOn)) {
		return had, nil, false, refuse("post.ends_before", duty.Args{"End": day(end), "Start": day(had.StartedOn)})
	}
	if had.EndedOn != nil {
		if day(*had.EndedOn) == day(end) {
			return had, nil, false, nil
		}
		return had, nil, false, clash("post.already_ended", duty.Args{"On": day(*had.EndedOn)})
	}
	if _, err := tx.Exec(ctx, `UPDATE posts SET ended_on = $2, ended_by = NULLIF($3, 0), end_doc = $4 WHERE id = $1`,
		postID, day(end), ch.By.PersonID, ch.Document); err != nil {
		return org.Post{}, nil, false, fmt.Errorf("store: end post: %w", err)
	}
	post, err := s.getPost(ctx, tx, postID)
	return post, postFacts(had), err == nil, err
}

// Transfer ends a post and starts another for the same person on the same
// day (to.StartsOn) — 调任, one step: both are written in the caller's
// transaction and recorded as one entry of the new post's region's
// record, whose details hold the ended post. to.PersonID may be 0 (it is
// the ended post's person); another person is refused. Repeating a
// transfer that is on record changes nothing.
func (s *Store) Transfer(ctx context.Context, tx pgx.Tx, fromPostID int64, to Appointment, ch OrgChange) (ended, started org.Post, changed bool, err error) {
	if err := ch.check(); err != nil {
		return org.Post{}, org.Post{}, false, err
	}
	from, err := s.getPost(ctx, tx, fromPostID)
	if err != nil {
		return org.Post{}, org.Post{}, false, err
	}
	if to.PersonID == 0 {
		to.PersonID = from.PersonID
	}
	if to.PersonID != from.PersonID {
		return org.Post{}, org.Post{}, false, refuse("post.transfer.other_person", duty.Args{"ID": fromPostID})
	}
	if to.EndsOn != nil {
		return org.Post{}, org.Post{}, false, refuse("post.transfer.end_given", nil)
	}
	ended, endedBefore, endChanged, err := s.endPost(ctx, tx, fromPostID, to.StartsOn, ch)
	if err != nil {
		return ended, org.Post{}, false, err
	}
	started, startedBefore, startChanged, err := s.appoint(ctx, tx, to, ch)
	if err != nil {
		return ended, started, false, err
	}
	if !endChanged && !startChanged {
		return ended, started, false, nil
	}
	if endedBefore == nil {
		endedBefore = postFacts(ended)
	}
	d := orgChangeDetails{Subject: "post", ID: started.ID, Before: rawJSON(startedBefore), After: rawJSON(postFacts(started)),
		Ended: rawJSON(map[string]any{"before": endedBefore, "after": postFacts(ended)})}
	if err := s.recordOrgChange(ctx, tx, started.Org.RegionCode, OrgActionTransfer, "held", "transferred", d, ch); err != nil {
		return ended, started, true, err
	}
	return ended, started, true, s.orgChanged(ctx, tx, nil, []int64{ended.ID, started.ID})
}

// ---- dates ----

// calendarDay is the calendar day of t as written (its year, month and day in
// its own location), at midnight UTC: posts are held for whole days.
func calendarDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func dayOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return day(*t)
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return day(*a) == day(*b)
}
