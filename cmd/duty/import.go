package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/orgimport"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

const importUsage = `Usage: duty import enterprises|persons|departments FILE --as LOGIN [--dry-run] [--document 文号] [flags]

Imports a list regulators keep (台账) from an XLSX or CSV file (CSV in UTF-8
or GB18030, as Excel writes it). The first row holds the headers, in any
order; other columns are ignored:

  enterprises   统一社会信用代码 企业名称 地址 所属地区 行业代码 风险等级
                主要负责人姓名 主要负责人身份证号 主要负责人手机
                (the 主要负责人 is recorded as a person holding the post
                enterprise_head; a new one ends the post of the one before)
  persons       姓名 身份证号 手机 单位 (credit code or code) 职务 角色
                (执法检查人员, 主要负责人, 安全员 … or the role's code)
                任职日期 离任日期
  departments   名称 代码 所属地区 层级 监管行业 (建筑施工、工贸 …) 上级单位

Every row is checked first; every bad row is printed as row, column, header
and reason, and then nothing is written (exit status 1). Otherwise all rows
are written in one transaction, each change a step of its region's
organisation record. Importing the same file again changes nothing. A
masked number (as an export writes it) stands for the one on record.

--dry-run checks and reports what would be new and changed, and writes
nothing.

--as names the organisation administrator on whose authority the rows are
written: the change is recorded as theirs, and every region the file
writes into must be one their posts today administer (the same policies
as the API). Like 'duty audit', the command connects to PostgreSQL
directly (DATABASE_URL, or the local cluster in the data folder), so it
is for the operator of the installation; people import through the API
or the page.

Exit status: 0 imported (or a clean dry run); 1 bad rows, a refusal, or the
import could not run; 2 usage error.

Flags:
`

// errBadRows is an import that found bad rows: they have been printed.
var errBadRows = errors.New("the file has bad rows (文件有错误行): nothing was written")

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var as, document string
	var dry bool
	fs := newFlags("import", &cfg, stderr)
	fs.StringVar(&as, "as", "", "login of the organisation administrator the import is recorded as (required)")
	fs.StringVar(&document, "document", "", "the document (文号) the changes rest on, recorded with each")
	fs.BoolVar(&dry, "dry-run", false, "check every row and report, write nothing")
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.Usage()
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	kind, err := orgimport.ParseKind(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "duty import: %v\n\n", err)
		fs.Usage()
		return errUsage
	}
	// Flags may come before or after FILE.
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "duty import: name one FILE\n\n")
		fs.Usage()
		return errUsage
	}
	if strings.TrimSpace(as) == "" {
		return errors.New("--as LOGIN is required: the organisation administrator the import is recorded as")
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	// The imported organisations' policies are written with them; every
	// running process hears of them.
	st.OrgChanged = policy.FollowOrganisation(st, time.Now)
	policies := policy.NewManager(st.Pool)
	if err := policies.Load(ctx); err != nil {
		return err
	}
	warden := policy.NewWarden(policies)
	person, err := st.PersonByLogin(ctx, strings.TrimSpace(as))
	if err != nil {
		return userError(err)
	}
	now := time.Now()
	today := now.In(rules.China)
	posts, err := st.PostsAt(ctx, person.ID, today)
	if err != nil {
		return err
	}
	sub := policy.SubjectFor(person.ID, posts)
	var by string
	for _, p := range posts {
		if post, err := warden.AllowedBy(ctx, sub, policy.ActionAdministerOrg, policy.OrgResource(p.Org.RegionPath, 0), nil); err == nil {
			by = post
			break
		}
	}
	if by == "" {
		return fmt.Errorf("%s holds no post that administers the organisation (组织管理员) today", person.Login)
	}
	actor := actorOf(person.ID, person.Name, posts, by)
	progress := func(rows int, fraction float64) {
		if fraction > 0 {
			fmt.Fprintf(stderr, "\r%s: %d 行 rows (%.0f%%)   ", kind.Label(), rows, fraction*100)
		} else {
			fmt.Fprintf(stderr, "\r%s: %d 行 rows   ", kind.Label(), rows)
		}
	}
	start := time.Now()
	rep, err := (&orgimport.Importer{Store: st}).Import(ctx, files[0], orgimport.Options{
		Kind: kind, DryRun: dry, Today: today, Progress: progress, ProgressEvery: 1000,
		Change: store.OrgChange{By: actor, At: now, Document: strings.TrimSpace(document)},
		Authorize: func(ctx context.Context, code, path string) error {
			if warden.Authorize(ctx, sub, policy.ActionAdministerOrg, policy.OrgResource(path, 0), nil) != nil {
				return duty.Fail(duty.EForbidden, "import.region.not_theirs", duty.Args{"Login": person.Login, "Code": code})
			}
			return nil
		},
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return userError(err)
	}
	return printReport(stdout, rep, time.Since(start))
}

// printReport prints an import's summary, or its bad rows as a table.
func printReport(w io.Writer, rep orgimport.Report, took time.Duration) error {
	if !rep.OK() {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "行 ROW\t列 COL\t表头 HEADER\t原因 REASON")
		for _, e := range rep.Errors {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", e.Row, e.Column, e.Header, e.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if rep.ErrorCount > len(rep.Errors) {
			fmt.Fprintf(w, "… 另有 %d 处错误未列出 (%d more not listed)\n", rep.ErrorCount-len(rep.Errors), rep.ErrorCount-len(rep.Errors))
		}
		fmt.Fprintf(w, "%d 行中 %d 处错误 (%d errors in %d rows): 未写入任何数据 (nothing was written)\n", rep.Rows, rep.ErrorCount, rep.ErrorCount, rep.Rows)
		return errBadRows
	}
	verb := "imported 已导入"
	if rep.DryRun {
		verb = "dry run 试导入 (nothing written 未写入)"
	}
	fmt.Fprintf(w, "%s: %d rows 行 — %d new 新增, %d changed 变更, %d unchanged 未变 — regions %s, %.1fs\n",
		verb, rep.Rows, rep.New, rep.Changed, rep.Unchanged, strings.Join(rep.Regions, " "), took.Seconds())
	return nil
}

// actorOf is the person acting through the post whose subject allowed
// the import, as the API records its callers.
func actorOf(personID int64, name string, posts []org.Post, by string) cases.Actor {
	for _, p := range posts {
		if policy.PostSubject(p.Role, p.Org.ID) == by || policy.PostPortfolioSubject(p.ID) == by {
			return cases.Actor{PersonID: personID, Name: name, PostID: p.ID, Role: p.Role, Title: p.Title, OrgID: p.Org.ID, OrgName: p.Org.Name}
		}
	}
	return cases.Actor{PersonID: personID, Name: name}
}
