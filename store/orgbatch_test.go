package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/store"
)

// testIDNumber is a valid identity number of a person born in 城区 in
// 1980, distinct for each n < 1000.
func testIDNumber(n int) string {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	first := fmt.Sprintf("14050219800101%03d", n)
	sum := 0
	for i := range 17 {
		sum += int(first[i]-'0') * weights[i]
	}
	return first + string("10X98765432"[sum%11])
}

// saveRowByRow saves one row of an enterprise register as an import did
// before batches: the enterprise, its head, the post — a new head ends
// the post of the one before.
func saveRowByRow(ctx context.Context, st *store.Store, tx pgx.Tx, r store.EnterpriseHead, day time.Time, ch store.OrgChange) error {
	ent, _, err := st.SaveOrg(ctx, tx, r.Org, ch)
	if err != nil {
		return err
	}
	held, err := st.HoldersOf(ctx, tx, []int64{ent.ID}, org.RoleEnterpriseHead, day)
	if err != nil {
		return err
	}
	person, _, err := st.SavePerson(ctx, tx, r.Head, ch)
	if err != nil {
		return err
	}
	for _, p := range held[ent.ID] {
		if p.PersonID == person.ID && p.Title == r.Title {
			return nil
		}
	}
	for _, p := range held[ent.ID] {
		if p.PersonID != person.ID {
			if _, _, err := st.EndPost(ctx, tx, p.PostID, day, ch); err != nil {
				return err
			}
		}
	}
	_, _, err = st.Appoint(ctx, tx, store.Appointment{PersonID: person.ID, OrgID: ent.ID, Role: org.RoleEnterpriseHead, Title: r.Title, StartsOn: day}, ch)
	return err
}

// A batch save (store.SaveEnterprises) leaves the organisation and its
// record exactly as the row-by-row saves of the same rows do — the same
// rows with the same ids, the same steps in the same order, so the same
// hashes — whichever rows it writes set by set and whichever it hands
// back; and saving the batch again changes and records nothing.
func TestABatchSaveRecordsWhatRowByRowSavesDo(t *testing.T) {
	ctx := context.Background()
	ch := store.OrgChange{By: cases.Actor{Name: "导入测试", Role: org.RolePolicyAdmin}, At: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
		Document: "城区安发〔2026〕1号", Note: "导入 企业.xlsx"}
	day := date("2026-12-07")
	ent := func(n, head int, phone string) store.EnterpriseHead {
		return store.EnterpriseHead{
			Org: store.OrgInput{Kind: org.KindEnterprise, Name: fmt.Sprintf("企业%d", n), RegionCode: "140502", CreditCode: creditCode(t, n),
				Address: fmt.Sprintf("凤台东街%d号", n), IndustryCode: "2614", RiskClass: "B"},
			Head:  store.PersonInput{IDNumber: testIDNumber(head), Name: fmt.Sprintf("负责人%d", head), Phone: phone, RegionCode: "140502"},
			Title: "主要负责人"}
	}
	// On record before: enterprises 1 and 2 with heads 1 and 2, person 3
	// holding no post.
	before := []store.EnterpriseHead{ent(1, 1, "13900000001"), ent(2, 2, "")}
	person3 := store.PersonInput{IDNumber: testIDNumber(3), Name: "负责人3", Phone: "13900000003", RegionCode: "140502"}
	renamed := ent(16, 2, "")
	renamed.Head.Name = "改名的负责人"
	rows := []store.EnterpriseHead{
		ent(1, 1, ""),              // on record as given (the phone on record stays)
		ent(10, 10, "13900000010"), // new enterprise, new head
		ent(11, 3, ""),             // new enterprise, head on record
		ent(12, 10, ""),            // a head an earlier row named: handed back
		ent(2, 13, ""),             // a new head of an enterprise on record: handed back
		ent(14, 14, "13900000014"), // new again, after those handed back
		ent(11, 3, ""),             // an enterprise an earlier row added: handed back
		renamed,                    // a head on record, renamed: handed back
		ent(15, 15, ""),
	}
	rows[4].Org.Address = "新地址" // and the enterprise changed

	setUp := func() *store.Store {
		st := pgtest.NewStore(t)
		must(t, inTx(t, st, func(tx pgx.Tx) error {
			for _, r := range []org.Region{{Code: "14", Name: "山西省"}, {Code: "1405", Name: "晋城市"}, {Code: "140502", Name: "城区"}} {
				if _, _, err := st.SaveRegion(ctx, tx, r, ch); err != nil {
					return err
				}
			}
			for _, r := range before {
				if err := saveRowByRow(ctx, st, tx, r, date("2026-01-01"), ch); err != nil {
					return err
				}
			}
			_, _, err := st.SavePerson(ctx, tx, person3, ch)
			return err
		}))
		return st
	}
	type entry struct {
		WorkflowID, Action, Before, After, Details string
		Seq, ChainPos                              int64
		Hash                                       []byte
	}
	state := func(st *store.Store) (record []entry, tables []string) {
		rows, err := st.Pool.Query(ctx, `SELECT workflow_id, action, state_before, state_after, details::text, seq, chain_pos, hash
			FROM audit_log ORDER BY workflow_id, chain_pos`)
		must(t, err)
		record, err = pgx.CollectRows(rows, pgx.RowToStructByPos[entry])
		must(t, err)
		for _, sql := range []string{
			`SELECT o.id, o.code, o.name, o.industries, o.address FROM orgs o ORDER BY o.id`,
			`SELECT p.id, p.login, p.name, x.id_number, x.phone FROM persons p LEFT JOIN person_private x ON x.person_id = p.id ORDER BY p.id`,
			`SELECT p.id, p.person_id, p.org_id, p.title, p.started_on, p.ended_on, p.appoint_doc FROM posts p ORDER BY p.id`,
			`SELECT workflow_id, seq FROM org_chains ORDER BY 1`,
		} {
			var text string
			must(t, st.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM (`+sql+`) t`).Scan(&text))
			tables = append(tables, text)
		}
		return record, tables
	}

	byRow := setUp()
	must(t, inTx(t, byRow, func(tx pgx.Tx) error {
		for _, r := range rows {
			if err := saveRowByRow(ctx, byRow, tx, r, day, ch); err != nil {
				return err
			}
		}
		return nil
	}))
	batched := setUp()
	var saved []store.EnterpriseSaved
	var handedBack []int
	must(t, inTx(t, batched, func(tx pgx.Tx) error {
		var err error
		saved, err = batched.SaveEnterprises(ctx, tx, rows, day, ch, func(i int) error {
			handedBack = append(handedBack, i)
			return saveRowByRow(ctx, batched, tx, rows[i], day, ch)
		})
		return err
	}))
	if want := []int{3, 4, 6, 7}; !slices.Equal(handedBack, want) {
		t.Errorf("rows handed back: %v, want %v", handedBack, want)
	}
	for i, s := range saved {
		if wantAdded := i == 1 || i == 2 || i == 5 || i == 8; !s.Slow && s.Added != wantAdded {
			t.Errorf("row %d: %+v, want added %v", i, s, wantAdded)
		}
	}
	wantRecord, wantTables := state(byRow)
	gotRecord, gotTables := state(batched)
	if len(gotRecord) != len(wantRecord) {
		t.Fatalf("the batch recorded %d entries, the rows one by one %d", len(gotRecord), len(wantRecord))
	}
	for i := range wantRecord {
		w, g := wantRecord[i], gotRecord[i]
		if fmt.Sprint(w) != fmt.Sprint(g) {
			t.Fatalf("entry %d differs:\nbatch:      %+v\nrow by row: %+v", i, g, w)
		}
	}
	for i := range wantTables {
		if gotTables[i] != wantTables[i] {
			t.Errorf("table %d differs:\nbatch:\n%s\nrow by row:\n%s", i, gotTables[i], wantTables[i])
		}
	}
	if rep := verify(t, batched); !rep.OK() {
		t.Fatalf("audit verify: %+v", rep)
	}

	// Again: everything is on record as given.
	must(t, inTx(t, batched, func(tx pgx.Tx) error {
		again, err := batched.SaveEnterprises(ctx, tx, rows, day, ch, func(i int) error {
			return saveRowByRow(ctx, batched, tx, rows[i], day, ch)
		})
		for i, s := range again {
			if s.Added {
				t.Errorf("saved again, row %d was added", i)
			}
		}
		return err
	}))
	if record, _ := state(batched); len(record) != len(gotRecord) {
		t.Errorf("saving the batch again recorded %d entries", len(record)-len(gotRecord))
	}
}

// An entry that comes with its link (migration 0041) is checked: a hash
// that is not the entry's, a prev_hash that is not the hash before, or
// a position that is not the next is refused; the right link is taken.
func TestAGivenLinkIsChecked(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	ch := store.OrgChange{By: cases.Actor{Name: "测试"}, At: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		_, _, err := st.SaveRegion(ctx, tx, org.Region{Code: "14", Name: "山西省"}, ch)
		return err
	}))
	// The next entry of the chain, its link computed by PostgreSQL's own
	// audit_entry_hash from what is given as (pos, prev).
	var chain, caseNo string
	must(t, st.Pool.QueryRow(ctx, `SELECT workflow_id, case_no FROM audit_log`).Scan(&chain, &caseNo))
	insert := func(pos string, prev string, hash string) error {
		tag, err := st.Pool.Exec(ctx, `
			WITH last AS (SELECT chain_pos, hash FROM audit_log WHERE workflow_id = $1 ORDER BY chain_pos DESC LIMIT 1),
			e AS (SELECT $1::text AS workflow_id, `+pos+` AS chain_pos, 2::bigint AS seq, $2::text AS case_no,
				now() AS at, 'region.save'::text AS action, '{"subject": "region"}'::jsonb AS details, `+prev+` AS prev_hash FROM last)
			INSERT INTO audit_log (workflow_id, seq, case_no, at, action, actor_name, actor_role, actor_post, actor_org,
				state_before, state_after, details, chain_pos, prev_hash, hash)
			SELECT workflow_id, seq, case_no, at, action, '测试', '', '', '', 'recorded', 'recorded', details, chain_pos, prev_hash, `+hash+` FROM e`, chain, caseNo)
		if err == nil && tag.RowsAffected() != 1 {
			t.Fatalf("%d entries inserted", tag.RowsAffected())
		}
		return err
	}
	right := `audit_entry_hash(workflow_id, chain_pos, seq, case_no, at, action, NULL, '测试', '', '', NULL, '', 'recorded', 'recorded', details, prev_hash)`
	for _, c := range []struct{ name, pos, prev, hash string }{
		{"a hash not the entry's", `(SELECT chain_pos + 1 FROM last)`, `(SELECT hash FROM last)`, `sha256('x')`},
		{"a prev_hash not the hash before", `(SELECT chain_pos + 1 FROM last)`, `sha256('x')`, right},
		{"a position not the next", `(SELECT chain_pos + 2 FROM last)`, `(SELECT hash FROM last)`, right},
	} {
		if err := insert(c.pos, c.prev, c.hash); err == nil || !strings.Contains(err.Error(), "审计链接不符") {
			t.Errorf("%s: %v, want refused", c.name, err)
		}
	}
	must(t, insert(`(SELECT chain_pos + 1 FROM last)`, `(SELECT hash FROM last)`, right))
	if rep := verify(t, st); !rep.OK() || rep.Entries != 2 {
		t.Fatalf("audit verify: %+v", rep)
	}
}
