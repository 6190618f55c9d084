package orgimport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

var importDay = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func options(kind Kind, dry bool) Options {
	return Options{Kind: kind, DryRun: dry, Change: store.OrgChange{By: cases.Actor{Name: "导入测试"}, At: importDay, Document: "城区安发〔2026〕1号"}}
}

func count(t *testing.T, st *store.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func audits(t *testing.T, st *store.Store) int {
	return count(t, st, `SELECT count(*) FROM audit_log`)
}

func TestBadRowsAreReportedAndNothingIsWritten(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	good := enterpriseRow(1)
	badCheck := enterpriseRow(2)
	code := badCheck[0].(string)
	badCheck[0] = code[:17] + string("0123456789"[(strings.IndexByte("0123456789", code[17])+1)%10])
	if strings.IndexByte("0123456789", code[17]) < 0 {
		badCheck[0] = code[:17] + "0"
	}
	unknownRegion := enterpriseRow(3)
	unknownRegion[3] = "140599"
	badIndustry := enterpriseRow(4)
	badIndustry[4] = "9999"
	dup := enterpriseRow(1)
	noHead := enterpriseRow(5)
	noHead[6], noHead[7] = "", ""
	path := writeLedger(t, t.TempDir(), "企业.xlsx", EnterpriseSchema, rowsOf(good, badCheck, unknownRegion, badIndustry, dup, noHead))
	before, orgs := audits(t, st), count(t, st, `SELECT count(*) FROM orgs`)
	for _, dry := range []bool{true, false} {
		rep, err := (&Importer{Store: st}).Import(ctx, path, options(Enterprises, dry))
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			row    int
			column string
			reason string
		}{
			{3, "A", "第18位"},
			{4, "D", "未登记"},
			{5, "E", "9999"},
			{6, "A", "与第2行重复"},
			{7, "G", "主要负责人"},
			{7, "H", "身份证号"},
		}
		if rep.ErrorCount != len(want) || rep.Committed {
			t.Fatalf("dry %v: %d errors, committed %v: %+v", dry, rep.ErrorCount, rep.Committed, rep.Errors)
		}
		for i, w := range want {
			e := rep.Errors[i]
			if e.Row != w.row || e.Column != w.column || !strings.Contains(e.Reason, w.reason) || e.Header == "" {
				t.Errorf("error %d: %+v, want row %d column %s reason containing %q", i, e, w.row, w.column, w.reason)
			}
		}
		if rep.New != 1 {
			t.Errorf("dry %v: the good row counts %d new, want 1", dry, rep.New)
		}
	}
	if got := audits(t, st); got != before {
		t.Errorf("audit entries %d → %d: a file with bad rows wrote", before, got)
	}
	if got := count(t, st, `SELECT count(*) FROM orgs`); got != orgs {
		t.Errorf("orgs %d → %d: a file with bad rows wrote", orgs, got)
	}
}

func TestImportReimportAndExport(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := writeLedger(t, dir, "企业.xlsx", EnterpriseSchema, func(yield func([]any) bool) {
		for n := range 50 {
			if !yield(enterpriseRow(n)) {
				return
			}
		}
	})
	im := &Importer{Store: st}
	var progressed int
	opt := options(Enterprises, false)
	opt.ProgressEvery = 10
	opt.Progress = func(rows int, _ float64) { progressed = rows }
	rep, err := im.Import(ctx, path, opt)
	if err != nil || !rep.OK() || !rep.Committed || rep.New != 50 || progressed != 50 {
		t.Fatalf("import: %+v, %v (progress %d)", rep, err, progressed)
	}
	heads := count(t, st, `SELECT count(*) FROM posts p JOIN orgs o ON o.id = p.org_id WHERE p.role = 'enterprise_head' AND o.credit_code LIKE '91140502%'`)
	if heads != 50 {
		t.Errorf("%d heads appointed, want 50", heads)
	}
	after := audits(t, st)
	rep, err = im.Import(ctx, path, options(Enterprises, false))
	if err != nil || rep.Unchanged != 50 || rep.New+rep.Changed != 0 {
		t.Fatalf("re-import: %+v, %v", rep, err)
	}
	if got := audits(t, st); got != after {
		t.Errorf("re-import recorded %d entries", got-after)
	}

	// The export, imported again, changes nothing: the masked numbers
	// stand for those on record.
	for _, format := range []ledger.Format{ledger.XLSX, ledger.CSV} {
		out := filepath.Join(dir, "export."+string(format))
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := ExportEnterprises(ctx, st, f, format, store.EnterpriseFilter{RegionCode: "140502", NameContains: "城区第"}, importDay); err != nil {
			t.Fatal(err)
		}
		f.Close()
		rep, err = im.Import(ctx, out, options(Enterprises, false))
		if err != nil || !rep.OK() || rep.New+rep.Changed != 0 || rep.Unchanged != 50 {
			t.Fatalf("%s export re-imported: %+v, %v", format, rep, err)
		}
		if got := audits(t, st); got != after {
			t.Errorf("%s export re-imported recorded %d entries", format, got-after)
		}
	}

	// A changed head ends the post of the one before.
	row := enterpriseRow(7)
	row[6], row[7] = "新负责人", idNumber("140502", 9999)
	changed := writeLedger(t, dir, "变更.csv", EnterpriseSchema, rowsOf(row))
	rep, err = im.Import(ctx, changed, options(Enterprises, false))
	if err != nil || rep.Changed != 1 {
		t.Fatalf("changed head: %+v, %v", rep, err)
	}
	o, err := st.OrgByCreditCode(ctx, st.Pool, row[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	holders, err := st.HoldersOf(ctx, st.Pool, []int64{o.ID}, org.RoleEnterpriseHead, importDay.AddDate(0, 0, 1))
	if err != nil || len(holders[o.ID]) != 1 || holders[o.ID][0].Name != "新负责人" {
		t.Errorf("heads after the change: %+v, %v", holders[o.ID], err)
	}
}

func TestPersonsAndDepartments(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	im := &Importer{Store: st}
	depts := writeLedger(t, dir, "部门.xlsx", DepartmentSchema, rowsOf(
		[]any{"城区交通运输局", "140502-jtj", "140502", "县级", "道路运输", "140502-zf"},
		[]any{"城区消防救援大队", "140502-xf", "140502", "市级", "工贸", ""},
		[]any{"城区市场监管局", "140502-scj", "140502 城区", "", "工贸、危险化学品", "nowhere"},
	))
	rep, err := im.Import(ctx, depts, options(Departments, true))
	if err != nil || rep.ErrorCount != 2 || rep.Errors[0].Column != "D" || rep.Errors[1].Column != "F" {
		t.Fatalf("departments, dry run: %+v, %v", rep, err)
	}
	depts = writeLedger(t, dir, "部门2.xlsx", DepartmentSchema, rowsOf(
		[]any{"城区交通运输局", "140502-jtj", "140502", "县级", "道路运输", "140502-zf"},
		[]any{"城区交通运输执法大队", "140502-jtzf", "140502", "县级", "road_traffic", "140502-jtj"},
	))
	rep, err = im.Import(ctx, depts, options(Departments, false))
	if err != nil || !rep.Committed || rep.New != 2 {
		t.Fatalf("departments: %+v, %v", rep, err)
	}

	ent := enterpriseRow(1)
	if rep, err := im.Import(ctx, writeLedger(t, dir, "企业.csv", EnterpriseSchema, rowsOf(ent)), options(Enterprises, false)); err != nil || !rep.Committed {
		t.Fatalf("enterprise: %+v, %v", rep, err)
	}
	persons := writeLedger(t, dir, "人员.xlsx", PersonSchema, rowsOf(
		[]any{"周执法", idNumber("140502", 500), phone(500), "140502-jtj", "", "执法队员", "执法检查人员", "2026-01-05"},
		[]any{"吴安全", idNumber("140502", 501), "", ent[0], "", "专职安全员", "安全员", ""},
		[]any{"郑错", idNumber("140502", 502), "", ent[0], "", "执法队员", "inspector", ""},
		[]any{"王某", idNumber("140502", 503), "", "140502-none", "", "科员", "岗位人员", ""},
		[]any{"周执法", idNumber("140502", 500), phone(500), "140502-jtj", "", "执法队员", "执法检查人员", "2026-01-05"},
	))
	rep, err = im.Import(ctx, persons, options(Persons, false))
	if err != nil || rep.ErrorCount != 3 || rep.Committed {
		t.Fatalf("persons with bad rows: %+v, %v", rep, err)
	}
	for i, w := range []struct {
		row    int
		column string
	}{{4, "G"}, {5, "D"}, {6, "B"}} {
		if e := rep.Errors[i]; e.Row != w.row || e.Column != w.column {
			t.Errorf("error %d: %+v, want row %d column %s", i, e, w.row, w.column)
		}
	}
	persons = writeLedger(t, dir, "人员2.xlsx", PersonSchema, rowsOf(
		[]any{"周执法", idNumber("140502", 500), phone(500), "140502-jtj", "", "执法队员", "执法检查人员", "2026-01-05"},
		[]any{"吴安全", idNumber("140502", 501), "", ent[0], "", "专职安全员", "安全员", ""},
	))
	rep, err = im.Import(ctx, persons, options(Persons, false))
	if err != nil || rep.New != 2 || !rep.Committed {
		t.Fatalf("persons: %+v, %v", rep, err)
	}
	before := audits(t, st)
	rep, err = im.Import(ctx, persons, options(Persons, false))
	if err != nil || rep.Unchanged != 2 || audits(t, st) != before {
		t.Fatalf("persons again: %+v, %v", rep, err)
	}

	// Writing into a region the importer may not is refused, naming it.
	opt := options(Persons, true)
	opt.Authorize = func(_ context.Context, code, _ string) error {
		return duty.Fail(duty.EForbidden, "import.region.not_yours", duty.Args{"Code": code})
	}
	if _, err := im.Import(ctx, persons, opt); duty.ErrorCode(err) != duty.EForbidden || !strings.Contains(err.Error(), "140502") {
		t.Errorf("forbidden region: %v", err)
	}

	// The persons' export masks their numbers.
	var sb strings.Builder
	if err := ExportPersons(ctx, st, &sb, ledger.CSV, store.OrgPostFilter{RegionPath: "/14/1405/140502/"}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "周执法") || strings.Contains(sb.String(), idNumber("140502", 500)) || strings.Contains(sb.String(), phone(500)) {
		t.Errorf("persons export:\n%s", sb.String())
	}
}
