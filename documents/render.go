package documents

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date": Date, "datetime": DateTime, "signdate": SignDate, "deadline": Deadline, "day": Day,
	"period": Period, "yuan": Yuan, "penalty": PenaltyText, "lines": lines, "plain": PlainName, "items": Items, "reason": ReasonText,
	"add": func(a, b int) int { return a + b }, "finding": FindingText, "decision": DecisionText,
}).ParseFS(templateFiles, "templates/*.html"))

// Citation is one provision a document rests on.
type Citation struct {
	Law     string `json:"law"`     // 《中华人民共和国安全生产法》
	Article string `json:"article"` // 第六十五条第一款第三项
	What    string `json:"what"`    // what it provides, in a few words
}

// String is the citation as the text prints it.
func (c Citation) String() string { return c.Law + c.Article }

// The statutes the documents cite.
const (
	lawSafety    = "《中华人民共和国安全生产法》"
	lawPenalty   = "《中华人民共和国行政处罚法》"
	lawReview    = "《中华人民共和国行政复议法》"
	lawLitigate  = "《中华人民共和国行政诉讼法》"
	ruleHazards  = "《安全生产事故隐患排查治理暂行规定》（原国家安全生产监督管理总局令第16号）"
	ruleTalks    = "《安全生产约谈实施办法（试行）》"
	ruleTransfer = "《行政执法机关移送涉嫌犯罪案件的规定》（国务院令第310号）"
)

var (
	citeInspect   = Citation{lawSafety, "第六十五条第一款第三项", "对检查中发现的事故隐患，责令立即排除或者限期排除；重大事故隐患排除前或者排除过程中无法保证安全的，责令从危险区域撤出作业人员、暂时停产停业或者停止使用相关设施设备"}
	citeHazardFix = Citation{lawSafety, "第一百零二条", "未采取措施消除事故隐患的，责令立即消除或者限期消除，处五万元以下的罚款；拒不执行的，责令停产停业整顿，并处罚款"}
	citeHazards   = Citation{ruleHazards, "", "事故隐患排查治理和监督管理"}
	citeReview    = Citation{lawReview, "第二十条", "自知道行政行为之日起六十日内提出行政复议申请"}
	citeLawsuit   = Citation{lawLitigate, "第四十六条", "自知道或者应当知道作出行政行为之日起六个月内提起诉讼"}
	citeNotice    = Citation{lawPenalty, "第四十四条", "作出行政处罚决定之前，告知拟作出的行政处罚内容及事实、理由、依据，并告知当事人依法享有的陈述、申辩、要求听证等权利"}
	citePlea      = Citation{lawPenalty, "第四十五条", "当事人有权进行陈述和申辩；不得因当事人陈述、申辩而给予更重的处罚"}
	citeHearing   = Citation{lawPenalty, "第六十三条、第六十四条", "较大数额罚款、责令停产停业等处罚，当事人有权要求听证，应当在被告知后五日内提出"}
	citeDecision  = Citation{lawPenalty, "第五十七条、第五十九条", "调查终结后作出行政处罚决定，制作行政处罚决定书"}
	citeService   = Citation{lawPenalty, "第六十一条", "行政处罚决定书应当在宣告后当场交付当事人，当事人不在场的，在七日内送达"}
	citePayment   = Citation{lawPenalty, "第六十七条、第七十二条", "自收到行政处罚决定书之日起十五日内缴纳罚款；到期不缴纳的，每日按罚款数额的百分之三加处罚款，数额不超出罚款的数额"}
	citeNoStay    = Citation{lawPenalty, "第七十三条", "申请行政复议或者提起行政诉讼的，行政处罚不停止执行，法律另有规定的除外"}
	citeSimple    = Citation{lawPenalty, "第五十一条、第五十二条", "违法事实确凿并有法定依据，对公民处二百元以下、对法人或者其他组织处三千元以下罚款或者警告的，可以当场作出行政处罚决定"}
	citeDailyFine = Citation{lawSafety, "第一百一十二条", "拒不改正的，自作出责令改正之日的次日起，按照原处罚数额按日连续处罚"}
	citeTalk      = Citation{ruleTalks, "", "安全生产约谈的情形、程序和要求"}
	citeClosure   = Citation{lawSafety, "第一百一十三条", "存在重大事故隐患，一百八十日内三次或者一年内四次受到行政处罚等情形的，由有关部门提请地方人民政府予以关闭"}
	citeCooperate = Citation{lawSafety, "第六十九条", "发现存在的安全问题应当由其他有关部门进行处理的，应当及时移送其他有关部门并形成记录备查"}
	citeCrime     = Citation{lawPenalty, "第二十七条", "违法行为涉嫌犯罪的，行政机关应当及时将案件移送司法机关"}
	citeCrimeRule = Citation{ruleTransfer, "", "行政执法机关移送涉嫌犯罪案件的程序"}
	citeOnSite    = Citation{lawSafety, "第六十五条", "进入生产经营单位进行检查，调阅有关资料，向有关单位和人员了解情况；对检查中发现的安全生产违法行为和事故隐患当场予以纠正、责令限期改正或者责令暂时停产停业、停止使用"}
	citeTwo       = Citation{lawPenalty, "第四十二条", "执法人员不得少于两人，法律另有规定的除外"}
	citeCard      = Citation{lawSafety, "第六十七条", "监督检查人员执行监督检查任务时，必须出示有效的行政执法证件"}
	citeRecord    = Citation{lawSafety, "第六十八条", "检查的时间、地点、内容、发现的问题及其处理情况，作出书面记录，由检查人员和被检查单位的负责人签字；被检查单位的负责人拒绝签字的，检查人员应当将情况记录在案，并向负有安全生产监督管理职责的部门报告"}
)

// Input is what a document is rendered from: the document, its number,
// the case's view as the read model holds it, the issuer, and the numbers
// of the case's other documents (a re-inspection names the order it
// checks).
type Input struct {
	Doc     Document
	Number  string
	View    json.RawMessage
	Issuer  Issuer
	Related map[string]string
	// Certificates are the officers' 执法证号 on record, by person id
	// (see Officers); an officer without one prints "未登记".
	Certificates map[int64]string
}

// Page is what a document's template gets.
type Page struct {
	Doc    Document
	Number string
	Case   cases.Summary
	Issuer Issuer
	// Party is who the document is addressed to (当事人 / 被检查单位).
	Party string
	// Basis is the legal basis: the provisions the step rests on, and the
	// rights notices that go with it.
	Basis []Citation
	// Officers are the officers who took the step.
	Officers []cases.Actor
	// Signers are the signature lines: each officer with their 执法证号,
	// and blank lines up to the two officers enforcement needs
	// (行政处罚法 Art.42) when the step names fewer.
	Signers []Signer

	Hazard       *hazard.View
	Order        *hazard.Order
	Reinspection *hazard.Reinspection
	Completion   *hazard.Completion
	// OrderNumber is the number of the order a re-inspection checks;
	// NextNumber that of the order a failed one issues.
	OrderNumber, NextNumber string
	NextOrder               *hazard.Order

	Talk       *talk.View
	Penalty    *penalty.View
	Escalation *escalation.View
	// Inspection is the inspection a 现场检查记录 records.
	Inspection *inspection.View
	// Grounds is the case's own 处罚依据, as the officers entered it.
	Grounds string
}

// Prepare builds a document's page from its input.
func Prepare(in Input) (Page, error) {
	p := Page{Doc: in.Doc, Number: in.Number, Issuer: in.Issuer}
	if err := json.Unmarshal(in.View, &p.Case); err != nil {
		return Page{}, fmt.Errorf("documents: case view: %w", err)
	}
	p.Party = p.Case.Enterprise.Name
	v, err := decodeView(p.Case.Kind, in.View)
	if err != nil {
		return Page{}, err
	}
	switch in.Doc.Kind {
	case HazardOrder, Reinspection:
		h, ok := v.(*hazard.View)
		if !ok {
			return Page{}, fmt.Errorf("documents: %s on a %s case", in.Doc.Kind, p.Case.Kind)
		}
		p.Hazard = h
		var round int
		if _, err := fmt.Sscanf(in.Doc.ID[strings.LastIndex(in.Doc.ID, "-")+1:], "%d", &round); err != nil {
			return Page{}, fmt.Errorf("documents: %s: %w", in.Doc.ID, err)
		}
		for i := range h.Orders {
			switch h.Orders[i].Round {
			case round:
				p.Order = &h.Orders[i]
			case round + 1:
				p.NextOrder = &h.Orders[i]
			}
		}
		if p.Order == nil {
			return Page{}, fmt.Errorf("documents: %s: no order of round %d", in.Doc.ID, round)
		}
		p.OrderNumber = in.Related[fmt.Sprintf("order-%d", round)]
		p.NextNumber = in.Related[fmt.Sprintf("order-%d", round+1)]
		p.Officers = []cases.Actor{p.Order.IssuedBy}
		p.Basis = []Citation{citeInspect, citeHazardFix, citeHazards, citeReview, citeLawsuit}
		if in.Doc.Kind == Reinspection {
			for i := range h.Reinspections {
				if h.Reinspections[i].Round == round {
					p.Reinspection = &h.Reinspections[i]
				}
			}
			for i := range h.Completions {
				if h.Completions[i].Round == round {
					p.Completion = &h.Completions[i]
				}
			}
			if p.Reinspection == nil {
				return Page{}, fmt.Errorf("documents: %s: no re-inspection of round %d", in.Doc.ID, round)
			}
			p.Officers = []cases.Actor{p.Reinspection.By}
			if p.Reinspection.Passed {
				p.Basis = []Citation{citeInspect, citeHazards, citeReview, citeLawsuit}
			}
		}
	case TalkNotice:
		t, ok := v.(*talk.View)
		if !ok {
			return Page{}, fmt.Errorf("documents: %s on a %s case", in.Doc.Kind, p.Case.Kind)
		}
		p.Talk = t
		p.Officers = []cases.Actor{t.Notice.ConvenedBy}
		p.Basis = []Citation{citeInspect, citeTalk}
	case PenaltyNotice, PenaltyDecision:
		pv, ok := v.(*penalty.View)
		if !ok {
			return Page{}, fmt.Errorf("documents: %s on a %s case", in.Doc.Kind, p.Case.Kind)
		}
		p.Penalty = pv
		p.Party = pv.Case.Party.Name
		p.Grounds = pv.Case.Grounds
		p.Officers = pv.Case.Officers
		p.OrderNumber = in.Related["penalty-notice"]
		if in.Doc.Kind == PenaltyNotice {
			if pv.Notice == nil {
				return Page{}, fmt.Errorf("documents: the penalty has not been notified")
			}
			p.Basis = []Citation{citeNotice, citePlea}
			if pv.Notice.HearingQualifies {
				p.Basis = append(p.Basis, citeHearing)
			}
			break
		}
		d := pv.Decision
		if d == nil {
			return Page{}, fmt.Errorf("documents: the penalty has not been decided")
		}
		p.Basis = []Citation{citeDecision}
		if pv.Case.Procedure == penalty.ProcedureSimple {
			p.Basis = []Citation{citeSimple}
		}
		if d.Penalty.Kind == penalty.KindDailyFine {
			p.Basis = append(p.Basis, citeDailyFine)
		}
		p.Basis = append(p.Basis, citeService)
		if d.Penalty.AmountYuan > 0 {
			p.Basis = append(p.Basis, citePayment)
		}
		p.Basis = append(p.Basis, citeReview, citeLawsuit, citeNoStay)
	case EscalationLetter:
		e, ok := v.(*escalation.View)
		if !ok {
			return Page{}, fmt.Errorf("documents: %s on a %s case", in.Doc.Kind, p.Case.Kind)
		}
		p.Escalation = e
		p.Party = e.Request.To.Name
		p.Officers = []cases.Actor{e.Request.RequestedBy}
		switch e.Request.Reason {
		case escalation.ReasonClosure, escalation.ReasonClosureUnsafeAfterStop, escalation.ReasonClosureRefusedStop:
			p.Basis = []Citation{citeClosure}
		case escalation.ReasonTransfer:
			p.Basis = []Citation{citeCooperate}
		case escalation.ReasonCrime:
			p.Basis = []Citation{citeCrime, citeCrimeRule}
		case escalation.ReasonListedSupervision:
			p.Basis = []Citation{citeHazards}
		default:
			p.Basis = []Citation{citeHazardFix}
		}
	case InspectionRecord:
		iv, ok := v.(*inspection.View)
		if !ok {
			return Page{}, fmt.Errorf("documents: %s on a %s case", in.Doc.Kind, p.Case.Kind)
		}
		p.Inspection = iv
		p.Party = iv.Enterprise.Name
		for _, o := range iv.Officers {
			p.Officers = append(p.Officers, cases.Actor{PersonID: o.PersonID, Name: o.Name, Side: cases.SideRegulator})
		}
		p.Basis = []Citation{citeOnSite, citeTwo, citeCard, citeRecord}
	default:
		return Page{}, fmt.Errorf("documents: unknown kind %q", in.Doc.Kind)
	}
	// A step the engine took by itself (a rung started when the regulator
	// missed the deadline) names no officer: the lines are left to sign.
	officers := p.Officers[:0:0]
	for _, o := range p.Officers {
		if o.Side != cases.SideSystem && o.Name != "" {
			officers = append(officers, o)
		}
	}
	p.Officers = officers
	for _, o := range officers {
		p.Signers = append(p.Signers, Signer{Name: o.Name, Title: o.Title, Certificate: cmp.Or(in.Certificates[o.PersonID], "未登记")})
	}
	if in.Doc.Kind != EscalationLetter { // a letter between organisations: its sender signs
		for len(p.Signers) < 2 {
			p.Signers = append(p.Signers, Signer{})
		}
	}
	return p, nil
}

// Signer is one officer's signature line: blank (zero) to be filled in
// by hand.
type Signer struct {
	Name, Title, Certificate string
}

// Officers are the officers a document names, whose 执法证号 it prints:
// the caller looks them up and passes them in Input.Certificates.
func Officers(in Input) ([]cases.Actor, error) {
	p, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	return p.Officers, nil
}

// Render writes a document as an HTML page for print (A4).
func Render(w io.Writer, in Input) error {
	p, err := Prepare(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, "document", p); err != nil {
		return fmt.Errorf("documents: render %s: %w", in.Doc.ID, err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// FindingText is what was found on a checklist item, as the record
// writes it.
func FindingText(f inspection.Finding) string {
	if f == "" {
		return "未检查"
	}
	return f.Label()
}

// DecisionText is an on-the-spot decision as the record writes it.
func DecisionText(d inspection.Decision) string { return d.Label() }

// PenaltyText is a penalty as a decision states it: 警告; 罚款人民币50000元（伍万元整）.
func PenaltyText(p penalty.Penalty) string {
	switch p.Kind {
	case penalty.KindWarning:
		return "警告"
	case penalty.KindFine:
		return "罚款" + Yuan(p.AmountYuan)
	case penalty.KindDailyFine:
		return "按日连续处罚，每日罚款" + Yuan(p.AmountYuan)
	case penalty.KindStopProduction:
		s := "责令停产停业整顿"
		if p.AmountYuan > 0 {
			s += "，并处罚款" + Yuan(p.AmountYuan)
		}
		return s
	}
	return p.Label()
}

// reasonTexts are the reasons of an escalation as its letter states them.
var reasonTexts = map[escalation.Reason]string{
	escalation.ReasonAuthorityLimit:         "拟作出的行政处罚超出本机关的处罚权限",
	escalation.ReasonClosure:                "存在重大事故隐患，一百八十日内三次或者一年内四次受到行政处罚",
	escalation.ReasonClosureUnsafeAfterStop: "经停产停业整顿仍不具备安全生产条件",
	escalation.ReasonClosureRefusedStop:     "拒不执行停产停业整顿决定",
	escalation.ReasonLicenceSuspension:      "需暂扣或者吊销有关许可证",
	escalation.ReasonListedSupervision:      "存在重大事故隐患，需挂牌督办",
	escalation.ReasonTransfer:               "案件属于其他部门管辖",
	escalation.ReasonCrime:                  "涉嫌犯罪",
}

// ReasonText is an escalation's reason in the letter's words: Chinese
// only, as every official document is.
func ReasonText(r escalation.Reason) string {
	if t, ok := reasonTexts[r]; ok {
		return t
	}
	label := r.Label()
	if i := strings.IndexFunc(label, func(c rune) bool { return c < 0x80 && c != ' ' }); i > 0 {
		label = label[:i]
	}
	return strings.TrimSpace(label)
}

// ItemList is free text as a list: Numbered when the officer typed the
// numbers (or other markers) themselves, which then print as typed —
// never a second number before theirs ("1. 1.").
type ItemList struct {
	Numbered bool
	Items    []string
}

// listMarker is a list item's own number or bullet at the start of a
// line: 1. 1、 1) (1) （1） 一、 （一） ① - • ·
var listMarker = regexp.MustCompile(`^\s*(?:\d{1,3}\s*(?:[.．](?:\D|$)|[、)）])|[(（]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|[①-⑳]|[-•·*])`)

// Items reads free text typed as a list, one item a line: numbered by
// the document unless the lines carry their own markers.
func Items(s string) ItemList {
	l := ItemList{Items: lines(s)}
	for _, item := range l.Items {
		if listMarker.MatchString(item) {
			l.Numbered = true
			break
		}
	}
	return l
}

// lines splits free text into its lines, for paragraphs.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
