package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/duty-project/duty/cases"
)

// field is one input of an action form. Name is the JSON field it fills;
// a dot nests it ("penalty.kind" fills {"penalty":{"kind":…}}).
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
	approveReturn = []option{{"true", "同意"}, {"false", "退回修改"}}
	grantRefuse   = []option{{"true", "批准延期"}, {"false", "不予批准"}}
	passFail      = []option{{"true", "合格"}, {"false", "不合格"}}
	penaltyKinds  = []option{{"warning", "警告"}, {"fine", "罚款"}, {"daily_fine", "按日连续处罚"}, {"stop_production", "责令停产停业整顿"}}
	gradeOptions  = []option{{"general", "一般隐患"}, {"major", "重大隐患"}}
)

// hazardForm opens a hazard case from an inspection (隐患登记).
var hazardForm = actionForm{Kind: cases.KindHazard, Action: "open", Label: "登记隐患", Side: "regulator", Path: "/api/v1/hazards",
	Fields: []field{
		{Name: "enterprise_id", Label: "企业", Type: fOrg, Required: true},
		{Name: "grade", Label: "等级", Type: fSelect, Options: gradeOptions, Required: true},
		{Name: "location", Label: "位置", Type: fText, Required: true},
		{Name: "description", Label: "隐患描述", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "现场照片", Type: fEvidence},
	}}

// inspectionForm opens an inspection (现场检查) from the desk; the checklist
// is the enterprise's sector's, chosen by the server.
var inspectionForm = actionForm{Kind: cases.KindInspection, Action: "open", Label: "开始现场检查", Side: "regulator", Path: "/api/v1/inspections",
	Fields: []field{
		{Name: "enterprise_id", Label: "被检查单位", Type: fOrg, Required: true},
		{Name: "second_officer_login", Label: "第二名执法人员（登录名）", Type: fText, Required: true,
			Hint: "现场检查由两名持执法证的执法人员进行（行政处罚法第四十二条）"},
		{Name: "place", Label: "检查地点", Type: fText, Required: true},
	}}

var (
	findingOptions      = []option{{"passed", "符合"}, {"failed", "不符合"}, {"not_applicable", "不适用"}}
	itemDecisionOptions = []option{{"corrected", "当场整改"}, {"order", "责令限期整改（立隐患整改案）"}, {"stop", "责令停产停业／停止使用（重大隐患）"}}
	signerOptions       = []option{{"officer", "执法人员本人签字"}, {"enterprise", "被检查单位负责人签字"}}
)

// inspectionForms are the steps of an inspection; the item steps are
// shown on each item's card of the checklist.
var inspectionForms = []actionForm{
	{Kind: cases.KindInspection, Action: "record_item", Label: "逐项记录检查结果", Side: "regulator", Path: "/api/v1/inspections/{no}/items", Item: true, Fields: []field{
		{Name: "no", Label: "检查项", Type: fText, Required: true},
		{Name: "result", Label: "检查结果", Type: fRadio, Options: findingOptions, Required: true},
		{Name: "note", Label: "检查情况", Type: fTextarea},
		{Name: "photos", Label: "照片", Type: fEvidence}}},
	{Kind: cases.KindInspection, Action: "decide_item", Label: "作出处理决定", Side: "regulator", Path: "/api/v1/inspections/{no}/decisions", Item: true, Fields: []field{
		{Name: "no", Label: "检查项", Type: fText, Required: true},
		{Name: "decision", Label: "处理决定", Type: fRadio, Options: itemDecisionOptions, Required: true},
		{Name: "measures", Label: "整改措施", Type: fTextarea},
		{Name: "deadline", Label: "整改期限", Type: fDate},
		{Name: "scope", Label: "停产停业（停止使用）范围", Type: fText},
		{Name: "note", Label: "说明（当场整改时写明整改情况）", Type: fTextarea}}},
	{Kind: cases.KindInspection, Action: "sign_record", Label: "检查记录签字", Side: "regulator", Path: "/api/v1/inspections/{no}/signatures", Fields: []field{
		{Name: "signer", Label: "签字人", Type: fRadio, Options: signerOptions, Required: true},
		{Name: "name", Label: "被检查单位负责人姓名", Type: fText, Hint: "由被检查单位负责人签字时填写"}}},
	{Kind: cases.KindInspection, Action: "refuse_to_sign", Label: "被检查单位负责人拒绝签字", Side: "regulator", Path: "/api/v1/inspections/{no}/refusal", Fields: []field{
		{Name: "name", Label: "拒绝签字人", Type: fText, Required: true},
		{Name: "reason", Label: "拒签情况", Type: fTextarea, Required: true, Hint: "记录在案并报告本部门负责人（安全生产法第六十八条）"}}},
}

// rescueOpenForm registers a rescue team's preventive inspection from the
// team's page; a major hazard sounds the alarm.
var rescueOpenForm = actionForm{Kind: cases.KindRescue, Action: "open", Label: "登记预防性安全检查", Side: cases.SideRescue, Path: "/api/v1/rescue-inspections",
	Fields: []field{
		{Name: "enterprise_id", Label: "服务单位", Type: fOrg, Required: true},
		{Name: "place", Label: "检查地点", Type: fText, Required: true},
		{Name: "findings", Label: "发现的问题", Type: fTextarea, Required: true},
		{Name: "photos", Label: "现场照片", Type: fEvidence},
		{Name: "major", Label: "发现重大事故隐患，已建议立即停止作业、撤出人员（立即向企业主要负责人和监管部门发出警报）", Type: fCheck},
		{Name: "advice", Label: "停止作业、撤出人员的建议", Type: fTextarea, Hint: "发现重大事故隐患时必填：停止哪里的作业，撤出哪些人员"},
	}}

var openOrNot = []option{{"true", "立案（隐患整改）"}, {"false", "不予立案"}}

// rescueForms are the steps of a rescue team's inspection: the alarm is
// acknowledged by either side, each with its own form.
var rescueForms = []actionForm{
	{Kind: cases.KindRescue, Action: "acknowledge_alarm", Label: "确认收到停产撤人警报", Side: cases.SideEnterprise, Path: "/api/v1/rescue-inspections/{no}/acknowledgements", Fields: []field{
		{Name: "note", Label: "已采取的措施", Type: fTextarea, Hint: "如：已停止作业，人员已全部撤出"}}},
	{Kind: cases.KindRescue, Action: "acknowledge_alarm", Label: "确认收到停产撤人警报", Side: cases.SideRegulator, Path: "/api/v1/rescue-inspections/{no}/acknowledgements", Fields: []field{
		{Name: "note", Label: "备注", Type: fTextarea}}},
	{Kind: cases.KindRescue, Action: "decide_report", Label: "决定是否立案", Side: cases.SideRegulator, Path: "/api/v1/rescue-inspections/{no}/decision", Fields: []field{
		{Name: "open", Label: "决定", Type: fBool, Options: openOrNot, Required: true},
		{Name: "reasons", Label: "理由", Type: fTextarea, Required: true},
		{Name: "measures", Label: "整改措施", Type: fTextarea, Hint: "立案时必填"},
		{Name: "deadline", Label: "整改期限", Type: fDate, Hint: "立案时必填"}}},
	{Kind: cases.KindRescue, Action: "record_follow_up", Label: "记录跟踪回访", Side: cases.SideRescue, Path: "/api/v1/rescue-inspections/{no}/follow-ups", Fields: []field{
		{Name: "note", Label: "回访情况", Type: fTextarea, Required: true},
		{Name: "photos", Label: "照片", Type: fEvidence},
		{Name: "rectified", Label: "隐患已整改到位（结束跟踪）", Type: fCheck}}},
}

// forms are the steps a page offers, by kind and update name (the
// workflows' next_actions say which are allowed now).
var forms = []actionForm{
	{Kind: cases.KindHazard, Action: "order", Label: "责令限期整改", Side: "regulator", Path: "/api/v1/hazards/{no}/order", Fields: []field{
		{Name: "measures", Label: "整改措施", Type: fTextarea, Required: true},
		{Name: "deadline", Label: "整改期限", Type: fDate, Required: true}}},
	{Kind: cases.KindHazard, Action: "submit_plan", Label: "提交治理方案（五落实）", Side: "enterprise", Path: "/api/v1/hazards/{no}/plan", Fields: []field{
		{Name: "responsible_person", Label: "责任人", Type: fText, Required: true},
		{Name: "measures", Label: "措施", Type: fTextarea, Required: true},
		{Name: "funds_yuan", Label: "资金（元）", Type: fInt, Required: true},
		{Name: "deadline", Label: "时限", Type: fDate, Required: true},
		{Name: "emergency_plan", Label: "预案", Type: fTextarea, Required: true}}},
	{Kind: cases.KindHazard, Action: "review_plan", Label: "审查治理方案", Side: "regulator", Path: "/api/v1/hazards/{no}/plan-review", Fields: []field{
		{Name: "approve", Label: "审查结论", Type: fBool, Options: approveReturn, Required: true},
		{Name: "comment", Label: "意见", Type: fTextarea}}},
	{Kind: cases.KindHazard, Action: "report_completion", Label: "报告整改完成", Side: "enterprise", Path: "/api/v1/hazards/{no}/completion", Fields: []field{
		{Name: "summary", Label: "整改情况", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "证据材料", Type: fEvidence, Required: true}}},
	{Kind: cases.KindHazard, Action: "reinspect", Label: "复查", Side: "regulator", Path: "/api/v1/hazards/{no}/reinspection", Fields: []field{
		{Name: "passed", Label: "结论", Type: fBool, Options: passFail, Required: true},
		{Name: "findings", Label: "复查意见", Type: fTextarea, Required: true},
		{Name: "new_measures", Label: "不合格时：新的整改措施", Type: fTextarea},
		{Name: "new_deadline", Label: "不合格时：新的期限", Type: fDate},
		{Name: "evidence", Label: "复查照片", Type: fEvidence}}},
	{Kind: cases.KindHazard, Action: "request_extension", Label: "申请延期", Side: "enterprise", Path: "/api/v1/hazards/{no}/extension-request", Fields: []field{
		{Name: "reason", Label: "理由", Type: fTextarea, Required: true},
		{Name: "new_deadline", Label: "申请期限", Type: fDate, Required: true}}},
	{Kind: cases.KindHazard, Action: "decide_extension", Label: "审批延期", Side: "regulator", Path: "/api/v1/hazards/{no}/extension-decision", Fields: []field{
		{Name: "grant", Label: "审批结论", Type: fBool, Options: grantRefuse, Required: true},
		{Name: "comment", Label: "意见", Type: fTextarea},
		{Name: "new_deadline", Label: "批准的期限（可选，不填即按申请的期限）", Type: fDate}}},

	{Kind: cases.KindTalk, Action: "record_talk", Label: "记录约谈", Side: "regulator", Path: "/api/v1/talks/{no}/record", Fields: []field{
		{Name: "attendance", Label: "到场", Type: fAttendance},
		{Name: "minutes", Label: "约谈记录", Type: fTextarea, Required: true},
		{Name: "commitments", Label: "整改承诺", Type: fTextarea}}},
	{Kind: cases.KindTalk, Action: "submit_talk_report", Label: "提交书面整改报告", Side: "enterprise", Path: "/api/v1/talks/{no}/report", Fields: []field{
		{Name: "summary", Label: "报告", Type: fTextarea, Required: true},
		{Name: "evidence", Label: "证据材料", Type: fEvidence}}},
	{Kind: cases.KindTalk, Action: "cancel_talk", Label: "取消约谈", Side: "regulator", Path: "/api/v1/talks/{no}/cancel", Fields: []field{
		{Name: "reason", Label: "理由", Type: fTextarea, Required: true}}},

	{Kind: cases.KindPenalty, Action: "notify", Label: "告知", Side: "regulator", Path: "/api/v1/penalties/{no}/notify", Fields: []field{
		{Name: "note", Label: "说明", Type: fTextarea}}},
	{Kind: cases.KindPenalty, Action: "decide_on_the_spot", Label: "当场处罚决定", Side: "regulator", Path: "/api/v1/penalties/{no}/on-the-spot", Fields: []field{
		{Name: "penalty.kind", Label: "种类", Type: fSelect, Options: penaltyKinds[:2], Required: true},
		{Name: "penalty.amount_yuan", Label: "罚款（元）", Type: fInt},
		{Name: "statement", Label: "当事人陈述申辩", Type: fTextarea},
		{Name: "reasons", Label: "理由", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "决定书编号", Type: fText, Required: true},
		{Name: "received_by", Label: "签收人", Type: fText, Required: true},
		{Name: "refused_to_sign", Label: "拒绝签收", Type: fCheck}}},
	{Kind: cases.KindPenalty, Action: "plead", Label: "陈述申辩", Side: "enterprise", Path: "/api/v1/penalties/{no}/plead", Fields: []field{
		{Name: "statement", Label: "陈述申辩", Type: fTextarea, Required: true},
		{Name: "requested_amount_yuan", Label: "请求的数额（元）", Type: fInt}}},
	{Kind: cases.KindPenalty, Action: "waive_rights", Label: "放弃陈述申辩和听证", Side: "enterprise", Path: "/api/v1/penalties/{no}/waiver", Fields: []field{
		{Name: "statement", Label: "书面声明", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "request_hearing", Label: "申请听证", Side: "enterprise", Path: "/api/v1/penalties/{no}/hearing-request", Fields: []field{
		{Name: "reason", Label: "理由", Type: fTextarea}}},
	{Kind: cases.KindPenalty, Action: "schedule_hearing", Label: "通知听证", Side: "regulator", Path: "/api/v1/penalties/{no}/hearing-schedule", Fields: []field{
		{Name: "at", Label: "时间", Type: fDateTime, Required: true},
		{Name: "place", Label: "地点", Type: fText, Required: true},
		{Name: "presider", Label: "主持人", Type: fText, Required: true}}},
	{Kind: cases.KindPenalty, Action: "record_hearing", Label: "听证笔录", Side: "regulator", Path: "/api/v1/penalties/{no}/hearing-record", Fields: []field{
		{Name: "transcript", Label: "笔录", Type: fTextarea, Required: true},
		{Name: "party_attended", Label: "当事人到场", Type: fCheck}}},
	{Kind: cases.KindPenalty, Action: "record_discussion", Label: "集体讨论", Side: "regulator", Path: "/api/v1/penalties/{no}/discussion", Fields: []field{
		{Name: "participants", Label: "参加人（每行一人）", Type: fLines, Required: true},
		{Name: "conclusion", Label: "结论", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "decide", Label: "处罚决定", Side: "regulator", Path: "/api/v1/penalties/{no}/decision", Fields: []field{
		{Name: "penalty.kind", Label: "种类", Type: fSelect, Options: penaltyKinds, Required: true},
		{Name: "penalty.amount_yuan", Label: "罚款（元）", Type: fInt},
		{Name: "reasons", Label: "理由", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "文号", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "serve", Label: "送达", Side: "regulator", Path: "/api/v1/penalties/{no}/service", Fields: []field{
		{Name: "method", Label: "方式", Type: fSelect, Required: true, Options: []option{{"direct", "直接送达"}, {"on_the_spot", "当场交付"},
			{"post", "邮寄送达"}, {"electronic", "电子送达"}, {"retained", "留置送达"}, {"announcement", "公告送达"}}},
		{Name: "received_by", Label: "签收人", Type: fText, Required: true}}},
	{Kind: cases.KindPenalty, Action: "pay", Label: "缴纳罚款", Side: "enterprise", Path: "/api/v1/penalties/{no}/payment", Fields: []field{
		{Name: "amount_fen", Label: "金额（分，含加处罚款）", Type: fInt, Required: true},
		{Name: "receipt", Label: "缴款凭证", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "appeal", Label: "申请复议/提起诉讼", Side: "enterprise", Path: "/api/v1/penalties/{no}/appeal", Fields: []field{
		{Name: "kind", Label: "方式", Type: fSelect, Required: true, Options: []option{{"review", "行政复议"}, {"lawsuit", "行政诉讼"}}},
		{Name: "body", Label: "受理机关", Type: fText, Required: true},
		{Name: "reference", Label: "文号", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "appeal_result", Label: "复议/判决结果", Side: "regulator", Path: "/api/v1/penalties/{no}/appeal-result", Fields: []field{
		{Name: "outcome", Label: "结果", Type: fSelect, Required: true, Options: []option{{"upheld", "维持"}, {"revoked", "撤销"}}},
		{Name: "summary", Label: "摘要", Type: fTextarea, Required: true},
		{Name: "reference", Label: "文号", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "remind", Label: "催告", Side: "regulator", Path: "/api/v1/penalties/{no}/reminder", Fields: []field{
		{Name: "reference", Label: "文号", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "apply_enforcement", Label: "申请强制执行", Side: "regulator", Path: "/api/v1/penalties/{no}/enforcement", Fields: []field{
		{Name: "court", Label: "法院", Type: fText, Required: true},
		{Name: "reference", Label: "文号", Type: fText}}},
	{Kind: cases.KindPenalty, Action: "stop_daily_fine", Label: "停止按日计罚", Side: "regulator", Path: "/api/v1/penalties/{no}/daily-fine-stop", Fields: []field{
		{Name: "findings", Label: "复查意见", Type: fTextarea, Required: true}}},
	{Kind: cases.KindPenalty, Action: "withdraw", Label: "撤案", Side: "regulator", Path: "/api/v1/penalties/{no}/withdrawal", Fields: []field{
		{Name: "reason", Label: "理由", Type: fTextarea, Required: true}}},

	{Kind: cases.KindEscalation, Action: "acknowledge", Label: "签收", Side: "holder", Path: "/api/v1/escalations/{no}/acknowledge"},
	{Kind: cases.KindEscalation, Action: "forward", Label: "转办", Side: "holder", Path: "/api/v1/escalations/{no}/forward", Fields: []field{
		{Name: "to_org_id", Label: "转至", Type: fOrg, Required: true},
		{Name: "reason", Label: "理由", Type: fTextarea, Required: true}}},
	{Kind: cases.KindEscalation, Action: "decide", Label: "办结", Side: "holder", Path: "/api/v1/escalations/{no}/decide", Fields: []field{
		{Name: "decision", Label: "决定", Type: fTextarea, Required: true}}},
	{Kind: cases.KindEscalation, Action: "return", Label: "退回", Side: "holder", Path: "/api/v1/escalations/{no}/return", Fields: []field{
		{Name: "reason", Label: "理由", Type: fTextarea, Required: true}}},
}

// startForms begin a rung of the enforcement ladder from a hazard.
var startForms = []actionForm{
	{Kind: cases.KindHazard, Action: "start_talk", Label: "约谈", Side: "regulator", Path: "/api/v1/cases/{no}/warning-talks", Start: true, Fields: []field{
		{Name: "persons", Label: "约谈对象（每行：姓名,职务）", Type: fPersons, Required: true},
		{Name: "scheduled_at", Label: "时间", Type: fDateTime, Required: true},
		{Name: "place", Label: "地点", Type: fText, Required: true},
		{Name: "subject", Label: "事由", Type: fText, Required: true}}},
	{Kind: cases.KindHazard, Action: "start_penalty", Label: "立案处罚（含书面警告）", Side: "regulator", Path: "/api/v1/cases/{no}/penalties", Start: true, Fields: []field{
		{Name: "procedure", Label: "程序", Type: fSelect, Required: true, Options: []option{{"general", "普通程序"}, {"simple", "简易程序"}}},
		{Name: "party.kind", Label: "当事人类型", Type: fSelect, Required: true, Options: []option{{"unit", "单位"}, {"person", "个人"}}},
		{Name: "party.name", Label: "当事人", Type: fText, Required: true},
		{Name: "proposed.kind", Label: "拟处罚种类", Type: fSelect, Options: penaltyKinds, Required: true},
		{Name: "proposed.amount_yuan", Label: "拟罚款（元）", Type: fInt},
		{Name: "facts", Label: "违法事实", Type: fTextarea, Required: true},
		{Name: "grounds", Label: "处罚依据", Type: fText, Required: true},
		{Name: "co_officer_login", Label: "第二名执法人员（登录名）", Type: fText, Required: true},
		{Name: "correction_order_date", Label: "责令改正日期（按日计罚）", Type: fDate}}},
	{Kind: cases.KindHazard, Action: "start_escalation", Label: "提请上级部门", Side: "regulator", Path: "/api/v1/cases/{no}/escalations", Start: true, Fields: []field{
		{Name: "to_org_id", Label: "提请至", Type: fOrg, Required: true},
		{Name: "reason", Label: "事由", Type: fSelect, Required: true, Options: []option{{"authority_limit", "超出处罚权限"},
			{"closure", "提请关闭"}, {"licence_suspension", "暂扣吊销许可证"}, {"listed_supervision", "挂牌督办"},
			{"transfer", "移送"}, {"crime", "涉嫌犯罪"}}},
		{Name: "summary", Label: "提请事由", Type: fTextarea, Required: true},
		{Name: "amount_yuan", Label: "拟罚款（元）", Type: fInt},
		{Name: "major", Label: "重大事项（同时告知党政主要负责人）", Type: fCheck}}},
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
	for _, f := range fields {
		v, set, err := fieldValue(r, f, up)
		if err != nil {
			return nil, fmt.Errorf("%s：%w", f.Label, err)
		}
		if !set {
			if f.Required {
				return nil, fmt.Errorf("请填写%s", f.Label)
			}
			continue
		}
		put(body, f.Name, v)
	}
	return body, nil
}

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
			return nil, false, errors.New("须为整数")
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
		return nil, errors.New("此表单不能附加证据材料")
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
