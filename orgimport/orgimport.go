// Package orgimport loads the lists regulators keep (台账) — enterprises
// with their 主要负责人, persons with their posts, departments — into the
// organisation, through the same store functions an administrator's edit
// goes through, so that every rule is checked in one place and every
// change is a step of its region's organisation record.
//
// An import reads its file once, row by row (package ledger streams it),
// holding only what it needs to find duplicates (the keys seen so far and
// the row they were on). Each row is checked on its own — the credit
// code's check character, the region, the industry, the identity number —
// and then written in one transaction for the whole file. A row that
// fails is reported by row, column letter, header and reason, and the
// rows after it are still checked; at the end the transaction is
// committed only if no row failed and the import was not a dry run. A
// dry run therefore does all the work of an import, reports what the
// import would add and change, and writes nothing.
//
// The store's writes are idempotent, so importing the same file again
// changes nothing and records nothing.
package orgimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/org/regioncode"
	"github.com/duty-project/duty/org/riskclass"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/store"
)

// MaxErrors is how many bad rows a report lists; ErrorCount counts all.
const MaxErrors = 10000

// Options are one import's settings.
type Options struct {
	Kind Kind
	// DryRun checks and reports, and writes nothing.
	DryRun bool
	// Change is who imports, when, on what document; Note defaults to
	// the file's name.
	Change store.OrgChange
	// Today is the day a post with no first day in the file starts
	// (China's calendar day); Change.At's day when zero.
	Today time.Time
	// Authorize is asked once for every region the file writes into,
	// before the first write there; an error stops the import and is
	// returned (a forbidden one names the region).
	Authorize func(ctx context.Context, regionCode, regionPath string) error
	// Progress, when set, is told how many rows are done and how far
	// through the file that is (0–1), every few hundred rows.
	Progress func(rows int, fraction float64)
	// ProgressEvery is how many rows pass between Progress calls (500
	// when 0).
	ProgressEvery int
}

// Report is what an import found and did.
type Report struct {
	Kind   Kind `json:"kind"`
	DryRun bool `json:"dry_run"`
	// Committed is true when the rows were written.
	Committed bool `json:"committed"`
	Rows      int  `json:"rows"`
	New       int  `json:"new"`
	Changed   int  `json:"changed"`
	Unchanged int  `json:"unchanged"`
	// Errors are the bad rows' problems in file order, at most MaxErrors;
	// ErrorCount counts them all.
	Errors     []ledger.CellError `json:"errors"`
	ErrorCount int                `json:"error_count"`
	// Regions are the codes of the regions written into.
	Regions []string `json:"regions"`
}

// OK reports whether the file had no bad row.
func (r Report) OK() bool { return r.ErrorCount == 0 }

// Importer imports ledgers into the store.
type Importer struct {
	Store *store.Store
}

// outcome of one row.
type outcome int

const (
	unchanged outcome = iota
	changed
	added
	// queued: checked, and waiting in run.queue to be written with its
	// batch.
	queued
)

// BatchRows is how many checked rows of an enterprise register are
// written at once (store.SaveEnterprises): enough that a batch's few
// statements cost little per row, few enough that a batch's keys and
// entries are a small part of the memory an import may take.
const BatchRows = 1000

// pending is a checked row of an enterprise register, waiting for its
// batch.
type pending struct {
	row  ledger.Row
	in   store.EnterpriseHead
	head holder
}

// run is one import in progress.
type run struct {
	st      *store.Store
	opt     Options
	tx      pgx.Tx
	report  *Report
	regions map[string]string // code → path, of every region on record
	allowed map[string]error  // region code → the answer of Authorize
	today   time.Time
	// broken is set when PostgreSQL refused a statement: the
	// transaction is aborted, and later rows are checked only on their own.
	broken bool
	// duplicates: key → the row it was first on.
	seen  map[string]int
	names map[string]string // identity number → the name it was first given
	orgs  map[string]org.Org
	// queue is the enterprise rows checked and not yet written.
	queue []pending
}

func (ru *run) industries() *industry.Table {
	if ru.st.Industries != nil {
		return ru.st.Industries
	}
	return industry.Default()
}

// Import reads the ledger at path (XLSX or CSV) and imports it as
// opt says. The error is for an import that could not run at all (an
// unreadable file, missing columns, a region the caller may not write
// into, PostgreSQL unreachable); bad rows are in the report.
func (im *Importer) Import(ctx context.Context, path string, opt Options) (Report, error) {
	report := Report{Kind: opt.Kind, DryRun: opt.DryRun, Errors: []ledger.CellError{}, Regions: []string{}}
	if _, err := ParseKind(string(opt.Kind)); err != nil {
		return report, err
	}
	if opt.Change.Note == "" {
		opt.Change.Note = "导入 " + filepath.Base(path)
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 500
	}
	r, err := ledger.Open(path, opt.Kind.Schema())
	if err != nil {
		return report, duty.FailWith(duty.EInvalid, err)
	}
	defer r.Close()
	rows, stop := readAhead(r, BatchRows)
	defer stop()
	ctx = store.BatchOrgChanges(ctx)
	tx, err := im.Store.Pool.Begin(ctx)
	if err != nil {
		return report, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	regions, err := im.Store.RegionPaths(ctx, tx)
	if err != nil {
		return report, err
	}
	today := opt.Today
	if today.IsZero() {
		today = opt.Change.At
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	ru := &run{st: im.Store, opt: opt, tx: tx, report: &report, regions: regions, allowed: map[string]error{}, today: today,
		seen: map[string]int{}, names: map[string]string{}, orgs: map[string]org.Org{}}
	for {
		next := <-rows
		row, err := next.row, next.err
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var ce ledger.CellError
			if errors.As(err, &ce) {
				ru.fail(ce)
				break
			}
			return report, duty.FailWith(duty.EInvalid, &ledger.Error{ID: "import.unreadable", Err: err})
		}
		report.Rows++
		var out outcome
		var rowErr error
		switch opt.Kind {
		case Enterprises:
			out, rowErr = ru.enterprise(ctx, row)
		case Persons:
			out, rowErr = ru.person(ctx, row)
		case Departments:
			out, rowErr = ru.department(ctx, row)
		}
		if err := ru.tally(out, rowErr); err != nil {
			return report, err // forbidden, or PostgreSQL failed
		}
		if len(ru.queue) >= BatchRows {
			if err := ru.flush(ctx); err != nil {
				return report, err
			}
		}
		if opt.Progress != nil && report.Rows%opt.ProgressEvery == 0 {
			opt.Progress(report.Rows, next.progress)
		}
	}
	if err := ru.flush(ctx); err != nil {
		return report, err
	}
	// A batch's rows are reported when it is written, after the rows
	// read meanwhile: put them back in the file's order.
	slices.SortStableFunc(report.Errors, func(a, b ledger.CellError) int { return a.Row - b.Row })
	if opt.Progress != nil {
		opt.Progress(report.Rows, 1)
	}
	for code, err := range ru.allowed {
		if err == nil {
			report.Regions = append(report.Regions, code)
		}
	}
	slices.Sort(report.Regions)
	if report.Rows == 0 {
		ru.fail(ledger.CellError{Row: 2, ID: "import.no_rows", Reason: i18n.T(i18n.Chinese, "import.no_rows", nil)})
	}
	if opt.DryRun || report.ErrorCount > 0 {
		return report, nil
	}
	// The generated policies follow every row at once, in this
	// transaction (store.OrgChanged).
	if err := im.Store.FlushOrgChanges(ctx, tx); err != nil {
		return report, err
	}
	if err := tx.Commit(ctx); err != nil {
		return report, fmt.Errorf("orgimport: commit: %w", err)
	}
	report.Committed = true
	return report, nil
}

// readRow is a row of the ledger, or the error that ends it, with how far
// reading had come.
type readRow struct {
	row      ledger.Row
	err      error
	progress float64
}

// readAhead reads r's rows in a goroutine of its own, up to ahead rows
// before the import takes them: the file is parsed (XLSX's XML is about
// half of the import's own CPU) while the batch before is written,
// instead of PostgreSQL and the parsing waiting for each other in turn —
// as a COPY of the same file, streamed while it is read, does not. The last row sent carries the error that ends
// the file (io.EOF at its end). stop ends the reading and returns once
// the goroutine has, so that r may be closed.
func readAhead(r *ledger.Reader, ahead int) (rows <-chan readRow, stop func()) {
	ch := make(chan readRow, ahead)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			row, err := r.Next()
			select {
			case ch <- readRow{row: row, err: err, progress: r.Progress()}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	})
	return ch, func() { close(done); wg.Wait() }
}

// tally counts a row's outcome, or reports its problems; the error is
// one that stops the import.
func (ru *run) tally(out outcome, rowErr error) error {
	var ce ledger.CellError
	var br badRow
	switch {
	case errors.As(rowErr, &br):
		for _, e := range br {
			ru.fail(e)
		}
	case errors.As(rowErr, &ce):
		ru.fail(ce)
	case rowErr != nil:
		return rowErr
	case out == queued:
	case out == added:
		ru.report.New++
	case out == changed:
		ru.report.Changed++
	default:
		ru.report.Unchanged++
	}
	return nil
}

func (ru *run) fail(e ledger.CellError) {
	ru.report.ErrorCount++
	if len(ru.report.Errors) < MaxErrors {
		ru.report.Errors = append(ru.report.Errors, e)
	}
}

// authorize asks once per region whether the import may write there.
func (ru *run) authorize(ctx context.Context, code string) error {
	if err, asked := ru.allowed[code]; asked {
		return err
	}
	var err error
	if ru.opt.Authorize != nil {
		err = ru.opt.Authorize(ctx, code, ru.regions[code])
	}
	ru.allowed[code] = err
	return err
}

// write runs a row's writes, unless an earlier statement aborted the
// transaction. A store error that is the row's (invalid, conflict) is
// reported on the column key; any other error stops the import.
func (ru *run) write(row ledger.Row, key string, fn func() (outcome, error)) (outcome, error) {
	if ru.broken {
		return unchanged, row.Fail(key, "import.row.aborted", nil)
	}
	out, err := fn()
	if err == nil {
		return out, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		ru.broken = true
		return unchanged, row.Fail(key, "import.row.refused", i18n.Args{"Detail": pgErr.Message})
	}
	var ce ledger.CellError
	if errors.As(err, &ce) {
		return unchanged, ce
	}
	switch duty.ErrorCode(err) {
	case duty.EInvalid, duty.EConflict, duty.ENotFound:
		return unchanged, row.Wrap(key, err)
	}
	return unchanged, err
}

// region checks a region cell: a division code of a region on record.
func (ru *run) region(row ledger.Row, key string) (string, *ledger.CellError) {
	code, err := regioncode.Parse(regionInCell(row.Get(key)))
	if err != nil {
		e := row.Wrap(key, err)
		return "", &e
	}
	if _, ok := ru.regions[code]; !ok {
		e := row.Fail(key, "import.region.unknown", i18n.Args{"Code": regioncode.Full(code)})
		return "", &e
	}
	return code, nil
}

// badRow is every problem of one row, in column order.
type badRow []ledger.CellError

func (b badRow) Error() string { return b[0].Error() }

func (b *badRow) add(e ledger.CellError) { *b = append(*b, e) }

func (b badRow) err() error {
	if len(b) == 0 {
		return nil
	}
	return b
}

// enterprise imports one row of the enterprise register.
func (ru *run) enterprise(ctx context.Context, row ledger.Row) (outcome, error) {
	var bad badRow
	credit, err := uscc.Parse(row.Get(colCredit))
	if row.Get(colCredit) == "" {
		bad.add(row.Fail(colCredit, "import.credit_code.required", nil))
	} else if err != nil {
		bad.add(row.Wrap(colCredit, err))
	} else if first, dup := ru.seen[string(credit)]; dup {
		bad.add(row.Fail(colCredit, "import.credit_code.twice", i18n.Args{"Row": first}))
	} else {
		ru.seen[string(credit)] = row.N
	}
	name := row.Get(colName)
	if name == "" {
		bad.add(row.Fail(colName, "import.enterprise_name.required", nil))
	}
	region, rerr := ru.region(row, colRegion)
	if rerr != nil {
		bad.add(*rerr)
	}
	if row.Get(colIndustry) == "" {
		bad.add(row.Fail(colIndustry, "import.industry.required", nil))
	} else if _, err := ru.industries().Resolve(row.Get(colIndustry)); err != nil {
		bad.add(row.Wrap(colIndustry, err))
	}
	if _, err := riskclass.Parse(row.Get(colRisk)); err != nil {
		bad.add(row.Wrap(colRisk, err))
	}
	headName, headID, headPhone := row.Get(colHeadName), row.Get(colHeadID), row.Get(colHeadPhone)
	if headName == "" {
		bad.add(row.Fail(colHeadName, "import.head_name.required", nil))
	}
	switch {
	case headID == "":
		bad.add(row.Fail(colHeadID, "import.head_id.required", nil))
	case masked(headID):
	default:
		if n, err := personal.ParseIDNumber(headID); err != nil {
			bad.add(row.Wrap(colHeadID, err))
		} else {
			headID = n
			if had, ok := ru.names[n]; ok && headName != "" && had != headName {
				bad.add(row.Fail(colHeadName, "import.id_number.other_name", i18n.Args{"Name": had}))
			} else if !ok {
				ru.names[n] = headName
			}
		}
	}
	if headPhone != "" && !masked(headPhone) {
		if _, err := personal.ParsePhone(headPhone); err != nil {
			bad.add(row.Wrap(colHeadPhone, err))
		}
	}
	if err := bad.err(); err != nil {
		return unchanged, err
	}
	if err := ru.authorize(ctx, region); err != nil {
		return unchanged, err
	}
	ru.queue = append(ru.queue, pending{row: row,
		in: store.EnterpriseHead{Org: store.OrgInput{Kind: org.KindEnterprise, Name: name, RegionCode: region, CreditCode: string(credit),
			Address: row.Get(colAddress), IndustryCode: row.Get(colIndustry), RiskClass: row.Get(colRisk)},
			Head:  store.PersonInput{IDNumber: headID, Name: headName, Phone: headPhone, RegionCode: region},
			Title: headTitle},
		head: holder{name: headName, id: headID, phone: headPhone, idKey: colHeadID, phoneKey: colHeadPhone}})
	return queued, nil
}

// errBroken stops a batch after a row that aborted the transaction.
var errBroken = errors.New("orgimport: the transaction was aborted")

// headTitle is the title of an enterprise's 主要负责人's post.
const headTitle = "主要负责人"

// flush writes the queued enterprise rows: those the store can write set
// by set it does, and hands back the others, in their turn, to be saved
// one by one (saveEnterprise), as every row once was.
func (ru *run) flush(ctx context.Context) error {
	queue := ru.queue
	ru.queue = ru.queue[:0]
	if len(queue) == 0 {
		return nil
	}
	if ru.broken {
		for _, p := range queue {
			if err := ru.tally(ru.write(p.row, colCredit, nil)); err != nil {
				return err
			}
		}
		return nil
	}
	ins := make([]store.EnterpriseHead, len(queue))
	for i, p := range queue {
		ins[i] = p.in
	}
	done := len(queue)
	saved, err := ru.st.SaveEnterprises(ctx, ru.tx, ins, ru.today, ru.opt.Change, func(i int) error {
		if err := ru.tally(ru.saveEnterprise(ctx, queue[i])); err != nil {
			return err
		}
		if ru.broken {
			// PostgreSQL refused the row and aborted the transaction:
			// the rows after it are only reported.
			done = i + 1
			return errBroken
		}
		return nil
	})
	if errors.Is(err, errBroken) {
		for _, p := range queue[done:] {
			if err := ru.tally(ru.write(p.row, colCredit, nil)); err != nil {
				return err
			}
		}
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// The batch's statements are refused only when the record
		// changed under the import (another import of the same
		// enterprises at once): name the batch.
		ru.broken = true
		first, last := queue[0].row, queue[len(queue)-1].row
		ru.fail(first.Fail(colCredit, "import.rows.refused", i18n.Args{"First": first.N, "Last": last.N, "Detail": pgErr.Message}))
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range saved {
		switch {
		case s.Slow:
		case s.Added:
			ru.report.New++
		default:
			ru.report.Unchanged++
		}
	}
	return nil
}

// saveEnterprise saves one enterprise row with the store's row-by-row
// saves: what a batch cannot decide by reading the record (a changed
// enterprise, a new head, a masked number) is decided here.
func (ru *run) saveEnterprise(ctx context.Context, p pending) (outcome, error) {
	return ru.write(p.row, colCredit, func() (outcome, error) {
		var existed bool
		if err := ru.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orgs WHERE credit_code = $1)`, p.in.Org.CreditCode).Scan(&existed); err != nil {
			return unchanged, err
		}
		ent, orgChanged, err := ru.st.SaveOrg(ctx, ru.tx, p.in.Org, ru.opt.Change)
		if err != nil {
			return unchanged, err
		}
		headChanged, err := ru.hold(ctx, p.row, ent, org.RoleEnterpriseHead, headTitle, p.head, nil, nil)
		if err != nil {
			return unchanged, err
		}
		switch {
		case !existed:
			return added, nil
		case orgChanged || headChanged:
			return changed, nil
		}
		return unchanged, nil
	})
}

// holder is a person a row names for a post.
type holder struct {
	name, id, phone string
	idKey, phoneKey string
}

// hold makes the person hold the post of role at o: a person and a post
// on record stay as they are; a new holder of a post only one holds (the
// 主要负责人) ends the post of the one before on the day the new one
// starts. start is the post's first day from the file, nil when it gives
// none: then a post held today is the post, and a new one starts today.
func (ru *run) hold(ctx context.Context, row ledger.Row, o org.Org, role, title string, h holder, start, end *time.Time) (bool, error) {
	held, err := ru.st.HoldersOf(ctx, ru.tx, []int64{o.ID}, role, ru.today)
	if err != nil {
		return false, err
	}
	current := held[o.ID]
	in := store.PersonInput{IDNumber: h.id, Name: h.name, Phone: h.phone, RegionCode: o.RegionCode}
	// An export masks numbers; a masked one stands for the number on
	// record of the post's holder, and means "unchanged".
	var person org.Person
	personChanged := false
	if masked(h.id) || masked(h.phone) {
		maskedID := h.id
		if !masked(h.id) {
			maskedID = personal.MaskIDNumber(h.id)
		}
		var match *store.OrgPost
		for i := range current {
			if current[i].IDNumber == maskedID && current[i].Name == h.name {
				match = &current[i]
				break
			}
		}
		if masked(h.id) && match == nil {
			return false, row.Fail(h.idKey, "import.id_number.masked", nil)
		}
		if masked(h.phone) {
			if match == nil || match.Phone != h.phone {
				return false, row.Fail(h.phoneKey, "import.phone.masked", nil)
			}
			in.Phone = ""
		}
		if masked(h.id) {
			// The holder on record, as they are: a masked number cannot
			// say who else, nor change them.
			person = org.Person{ID: match.PersonID, Login: match.Login, Name: match.Name}
		}
	}
	if person.ID == 0 {
		var err error
		person, personChanged, err = ru.st.SavePerson(ctx, ru.tx, in, ru.opt.Change)
		if err != nil {
			var cerr error = err
			if code := duty.ErrorCode(err); code == duty.EInvalid || code == duty.EConflict {
				cerr = row.Wrap(h.idKey, err)
			}
			return false, cerr
		}
	}
	if start == nil {
		for _, p := range current {
			if p.PersonID != person.ID {
				continue
			}
			if p.Title == title && end == nil {
				return personChanged, nil
			}
			s := p.StartedOn
			start = &s
		}
	}
	day := ru.today
	if start != nil {
		day = *start
	}
	if role == org.RoleEnterpriseHead {
		for _, p := range current {
			if p.PersonID == person.ID {
				continue
			}
			if _, _, err := ru.st.EndPost(ctx, ru.tx, p.PostID, day, ru.opt.Change); err != nil {
				return false, err
			}
			personChanged = true
		}
	}
	_, postChanged, err := ru.st.Appoint(ctx, ru.tx, store.Appointment{PersonID: person.ID, OrgID: o.ID, Role: role, Title: title,
		StartsOn: day, EndsOn: end}, ru.opt.Change)
	if err != nil {
		return false, err
	}
	return personChanged || postChanged, nil
}
