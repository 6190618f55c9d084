// Package documents makes the official documents (执法文书) a case's
// steps produce — 责令限期整改指令书, 整改复查意见书, 约谈通知书, 行政处罚告知书,
// 行政处罚决定书, the 提请/移送 letters and the 现场检查记录 — from the case as the read
// model holds it: which documents a case has so far (List), their
// numbers' format (Number), and the printable page (Render, and PDF
// through headless Chromium).
//
// Numbers (文号) are allocated and kept by store/documents.go, once per
// document of a case step, so a reprint carries the same number.
package documents

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

// Kind is a kind of document.
type Kind string

// The kinds of document.
const (
	HazardOrder      Kind = "hazard_order"      // 责令限期整改指令书
	Reinspection     Kind = "reinspection"      // 整改复查意见书
	TalkNotice       Kind = "talk_notice"       // 约谈通知书
	PenaltyNotice    Kind = "penalty_notice"    // 行政处罚告知书
	PenaltyDecision  Kind = "penalty_decision"  // 行政处罚决定书
	EscalationLetter Kind = "escalation_letter" // 提请函 / 案件移送书
	InspectionRecord Kind = "inspection_record" // 现场检查记录
)

// Document is one document a case has: which step produced it, who
// issued it and when. ID is stable within the case ("order-2" is always
// the order of round 2), so the number allocated for it stays with it.
type Document struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	Title string `json:"title"`
	// Code is the kind's part of the number (责改, 复查, 约谈, 罚告, 罚决,
	// 提请, 移送): numbers run per issuer, code and year.
	Code     string    `json:"code"`
	Issuer   cases.Org `json:"issuer"`
	IssuedAt time.Time `json:"issued_at"`
	// Step is the case step (its update name) the document rests on.
	Step string `json:"step"`
	// FixedNumber is a number the step itself carries — the numbered
	// decision form of the simple procedure, or a number the officer
	// entered — which is used instead of allocating one.
	FixedNumber string `json:"-"`
	// ServedByStep is set when service is itself a step of the case (the
	// penalty decision's 送达); its record is the case's, not a document
	// service record.
	ServedByStep bool `json:"served_by_step,omitempty"`
}

// Year is the year of the number: the year the document was issued, in China.
func (d Document) Year() int { return d.IssuedAt.In(rules.China).Year() }

// Number formats a document number (文号), e.g. 城住建责改〔2026〕12号.
func Number(issuerCode, code string, year, seq int) string {
	return fmt.Sprintf("%s%s〔%d〕%d号", issuerCode, code, year, seq)
}

// List gives the documents a case has so far, in the order their steps
// were taken, from the case's view as the read model holds it.
func List(view json.RawMessage) ([]Document, error) {
	var sum cases.Summary
	if err := json.Unmarshal(view, &sum); err != nil {
		return nil, fmt.Errorf("documents: case view: %w", err)
	}
	v, err := decodeView(sum.Kind, view)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case *hazard.View:
		return hazardDocuments(v), nil
	case *talk.View:
		return []Document{{ID: "talk-notice", Kind: TalkNotice, Title: "约谈通知书", Code: "约谈",
			Issuer: orgOf(v.Notice.ConvenedBy, v.Notice.ActingOrg), IssuedAt: v.OpenedAt, Step: "open"}}, nil
	case *penalty.View:
		return penaltyDocuments(v), nil
	case *escalation.View:
		title, code := escalationTitle(v.Request.Reason)
		return []Document{{ID: "escalation-letter", Kind: EscalationLetter, Title: title, Code: code,
			Issuer: v.Request.From, IssuedAt: v.OpenedAt, Step: "open"}}, nil
	case *inspection.View:
		// The record is written on site as the inspection goes: it is
		// there (and numbered) from the opening, and prints as it stands.
		return []Document{{ID: "inspection-record", Kind: InspectionRecord, Title: "现场检查记录", Code: "检记",
			Issuer: orgOf(v.OpenedBy, v.ActingOrg), IssuedAt: v.OpenedAt, Step: "inspect"}}, nil
	}
	return nil, nil // accidents: their reports are not documents of this kind
}

// Find is the document of a case with the given ID.
func Find(view json.RawMessage, id string) (Document, error) {
	docs, err := List(view)
	if err != nil {
		return Document{}, err
	}
	for _, d := range docs {
		if d.ID == id {
			return d, nil
		}
	}
	return Document{}, duty.Fail(duty.ENotFound, "document.not_found", duty.Args{"ID": id})
}

// decodeView reads the kind-specific view of a case.
func decodeView(kind cases.Kind, view json.RawMessage) (any, error) {
	var v any
	switch kind {
	case cases.KindHazard:
		v = &hazard.View{}
	case cases.KindTalk:
		v = &talk.View{}
	case cases.KindPenalty:
		v = &penalty.View{}
	case cases.KindEscalation:
		v = &escalation.View{}
	case cases.KindInspection:
		v = &inspection.View{}
	default:
		return nil, nil
	}
	if err := json.Unmarshal(view, v); err != nil {
		return nil, fmt.Errorf("documents: %s view: %w", kind, err)
	}
	return v, nil
}

func hazardDocuments(v *hazard.View) []Document {
	// Round by round: a failed re-inspection issues the next round's order.
	var out []Document
	for round := 1; round <= len(v.Orders)+1; round++ {
		for _, o := range v.Orders {
			if o.Round == round {
				out = append(out, Document{ID: fmt.Sprintf("order-%d", o.Round), Kind: HazardOrder, Title: "责令限期整改指令书",
					Code: "责改", Issuer: orgOf(o.IssuedBy, v.ActingOrg), IssuedAt: o.IssuedAt, Step: hazard.UpdateOrder})
			}
		}
		for _, r := range v.Reinspections {
			if r.Round == round {
				out = append(out, Document{ID: fmt.Sprintf("reinspection-%d", r.Round), Kind: Reinspection, Title: "整改复查意见书",
					Code: "复查", Issuer: orgOf(r.By, v.ActingOrg), IssuedAt: r.At, Step: hazard.UpdateReinspect})
			}
		}
	}
	return out
}

func penaltyDocuments(v *penalty.View) []Document {
	var out []Document
	if n := v.Notice; n != nil {
		out = append(out, Document{ID: "penalty-notice", Kind: PenaltyNotice, Title: "行政处罚告知书", Code: "罚告",
			Issuer: orgOf(n.By, v.Case.ActingOrg), IssuedAt: n.At, Step: penalty.UpdateNotify})
	}
	if d := v.Decision; d != nil {
		step := penalty.UpdateDecide
		if v.Case.Procedure == penalty.ProcedureSimple {
			step = penalty.UpdateDecideOnTheSpot
		}
		out = append(out, Document{ID: "penalty-decision", Kind: PenaltyDecision, Title: "行政处罚决定书", Code: "罚决",
			Issuer: orgOf(d.Actor, v.Case.ActingOrg), IssuedAt: d.At, Step: step,
			FixedNumber: strings.TrimSpace(d.DocumentNo), ServedByStep: true})
	}
	return out
}

// orgOf is the organisation a step's actor acted for, or the case's
// acting organisation when the record has none.
func orgOf(a cases.Actor, fallback cases.Org) cases.Org {
	if a.OrgID != 0 {
		return cases.Org{ID: a.OrgID, Name: a.OrgName}
	}
	return fallback
}

// escalationTitle is the title and number code of an escalation's
// letter: a transfer is 移送, everything else goes up as a 提请.
func escalationTitle(r escalation.Reason) (title, code string) {
	switch r {
	case escalation.ReasonTransfer:
		return "案件移送书", "移送"
	case escalation.ReasonCrime:
		return "涉嫌犯罪案件移送书", "移送"
	}
	return "提请函", "提请"
}

// Issuer is the issuing organisation as a document prints it, with the
// bodies its rights notices name.
type Issuer struct {
	ID int64 `json:"id"`
	// Name is the organisation's name without a short form in brackets.
	Name string `json:"name"`
	// Code is its 机关代字, the first part of its numbers (城住建).
	Code string `json:"code"`
	// Region is the full name of its region (晋城市城区); Government is
	// the people's government there, which takes an administrative review
	// of its departments (行政复议法 Art.24); Court is the people's court
	// of that region, for a lawsuit.
	Region     string `json:"region"`
	Government string `json:"government"`
	Court      string `json:"court"`
}

// RegionNames are the names of an organisation's region and the regions
// above it, from the province down.
type RegionNames []string

// NewIssuer describes an organisation as documents print it. code is its
// 机关代字 when the organisation has one on record; empty derives it.
func NewIssuer(id int64, name string, regions RegionNames, code string) Issuer {
	name = PlainName(name)
	full := fullRegion(regions)
	if code == "" {
		code = IssuerCode(name, regions)
	}
	is := Issuer{ID: id, Name: name, Code: code, Region: full}
	if full != "" {
		is.Government = full + "人民政府"
		is.Court = full + "人民法院"
		if len(regions) == 1 { // a province's departments are sued in its capital's intermediate court
			is.Court = ""
		}
	}
	return is
}

// PlainName drops the short form in brackets from an organisation's name:
// "城区住房和城乡建设局 (区住建局)" prints as 城区住房和城乡建设局.
func PlainName(name string) string {
	for _, open := range []string{" (", "（", "("} {
		if i := strings.Index(name, open); i > 0 {
			name = name[:i]
		}
	}
	return strings.TrimSpace(name)
}

// fullRegion names a region as its documents do: a county with its city
// (晋城市城区), a city or province alone.
func fullRegion(r RegionNames) string {
	switch len(r) {
	case 0:
		return ""
	case 1, 2:
		return r[len(r)-1]
	}
	return r[len(r)-2] + r[len(r)-1]
}

// provinceShort are the one-character names provinces print (晋 for 山西).
var provinceShort = map[string]string{
	"北京": "京", "天津": "津", "河北": "冀", "山西": "晋", "内蒙古": "蒙", "辽宁": "辽", "吉林": "吉", "黑龙江": "黑",
	"上海": "沪", "江苏": "苏", "浙江": "浙", "安徽": "皖", "福建": "闽", "江西": "赣", "山东": "鲁", "河南": "豫",
	"湖北": "鄂", "湖南": "湘", "广东": "粤", "广西": "桂", "海南": "琼", "重庆": "渝", "四川": "川", "贵州": "黔",
	"云南": "滇", "西藏": "藏", "陕西": "陕", "甘肃": "甘", "青海": "青", "宁夏": "宁", "新疆": "新",
}

// sectorShort are the short names of departments' remits as numbers print them.
var sectorShort = []struct{ long, short string }{
	{"住房和城乡建设", "住建"}, {"应急管理", "应急"}, {"市场监督管理", "市监"}, {"交通运输", "交"},
	{"自然资源", "自然资源"}, {"生态环境", "环"}, {"消防救援", "消"}, {"水利", "水"}, {"农业农村", "农"},
	{"工业和信息化", "工信"}, {"商务", "商"}, {"教育", "教"}, {"卫生健康", "卫健"}, {"文化和旅游", "文旅"},
	{"人民政府", "政"},
}

// IssuerCode derives an organisation's 机关代字 from its name and region
// when none is on record: the region's short name and the remit's, e.g.
// 城区住房和城乡建设局 → 城住建, 晋城市应急管理局 → 晋应急, 山西省住房和城乡建设厅 → 晋住建.
func IssuerCode(name string, regions RegionNames) string {
	name = PlainName(name)
	region := ""
	if len(regions) > 0 {
		region = regions[len(regions)-1]
	}
	rest := strings.TrimPrefix(name, region)
	for _, r := range regions { // "晋城市城区…" also carries the city's name
		rest = strings.TrimPrefix(rest, r)
	}
	prefix := ""
	if len(regions) == 1 {
		short := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(region, "省"), "市"), "自治区")
		for long, s := range provinceShort {
			if strings.HasPrefix(short, long) {
				prefix = s
			}
		}
	}
	if prefix == "" && region != "" {
		r, _ := utf8.DecodeRuneInString(region)
		prefix = string(r)
	}
	for _, s := range sectorShort {
		if strings.HasPrefix(rest, s.long) {
			return prefix + s.short
		}
	}
	rest = strings.TrimRight(rest, "局厅委办室")
	if utf8.RuneCountInString(rest) > 2 {
		rest = string([]rune(rest)[:2])
	}
	return prefix + rest
}
