package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// inTx runs f in a transaction of its own, as one API request or one
// import would.
func inTx(t *testing.T, st *store.Store, f func(tx pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return pgx.BeginFunc(ctx, st.Pool, f)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func orgChange(d demo, doc string) store.OrgChange {
	return store.OrgChange{By: cases.Actor{PersonID: d.persons["admin.quan"], Name: "权立", Role: org.RolePolicyAdmin, Title: "区政府 权限管理员"},
		At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Document: doc}
}

// creditCode makes a valid 统一社会信用代码 of an enterprise registered in
// 城区 (140502), distinct for each n.
func creditCode(t testing.TB, n int) string {
	t.Helper()
	first := fmt.Sprintf("91140502MA%07d", n)
	check, ok := uscc.CheckChar(first)
	if !ok {
		t.Fatalf("CheckChar(%q)", first)
	}
	return first + string(check)
}

// orgEntries counts a region's organisation record, and those of one action.
func orgEntries(t *testing.T, st *store.Store, region, action string) (all, ofAction int) {
	t.Helper()
	entries, err := st.Timeline(context.Background(), store.OrgChainID(region))
	must(t, err)
	for _, e := range entries {
		if e.Action == action {
			ofAction++
		}
	}
	return len(entries), ofAction
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// A transfer ends one post and starts the next on the same day as one
// step of the record, and the person's record shows both posts with
// their dates; on the day itself only the new post is held.
func TestTransferIsOneStepAndTheRecordShowsBothPosts(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	hongda, xinyuan := d.orgs["ent-hongda"].ID, d.orgs["ent-xinyuan"].ID
	var person org.Person
	var first org.Post
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		var err error
		if person, _, err = st.SavePerson(ctx, tx, store.PersonInput{IDNumber: "11010519491231002X", Name: "赵安全", Phone: "13812345678", RegionCode: "140502"},
			orgChange(d, "")); err != nil {
			return err
		}
		first, _, err = st.Appoint(ctx, tx, store.Appointment{PersonID: person.ID, OrgID: hongda, Role: org.RoleSafetyOfficer, Title: "宏达建筑 安全员",
			StartsOn: date("2025-03-01")}, orgChange(d, "宏达任〔2025〕3号"))
		return err
	}))
	before, transfers := orgEntries(t, st, "140502", store.OrgActionTransfer)
	if transfers != 0 {
		t.Fatalf("%d transfers before any", transfers)
	}
	to := store.Appointment{OrgID: xinyuan, Role: org.RoleSafetyOfficer, Title: "鑫源化工 安全员", StartsOn: date("2026-06-15")}
	var ended, started org.Post
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		var changed bool
		var err error
		ended, started, changed, err = st.Transfer(ctx, tx, first.ID, to, orgChange(d, "城组调〔2026〕15号"))
		if err == nil && !changed {
			err = fmt.Errorf("the transfer changed nothing")
		}
		return err
	}))
	after, transfers := orgEntries(t, st, "140502", store.OrgActionTransfer)
	if after != before+1 || transfers != 1 {
		t.Fatalf("the transfer wrote %d entries (%d transfers), want one", after-before, transfers)
	}
	if ended.EndedOn == nil || ended.EndedOn.Format(time.DateOnly) != "2026-06-15" || ended.EndDoc != "城组调〔2026〕15号" ||
		started.StartedOn.Format(time.DateOnly) != "2026-06-15" || started.EndedOn != nil || started.AppointDoc != "城组调〔2026〕15号" {
		t.Fatalf("ended %+v, started %+v", ended, started)
	}

	rec, err := st.GetPersonRecord(ctx, st.Pool, person.ID)
	must(t, err)
	if len(rec.Posts) != 2 || rec.Posts[0].Org.ID != hongda || rec.Posts[1].Org.ID != xinyuan ||
		rec.Posts[0].StartedOn.Format(time.DateOnly) != "2025-03-01" || rec.Posts[0].EndedOn == nil ||
		rec.Posts[0].AppointDoc != "宏达任〔2025〕3号" || rec.Posts[0].AppointedBy != d.persons["admin.quan"] {
		t.Fatalf("record = %+v", rec)
	}
	for day, want := range map[string]int64{"2026-06-14": hongda, "2026-06-15": xinyuan} {
		posts, err := st.PostsAt(ctx, person.ID, date(day))
		must(t, err)
		if len(posts) != 1 || posts[0].Org.ID != want {
			t.Errorf("posts held on %s: %+v, want one at org %d", day, posts, want)
		}
	}

	// The same transfer again (a retried request) changes nothing.
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		_, _, changed, err := st.Transfer(ctx, tx, first.ID, to, orgChange(d, "城组调〔2026〕15号"))
		if err == nil && changed {
			err = fmt.Errorf("the repeated transfer changed something")
		}
		return err
	}))
	if again, _ := orgEntries(t, st, "140502", store.OrgActionTransfer); again != after {
		t.Fatalf("the repeated transfer wrote %d entries", again-after)
	}
	if rep := verify(t, st); !rep.OK() || rep.OrgChains != 1 {
		t.Fatalf("report = %+v", rep)
	}
}

// Saving what is on record changes nothing and records nothing; one
// change is one entry.
func TestSavingWhatIsOnRecordRecordsNothing(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	team := store.OrgInput{Code: "140502-jhd", Kind: org.KindRescueTeam, Name: "城区矿山救护队", RegionCode: "140502"}
	ent := store.OrgInput{Kind: org.KindEnterprise, Name: "晋城市城区兴盛煤业有限公司", RegionCode: "140502000", CreditCode: creditCode(t, 1),
		Address: "城区北石店镇", IndustryCode: "B0610", RiskClass: "红"}
	saveAll := func() (changes int) {
		must(t, inTx(t, st, func(tx pgx.Tx) error {
			count := func(changed bool) {
				if changed {
					changes++
				}
			}
			_, changed, err := st.SaveRegion(ctx, tx, org.Region{Code: "140502001", Name: "西街街道"}, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			teamOrg, changed, err := st.SaveOrg(ctx, tx, team, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			entOrg, changed, err := st.SaveOrg(ctx, tx, ent, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			if entOrg.Code != ent.CreditCode || entOrg.RiskClass != "A" || entOrg.IndustryCode != "0610" ||
				len(entOrg.Industries) != 1 || entOrg.Industries[0] != "mining" {
				return fmt.Errorf("enterprise saved as %+v", entOrg)
			}
			workshop, changed, err := st.SaveUnit(ctx, tx, store.UnitInput{OrgID: entOrg.ID, Code: "01", Kind: org.UnitWorkshop, Name: "综采一队"}, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			_, changed, err = st.SaveUnit(ctx, tx, store.UnitInput{OrgID: entOrg.ID, Code: "01-1", Kind: org.UnitTeam, Name: "早班", ParentCode: "01"}, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			p, changed, err := st.SavePerson(ctx, tx, store.PersonInput{IDNumber: "440524188001010014", Name: "王矿长", RegionCode: "140502"}, orgChange(d, ""))
			if err != nil {
				return err
			}
			count(changed)
			_, changed, err = st.Appoint(ctx, tx, store.Appointment{PersonID: p.ID, OrgID: entOrg.ID, UnitID: workshop.ID, Role: org.RoleUnitHead,
				Title: "综采一队 队长", StartsOn: date("2024-05-01")}, orgChange(d, "兴盛任〔2024〕1号"))
			if err != nil {
				return err
			}
			count(changed)
			_, changed, err = st.SaveRescueAgreement(ctx, tx, org.RescueAgreement{TeamID: teamOrg.ID, EnterpriseID: entOrg.ID, ValidFrom: date("2026-01-01"),
				ValidTo: ptr(date("2026-12-31"))}, orgChange(d, "救援协议 2026-07"))
			if err != nil {
				return err
			}
			count(changed)
			return nil
		}))
		return changes
	}
	if n := saveAll(); n != 8 {
		t.Fatalf("the first save changed %d things, want 8", n)
	}
	entries, _ := orgEntries(t, st, "140502", "")
	township, _ := orgEntries(t, st, "140502001", "")
	if entries != 7 || township != 1 {
		t.Fatalf("record of 140502: %d entries, of 140502001: %d; want 7 and 1", entries, township)
	}
	if n := saveAll(); n != 0 {
		t.Fatalf("saving the same again changed %d things", n)
	}
	if again, _ := orgEntries(t, st, "140502", ""); again != entries {
		t.Fatalf("saving the same again wrote %d entries", again-entries)
	}
	// One change is one entry; the record keeps the enterprise before and after.
	ent.RiskClass = "B"
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		_, changed, err := st.SaveOrg(ctx, tx, ent, orgChange(d, ""))
		if err == nil && !changed {
			err = fmt.Errorf("a new risk class changed nothing")
		}
		return err
	}))
	tl, err := st.Timeline(ctx, store.OrgChainID("140502"))
	must(t, err)
	last := tl[len(tl)-1]
	if len(tl) != entries+1 || last.Action != store.OrgActionSaveOrg || !strings.Contains(string(last.Details), `"risk_class": "A"`) ||
		!strings.Contains(string(last.Details), `"risk_class": "B"`) {
		t.Fatalf("%d entries; last %s %s", len(tl), last.Action, last.Details)
	}
}

func ptr[T any](v T) *T { return &v }

// A wrong credit code is refused, naming the position of the error.
func TestABadCreditCodeIsRefusedWithItsPosition(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	good := creditCode(t, 7)
	wrongCheck := good[:17] + map[bool]string{true: "1", false: "0"}[good[17] == '0']
	for code, says := range map[string]string{
		wrongCheck:                "第18位校验码应为" + good[17:],
		good[:8] + "I" + good[9:]: "第9位字符“I”不是合法字符",
		good[:16]:                 "应为18位，实为16位",
		"91990502MA0000001" + "X": "第3位",
	} {
		err := inTx(t, st, func(tx pgx.Tx) error {
			_, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: "某公司", RegionCode: "140502", CreditCode: code}, orgChange(d, ""))
			return err
		})
		if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(duty.ErrorMessage(err), says) {
			t.Errorf("credit code %s: %v; want invalid saying %q", code, err, says)
		}
	}
	if n, _ := orgEntries(t, st, "140502", ""); n != 0 {
		t.Fatalf("refused saves wrote %d entries", n)
	}
}

// Posts keep their rules: no end before the start, no second holding of
// the same post at once, no unknown region or role; and a post ended
// today is not held today.
func TestPostRulesAreKept(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	hongda := d.orgs["ent-hongda"].ID
	person := d.persons["li.anquan"]
	ch := orgChange(d, "")
	expect := func(what, code string, f func(tx pgx.Tx) error) {
		t.Helper()
		err := inTx(t, st, f)
		if duty.ErrorCode(err) != code {
			t.Errorf("%s: %v; want %s", what, err, code)
		}
	}
	expect("an end before the start", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.Appoint(ctx, tx, store.Appointment{PersonID: person, OrgID: hongda, Role: org.RoleProjectManager, Title: "项目经理",
			StartsOn: date("2026-05-01"), EndsOn: ptr(date("2026-04-30"))}, ch)
		return err
	})
	expect("the same post twice at once", duty.EConflict, func(tx pgx.Tx) error {
		_, _, err := st.Appoint(ctx, tx, store.Appointment{PersonID: person, OrgID: hongda, Role: org.RoleSafetyOfficer, Title: "安全员",
			StartsOn: date("2025-01-01")}, ch)
		return err
	})
	expect("an unknown role", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.Appoint(ctx, tx, store.Appointment{PersonID: person, OrgID: hongda, Role: "boss", Title: "老板", StartsOn: date("2025-01-01")}, ch)
		return err
	})
	expect("an unknown region", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Code: "x", Kind: org.KindDepartment, Name: "某局", RegionCode: "140581"}, ch)
		return err
	})
	expect("a region whose parent is not on record", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.SaveRegion(ctx, tx, org.Region{Code: "140681", Name: "怀仁市"}, ch)
		return err
	})
	expect("a person without number or login", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.SavePerson(ctx, tx, store.PersonInput{Name: "无名", RegionCode: "140502"}, ch)
		return err
	})
	expect("a bad identity number", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.SavePerson(ctx, tx, store.PersonInput{IDNumber: "110105194912310021", Name: "某人", RegionCode: "140502"}, ch)
		if err != nil && (!strings.Contains(duty.ErrorMessage(err), "第18位") || strings.Contains(duty.ErrorMessage(err)+err.Error(), "110105194912310021")) {
			return fmt.Errorf("%v: the error should name the position, not the number", err)
		}
		return err
	})

	posts, err := st.PostsAt(ctx, person, time.Now())
	must(t, err)
	if len(posts) != 1 {
		t.Fatalf("li.anquan holds %d posts", len(posts))
	}
	expect("an end before the start of a held post", duty.EInvalid, func(tx pgx.Tx) error {
		_, _, err := st.EndPost(ctx, tx, posts[0].ID, date("2023-12-31"), ch)
		return err
	})
	today := time.Now()
	expect("an end today", "", func(tx pgx.Tx) error {
		_, _, err := st.EndPost(ctx, tx, posts[0].ID, today, ch)
		return err
	})
	if now, err := st.PostsAt(ctx, person, today); err != nil || len(now) != 0 {
		t.Fatalf("after the post ended today, li.anquan holds %+v (%v): access must end with the post", now, err)
	}
	expect("an end on another day", duty.EConflict, func(tx pgx.Tx) error {
		_, _, err := st.EndPost(ctx, tx, posts[0].ID, today.AddDate(0, 0, 1), ch)
		return err
	})
	// Nothing refused reached the record.
	if n, ends := orgEntries(t, st, "140502", store.OrgActionEndPost); n != 1 || ends != 1 {
		t.Fatalf("record: %d entries, %d ends; want the one end", n, ends)
	}
}

// The organisation record is checked by `duty audit verify` like every
// chain, including a tail that went missing.
func TestOrganisationRecordVerifies(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	record(t, st, caseStep("YH-140502-2026-000001", 1, "reported"))
	for i := range 3 {
		must(t, inTx(t, st, func(tx pgx.Tx) error {
			_, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: fmt.Sprintf("企业%d", i), RegionCode: "140502",
				CreditCode: creditCode(t, i), IndustryCode: "4710"}, orgChange(d, ""))
			return err
		}))
	}
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		_, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: "泽州企业", RegionCode: "140525",
			CreditCode: creditCode(t, 99), IndustryCode: "4710"}, orgChange(d, ""))
		return err
	}))
	rep := verify(t, st)
	if !rep.OK() || rep.OrgChains != 2 || rep.Chains != 3 || rep.Entries != 5 {
		t.Fatalf("report = %+v", rep)
	}
	// A record whose last steps are gone (here: its length raised behind
	// the store's back, as a deleted tail would look) is reported.
	if _, err := st.Pool.Exec(ctx, `UPDATE org_chains SET seq = seq + 1 WHERE region_code = '140502'`); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, st)
	if rep.OK() || len(rep.Broken) != 1 || rep.Broken[0].CaseNo != "ORG-140502" || !strings.Contains(rep.Broken[0].String(), "organisation record") {
		t.Fatalf("report = %+v", rep)
	}
}

// Many changes in one transaction — an import — and changes from two
// transactions at once, a region's first among them, are numbered one
// after another, and the chain's recorded length is its last number once
// they commit.
func TestOrganisationChangesAreNumberedInTurn(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	save := func(tx pgx.Tx, i int) error {
		_, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: fmt.Sprintf("企业%d", i), RegionCode: "140525",
			CreditCode: creditCode(t, 500+i), IndustryCode: "4710"}, orgChange(d, ""))
		return err
	}
	// The region's first changes, eight at once.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for w := range errs {
		wg.Go(func() { errs[w] = inTx(t, st, func(tx pgx.Tx) error { return save(tx, 100+w) }) })
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		for i := range 40 {
			if err := save(tx, i); err != nil {
				return err
			}
		}
		return nil
	}))
	var length, entries, last int64
	if err := st.Pool.QueryRow(ctx, `SELECT c.seq, count(a.*), max(a.seq) FROM org_chains c JOIN audit_log a USING (workflow_id)
		WHERE c.region_code = '140525' GROUP BY c.seq`).Scan(&length, &entries, &last); err != nil {
		t.Fatal(err)
	}
	if length != 48 || entries != 48 || last != 48 {
		t.Fatalf("chain length %d, %d entries, the last numbered %d; want 48 each", length, entries, last)
	}
	// The length is written by one deferred event per chain and
	// transaction (migration 0045): changes rolled back to a savepoint
	// take their events and the note that spared the later changes'
	// events with them, so the length is still the last number at commit.
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		for i := 200; i < 206; i++ {
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if err := save(sp, i); err != nil {
				return err
			}
			if i%2 == 0 {
				err = sp.Rollback(ctx)
			} else {
				err = sp.Commit(ctx)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}))
	if err := st.Pool.QueryRow(ctx, `SELECT c.seq, count(a.*), max(a.seq) FROM org_chains c JOIN audit_log a USING (workflow_id)
		WHERE c.region_code = '140525' GROUP BY c.seq`).Scan(&length, &entries, &last); err != nil {
		t.Fatal(err)
	}
	if length != 51 || entries != 51 || last != 51 {
		t.Fatalf("after savepoints: chain length %d, %d entries, the last numbered %d; want 51 each", length, entries, last)
	}
	// A region's record begun by one change, then three more, one
	// statement each, in one transaction: the one event queued (the
	// first's) writes the length of all four.
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		if _, _, err := st.SaveRegion(ctx, tx, org.Region{Code: "140581", Name: "高平市"}, orgChange(d, "")); err != nil {
			return err
		}
		for i := range 3 {
			if _, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: fmt.Sprintf("高平企业%d", i), RegionCode: "140581",
				CreditCode: creditCode(t, 300+i), IndustryCode: "4710"}, orgChange(d, "")); err != nil {
				return err
			}
		}
		return nil
	}))
	if err := st.Pool.QueryRow(ctx, `SELECT c.seq, count(a.*), max(a.seq) FROM org_chains c JOIN audit_log a USING (workflow_id)
		WHERE c.region_code = '140581' GROUP BY c.seq`).Scan(&length, &entries, &last); err != nil {
		t.Fatal(err)
	}
	if length != 4 || entries != 4 || last != 4 {
		t.Fatalf("a new region's record: chain length %d, %d entries, the last numbered %d; want 4 each", length, entries, last)
	}
	if rep := verify(t, st); !rep.OK() {
		t.Fatalf("report = %+v", rep)
	}
}

// The enterprise register is read a keyset page at a time, filtered.
func TestEnterprisesArePagedAndFiltered(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	const n = 230
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		for i := range n {
			in := store.OrgInput{Kind: org.KindEnterprise, Name: fmt.Sprintf("企业%03d", (i*7)%n), RegionCode: "140502", CreditCode: creditCode(t, 1000+i),
				IndustryCode: []string{"0610", "2614", "4710"}[i%3], RiskClass: []string{"A", "B", "C", "D"}[i%4]}
			if i%5 == 0 {
				in.RegionCode = "140525"
			}
			if _, _, err := st.SaveOrg(ctx, tx, in, orgChange(d, "")); err != nil {
				return err
			}
		}
		return nil
	}))
	var names []string
	seen := map[int64]bool{}
	f := store.EnterpriseFilter{RegionCode: "140500", Limit: 100}
	for pages := 0; ; pages++ {
		page, err := st.ListEnterprises(ctx, f)
		must(t, err)
		for _, e := range page.Enterprises {
			if seen[e.ID] {
				t.Fatalf("enterprise %d on two pages", e.ID)
			}
			seen[e.ID] = true
			names = append(names, e.Name)
		}
		if page.Next == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		f.After = page.Next
	}
	// The demo's three enterprises are in the city too.
	if len(names) != n+3 {
		t.Fatalf("%d enterprises listed, want %d", len(names), n+3)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Fatalf("not in name order: %q before %q", names[i-1], names[i])
		}
	}
	count := func(f store.EnterpriseFilter) int {
		f.Limit = 1000
		page, err := st.ListEnterprises(ctx, f)
		must(t, err)
		return len(page.Enterprises)
	}
	if got := count(store.EnterpriseFilter{RegionCode: "140525"}); got != n/5+1 {
		t.Errorf("泽州县: %d, want %d", got, n/5+1)
	}
	if got := count(store.EnterpriseFilter{IndustryCode: "26"}); got != 77 {
		t.Errorf("industry 26: %d, want 77", got)
	}
	if got := count(store.EnterpriseFilter{Sector: "mining", RiskClass: "红"}); got != 20 {
		t.Errorf("mining, class A: %d, want 20", got)
	}
	if got := count(store.EnterpriseFilter{NameContains: "宏达"}); got != 1 {
		t.Errorf("name 宏达: %d, want 1", got)
	}
	if _, err := st.ListEnterprises(ctx, store.EnterpriseFilter{After: "not-a-cursor"}); duty.ErrorCode(err) != duty.EInvalid {
		t.Errorf("a bad cursor: %v", err)
	}
}

// A person's identity number and phone are masked everywhere but the one
// read that records who made it; the record holds them masked.
func TestPersonalInformationIsMaskedAndItsReadsRecorded(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	var p org.Person
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		var err error
		p, _, err = st.SavePerson(ctx, tx, store.PersonInput{IDNumber: "11010519491231002x", Phone: "+86 138 1234 5678", Name: "钱某", RegionCode: "140502"},
			orgChange(d, ""))
		return err
	}))
	if !strings.HasPrefix(p.Login, "person-") {
		t.Errorf("a person without a login got %q", p.Login)
	}
	rec, err := st.GetPersonRecord(ctx, st.Pool, p.ID)
	must(t, err)
	if rec.IDNumber != "110105********002X" || rec.Phone != "138****5678" {
		t.Fatalf("record shows %q, %q", rec.IDNumber, rec.Phone)
	}
	tl, err := st.Timeline(ctx, store.OrgChainID("140502"))
	must(t, err)
	if len(tl) != 1 || strings.Contains(string(tl[0].Details), "11010519491231002X") || strings.Contains(string(tl[0].Details), "13812345678") ||
		!strings.Contains(string(tl[0].Details), "110105********002X") {
		t.Fatalf("the record holds %s", tl[0].Details)
	}
	reader := d.persons["admin.quan"]
	info, err := st.PersonalInfo(ctx, p.ID, reader, "核对身份 checking identity", time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	must(t, err)
	if info.IDNumber != "11010519491231002X" || info.Phone != "13812345678" {
		t.Fatalf("full record = %+v", info)
	}
	reads, err := st.PersonalReads(ctx, p.ID)
	must(t, err)
	if len(reads) != 1 || reads[0].ReaderID != reader || reads[0].ReaderName != "权立" {
		t.Fatalf("reads = %+v", reads)
	}
	// Found again by the number, even written differently; its login may
	// then be given.
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		again, changed, err := st.SavePerson(ctx, tx, store.PersonInput{IDNumber: " 11010519491231002X", Login: "qian.mou", Name: "钱某", RegionCode: "140502"}, orgChange(d, ""))
		if err == nil && (again.ID != p.ID || !changed || again.Login != "qian.mou") {
			err = fmt.Errorf("saved again as %+v (changed %v)", again, changed)
		}
		return err
	}))
	if _, err := st.Pool.Exec(ctx, `DELETE FROM personal_reads`); err == nil {
		t.Fatal("the reads of personal information could be deleted")
	}
}

// What the API does with the organisation works as the app role, and
// the reads of personal information are as append-only to it as the
// audit log.
func TestTheAppRoleKeepsTheOrganisation(t *testing.T) {
	app, _ := pgtest.NewAppStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, app); err != nil {
		t.Fatal(err)
	}
	admin, err := app.PersonByLogin(ctx, "admin.quan")
	must(t, err)
	ch := store.OrgChange{By: cases.Actor{PersonID: admin.ID, Name: admin.Name}, At: time.Now()}
	var p org.Person
	must(t, inTx(t, app, func(tx pgx.Tx) error {
		if _, _, err := app.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: "某企业", RegionCode: "140502", CreditCode: creditCode(t, 5)}, ch); err != nil {
			return err
		}
		p, _, err = app.SavePerson(ctx, tx, store.PersonInput{IDNumber: "11010519491231002X", Name: "某人", RegionCode: "140502"}, ch)
		return err
	}))
	if _, err := app.PersonalInfo(ctx, p.ID, admin.ID, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE personal_reads SET purpose = 'other'`, `DELETE FROM personal_reads`, `TRUNCATE personal_reads`} {
		_, err := app.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || strings.Contains(pgErr.Message, "append-only") {
			t.Fatalf("%s as %s: %v, want permission denied by the role", sql, store.AppRole, err)
		}
	}
}

// Ending a post tells whoever caches organisation facts.
func TestEndingAPostIsNotified(t *testing.T) {
	d := newDemo(t)
	st, ctx := d.st, context.Background()
	conn, err := st.Pool.Acquire(ctx)
	must(t, err)
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN duty_org_changed`); err != nil {
		t.Fatal(err)
	}
	posts, err := st.PostsAt(ctx, d.persons["li.anquan"], time.Now())
	must(t, err)
	must(t, inTx(t, st, func(tx pgx.Tx) error {
		_, _, err := st.EndPost(ctx, tx, posts[0].ID, time.Now(), orgChange(d, "免职"))
		return err
	}))
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := conn.Conn().WaitForNotification(wait)
	if err != nil || n.Channel != "duty_org_changed" || n.Payload != "posts" {
		t.Fatalf("notification %+v, %v", n, err)
	}
}
