package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/org/uscc"
)

// EnterpriseHead is one row of an enterprise register (企业台账): the
// enterprise and its 主要负责人, who holds the post titled Title.
type EnterpriseHead struct {
	Org   OrgInput
	Head  PersonInput
	Title string
}

// EnterpriseSaved is what SaveEnterprises did with one row.
type EnterpriseSaved struct {
	// Slow is true for a row handed to the caller's row-by-row save;
	// Added says nothing then.
	Slow bool
	// Added is true when the enterprise was not on record; a row that
	// is neither slow nor added was on record as given, and nothing was
	// written or recorded for it.
	Added bool
}

// SaveEnterprises records a batch of enterprises with their 主要负责人
// holding the post from day on, as SaveOrg, SavePerson and Appoint would
// one row after another — the same checks, rows, ids and steps of the
// organisation record, in the same order — but set by set: it reads what
// is on record for the whole batch in three queries, decides each row in
// Go, and writes the new enterprises, persons, posts and record entries
// with one statement each.
//
// It does so only for the two kinds of row an import is made of: a new
// enterprise whose head is new or on record as given, and an enterprise
// and head on record as given. Any other row (a changed enterprise or
// person, a new head, a masked number, a check that fails, an identity
// number an earlier row of the batch named) is handed to slow, in its
// turn: the rows before it are written first, and no row after it is
// decided by what was read before it, since none shares its keys. The
// error is slow's, or PostgreSQL's; the rows are in ch's transaction.
func (s *Store) SaveEnterprises(ctx context.Context, tx pgx.Tx, rows []EnterpriseHead, day time.Time, ch OrgChange,
	slow func(i int) error) ([]EnterpriseSaved, error) {
	if err := ch.check(); err != nil {
		return nil, err
	}
	out := make([]EnterpriseSaved, len(rows))
	start := calendarDay(day)

	// Each row by itself.
	regionCodes := []string{}
	for _, r := range rows {
		regionCodes = append(regionCodes, r.Org.RegionCode)
	}
	regions, err := regionsOf(ctx, tx, regionCodes)
	if err != nil {
		return nil, err
	}
	regionOf := func(code string) (string, string, error) {
		r, ok := regions[code]
		if !ok {
			return "", "", pgx.ErrNoRows
		}
		return r.Path, r.Level, nil
	}
	type plan struct {
		want   org.Org
		head   PersonInput
		title  string
		fast   bool
		had    bool // the enterprise is on record
		person storedPerson
		known  bool // the person is on record
	}
	plans := make([]plan, len(rows))
	var credits, idNumbers []string
	for i, r := range rows {
		p := &plans[i]
		p.title = strings.TrimSpace(r.Title)
		if r.Org.Kind != org.KindEnterprise || strings.TrimSpace(r.Org.Code) != "" || r.Org.SuperiorID != 0 || p.title == "" {
			continue
		}
		if p.want, err = s.orgFromInput(r.Org, regionOf); err != nil || p.want.CreditCode == "" {
			continue
		}
		if p.head, err = checkPerson(r.Head); err != nil || p.head.IDNumber == "" || p.head.Login != "" {
			continue
		}
		p.want.Code = p.want.CreditCode
		p.fast = true
		credits = append(credits, p.want.CreditCode)
		idNumbers = append(idNumbers, p.head.IDNumber)
	}

	// What is on record for the batch, locked as the row-by-row saves
	// lock it.
	byCredit, byCode := map[string]org.Org{}, map[string]bool{}
	orgRows, err := tx.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE o.credit_code = ANY($1) OR o.code = ANY($1) FOR UPDATE OF o`, credits)
	if err != nil {
		return nil, fmt.Errorf("store: enterprises: %w", err)
	}
	var onRecord []int64
	_, err = pgx.CollectRows(orgRows, func(r pgx.CollectableRow) (struct{}, error) {
		o, err := scanOrg(r)
		if o.CreditCode != "" {
			byCredit[o.CreditCode] = o
			onRecord = append(onRecord, o.ID)
		}
		byCode[o.Code] = true
		return struct{}{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: enterprises: %w", err)
	}
	persons := map[string]storedPerson{}
	personRows, err := tx.Query(ctx, `SELECT p.id, p.login, p.name, x.id_number, coalesce(x.phone, '')
		FROM persons p JOIN person_private x ON x.person_id = p.id WHERE x.id_number = ANY($1) FOR UPDATE OF p`, idNumbers)
	if err != nil {
		return nil, fmt.Errorf("store: enterprises' heads: %w", err)
	}
	_, err = pgx.CollectRows(personRows, func(r pgx.CollectableRow) (struct{}, error) {
		var p storedPerson
		err := r.Scan(&p.id, &p.login, &p.name, &p.idn, &p.phone)
		persons[p.idn] = p
		return struct{}{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: enterprises' heads: %w", err)
	}
	holders, err := s.HoldersOf(ctx, tx, onRecord, org.RoleEnterpriseHead, start)
	if err != nil {
		return nil, err
	}

	// Each row against the record, in turn: the new ones are written a
	// run at a time, the slow ones one by one between the runs.
	named, saved := map[string]bool{}, map[string]bool{}
	var run []int
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		batch := make([]newEnterprise, len(run))
		for k, i := range run {
			p := plans[i]
			batch[k] = newEnterprise{org: p.want, head: p.head, person: p.person, known: p.known, title: p.title}
		}
		run = run[:0]
		return s.addEnterprises(ctx, tx, batch, start, ch)
	}
	for i, r := range rows {
		p := &plans[i]
		// A person an earlier row named may have been changed by it.
		if idn, err := personal.ParseIDNumber(r.Head.IDNumber); err == nil {
			p.fast = p.fast && !named[idn]
			named[idn] = true
		}
		// Nor is an organisation an earlier row saved.
		if c, err := uscc.Parse(r.Org.CreditCode); err == nil {
			p.fast = p.fast && !saved[string(c)]
			saved[string(c)] = true
		}
		if p.fast {
			p.person, p.known = persons[p.head.IDNumber]
			// SavePerson keeps a phone on record when none is given.
			unchanged := !p.known || p.person.name == p.head.Name && (p.head.Phone == "" || p.head.Phone == p.person.phone)
			had, onRecord := byCredit[p.want.CreditCode]
			switch {
			case !unchanged:
				p.fast = false
			case onRecord:
				p.want.ID, p.want.Code = had.ID, had.Code
				p.had = true
				p.fast = had.Kind == org.KindEnterprise && sameOrg(had, p.want) && p.known &&
					slices.ContainsFunc(holders[had.ID], func(h OrgPost) bool { return h.PersonID == p.person.id && h.Title == p.title })
			case byCode[p.want.Code]:
				p.fast = false // another organisation's code: SaveOrg says which
			}
		}
		switch {
		case !p.fast:
			if err := flush(); err != nil {
				return out, err
			}
			out[i].Slow = true
			if err := slow(i); err != nil {
				return out, err
			}
		case p.had:
			// On record as given: nothing to write.
		default:
			out[i].Added = true
			run = append(run, i)
		}
	}
	return out, flush()
}

// regionOnRecord is a region's path and level.
type regionOnRecord struct{ Path, Level string }

// regionsOf reads the regions of codes (in either form) that are on
// record, by their full code.
func regionsOf(ctx context.Context, q Querier, codes []string) (map[string]regionOnRecord, error) {
	rows, err := q.Query(ctx, `SELECT code, path, level FROM regions WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	out := map[string]regionOnRecord{}
	var code string
	var r regionOnRecord
	_, err = pgx.ForEachRow(rows, []any{&code, &r.Path, &r.Level}, func() error {
		out[code] = r
		return nil
	})
	return out, err
}

// newEnterprise is a row SaveEnterprises adds: the enterprise, and its
// head, new or (known) on record as person.
type newEnterprise struct {
	org    org.Org
	head   PersonInput
	person storedPerson
	known  bool
	title  string
}

// addEnterprises writes new enterprises, the heads not on record, and
// the heads' posts from start, with one statement each, and records each
// row's steps as SaveOrg, SavePerson and Appoint would have, in order.
// Ids are taken from the sequences first, in row order, so that each
// thing has the id the row-by-row saves would have given it.
func (s *Store) addEnterprises(ctx context.Context, tx pgx.Tx, batch []newEnterprise, start time.Time, ch OrgChange) error {
	newPersons := 0
	for _, e := range batch {
		if !e.known {
			newPersons++
		}
	}
	var orgIDs, personIDs, postIDs []int64
	// Each sequence is looked up once: pg_get_serial_sequence in the
	// select list read the catalogue for every id, a tenth of an
	// import's time.
	if err := tx.QueryRow(ctx, `WITH s AS (SELECT pg_get_serial_sequence('orgs', 'id')::regclass AS orgs,
			pg_get_serial_sequence('persons', 'id')::regclass AS persons, pg_get_serial_sequence('posts', 'id')::regclass AS posts)
		SELECT ARRAY(SELECT nextval(s.orgs) FROM s, generate_series(1, $1) ORDER BY 1),
			ARRAY(SELECT nextval(s.persons) FROM s, generate_series(1, $2) ORDER BY 1),
			ARRAY(SELECT nextval(s.posts) FROM s, generate_series(1, $1) ORDER BY 1)`,
		len(batch), newPersons).Scan(&orgIDs, &personIDs, &postIDs); err != nil {
		return fmt.Errorf("store: enterprises: %w", err)
	}
	n := len(batch)
	var (
		oID                                                         = make([]int64, n)
		oCode, oName, oRegion, oSectors, oAddress, oIndustry, oRisk = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		pID                                                         []int64
		pLogin, pName, pIDNumber, pPhone                            []string
		postPerson                                                  = make([]int64, n)
		postTitle                                                   = make([]string, n)
		entries                                                     = make([]orgEntry, 0, 3*n)
	)
	nextPerson := 0
	for i := range batch {
		e := &batch[i]
		e.org.ID = orgIDs[i]
		o := e.org
		oID[i], oCode[i], oName[i], oRegion[i], oAddress[i], oIndustry[i], oRisk[i] = o.ID, o.Code, o.Name, o.RegionCode, o.Address, o.IndustryCode, o.RiskClass
		// Sectors are lower-case words (sectorWord): a comma parts them.
		oSectors[i] = strings.Join(o.Industries, ",")
		entries = append(entries, orgEntry{region: o.RegionCode, action: OrgActionSaveOrg, before: presence(false), after: "recorded",
			details: orgChangeDetails{Subject: "org", ID: o.ID, After: rawJSON(o)}})
		if !e.known {
			e.person = storedPerson{id: personIDs[nextPerson], login: fmt.Sprintf("%s%d", generatedLogin, personIDs[nextPerson]),
				name: e.head.Name, idn: e.head.IDNumber, phone: e.head.Phone}
			nextPerson++
			pID = append(pID, e.person.id)
			pLogin, pName = append(pLogin, e.person.login), append(pName, e.person.name)
			pIDNumber, pPhone = append(pIDNumber, e.person.idn), append(pPhone, e.person.phone)
			entries = append(entries, orgEntry{region: e.head.RegionCode, action: OrgActionSavePerson, before: presence(false), after: "recorded",
				details: orgChangeDetails{Subject: "person", ID: e.person.id, After: rawJSON(e.person.masked())}})
		}
		postPerson[i], postTitle[i] = e.person.id, e.title
		post := org.Post{ID: postIDs[i], PersonID: e.person.id, Org: o, Role: org.RoleEnterpriseHead, Title: e.title, StartedOn: start}
		entries = append(entries, orgEntry{region: o.RegionCode, action: OrgActionAppoint, before: postState(nil), after: postState(post),
			details: orgChangeDetails{Subject: "post", ID: post.ID, After: rawJSON(postFacts(post))}})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, code, kind, name, region_code, industries, credit_code, address, industry_code, risk_class)
		OVERRIDING SYSTEM VALUE
		SELECT u.id, u.code, $1, u.name, u.region, string_to_array(u.sectors, ','), u.code, u.address, u.industry, u.risk
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
			WITH ORDINALITY AS u(id, code, name, region, sectors, address, industry, risk, ord)
		ORDER BY u.ord`,
		org.KindEnterprise, oID, oCode, oName, oRegion, oSectors, oAddress, oIndustry, oRisk); err != nil {
		return fmt.Errorf("store: enterprises: %w", err)
	}
	if len(pID) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO persons (id, login, name) OVERRIDING SYSTEM VALUE
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`, pID, pLogin, pName); err != nil {
			return fmt.Errorf("store: enterprises' heads: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO person_private (person_id, id_number, phone)
			SELECT u.id, u.idn, NULLIF(u.phone, '') FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, idn, phone)`,
			pID, pIDNumber, pPhone); err != nil {
			return fmt.Errorf("store: enterprises' heads: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO posts (id, person_id, org_id, role, title, portfolio, started_on, appointed_by, appoint_doc)
		OVERRIDING SYSTEM VALUE
		SELECT u.id, u.person, u.org, $4, u.title, '{}', $5, NULLIF($6, 0), $7
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $8::text[]) WITH ORDINALITY AS u(id, person, org, title, ord)
		ORDER BY u.ord`,
		postIDs, postPerson, oID, org.RoleEnterpriseHead, day(start), ch.By.PersonID, ch.Document, postTitle); err != nil {
		return fmt.Errorf("store: enterprises' heads' posts: %w", err)
	}
	if err := s.recordOrgChanges(ctx, tx, entries, ch); err != nil {
		return err
	}
	return s.orgChanged(ctx, tx, oID, postIDs)
}
