package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
)

// field is one input of an action form. Name is the JSON field it fills;
// a dot nests it ("penalty.kind" fills {"penalty":{"kind":…}}). Label and
// Hint are message IDs of the catalogue (form.<kind>.<step>.<field>), so
// a page shows them in its visitor's language (the say function).
type field struct {
	Name     string
	Label    string
	Type     string // see the field types below
	Required bool
	Options  []option
	Hint     string
	// Columns are the parts of each line of a rows field (accidents.go).
	Columns []column
}

// Field types and the JSON they become.
const (
	fText       = "text"       // string
	fTextarea   = "textarea"   // string
	fDate       = "date"       // "2026-12-31": the end of that day, Beijing time
	fDateTime   = "datetime"   // a moment, Beijing time
	fInt        = "int"        // number
	fBool       = "bool"       // true / false, chosen
	fCheck      = "check"      // true when ticked
	fLines      = "lines"      // one string per line
	fPersons    = "persons"    // "姓名,职务" per line: [{name, role}]
	fEvidence   = "evidence"   // uploaded files, kept with their SHA-256: [{name, sha256, uri}]
	fAttendance = "attendance" // one tick per person the notice called: [{name, attended}]
	fOrg        = "org"        // an organisation's id, chosen from the directory
	fSelect     = "select"     // one of Options, as a string
	fRadio      = "radio"      // one of Options, as a string, chosen by a large tap target (a phone on site)
)

// option is one choice of a field. Label is a message ID of the catalogue,
// or, for a choice made from the case (a person named), its own text.
type option struct{ Value, Label string }

// actionForm is the form of one step: which case kind and update it
// belongs to, the side that takes it, and the API endpoint it posts to.
// Start forms begin a new case from this one (a rung of the ladder).
type actionForm struct {
	Kind   cases.Kind
	Action string
	Label  string
	Side   string // "regulator", "enterprise" or "holder" (an escalation's receiver)
	Path   string // with {no} for the case number
	Fields []field
	Start  bool
	// Item marks a step taken on one item of an inspection's checklist:
	// the case page shows it on the item's card, not with the others.
	Item bool
}

// Key identifies the form in a posted page.
func (f actionForm) Key() string { return string(f.Kind) + ":" + f.Action }

func (f actionForm) path(no string) string {
	return strings.ReplaceAll(f.Path, "{no}", url.PathEscape(no))
}

var (
	approveReturn = []option{{"true", "option.approve_return.true"}, {"false", "option.approve_return.false"}}
	grantRefuse   = []option{{"true", "option.grant_refuse.true"}, {"false", "option.grant_refuse.false"}}
	passFail      = []option{{"true", "option.pass_fail.true"}, {"false", "option.pass_fail.false"}}
	penaltyKinds  = []option{{"warning", "option.penalty_kinds.warning"}, {"fine", "option.penalty_kinds.fine"}, {"daily_fine", "option.penalty_kinds.daily_fine"}, {"stop_production", "option.penalty_kinds.stop_production"}}
	gradeOptions  = []option{{"general", "option.grade_options.general"}, {"major", "option.grade_options.major"}}
)

// hazardForm opens a hazard case from an inspection (隐患登记).
var hazardForm = actionForm{Kind: cases.KindHazard, Action: "open", Label: "form.hazard.open", Side: "regulator", Path: "/api/v1/hazards",
	Fields: []field{
		{Name: "enterprise_id", Label: "form.hazard.open.enterprise_id", Type: fOrg, Required: true},
		{Name: "grade", Label: "form.hazard.open.grade", Type: fSelect, Options: gradeOptions, Required: true},
		{Name: "location", Label: "form.hazard.open.location", Type: fText, Required: true},
		{Name: "description", Label: "form.hazard.open.description", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "form.hazard.open.evidence", Type: fEvidence},
	}}

// inspectionForm opens an inspection (现场检查) from the desk; the checklist
// is the enterprise's sector's, chosen by the server.
var inspectionForm = actionForm{Kind: cases.KindInspection, Action: "open", Label: "form.inspection.open", Side: "regulator", Path: "/api/v1/inspections",
	Fields: []field{
		{Name: "enterprise_id", Label: "form.inspection.open.enterprise_id", Type: fOrg, Required: true},
		{Name: "second_officer_login", Label: "form.inspection.open.second_officer_login", Type: fText, Required: true,
			Hint: "form.inspection.open.second_officer_login.hint"},
		{Name: "place", Label: "form.inspection.open.place", Type: fText, Required: true},
	}}

var (
	findingOptions      = []option{{"passed", "option.finding_options.passed"}, {"failed", "option.finding_options.failed"}, {"not_applicable", "option.finding_options.not_applicable"}}
	itemDecisionOptions = []option{{"corrected", "option.item_decision_options.corrected"}, {"order", "option.item_decision_options.order"}, {"stop", "option.item_decision_options.stop"}}
	signerOptions       = []option{{"officer", "option.signer_options.officer"}, {"enterprise", "option.signer_options.enterprise"}}
)

// inspectionForms are the steps of an inspection; the item steps are
// shown on each item's card of the checklist.
var inspectionForms = []actionForm{
	{Kind: cases.KindInspection, Action: "record_item", Label: "form.inspection.record_item", Side: "regulator", Path: "/api/v1/inspections/{no}/items", Item: true, Fields: []field{
		{Name: "no", Label: "form.inspection.record_item.no", Type: fText, Required: true},
		{Name: "result", Label: "form.inspection.record_item.result", Type: fRadio, Options: findingOptions, Required: true},
		{Name: "note", Label: "form.inspection.record_item.note", Type: fTextarea},
		{Name: "photos", Label: "form.inspection.record_item.photos", Type: fEvidence}}},
	{Kind: cases.KindInspection, Action: "decide_item", Label: "form.inspection.decide_item", Side: "regulator", Path: "/api/v1/inspections/{no}/decisions", Item: true, Fields: []field{
		{Name: "no", Label: "form.inspection.decide_item.no", Type: fText, Required: true},
		{Name: "decision", Label: "form.inspection.decide_item.decision", Type: fRadio, Options: itemDecisionOptions, Required: true},
		{Name: "measures", Label: "form.inspection.decide_item.measures", Type: fTextarea},
		{Name: "deadline", Label: "form.inspection.decide_item.deadline", Type: fDate},
		{Name: "scope", Label: "form.inspection.decide_item.scope", Type: fText},
		{Name: "note", Label: "form.inspection.decide_item.note", Type: fTextarea}}},
	{Kind: cases.KindInspection, Action: "sign_record", Label: "form.inspection.sign_record", Side: "regulator", Path: "/api/v1/inspections/{no}/signatures", Fields: []field{
		{Name: "signer", Label: "form.inspection.sign_record.signer", Type: fRadio, Options: signerOptions, Required: true},
		{Name: "name", Label: "form.inspection.sign_record.name", Type: fText, Hint: "form.inspection.sign_record.name.hint"}}},
	{Kind: cases.KindInspection, Action: "refuse_to_sign", Label: "form.inspection.refuse_to_sign", Side: "regulator", Path: "/api/v1/inspections/{no}/refusal", Fields: []field{
		{Name: "name", Label: "form.inspection.refuse_to_sign.name", Type: fText, Required: true},
		{Name: "reason", Label: "form.inspection.refuse_to_sign.reason", Type: fTextarea, Required: true, Hint: "form.inspection.refuse_to_sign.reason.hint"}}},
}

// rescueOpenForm registers a rescue team's preventive inspection from the
// team's page; a major hazard sounds the alarm.
var rescueOpenForm = actionForm{Kind: cases.KindRescue, Action: "open", Label: "form.rescue.open", Side: cases.SideRescue, Path: "/api/v1/rescue-inspections",
	Fields: []field{
		{Name: "enterprise_id", Label: "form.rescue.open.enterprise_id", Type: fOrg, Required: true},
		{Name: "place", Label: "form.rescue.open.place", Type: fText, Required: true},
		{Name: "findings", Label: "form.rescue.open.findings", Type: fTextarea, Required: true},
		{Name: "photos", Label: "form.rescue.open.photos", Type: fEvidence},
		{Name: "major", Label: "form.rescue.open.major", Type: fCheck},
		{Name: "advice", Label: "form.rescue.open.advice", Type: fTextarea, Hint: "form.rescue.open.advice.hint"},
	}}

var openOrNot = []option{{"true", "option.open_or_not.true"}, {"false", "option.open_or_not.false"}}

// rescueForms are the steps of a rescue team's inspection: the alarm is
// acknowledged by either side, each with its own form.
var rescueForms = []actionForm{
	{Kind: cases.KindRescue, Action: "acknowledge_alarm", Label: "form.rescue.acknowledge_alarm", Side: cases.SideEnterprise, Path: "/api/v1/rescue-inspections/{no}/acknowledgements", Fields: []field{
		{Name: "note", Label: "form.rescue.acknowledge_alarm.note", Type: fTextarea, Hint: "form.rescue.acknowledge_alarm.note.hint"}}},
	{Kind: cases.KindRescue, Action: "acknowledge_alarm", Label: "form.rescue.acknowledge_alarm_regulator", Side: cases.SideRegulator, Path: "/api/v1/rescue-inspections/{no}/acknowledgements", Fields: []field{
		{Name: "note", Label: "form.rescue.acknowledge_alarm_regulator.note", Type: fTextarea}}},
	{Kind: cases.KindRescue, Action: "decide_report", Label: "form.rescue.decide_report", Side: cases.SideRegulator, Path: "/api/v1/rescue-inspections/{no}/decision", Fields: []field{
		{Name: "open", Label: "form.rescue.decide_report.open", Type: fBool, Options: openOrNot, Required: true},
		{Name: "reasons", Label: "form.rescue.decide_report.reasons", Type: fTextarea, Required: true},
		{Name: "measures", Label: "form.rescue.decide_report.measures", Type: fTextarea, Hint: "form.rescue.decide_report.measures.hint"},
		{Name: "deadline", Label: "form.rescue.decide_report.deadline", Type: fDate, Hint: "form.rescue.decide_report.deadline.hint"}}},
	{Kind: cases.KindRescue, Action: "record_follow_up", Label: "form.rescue.record_follow_up", Side: cases.SideRescue, Path: "/api/v1/rescue-inspections/{no}/follow-ups", Fields: []field{
		{Name: "note", Label: "form.rescue.record_follow_up.note", Type: fTextarea, Required: true},
		{Name: "photos", Label: "form.rescue.record_follow_up.photos", Type: fEvidence},
		{Name: "rectified", Label: "form.rescue.record_follow_up.rectified", Type: fCheck}}},
}

// forms are the steps a page offers, by kind and update name (the
// workflows' next_actions say which are allowed now).
var forms = []actionForm{
	{Kind: cases.KindHazard, Action: "order", Label: "form.hazard.order", Side: "regulator", Path: "/api/v1/hazards/{no}/order", Fields: []field{
		{Name: "measures", Label: "form.hazard.order.measures", Type: fTextarea, Required: true},
		{Name: "deadline", Label: "form.hazard.order.deadline", Type: fDate, Required: true}}},
	{Kind: cases.KindHazard, Action: "submit_plan", Label: "form.hazard.submit_plan", Side: "enterprise", Path: "/api/v1/hazards/{no}/plan", Fields: []field{
		{Name: "responsible_person", Label: "form.hazard.submit_plan.responsible_person", Type: fText, Required: true},
		{Name: "measures", Label: "form.hazard.submit_plan.measures", Type: fTextarea, Required: true},
		{Name: "funds_yuan", Label: "form.hazard.submit_plan.funds_yuan", Type: fInt, Required: true},
		{Name: "deadline", Label: "form.hazard.submit_plan.deadline", Type: fDate, Required: true},
		{Name: "emergency_plan", Label: "form.hazard.submit_plan.emergency_plan", Type: fTextarea, Required: true}}},
	{Kind: cases.KindHazard, Action: "review_plan", Label: "form.hazard.review_plan", Side: "regulator", Path: "/api/v1/hazards/{no}/plan-review", Fields: []field{
		{Name: "approve", Label: "form.hazard.review_plan.approve", Type: fBool, Options: approveReturn, Required: true},
		{Name: "comment", Label: "form.hazard.review_plan.comment", Type: fTextarea}}},
	{Kind: cases.KindHazard, Action: "report_completion", Label: "form.hazard.report_completion", Side: "enterprise", Path: "/api/v1/hazards/{no}/completion", Fields: []field{
		{Name: "summary", Label: "form.hazard.report_completion.summary", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "form.hazard.report_completion.evidence", Type: fEvidence, Required: true}}},
	{Kind: cases.KindHazard, Action: "reinspect", Label: "form.hazard.reinspect", Side: "regulator", Path: "/api/v1/hazards/{no}/reinspection", Fields: []field{
		{Name: "passed", Label: "form.hazard.reinspect.passed", Type: fBool, Options: passFail, Required: true},
		{Name: "findings", Label: "form.hazard.reinspect.findings", Type: fTextarea, Required: true},
		{Name: "new_measures", Label: "form.hazard.reinspect.new_measures", Type: fTextarea},
		{Name: "new_deadline", Label: "form.hazard.reinspect.new_deadline", Type: fDate},
		{Name: "evidence", Label: "form.hazard.reinspect.evidence", Type: fEvidence}}},
	{Kind: cases.KindHazard, Action: "request_extension", Label: "form.hazard.request_extension", Side: "enterprise", Path: "/api/v1/hazards/{no}/extension-request", Fields: []field{
		{Name: "reason", Label: "form.hazard.request_extension.reason", Type: fTextarea, Required: true},
		{Name: "new_deadline", Label: "form.hazard.request_extension.new_deadline", Type: fDate, Required: true}}},
	{Kind: cases.KindHazard, Action: "decide_extension", Label: "form.hazard.decide_extension", Side: "regulator", Path: "/api/v1/hazards/{no}/extension-decision", Fields: []field{
		{Name: "grant", Label: "form.hazard.decide_extension.grant", Type: fBool, Options: grantRefuse, Required: true},
		{Name: "comment", Label: "form.hazard.decide_extension.comment", Type: fTextarea},
		{Name: "new_deadline", Label: "form.hazard.decide_extension.new_deadline", Type: fDate}}},

	{Kind: cases.KindTalk, Action: "record_talk", Label: "form.talk.record_talk", Side: "regulator", Path: "/api/v1/talks/{no}/record", Fields: []field{
		{Name: "attendance", Label: "form.talk.record_talk.attendance", Type: fAttendance},
		{Name: "minutes", Label: "form.talk.record_talk.minutes", Type: fTextarea, Required: true},
		{Name: "commitments", Label: "form.talk.record_talk.commitments", Type: fTextarea}}},
	{Kind: cases.KindTalk, Action: "submit_talk_report", Label: "form.talk.submit_talk_report", Side: "enterprise", Path: "/api/v1/talks/{no}/report", Fields: []field{
		{Name: "summary", Label: "form.talk.submit_talk_report.summary", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "form.talk.submit_talk_report.evidence", Type: fEvidence}}},
	{Kind: cases.KindTalk, Action: "cancel_talk", Label: "form.talk.cancel_talk", Side: "regulator", Path: "/api/v1/talks/{no}/cancel", Fields: []field{
		{Name: "reason", Label: "form.talk.cancel_talk.reason", Type: fTextarea, Required: true}}},

	{Kind: cases.KindPenalty, Action: "notify", Label: "form.penalty.notify", Side: "regulator", Path: "/api/v1/penalties/{no}/notify", Fields: []field{
		{Name: "note", Label: "form.penalty.notify.note", Type: fTextarea}}},
	{Kind: cases.KindPenalty, Action: "decide_on_the_spot", Label: "form.penalty.decide_on_the_spot", Side: "regulator", Path: "/api/v1/penalties/{no}/on-the-spot", Fields: []field{
		{Name: "penalty.kind", Label: "form.penalty.decide_on_the_spot.penalty_kind", Type: fSelect, Options: penaltyKinds[:2], Required: true},
		{Name: "penalty.amount_yuan", Label: "form.penalty.decide_on_the_spot.penalty_amount_yuan", Type: fInt},
		{Name: "statement", Label: "form.penalty.decide_on_the_spot.statement", Type: fTextarea},
		{Name: "reasons", Label: "form.penalty.decide_on_the_spot.reasons", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "form.penalty.decide_on_the_spot.document_no", Type: fText, Required: true},
		{Name: "received_by", Label: "form.penalty.decide_on_the_spot.received_by", Type: fText, Required: true},
		{Name: "refused_to_sign", Label: "form.penalty.decide_on_the_spot.refused_to_sign", Type: fCheck}}},
	{Kind: cases.KindPenalty, Action: "plead", Label: "form.penalty.plead", Side: "enterprise", Path: "/api/v1/penalties/{no}/plead", Fields: []field{
		{Name: "statement", Label: "form.penalty.plead.statement", Type: fTextarea, Required: true},
		{Name: "requested_amount_yuan", Label: "form.penalty.plead.requested_amount_yuan", Type: fInt}}},
	{Kind: cases.KindPenalty, Action: "waive_rights", Label: "form.penalty.waive_rights", Side: "enterprise", Path: "/api/v1/penalties/{no}/waiver", Fields: []field{
		{Name: "statement", Label: "form.penalty.waive_rights.statement", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "request_hearing", Label: "form.penalty.request_hearing", Side: "enterprise", Path: "/api/v1/penalties/{no}/hearing-request", Fields: []field{
		{Name: "reason", Label: "form.penalty.request_hearing.reason", Type: fTextarea}}},
	{Kind: cases.KindPenalty, Action: "schedule_hearing", Label: "form.penalty.schedule_hearing", Side: "regulator", Path: "/api/v1/penalties/{no}/hearing-schedule", Fields: []field{
		{Name: "at", Label: "form.penalty.schedule_hearing.at", Type: fDateTime, Required: true},
		{Name: "place", Label: "form.penalty.schedule_hearing.place", Type: fText, Required: true},
		{Name: "presider", Label: "form.penalty.schedule_hearing.presider", Type: fText, Required: true}}},
	{Kind: cases.KindPenalty, Action: "record_hearing", Label: "form.penalty.record_hearing", Side: "regulator", Path: "/api/v1/penalties/{no}/hearing-record", Fields: []field{
		{Name: "transcript", Label: "form.penalty.record_hearing.transcript", Type: fTextarea, Required: true},
		{Name: "party_attended", Label: "form.penalty.record_hearing.party_attended", Type: fCheck}}},
	{Kind: cases.KindPenalty, Action: "record_discussion", Label: "form.penalty.record_discussion", Side: "regulator", Path: "/api/v1/penalties/{no}/discussion", Fields: []field{
		{Name: "participants", Label: "form.penalty.record_discussion.participants", Type: fLines, Required: true},
		{Name: "conclusion", Label: "form.penalty.record_discussion.conclusion", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "decide", Label: "form.penalty.decide", Side: "regulator", Path: "/api/v1/penalties/{no}/decision", Fields: []field{
		{Name: "penalty.kind", Label: "form.penalty.decide.penalty_kind", Type: fSelect, Options: penaltyKinds, Required: true},
		{Name: "penalty.amount_yuan", Label: "form.penalty.decide.penalty_amount_yuan", Type: fInt},
		{Name: "reasons", Label: "form.penalty.decide.reasons", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "form.penalty.decide.document_no", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "serve", Label: "form.penalty.serve", Side: "regulator", Path: "/api/v1/penalties/{no}/service", Fields: []field{
		{Name: "method", Label: "form.penalty.serve.method", Type: fSelect, Required: true, Options: []option{{"direct", "form.penalty.serve.method.direct"}, {"on_the_spot", "form.penalty.serve.method.on_the_spot"},
			{"post", "form.penalty.serve.method.post"}, {"electronic", "form.penalty.serve.method.electronic"}, {"retained", "form.penalty.serve.method.retained"}, {"announcement", "form.penalty.serve.method.announcement"}}},
		{Name: "received_by", Label: "form.penalty.serve.received_by", Type: fText, Required: true}}},
	{Kind: cases.KindPenalty, Action: "pay", Label: "form.penalty.pay", Side: "enterprise", Path: "/api/v1/penalties/{no}/payment", Fields: []field{
		{Name: "amount_fen", Label: "form.penalty.pay.amount_fen", Type: fInt, Required: true},
		{Name: "receipt", Label: "form.penalty.pay.receipt", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "appeal", Label: "form.penalty.appeal", Side: "enterprise", Path: "/api/v1/penalties/{no}/appeal", Fields: []field{
		{Name: "kind", Label: "form.penalty.appeal.kind", Type: fSelect, Required: true, Options: []option{{"review", "form.penalty.appeal.kind.review"}, {"lawsuit", "form.penalty.appeal.kind.lawsuit"}}},
		{Name: "body", Label: "form.penalty.appeal.body", Type: fText, Required: true},
		{Name: "reference", Label: "form.penalty.appeal.reference", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "appeal_result", Label: "form.penalty.appeal_result", Side: "regulator", Path: "/api/v1/penalties/{no}/appeal-result", Fields: []field{
		{Name: "outcome", Label: "form.penalty.appeal_result.outcome", Type: fSelect, Required: true, Options: []option{{"upheld", "form.penalty.appeal_result.outcome.upheld"}, {"revoked", "form.penalty.appeal_result.outcome.revoked"}}},
		{Name: "summary", Label: "form.penalty.appeal_result.summary", Type: fTextarea, Required: true},
		{Name: "reference", Label: "form.penalty.appeal_result.reference", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "remind", Label: "form.penalty.remind", Side: "regulator", Path: "/api/v1/penalties/{no}/reminder", Fields: []field{
		{Name: "reference", Label: "form.penalty.remind.reference", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "apply_enforcement", Label: "form.penalty.apply_enforcement", Side: "regulator", Path: "/api/v1/penalties/{no}/enforcement", Fields: []field{
		{Name: "court", Label: "form.penalty.apply_enforcement.court", Type: fText, Required: true},
		{Name: "reference", Label: "form.penalty.apply_enforcement.reference", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "stop_daily_fine", Label: "form.penalty.stop_daily_fine", Side: "regulator", Path: "/api/v1/penalties/{no}/daily-fine-stop", Fields: []field{
		{Name: "findings", Label: "form.penalty.stop_daily_fine.findings", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "withdraw", Label: "form.penalty.withdraw", Side: "regulator", Path: "/api/v1/penalties/{no}/withdrawal", Fields: []field{
		{Name: "reason", Label: "form.penalty.withdraw.reason", Type: fTextarea, Required: true}}},

	{Kind: cases.KindEscalation, Action: "acknowledge", Label: "form.escalation.acknowledge", Side: "holder", Path: "/api/v1/escalations/{no}/acknowledge"},
	{Kind: cases.KindEscalation, Action: "forward", Label: "form.escalation.forward", Side: "holder", Path: "/api/v1/escalations/{no}/forward", Fields: []field{
		{Name: "to_org_id", Label: "form.escalation.forward.to_org_id", Type: fOrg, Required: true},
		{Name: "reason", Label: "form.escalation.forward.reason", Type: fTextarea, Required: true}}},
	{Kind: cases.KindEscalation, Action: "decide", Label: "form.escalation.decide", Side: "holder", Path: "/api/v1/escalations/{no}/decide", Fields: []field{
		{Name: "decision", Label: "form.escalation.decide.decision", Type: fTextarea, Required: true}}},
	{Kind: cases.KindEscalation, Action: "return", Label: "form.escalation.return", Side: "holder", Path: "/api/v1/escalations/{no}/return", Fields: []field{
		{Name: "reason", Label: "form.escalation.return.reason", Type: fTextarea, Required: true}}},
}

// startForms begin a rung of the enforcement ladder from a hazard.
var startForms = []actionForm{
	{Kind: cases.KindHazard, Action: "start_talk", Label: "form.hazard.start_talk", Side: "regulator", Path: "/api/v1/cases/{no}/warning-talks", Start: true, Fields: []field{
		{Name: "persons", Label: "form.hazard.start_talk.persons", Type: fPersons, Required: true},
		{Name: "scheduled_at", Label: "form.hazard.start_talk.scheduled_at", Type: fDateTime, Required: true},
		{Name: "place", Label: "form.hazard.start_talk.place", Type: fText, Required: true},
		{Name: "subject", Label: "form.hazard.start_talk.subject", Type: fText, Required: true}}},
	{Kind: cases.KindHazard, Action: "start_penalty", Label: "form.hazard.start_penalty", Side: "regulator", Path: "/api/v1/cases/{no}/penalties", Start: true, Fields: []field{
		{Name: "procedure", Label: "form.hazard.start_penalty.procedure", Type: fSelect, Required: true, Options: []option{{"general", "form.hazard.start_penalty.procedure.general"}, {"simple", "form.hazard.start_penalty.procedure.simple"}}},
		{Name: "party.kind", Label: "form.hazard.start_penalty.party_kind", Type: fSelect, Required: true, Options: []option{{"unit", "form.hazard.start_penalty.party_kind.unit"}, {"person", "form.hazard.start_penalty.party_kind.person"}}},
		{Name: "party.name", Label: "form.hazard.start_penalty.party_name", Type: fText, Required: true},
		{Name: "proposed.kind", Label: "form.hazard.start_penalty.proposed_kind", Type: fSelect, Options: penaltyKinds, Required: true},
		{Name: "proposed.amount_yuan", Label: "form.hazard.start_penalty.proposed_amount_yuan", Type: fInt},
		{Name: "facts", Label: "form.hazard.start_penalty.facts", Type: fTextarea, Required: true},
		{Name: "grounds", Label: "form.hazard.start_penalty.grounds", Type: fText, Required: true},
		{Name: "co_officer_login", Label: "form.hazard.start_penalty.co_officer_login", Type: fText, Required: true},
		{Name: "correction_order_date", Label: "form.hazard.start_penalty.correction_order_date", Type: fDate}}},
	{Kind: cases.KindHazard, Action: "start_escalation", Label: "form.hazard.start_escalation", Side: "regulator", Path: "/api/v1/cases/{no}/escalations", Start: true, Fields: []field{
		{Name: "to_org_id", Label: "form.hazard.start_escalation.to_org_id", Type: fOrg, Required: true},
		{Name: "reason", Label: "form.hazard.start_escalation.reason", Type: fSelect, Required: true, Options: []option{{"authority_limit", "form.hazard.start_escalation.reason.authority_limit"},
			{"closure", "form.hazard.start_escalation.reason.closure"}, {"licence_suspension", "form.hazard.start_escalation.reason.licence_suspension"}, {"listed_supervision", "form.hazard.start_escalation.reason.listed_supervision"},
			{"transfer", "form.hazard.start_escalation.reason.transfer"}, {"crime", "form.hazard.start_escalation.reason.crime"}}},
		{Name: "summary", Label: "form.hazard.start_escalation.summary", Type: fTextarea, Required: true},
		{Name: "amount_yuan", Label: "form.hazard.start_escalation.amount_yuan", Type: fInt},
		{Name: "major", Label: "form.hazard.start_escalation.major", Type: fCheck}}},
}

// formByKey finds a form by its key.
func formByKey(key string) (actionForm, bool) {
	for _, list := range [][]actionForm{forms, startForms, inspectionForms, rescueForms, campaignForms} {
		if i := slices.IndexFunc(list, func(f actionForm) bool { return f.Key() == key }); i >= 0 {
			return list[i], true
		}
	}
	return actionForm{}, false
}

// formsFor lists the forms of the steps the case allows now and the
// visitor's side takes, and the rungs a regulator may start from an open
// hazard. The API decides again on submission.
func formsFor(sum cases.Summary, view map[string]any, side string) (steps, starts []actionForm) {
	if sum.ClosedAt != nil {
		return nil, nil
	}
	next, _ := view["next_actions"].([]any)
	for _, f := range slices.Concat(forms, inspectionForms, rescueForms, campaignForms) {
		if f.Kind != sum.Kind || !slices.Contains(next, any(f.Action)) {
			continue
		}
		levels := (f.Side == "level" || f.Side == "asker") && side == "regulator"
		if f.Side == side || levels || (f.Side == "holder" && side == "regulator") || (f.Kind == cases.KindPenalty && f.Action == "pay") {
			steps = append(steps, f)
		}
	}
	if sum.Kind == cases.KindHazard && side == "regulator" && sum.State != "reported" {
		starts = startForms
	}
	return steps, starts
}

// maxUpload bounds one form with its evidence files.
const maxUpload = 32 << 20

// formBody turns a posted form into the API request body: each field's
// value converted to its JSON type, nested by the dots in its name.
// Evidence files are staged by up (nil: the form takes none).
func formBody(r *http.Request, fields []field, up *upload) (map[string]any, error) {
	body := map[string]any{}
	lang := reqLang(r)
	for _, f := range fields {
		v, set, err := fieldValue(r, f, up)
		if err != nil {
			var why any = err.Error() // a file that could not be staged
			var m i18n.Messager
			if errors.As(err, &m) {
				why = m.Msg()
			}
			return nil, errors.New(i18n.T(lang, "form.error.field", i18n.Args{"Field": i18n.Ref(f.Label), "Err": why}))
		}
		if !set {
			if f.Required {
				return nil, errors.New(i18n.T(lang, "form.error.required", i18n.Args{"Field": i18n.Ref(f.Label)}))
			}
			continue
		}
		put(body, f.Name, v)
	}
	return body, nil
}

// formError is what is wrong with a field's value, as a message of the
// catalogue (i18n.Messager), for formBody to name in the visitor's
// language.
type formError struct {
	ID   string
	Args i18n.Args
}

// Msg is the error's message.
func (e formError) Msg() i18n.Msg { return i18n.Msg{ID: e.ID, Args: e.Args} }

func (e formError) Error() string { return i18n.T(i18n.Chinese, e.ID, e.Args) }

// fieldValue reads one field; set is false when it was left empty.
func fieldValue(r *http.Request, f field, up *upload) (v any, set bool, err error) {
	raw := strings.TrimSpace(r.PostForm.Get(f.Name))
	switch f.Type {
	case fCheck:
		return raw != "", true, nil
	case fAttendance:
		names, present := r.PostForm["att_name"], r.PostForm["att_present"]
		out := make([]map[string]any, 0, len(names))
		for i, n := range names {
			out = append(out, map[string]any{"name": n, "attended": slices.Contains(present, strconv.Itoa(i))})
		}
		return out, len(out) > 0, nil
	case fEvidence:
		files, err := saveEvidence(r, f.Name, up)
		return files, len(files) > 0, err
	case fChecks:
		ticked := r.PostForm[f.Name]
		return ticked, len(ticked) > 0, nil
	}
	if raw == "" {
		return nil, false, nil
	}
	switch f.Type {
	case fInt, fOrg:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, false, formError{ID: "form.error.integer"}
		}
		return n, true, nil
	case fBool:
		return raw == "true", true, nil
	case fDateTime:
		// <input type=datetime-local> gives "2026-12-05T09:30": Beijing time.
		if len(raw) == len("2006-01-02T15:04") {
			raw += ":00"
		}
		return raw + "+08:00", true, nil
	case fLines:
		return lines(raw), true, nil
	case fRows:
		rows, err := rowsValue(raw, f.Columns)
		return rows, len(rows) > 0, err
	case fPersons:
		var out []map[string]string
		for _, l := range lines(raw) {
			name, role, _ := strings.Cut(strings.ReplaceAll(l, "，", ","), ",")
			out = append(out, map[string]string{"name": strings.TrimSpace(name), "role": strings.TrimSpace(role)})
		}
		return out, true, nil
	}
	return raw, true, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// put sets a dotted name in a nested body.
func put(body map[string]any, name string, v any) {
	head, rest, nested := strings.Cut(name, ".")
	if !nested {
		body[head] = v
		return
	}
	inner, ok := body[head].(map[string]any)
	if !ok {
		inner = map[string]any{}
		body[head] = inner
	}
	put(inner, rest, v)
}

// saveEvidence stages the uploaded files of a field (up keeps them once
// the step is taken) and returns what the case records of them.
func saveEvidence(r *http.Request, name string, up *upload) ([]map[string]string, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, nil
	}
	if up == nil {
		return nil, formError{ID: "form.error.no_evidence"}
	}
	var out []map[string]string
	for _, fh := range r.MultipartForm.File[name] {
		sum, err := up.stage(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]string{"name": evidenceName(fh), "sha256": sum, "uri": "evidence:" + sum})
	}
	return out, nil
}

// splitItemForms takes the steps on one item of a checklist out of a
// case's steps: the page shows them on each item's card.
func splitItemForms(all []actionForm) (steps, items []actionForm) {
	for _, f := range all {
		if f.Item {
			items = append(items, f)
		} else {
			steps = append(steps, f)
		}
	}
	return steps, items
}

// hasForm reports whether a list holds the form of key.
func hasForm(list []actionForm, key string) bool {
	return slices.ContainsFunc(list, func(f actionForm) bool { return f.Key() == key })
}
