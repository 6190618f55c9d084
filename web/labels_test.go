package web

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/penalty"
)

// workflowKinds are the workflow packages, by the kind of case each runs.
var workflowKinds = map[string]cases.Kind{"hazard": cases.KindHazard, "talk": cases.KindTalk, "penalty": cases.KindPenalty,
	"escalation": cases.KindEscalation, "accident": cases.KindAccident, "inspection": cases.KindInspection, "plan": cases.KindPlan}

// workflowValues reads a workflow package's source for the values a page
// may show: the constants of type State, the names of its updates
// (Update* constants), and the steps it records itself (the literal
// action of a RecordStep or record call, and of an alarm).
func workflowValues(t *testing.T, pkg string) (states, actions []string) {
	t.Helper()
	fset := gotoken.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "workflows", pkg, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no source for workflows/%s: %v", pkg, err)
	}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != gotoken.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.ValueSpec:
				if id, ok := x.Type.(*ast.Ident); ok && id.Name == "State" {
					for _, v := range x.Values {
						if s, ok := lit(v); ok {
							states = append(states, s)
						}
					}
				}
				for i, n := range x.Names {
					if strings.HasPrefix(n.Name, "Update") && i < len(x.Values) {
						if s, ok := lit(x.Values[i]); ok {
							actions = append(actions, s)
						}
					}
				}
			case *ast.CallExpr:
				var fn string
				switch f := x.Fun.(type) {
				case *ast.SelectorExpr:
					fn = f.Sel.Name
				case *ast.IndexListExpr:
					if s, ok := f.X.(*ast.SelectorExpr); ok {
						fn = s.Sel.Name
					}
				}
				switch {
				case fn == "RecordStep" && len(x.Args) > 2:
					if s, ok := lit(x.Args[2]); ok {
						actions = append(actions, s)
					}
				case fn == "record" && len(x.Args) > 1:
					if s, ok := lit(x.Args[1]); ok {
						actions = append(actions, s)
					}
				}
			case *ast.CompositeLit:
				if id, ok := x.Type.(*ast.Ident); ok && id.Name == "alarm" && len(x.Elts) == 2 {
					if s, ok := lit(x.Elts[1]); ok {
						actions = append(actions, s)
					}
				}
			case *ast.FuncDecl:
				// Opening(): the first step's action.
				if x.Name.Name == "Opening" && x.Body != nil {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
							if s, ok := lit(r.Results[0]); ok {
								actions = append(actions, s)
							}
						}
						return true
					})
				}
			}
			return true
		})
	}
	return states, actions
}

// Every state and step the workflows define, and every value of the
// lists they export, has Chinese words on a page: a new one cannot reach
// a page raw.
func TestEveryWorkflowValueHasALabel(t *testing.T) {
	for pkg, kind := range workflowKinds {
		states, actions := workflowValues(t, pkg)
		if len(states) == 0 || len(actions) == 0 {
			t.Fatalf("workflows/%s: found %d states and %d steps; the source scan is broken", pkg, len(states), len(actions))
		}
		for _, s := range states {
			needLabel(t, "state."+string(kind)+"."+s)
		}
		for _, a := range actions {
			needLabel(t, "action."+string(kind)+"."+a)
		}
	}
	// The steps a hazard page offers that start another case.
	for _, f := range startForms {
		needLabel(t, "action."+string(f.Kind)+"."+f.Action)
	}
	for _, k := range []cases.Kind{cases.KindHazard, cases.KindEscalation, cases.KindTalk, cases.KindPenalty, cases.KindAccident} {
		needLabel(t, "kind."+string(k))
	}
	for _, s := range []cases.DeadlineState{cases.DeadlinePending, cases.DeadlineMet, cases.DeadlineMissed, cases.DeadlinePaused, cases.DeadlineExtended} {
		needLabel(t, "deadline."+string(s))
	}
	for _, s := range []string{cases.SideRegulator, cases.SideEnterprise, cases.SideLeader, cases.SideSystem, cases.PartyEnterprise, cases.PartyRegulator} {
		needLabel(t, "side."+s)
	}
	for _, r := range []string{org.RolePartySecretary, org.RoleGovernmentHead, org.RoleDeputyHead, org.RoleDeptHead, org.RoleInspector,
		org.RoleEnterpriseHead, org.RoleProjectManager, org.RoleSafetyOfficer, org.RolePolicyAdmin} {
		needLabel(t, "role."+r)
	}
	for _, k := range penalty.Kinds {
		needLabel(t, "penalty."+string(k))
	}
	for _, m := range penalty.ServiceMethods {
		needLabel(t, "service."+string(m))
	}
	for _, r := range escalation.Reasons {
		needLabel(t, "reason."+string(r))
	}
	for _, r := range []string{rules.RungWarningTalk, rules.RungWrittenWarning, rules.RungPenalty, rules.RungEscalation} {
		needLabel(t, "rung."+r)
	}
	for _, o := range []string{ladder.RungStarted, ladder.RungComplied, ladder.RungFailed, ladder.RungCancelled} {
		needLabel(t, "outcome."+o)
	}
	for _, p := range []penalty.PartyKind{penalty.PartyUnit, penalty.PartyPerson} {
		needLabel(t, "party."+string(p))
	}
	for _, p := range []penalty.Procedure{penalty.ProcedureGeneral, penalty.ProcedureSimple} {
		needLabel(t, "procedure."+string(p))
	}
	for _, a := range []penalty.AppealKind{penalty.AppealReview, penalty.AppealLawsuit} {
		needLabel(t, "appeal."+string(a))
	}
	for _, o := range []string{penalty.AppealUpheld, penalty.AppealRevoked} {
		needLabel(t, "appeal_outcome."+o)
	}
	accidentValuesHaveLabels(t)
}

// needLabel fails unless the table has Chinese words for the key.
func needLabel(t *testing.T, key string) {
	t.Helper()
	l, ok := i18n.Source(i18n.Chinese, key)
	if !ok || !i18n.Has(i18n.English, key) {
		t.Errorf("no label for %s: add it to i18n/messages (both languages)", key)
		return
	}
	if !strings.ContainsFunc(l, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Errorf("the label of %s is not Chinese: %q", key, l)
	}
}

// labelGroups are the catalogue's areas that name the engine's values.
var labelGroups = map[string]bool{}

func init() {
	for _, g := range strings.Fields(`kind state action evidence finding item_decision signer deadline side role
		grade rung outcome penalty party procedure service appeal appeal_outcome policy_change proposal
		policy_state effect reason accident_grade level gate measure person_category education
		accident_category fine_outcome article notice_category`) {
		labelGroups[g] = true
	}
}

// Every label and form label on a page is Chinese only: no English words
// left from the bilingual days.
func TestLabelsAreChineseOnly(t *testing.T) {
	english := func(s string) bool {
		words := 0
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) || unicode.Is(unicode.Han, r) }) {
			if len(w) > 2 {
				words++
			}
		}
		return words > 0
	}
	for _, k := range i18n.IDs(i18n.Chinese) {
		l, _ := i18n.Source(i18n.Chinese, k)
		if !labelGroups[strings.SplitN(k, ".", 2)[0]] || strings.Contains(l, "{{") {
			continue // a sentence, not the name of a value
		}
		if english(l) {
			t.Errorf("label %s has English: %q", k, l)
		}
	}
	// A form's words are messages: Chinese only in Chinese, and no
	// Chinese left in English.
	han := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	check := func(what, id string) {
		t.Helper()
		zh, ok := i18n.Source(i18n.Chinese, id)
		en, ok2 := i18n.Source(i18n.English, id)
		switch {
		case !ok || !ok2:
			t.Errorf("%s: %q is not a message in both languages", what, id)
		case english(zh):
			t.Errorf("%s: %q has English: %q", what, id, zh)
		case han(en):
			t.Errorf("%s: %q has Chinese in English: %q", what, id, en)
		}
	}
	for _, list := range [][]actionForm{forms, startForms, inspectionForms, accidentForms, campaignForms, rescueForms,
		{hazardForm, inspectionForm, rescueOpenForm, accidentOpenForm, campaignForm, planForm}} {
		for _, f := range list {
			check("form "+f.Key(), f.Label)
			for _, fd := range f.Fields {
				check("form "+f.Key()+", field "+fd.Name, fd.Label)
				if fd.Hint != "" {
					check("form "+f.Key()+", field "+fd.Name+", hint", fd.Hint)
				}
				for _, o := range fd.Options {
					check("form "+f.Key()+", field "+fd.Name+", option "+o.Value, o.Label)
				}
			}
		}
	}
}

// Dates, times and money are shown the Chinese way.
func TestChineseFormats(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 5, 0, 0, time.UTC) // 14:05 in Beijing
	for got, want := range map[string]string{
		when(at):                          "2026年12月7日 14:05",
		when("2026-12-20T23:59:59+08:00"): "2026年12月20日",
		day(at):                           "2026年12月7日",
		yuan(1250000):                     "¥1,250,000",
		yuan(500):                         "¥500",
		fen(123456789):                    "¥1,234,567.89",
		listLabel("penalty", "warning", "fine", "daily_fine"):                                                    "警告、罚款、按日连续处罚",
		zh("重大隐患 major · 凤台街工地3号楼"):                                                                              "重大隐患 · 凤台街工地3号楼",
		zh("行政处罚 · 宏达 · 罚款 fine ¥5000"):                                                                          "行政处罚 · 宏达 · 罚款 ¥5000",
		zh("复议、诉讼期间不加处 (行政处罚法 Art.73)"):                                                                          "复议、诉讼期间不加处 (行政处罚法第73条)",
		deadlineLabel(cases.Deadline{Key: "rung-2-written_warning"}):                                             "启动下一执法措施：书面警告",
		deadlineLabel(cases.Deadline{Key: "report-2", What: "上报 report passed up to 晋城市住房和城乡建设局 (2 h, Art.10)"}): "逐级上报至晋城市住房和城乡建设局（2小时内）",
		deadlineLabel(cases.Deadline{Key: "report-3", What: "上报 report up to 省级 province (2 h, Art.10)"}):        "逐级上报至省级（2小时内）",
		dueDay(time.Date(2026, 12, 22, 16, 0, 0, 0, time.UTC)):                                                   "2026年12月22日",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	_ = rules.China
}
