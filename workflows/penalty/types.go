package penalty

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the penalty workflow, its updates and its query.
const (
	WorkflowName           = "AdministrativePenalty"
	UpdateNotify           = "notify"             // 告知: the intended penalty, facts, grounds and rights
	UpdatePlead            = "plead"              // 陈述申辩 (party)
	UpdateRequestHearing   = "request_hearing"    // 申请听证 (party)
	UpdateScheduleHearing  = "schedule_hearing"   // 听证通知
	UpdateRecordHearing    = "record_hearing"     // 听证笔录
	UpdateRecordDiscussion = "record_discussion"  // 集体讨论
	UpdateDecide           = "decide"             // 处罚决定
	UpdateServe            = "serve"              // 送达
	UpdatePay              = "pay"                // 缴纳罚款
	UpdateAppeal           = "appeal"             // 申请复议 / 提起诉讼 (party)
	UpdateAppealResult     = "appeal_result"      // 复议决定 / 判决
	UpdateRemind           = "remind"             // 催告 (行政强制法 Art.54)
	UpdateApplyEnforcement = "apply_enforcement"  // 申请法院强制执行
	UpdateStopDailyFine    = "stop_daily_fine"    // 整改已复查: 按日连续处罚 stops
	UpdateWithdraw         = "withdraw"           // 撤案: closed without a decision
	UpdateWaiveRights      = "waive_rights"       // 放弃陈述申辩和听证 (party)
	UpdateDecideOnTheSpot  = "decide_on_the_spot" // 当场处罚决定 (简易程序, Art.51/52)
	Query                  = "penalty"
)

// Procedure is how a penalty case is decided.
type Procedure string

// Procedures (行政处罚法 chapter V).
const (
	// ProcedureGeneral is the general procedure (普通程序): notice, plea
	// and hearing windows, decision, service.
	ProcedureGeneral Procedure = "general"
	// ProcedureSimple is the simple procedure (简易程序, Art.51): for a
	// warning or a small fine on clear facts, the officers inform the
	// party, hear its statement and decide on the spot, handing over a
	// numbered decision form (Art.52).
	ProcedureSimple Procedure = "simple"
)

// Label is the procedure's name for people.
func (p Procedure) Label() string {
	if p == ProcedureSimple {
		return "简易程序 simple procedure"
	}
	return "普通程序 general procedure"
}

// Kind is what a penalty imposes.
type Kind string

// Kinds of penalty, lightest first: a decision may move down this list
// from the notice, never up.
const (
	KindWarning        Kind = "warning"         // 警告
	KindFine           Kind = "fine"            // 罚款
	KindDailyFine      Kind = "daily_fine"      // 按日连续处罚 (安全生产法 Art.112)
	KindStopProduction Kind = "stop_production" // 责令停产停业整顿 (may carry a fine, 并处罚款)
)

// Kinds lists the kinds by severity, lightest first.
var Kinds = []Kind{KindWarning, KindFine, KindDailyFine, KindStopProduction}

// Label is the kind's name for people.
func (k Kind) Label() string {
	switch k {
	case KindWarning:
		return "警告 warning"
	case KindFine:
		return "罚款 fine"
	case KindDailyFine:
		return "按日连续处罚 daily fine"
	case KindStopProduction:
		return "责令停产停业整顿 stop order"
	}
	return string(k)
}

// severity orders the kinds; 0 is unknown.
func (k Kind) severity() int { return slices.Index(Kinds, k) + 1 }

// Penalty is a penalty as notified or decided. AmountYuan is the fine, the
// daily amount of a daily fine, or the fine that goes with a stop order
// (0 for none); a warning has none.
type Penalty struct {
	Kind       Kind  `json:"kind"`
	AmountYuan int64 `json:"amount_yuan,omitempty"`
}

// Validate checks the penalty's own fields.
func (p Penalty) Validate() error {
	switch {
	case p.Kind.severity() == 0:
		return casekit.Refuse("penalty.kind.unknown", nil)
	case p.AmountYuan < 0 || p.AmountYuan > maxPenaltyYuan:
		return casekit.Refuse("penalty.amount.range", duty.Args{"Max": maxPenaltyYuan})
	case p.Kind == KindWarning && p.AmountYuan != 0:
		return casekit.Refuse("penalty.warning.amount", nil)
	case (p.Kind == KindFine || p.Kind == KindDailyFine) && p.AmountYuan == 0:
		return casekit.Refuse("penalty.amount.required", duty.Args{"Kind": p.Kind.ref()})
	}
	return nil
}

// maxPenaltyYuan bounds an amount: the largest fine in 安全生产法 is
// ¥20M (Art.114); a bound well above it catches a slip of the keyboard.
const maxPenaltyYuan = 1_000_000_000

// heavierThan reports whether p is heavier than q: a graver kind or a
// larger amount. A plea never makes the penalty heavier (行政处罚法 Art.45).
func (p Penalty) heavierThan(q Penalty) bool {
	return p.Kind.severity() > q.Kind.severity() || p.AmountYuan > q.AmountYuan
}

// Label is the penalty for people, e.g. "罚款 fine ¥50000".
func (p Penalty) Label() string {
	s := p.Kind.Label()
	switch {
	case p.Kind == KindDailyFine:
		s += " ¥" + strconv.FormatInt(p.AmountYuan, 10) + "/日"
	case p.AmountYuan > 0:
		s += " ¥" + strconv.FormatInt(p.AmountYuan, 10)
	}
	return s
}

// Message is the penalty in the reader's language (Label is the text the
// steps record): 罚款 ¥50000, or "fine of ¥50000".
func (p Penalty) Message() i18n.Msg {
	switch {
	case p.Kind == KindDailyFine:
		return i18n.Msg{ID: "penalty.label.daily", Args: i18n.Args{"Kind": p.Kind.ref(), "Amount": p.AmountYuan}}
	case p.AmountYuan > 0:
		return i18n.Msg{ID: "penalty.label.amount", Args: i18n.Args{"Kind": p.Kind.ref(), "Amount": p.AmountYuan}}
	}
	return i18n.Msg{ID: string(p.Kind.ref())}
}

// ref names the kind in the reader's language.
func (k Kind) ref() i18n.Ref { return i18n.Ref("penalty." + string(k)) }

// PartyKind says whether the party is a unit or a person; the hearing
// threshold depends on it.
type PartyKind string

// Kinds of party (当事人).
const (
	PartyUnit   PartyKind = "unit"   // 单位 (生产经营单位)
	PartyPerson PartyKind = "person" // 个人 (e.g. the 主要负责人 fined personally)
)

// Party is who the penalty is imposed on. Its steps (plead, ask
// for a hearing, appeal) are taken through the enterprise concerned.
type Party struct {
	Kind PartyKind `json:"kind"`
	Name string    `json:"name"`
}

// Rules are the penalty procedure's numbers, from the rule set the case
// was opened under (rules.PenaltyRules); they travel with the case for
// life.
type Rules = rules.PenaltyRules

// DefaultRules are the statutory values (rules.DefaultPenaltyRules).
func DefaultRules() Rules { return rules.DefaultPenaltyRules() }

// Input opens a penalty case (立案). The API fills the
// organisations; Calendar and Rules travel with the case so that every
// deadline it computes is the same on every replay.
type Input struct {
	casekit.CaseRef
	ActingOrg cases.Org `json:"acting_org"`
	RuleSet   string    `json:"rule_set"`
	// Procedure is ProcedureGeneral when empty.
	Procedure Procedure `json:"procedure,omitempty"`
	Party     Party     `json:"party"`
	Proposed  Penalty   `json:"proposed"`
	Facts     string    `json:"facts"`   // 违法事实
	Grounds   string    `json:"grounds"` // 处罚依据
	// Article is the article of the 安全生产法 the penalty is under, when
	// it has a statutory range the engine checks (Article97, Article102,
	// Article114, Article95); "" or ArticleOther for others.
	Article string `json:"article,omitempty"`
	// Range is, for a fine after an accident (Article114, Article95), the
	// range the accident's grade allows, set by the accident that opens
	// the case: every fine proposed or decided in it must stay within.
	Range *FineRange `json:"range,omitempty"`
	// Officers are the law-enforcement officers who open the case: at
	// least two (行政处罚法 Art.42).
	Officers []cases.Actor `json:"officers"`
	// CorrectionOrderDate is the day of the correction order (责令改正) a
	// daily fine counts from: accrual starts the day after (Art.112).
	CorrectionOrderDate calendar.Date `json:"correction_order_date,omitzero"`
	// BasisFine is, for a daily fine, the fine it follows and repeats
	// (Art.112: 被责令改正且受到罚款处罚，拒不改正的).
	BasisFine string             `json:"basis_fine,omitempty"`
	Calendar  *calendar.Calendar `json:"calendar,omitempty"`
	Rules     Rules              `json:"rules"`
}

// minOfficers is Art.42's "执法人员不得少于两人".
const minOfficers = 2

// Validate checks the case's own fields; Rules must already carry their
// defaults.
func (in Input) Validate(now time.Time) error {
	if in.Enterprise.ID == 0 {
		return casekit.Refuse("penalty.enterprise.required", nil)
	}
	if in.Party.Kind != PartyUnit && in.Party.Kind != PartyPerson {
		return casekit.Refuse("penalty.party.kind", duty.Args{"Unit": string(PartyUnit), "Person": string(PartyPerson)})
	}
	if err := casekit.Text("field.penalty.party_name", in.Party.Name, true); err != nil {
		return err
	}
	if err := in.validArticle(); err != nil {
		return err
	}
	if err := in.penaltyAllowed(in.Proposed); err != nil {
		return err
	}
	if in.Procedure != "" && in.Procedure != ProcedureGeneral && in.Procedure != ProcedureSimple {
		return casekit.Refuse("penalty.procedure.unknown", duty.Args{"General": string(ProcedureGeneral), "Simple": string(ProcedureSimple), "Got": string(in.Procedure)})
	}
	if err := casekit.Text("field.penalty.facts", in.Facts, true); err != nil {
		return err
	}
	if err := casekit.Text("field.penalty.grounds", in.Grounds, true); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for i, o := range in.Officers {
		if o.Side != cases.SideRegulator || o.PersonID == 0 {
			return casekit.Refuse("penalty.officer.not_regulator", duty.Args{"N": i + 1})
		}
		seen[o.PersonID] = true
	}
	if len(seen) < minOfficers {
		return casekit.Refuse("penalty.officers.too_few", duty.Args{"Min": minOfficers, "Got": len(seen)})
	}
	if in.Calendar == nil {
		return casekit.Refuse("penalty.calendar.required", nil)
	}
	r := in.Rules
	if r.HearingPersonYuan <= 0 || r.HearingUnitYuan <= 0 || r.DiscussionAboveYuan <= 0 {
		return casekit.Refuse("penalty.rules.thresholds", nil)
	}
	if r.SurchargeBasisPoints <= 0 || r.SurchargeBasisPoints > 10_000 {
		return casekit.Refuse("penalty.rules.surcharge", nil)
	}
	for _, f := range r.Periods() {
		if _, err := in.Calendar.Due(now, f.Period); err != nil {
			return casekit.Refuse("penalty.rules.period", duty.Args{"Name": f.Name})
		}
	}
	return nil
}

// Articles whose ranges the engine checks.
const (
	// Article97 is 安全生产法 Art.97 (training, certified special workers,
	// emergency plans and drills) when first ordered: a fine of at most
	// ¥100,000 on the unit.
	Article97 = "97"
	// Article97Overdue is Art.97 when the order was not complied with by
	// its deadline (逾期未改正): ¥100,000–200,000 on the unit, stopped for
	// rectification, and ¥20,000–50,000 on the persons directly in charge.
	Article97Overdue = "97-overdue"
	// Article102 is 安全生产法 Art.102: failing to eliminate a hazard.
	Article102 = "102"
	// Article114 is 安全生产法 Art.114: the fine on a unit responsible for
	// an accident, in the range of the accident's grade.
	Article114 = "114"
	// Article95 is 安全生产法 Art.95: the fine on the 主要负责人 of a unit
	// responsible for an accident, a share of last year's income by grade.
	Article95 = "95"
	// ArticleOther is a penalty under another article, whose range the
	// officers check.
	ArticleOther = "other"
)

// FineRange is the range of a fine fixed by the case that opens the
// penalty (an accident's grade), with the basis that sets it.
type FineRange struct {
	MinYuan int64  `json:"min_yuan"`
	MaxYuan int64  `json:"max_yuan"`
	Basis   string `json:"basis"`
}

// validArticle checks the article against the party and the range: the
// accident articles come only with the range their accident set, and
// each article fines the party it names.
func (in Input) validArticle() error {
	switch in.Article {
	case "", ArticleOther, Article97, Article97Overdue, Article102:
		if in.Range != nil {
			return casekit.Refuse("penalty.range.not_accident", nil)
		}
		if in.Article == Article97 && in.Party.Kind == PartyPerson {
			return casekit.Refuse("penalty.art97.person", duty.Args{"Article": Article97Overdue})
		}
		return nil
	case Article114, Article95:
		if in.Range == nil || in.Range.MinYuan <= 0 || in.Range.MaxYuan < in.Range.MinYuan {
			return casekit.Refuse("penalty.accident_article.no_range", duty.Args{"Article": in.Article})
		}
		want := PartyUnit
		if in.Article == Article95 {
			want = PartyPerson
		}
		if in.Party.Kind != want || in.Proposed.Kind != KindFine {
			fined := i18n.Ref("penalty.fined.unit")
			if want == PartyPerson {
				fined = "penalty.fined.principal"
			}
			return casekit.Refuse("penalty.accident_article.party", duty.Args{"Article": in.Article, "Want": fined,
				"Kind": in.Proposed.Kind.ref(), "Party": i18n.Ref("party." + string(in.Party.Kind))})
		}
		return nil
	}
	return casekit.Refuse("penalty.article.unknown", duty.Args{"Got": in.Article})
}

// penaltyAllowed checks a penalty against the case: a daily fine needs
// the correction order it counts from, a fine is within its article's
// range, and the simple procedure decides only a warning or a small fine.
func (in Input) penaltyAllowed(p Penalty) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := in.withinArticle(p); err != nil {
		return err
	}
	if p.Kind == KindDailyFine && in.CorrectionOrderDate.IsZero() {
		return casekit.Refuse("penalty.daily_fine.order_date", nil)
	}
	if in.Procedure == ProcedureSimple {
		limit := in.Rules.SimpleUnitYuan
		if in.Party.Kind == PartyPerson {
			limit = in.Rules.SimplePersonYuan
		}
		if p.Kind != KindWarning && (p.Kind != KindFine || p.AmountYuan > limit) {
			return casekit.Refuse("penalty.simple.too_heavy", duty.Args{"Limit": limit, "Party": i18n.Ref("party." + string(in.Party.Kind)), "Penalty": p.Message()})
		}
	}
	return nil
}

// simple reports whether the case follows the simple procedure.
func (in Input) simple() bool { return in.Procedure == ProcedureSimple }

// State is where a penalty case stands.
type State string

// Penalty case states, in the order a case usually passes them.
const (
	Opened             State = "opened"            // 已立案
	Notified           State = "notified"          // 已告知: plea and hearing windows
	HearingRequested   State = "hearing_requested" // 已申请听证
	HearingScheduled   State = "hearing_scheduled" // 已通知听证
	HearingHeld        State = "hearing_held"      // 已听证
	Decided            State = "decided"           // 已决定, to be served
	Served             State = "served"            // 已送达, payment running
	PaymentOverdue     State = "payment_overdue"   // 逾期未缴: surcharge running
	Reminded           State = "reminded"          // 已催告
	Paid               State = "paid"              // 已缴纳 (closed)
	Executed           State = "executed"          // 已执行: nothing to pay (closed)
	Revoked            State = "revoked"           // 已撤销 on review or by a court (closed)
	EnforcementApplied State = "enforcement"       // 已申请法院强制执行 (closed)
	Withdrawn          State = "withdrawn"         // 已撤案: closed without a decision
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Opened:
		return "已立案 opened"
	case Notified:
		return "已告知 notified"
	case HearingRequested:
		return "已申请听证 hearing requested"
	case HearingScheduled:
		return "已通知听证 hearing scheduled"
	case HearingHeld:
		return "已听证 hearing held"
	case Decided:
		return "已决定 decided"
	case Served:
		return "已送达 served"
	case PaymentOverdue:
		return "逾期未缴 payment overdue"
	case Reminded:
		return "已催告 reminded"
	case Paid:
		return "已缴纳 paid"
	case Executed:
		return "已执行 executed"
	case Revoked:
		return "已撤销 revoked"
	case EnforcementApplied:
		return "已申请强制执行 enforcement applied"
	case Withdrawn:
		return "已撤案 withdrawn"
	}
	return string(s)
}

// closed reports whether the state ends the case.
func (s State) closed() bool {
	switch s {
	case Paid, Executed, Revoked, EnforcementApplied, Withdrawn:
		return true
	}
	return false
}

// NotifyInput is the notice of the intended penalty (告知, Art.44).
// A zero Penalty notifies the proposed one; the notified penalty is the
// ceiling of the decision.
type NotifyInput struct {
	Actor   cases.Actor `json:"actor"`
	Penalty Penalty     `json:"penalty,omitzero"`
	Note    string      `json:"note,omitempty"`
}

// PleadInput is the party's statement and defence (陈述申辩, Art.45).
// RequestedAmountYuan is the amount the party argues for, if any.
type PleadInput struct {
	Actor               cases.Actor `json:"actor"`
	Statement           string      `json:"statement"`
	RequestedAmountYuan int64       `json:"requested_amount_yuan,omitempty"`
}

// WaiveRightsInput is the party's written waiver of its rights to state
// and defend and to ask for a hearing (放弃陈述申辩和听证权利): the
// windows close at once and the decision may follow.
type WaiveRightsInput struct {
	Actor     cases.Actor `json:"actor"`
	Statement string      `json:"statement"`
}

// DecideOnTheSpotInput is a decision under the simple procedure (当场处罚,
// Art.51/52): the officers told the party the facts, grounds and its
// rights and heard its statement; the numbered decision form is handed
// over at once, or its refusal noted.
type DecideOnTheSpotInput struct {
	Actor cases.Actor `json:"actor"`
	// Penalty is the one decided: never heavier than the one proposed.
	Penalty Penalty `json:"penalty"`
	// Statement is what the party said in its defence, if anything.
	Statement  string `json:"statement,omitempty"`
	Reasons    string `json:"reasons"`
	DocumentNo string `json:"document_no"`
	// ReceivedBy is who received the form; RefusedToSign notes a refusal.
	ReceivedBy    string `json:"received_by"`
	RefusedToSign bool   `json:"refused_to_sign,omitempty"`
}

// Validate checks the decision's own fields.
func (in DecideOnTheSpotInput) Validate() error {
	if err := casekit.Text("field.penalty.reasons", in.Reasons, true); err != nil {
		return err
	}
	if err := casekit.Text("field.penalty.decision_no", in.DocumentNo, true); err != nil {
		return err
	}
	if err := casekit.Text("field.penalty.received_by", in.ReceivedBy, true); err != nil {
		return err
	}
	return casekit.Text("field.penalty.statement", in.Statement, false)
}

// Waiver is the party's recorded waiver.
type Waiver struct {
	WaiveRightsInput
	At time.Time `json:"at"`
}

// RequestHearingInput is the party's request for a hearing (Art.63/64).
type RequestHearingInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason,omitempty"`
}

// ScheduleHearingInput notifies the hearing. The presider may not be one
// of the case's investigating officers (Art.64(4)).
type ScheduleHearingInput struct {
	Actor    cases.Actor `json:"actor"`
	At       time.Time   `json:"at"`
	Place    string      `json:"place"`
	Presider string      `json:"presider"`
}

// RecordHearingInput is the hearing transcript (听证笔录); the decision
// rests on it (Art.65).
type RecordHearingInput struct {
	Actor         cases.Actor `json:"actor"`
	Transcript    string      `json:"transcript"`
	PartyAttended bool        `json:"party_attended"`
	// OccurredAt is when the hearing was held; zero means when recorded.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// maxParticipants bounds a collective discussion's list of participants
// as a warning talk's list of persons called is bounded.
const maxParticipants = 30

// RecordDiscussionInput is the collective discussion of the agency heads
// (集体讨论, Art.57).
type RecordDiscussionInput struct {
	Actor        cases.Actor `json:"actor"`
	Participants []string    `json:"participants"`
	Conclusion   string      `json:"conclusion"`
}

// Validate checks the discussion's own fields.
func (in RecordDiscussionInput) Validate() error {
	seen := map[string]bool{}
	for _, p := range in.Participants {
		if strings.TrimSpace(p) == "" || len(p) > casekit.MaxNameLen {
			return casekit.Refuse("penalty.discussion.participant_name", duty.Args{"Max": casekit.MaxNameLen})
		}
		seen[p] = true
	}
	if len(seen) < 2 || len(in.Participants) > maxParticipants {
		return casekit.Refuse("penalty.discussion.participants", duty.Args{"Max": maxParticipants})
	}
	return casekit.Text("field.penalty.conclusion", in.Conclusion, true)
}

// DecideInput is the decision (处罚决定, Art.57/59): it may not be
// heavier than the notice.
type DecideInput struct {
	Actor      cases.Actor `json:"actor"`
	Penalty    Penalty     `json:"penalty"`
	Reasons    string      `json:"reasons"`
	DocumentNo string      `json:"document_no,omitempty"`
}

// ServiceMethod is how a decision was served (送达方式).
type ServiceMethod string

// Service methods (Art.61 and the 民事诉讼法 rules it refers to).
const (
	ServeOnTheSpot    ServiceMethod = "on_the_spot"  // 当场交付
	ServeDirect       ServiceMethod = "direct"       // 直接送达
	ServePost         ServiceMethod = "post"         // 邮寄送达
	ServeElectronic   ServiceMethod = "electronic"   // 电子送达 (with consent)
	ServeRetained     ServiceMethod = "retained"     // 留置送达
	ServeAnnouncement ServiceMethod = "announcement" // 公告送达
)

// ServiceMethods lists the methods.
var ServiceMethods = []ServiceMethod{ServeOnTheSpot, ServeDirect, ServePost, ServeElectronic, ServeRetained, ServeAnnouncement}

// ServeInput records the service of the decision.
type ServeInput struct {
	Actor      cases.Actor   `json:"actor"`
	Method     ServiceMethod `json:"method"`
	ReceivedBy string        `json:"received_by"`
	// OccurredAt is when the decision was served (the receipt's time);
	// zero means when recorded. The review and lawsuit windows run from it.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// Validate checks the service's own fields.
func (in ServeInput) Validate() error {
	if !slices.Contains(ServiceMethods, in.Method) {
		return casekit.Refuse("penalty.service.method", nil)
	}
	return casekit.Text("field.penalty.served_on", in.ReceivedBy, true)
}

// PayInput records payment in full: the fine plus the surcharge so far,
// in fen (分). Instalments (Art.66) are not supported.
type PayInput struct {
	Actor     cases.Actor `json:"actor"`
	AmountFen int64       `json:"amount_fen"`
	Receipt   string      `json:"receipt,omitempty"`
	// OccurredAt is when the money was paid (the bank's time); zero means
	// when recorded. The surcharge is counted to it.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// AppealKind is how the party contests the decision.
type AppealKind string

// Kinds of appeal.
const (
	AppealReview  AppealKind = "review"  // 行政复议
	AppealLawsuit AppealKind = "lawsuit" // 行政诉讼
)

// AppealInput records that the party applied for review or sued.
type AppealInput struct {
	Actor     cases.Actor `json:"actor"`
	Kind      AppealKind  `json:"kind"`
	Body      string      `json:"body"` // 复议机关 or 人民法院
	Reference string      `json:"reference,omitempty"`
	// OccurredAt is when the appeal was filed; zero means when recorded.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// Appeal outcomes.
const (
	AppealUpheld  = "upheld"  // 维持: the surcharge resumes
	AppealRevoked = "revoked" // 撤销: the case closes
)

// AppealResultInput records the outcome of the pending appeal.
type AppealResultInput struct {
	Actor     cases.Actor `json:"actor"`
	Outcome   string      `json:"outcome"`
	Summary   string      `json:"summary"`
	Reference string      `json:"reference,omitempty"`
	// OccurredAt is when the appeal was decided; zero means when recorded.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// RemindInput is the written reminder (催告书, 行政强制法 Art.54).
type RemindInput struct {
	Actor     cases.Actor `json:"actor"`
	Reference string      `json:"reference,omitempty"`
}

// ApplyEnforcementInput records the application to the court (申请人民法院强制执行).
type ApplyEnforcementInput struct {
	Actor     cases.Actor `json:"actor"`
	Court     string      `json:"court"`
	Reference string      `json:"reference,omitempty"`
}

// StopDailyFineInput records the re-inspection that found the violation
// corrected: the daily fine stops accruing (Art.112).
type StopDailyFineInput struct {
	Actor    cases.Actor `json:"actor"`
	Findings string      `json:"findings"`
}

// WithdrawInput closes a case before any decision (撤案): the
// facts were not established, no penalty is due (Art.57), the matter goes
// elsewhere, or the 90 days for a decision have passed.
type WithdrawInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// QueryInput asks for the case as of At (zero: the workflow's
// present); the money owed depends on the day.
type QueryInput struct {
	At time.Time `json:"at,omitzero"`
}

// Notice is the notice as given.
type Notice struct {
	Penalty Penalty     `json:"penalty"`
	Note    string      `json:"note,omitempty"`
	By      cases.Actor `json:"by"`
	At      time.Time   `json:"at"`
	// HearingQualifies says whether the party may ask for a hearing;
	// HearingDue is then the window for it.
	HearingQualifies bool              `json:"hearing_qualifies"`
	PleaDue          calendar.Deadline `json:"plea_due"`
	HearingDue       calendar.Deadline `json:"hearing_due,omitzero"`
}

// Plea is one statement and defence.
type Plea struct {
	PleadInput
	At time.Time `json:"at"`
}

// Hearing is the hearing as requested, scheduled and held.
type Hearing struct {
	RequestedBy   cases.Actor  `json:"requested_by"`
	RequestedAt   time.Time    `json:"requested_at"`
	Reason        string       `json:"reason,omitempty"`
	At            time.Time    `json:"at,omitzero"`
	Place         string       `json:"place,omitempty"`
	Presider      string       `json:"presider,omitempty"`
	ScheduledBy   *cases.Actor `json:"scheduled_by,omitempty"`
	ScheduledAt   time.Time    `json:"scheduled_at,omitzero"`
	HeldAt        time.Time    `json:"held_at,omitzero"`
	Transcript    string       `json:"transcript,omitempty"`
	PartyAttended bool         `json:"party_attended"`
	RecordedBy    *cases.Actor `json:"recorded_by,omitempty"`
}

// Discussion is a recorded collective discussion.
type Discussion struct {
	RecordDiscussionInput
	At time.Time `json:"at"`
}

// Decision is the decision as made.
type Decision struct {
	DecideInput
	At         time.Time         `json:"at"`
	ServiceDue calendar.Deadline `json:"service_due"`
}

// Service is the service as made; Late when after its deadline. The
// party's windows to appeal run from it.
type Service struct {
	ServeInput
	At         time.Time         `json:"at"`
	Late       bool              `json:"late"`
	ReviewDue  calendar.Deadline `json:"review_due"`
	LawsuitDue calendar.Deadline `json:"lawsuit_due"`
}

// Payment is the payment that closed the case.
type Payment struct {
	PayInput
	At           time.Time `json:"at"`
	PrincipalFen int64     `json:"principal_fen"`
	SurchargeFen int64     `json:"surcharge_fen"`
}

// Appeal is one review or lawsuit; Outcome is empty while pending.
type Appeal struct {
	AppealInput
	FiledAt   time.Time    `json:"filed_at"`
	Outcome   string       `json:"outcome,omitempty"`
	Summary   string       `json:"summary,omitempty"`
	DecidedAt time.Time    `json:"decided_at,omitzero"`
	DecidedBy *cases.Actor `json:"decided_by,omitempty"`
}

// Reminder is the written reminder; EnforceFrom is the earliest moment
// the court may be asked (10 days after it, and after the lawsuit window).
type Reminder struct {
	RemindInput
	At          time.Time `json:"at"`
	EnforceFrom time.Time `json:"enforce_from"`
	EnforceBy   time.Time `json:"enforce_by"`
}

// Enforcement is the application to the court; ClaimedFen is the fine and
// surcharge owed that day.
type Enforcement struct {
	ApplyEnforcementInput
	At         time.Time `json:"at"`
	ClaimedFen int64     `json:"claimed_fen"`
}

// DailyFine is a daily fine's accrual: DailyYuan for each day from From
// to the day the correction was verified (StoppedOn) or, while it runs,
// to the view's day, both included.
type DailyFine struct {
	DailyYuan   int64         `json:"daily_yuan"`
	From        calendar.Date `json:"from"`
	StoppedOn   calendar.Date `json:"stopped_on,omitzero"`
	Findings    string        `json:"findings,omitempty"`
	Days        int           `json:"days"`
	AccruedYuan int64         `json:"accrued_yuan"`
}

// Money is what is owed as of AsOf, in fen: the fine (a daily fine's
// accrued total) and the late surcharge, 3% a day not under appeal,
// capped at the fine (Art.72/73).
type Money struct {
	AsOf            time.Time `json:"as_of"`
	PrincipalFen    int64     `json:"principal_fen"`
	SurchargeDays   int       `json:"surcharge_days"`
	SurchargeFen    int64     `json:"surcharge_fen"`
	SurchargeCapped bool      `json:"surcharge_capped"`
	// SurchargeSpans are the days since the first day late, span by span:
	// charged, or not while an appeal was pending — the count behind
	// SurchargeDays, for the party and the page to check.
	SurchargeSpans []SurchargeSpan `json:"surcharge_spans,omitempty"`
	DueFen         int64           `json:"due_fen"`
	PaidFen        int64           `json:"paid_fen"`
}

// SurchargeSpan is a run of days charged alike.
type SurchargeSpan struct {
	From    calendar.Date `json:"from"`
	To      calendar.Date `json:"to"`
	Days    int           `json:"days"`
	Charged bool          `json:"charged"`
	// Why names the rule: 加处罚款 (Art.72) or 复议/诉讼期间不加处 (Art.73).
	Why string `json:"why"`
}

// View is the penalty case as the workflow holds it.
type View struct {
	cases.Summary
	// Case is the opening input with its calendar left out (it is in the
	// history once; the deadlines below are what it produced).
	Case               Input              `json:"case"`
	DecisionDue        calendar.Deadline  `json:"decision_due"`
	Notice             *Notice            `json:"notice,omitempty"`
	Pleas              []Plea             `json:"pleas"`
	Waiver             *Waiver            `json:"waiver,omitempty"`
	Hearing            *Hearing           `json:"hearing,omitempty"`
	DiscussionRequired bool               `json:"discussion_required"`
	Discussion         *Discussion        `json:"discussion,omitempty"`
	Decision           *Decision          `json:"decision,omitempty"`
	Service            *Service           `json:"service,omitempty"`
	PaymentDue         *calendar.Deadline `json:"payment_due,omitempty"`
	Payment            *Payment           `json:"payment,omitempty"`
	Appeals            []Appeal           `json:"appeals"`
	Reminder           *Reminder          `json:"reminder,omitempty"`
	Enforcement        *Enforcement       `json:"enforcement,omitempty"`
	DailyFine          *DailyFine         `json:"daily_fine,omitempty"`
	Money              Money              `json:"money"`
	NextActions        []string           `json:"next_actions"`
	Seq                int64              `json:"seq"`
}

// Result is what a closed penalty case returns.
type Result struct {
	CaseNo  string   `json:"case_no"`
	State   string   `json:"state"`
	Penalty *Penalty `json:"penalty,omitempty"`
	Money   Money    `json:"money"`
}

// withinArticle checks a fine against the range of the article it is
// under, with the numbers of the case's rule set: Art.102 fines the unit
// at most ¥50,000 and, when the unit refuses, its directly responsible
// persons ¥50,000 to ¥100,000; Art.97 the unit at most ¥100,000, and
// after the deadline passed ¥100,000–200,000 and the persons in charge
// ¥20,000–50,000; an accident's fines stay in the range its grade sets.
// The authority limit is checked besides, by the API.
func (in Input) withinArticle(p Penalty) error {
	if p.Kind != KindFine {
		return nil
	}
	r, person := in.Rules, in.Party.Kind == PartyPerson
	var lo, hi int64
	// basis is the accident's own words for its range, else the
	// article's message.
	var basis any
	switch {
	case in.Range != nil:
		lo, hi, basis = in.Range.MinYuan, in.Range.MaxYuan, in.Range.Basis
	case in.Article == Article102 && person:
		lo, hi = r.Art102PersonMinYuan, r.Art102PersonMaxYuan
		basis = i18n.Ref("penalty.basis.art102_person")
	case in.Article == Article102:
		hi = r.Art102UnitMaxYuan
		basis = i18n.Ref("penalty.basis.art102_unit")
	case in.Article == Article97:
		hi = r.Art97UnitMaxYuan
		basis = i18n.Ref("penalty.basis.art97_unit")
	case in.Article == Article97Overdue && person:
		lo, hi = r.Art97PersonMinYuan, r.Art97PersonMaxYuan
		basis = i18n.Ref("penalty.basis.art97_person")
	case in.Article == Article97Overdue:
		lo, hi = r.Art97OverdueUnitMinYuan, r.Art97OverdueUnitMaxYuan
		basis = i18n.Ref("penalty.basis.art97_overdue_unit")
	default:
		return nil
	}
	if p.AmountYuan < lo || p.AmountYuan > hi {
		if lo == 0 {
			return casekit.Refuse("penalty.fine.above", duty.Args{"Basis": basis, "Max": hi, "Got": p.AmountYuan})
		}
		return casekit.Refuse("penalty.fine.outside", duty.Args{"Basis": basis, "Min": lo, "Max": hi, "Got": p.AmountYuan})
	}
	return nil
}
