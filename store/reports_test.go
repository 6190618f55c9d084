package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// A report's code and reporter are kept apart from the case, as the app
// role: found by the code's hash, the reporter read only through
// Reporter, which records each read (who, in which post); an anonymous
// report reads as such and records nothing; the reads cannot be changed
// or removed.
func TestReportersAreKeptApartAndEveryReadRecorded(t *testing.T) {
	app, _ := pgtest.NewAppStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, app); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	named, anon := sha256.Sum256([]byte("NAMEDCODE")), sha256.Sum256([]byte("ANONCODE"))
	must(t, app.FileReport(ctx, "JB-140502-2026-000001", named[:], now, &store.ReporterInfo{Name: "刘群众", Phone: "13912345678"}))
	must(t, app.FileReport(ctx, "JB-140502-2026-000002", anon[:], now, nil))
	if err := app.FileReport(ctx, "JB-140502-2026-000003", named[:], now, nil); err == nil {
		t.Error("a second report with the same code was kept")
	}
	if no, err := app.ReportByCode(ctx, named[:]); err != nil || no != "JB-140502-2026-000001" {
		t.Fatalf("by code: %q %v", no, err)
	}
	other := sha256.Sum256([]byte("OTHER"))
	if _, err := app.ReportByCode(ctx, other[:]); duty.ErrorCode(err) != duty.ENotFound {
		t.Errorf("an unknown code: %v", err)
	}

	wu, err := app.PersonByLogin(ctx, "wu.jiancha")
	must(t, err)
	posts, err := app.PostsAt(ctx, wu.ID, now.In(rules.China))
	must(t, err)
	for range 2 {
		info, isNamed, err := app.Reporter(ctx, "JB-140502-2026-000001", wu.ID, posts[0].ID, time.Now())
		if err != nil || !isNamed || info.Name != "刘群众" || info.Phone != "13912345678" {
			t.Fatalf("the reporter: %+v %v %v", info, isNamed, err)
		}
	}
	if info, isNamed, err := app.Reporter(ctx, "JB-140502-2026-000002", wu.ID, posts[0].ID, time.Now()); err != nil || isNamed || info != (store.ReporterInfo{}) {
		t.Errorf("the anonymous report's reporter: %+v %v %v", info, isNamed, err)
	}
	reads, err := app.ReporterReads(ctx, "JB-140502-2026-000001")
	must(t, err)
	if len(reads) != 2 || reads[0].ReaderName != "吴刚" || reads[0].Title != posts[0].Title {
		t.Errorf("reads %+v", reads)
	}
	if reads, _ := app.ReporterReads(ctx, "JB-140502-2026-000002"); len(reads) != 0 {
		t.Errorf("reads of an anonymous report: %+v", reads)
	}
	for _, sql := range []string{`UPDATE reporter_reads SET at = now()`, `DELETE FROM reporter_reads`, `TRUNCATE reporter_reads`} {
		_, err := app.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("%s as %s: %v, want a refusal", sql, store.AppRole, err)
		}
	}
	var kept []byte
	must(t, app.Pool.QueryRow(ctx, `SELECT code_hash FROM public_reports WHERE case_no = 'JB-140502-2026-000001'`).Scan(&kept))
	if !bytes.Equal(kept, named[:]) {
		t.Error("the code is not kept as its hash")
	}
}

// An enterprise is found by its credit code or exact name, once; a
// description finds none.
func TestReportsFindTheEnterprise(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	o, ok, err := d.st.FindEnterprise(ctx, " 晋城市宏达建筑工程有限公司 ")
	if err != nil || !ok || o.ID != d.orgs["ent-hongda"].ID {
		t.Errorf("by name: %+v %v %v", o, ok, err)
	}
	for _, text := range []string{"宏达", "", "东街无名小作坊"} {
		if _, ok, err := d.st.FindEnterprise(ctx, text); ok || err != nil {
			t.Errorf("%q found one: %v", text, err)
		}
	}
	regions, err := d.st.ReportRegions(ctx)
	if err != nil || len(regions) == 0 || regions[0].Code != "140502" || regions[0].Name != "晋城市 城区" {
		t.Errorf("regions %+v %v", regions, err)
	}
	if _, err := d.st.ReportRegion(ctx, "1405"); duty.ErrorCode(err) != duty.EInvalid {
		t.Errorf("a city as a report's region: %v", err)
	}
}
