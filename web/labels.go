package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// labels are the words a page shows for the engine's values: states,
// kinds, step names, deadline states, sides, roles and the choices of the
// forms. Keys are "group.value" (or "group.kind.value" where a value means
// different things in different kinds of case). One table, so that it
// can become the message catalogue behind a language switch; a test
// checks that every value the workflows export has its entry.
var labels = map[string]string{
	// Kinds of case.
	"kind.hazard":     "隐患整改",
	"kind.escalation": "提请上级",
	"kind.talk":       "约谈",
	"kind.penalty":    "行政处罚",
	"kind.accident":   "事故调查",
	"kind.inspection": "现场检查",
	"kind.rescue":     "救援队伍预防性检查",
	"kind.plan":       "年度监督检查计划",
	"kind.campaign":   "专项整治",

	// Hazard states.
	"state.hazard.reported":            "已登记",
	"state.hazard.ordered":             "整改中（已责令）",
	"state.hazard.plan_submitted":      "治理方案待审",
	"state.hazard.rectifying":          "整改中",
	"state.hazard.completion_reported": "待复查",
	"state.hazard.closed":              "已销号",
	// Warning-talk states.
	"state.talk.scheduled": "已通知约谈",
	"state.talk.held":      "已约谈，待书面报告",
	"state.talk.complied":  "已报告",
	"state.talk.failed":    "逾期未报告",
	"state.talk.cancelled": "已取消",
	// Penalty states.
	"state.penalty.opened":            "已立案",
	"state.penalty.notified":          "已告知",
	"state.penalty.hearing_requested": "已申请听证",
	"state.penalty.hearing_scheduled": "已通知听证",
	"state.penalty.hearing_held":      "已听证",
	"state.penalty.decided":           "已决定，待送达",
	"state.penalty.served":            "已送达，待缴纳",
	"state.penalty.payment_overdue":   "逾期未缴",
	"state.penalty.reminded":          "已催告",
	"state.penalty.paid":              "已缴纳",
	"state.penalty.executed":          "已执行",
	"state.penalty.revoked":           "已撤销",
	"state.penalty.enforcement":       "已申请强制执行",
	"state.penalty.withdrawn":         "已撤案",
	// Escalation states.
	"state.escalation.submitted":    "待签收",
	"state.escalation.acknowledged": "办理中",
	"state.escalation.decided":      "已办结",
	"state.escalation.returned":     "已退回",
	// Accident states.
	"state.accident.reported":         "已报告",
	"state.accident.investigating":    "调查中",
	"state.accident.appraisal":        "技术鉴定中（期限暂停）",
	"state.accident.report_submitted": "调查报告待批复",
	"state.accident.approved":         "已批复，落实四不放过",
	"state.accident.closed":           "已结案",

	// Inspection states.
	"state.inspection.inspecting": "检查中",
	"state.inspection.signing":    "检查记录签字中",
	"state.inspection.closed":     "已结束",
	"state.rescue.reported":       "已报告监管部门，待决定",
	"state.rescue.following":      "已立案，救援队伍跟踪整改",
	"state.rescue.closed":         "已结束",
	"state.plan.in_force":         "执行中",
	"state.plan.closed":           "已结束",
	"state.campaign.running":      "进行中",
	"state.campaign.ended":        "已结束",

	// Steps of a hazard case.
	"action.hazard.report":                "登记隐患",
	"action.hazard.order":                 "责令限期整改",
	"action.hazard.submit_plan":           "提交治理方案",
	"action.hazard.review_plan":           "审查治理方案",
	"action.hazard.report_completion":     "报告整改完成",
	"action.hazard.reinspect":             "复查",
	"action.hazard.request_extension":     "申请延期",
	"action.hazard.decide_extension":      "审批延期",
	"action.hazard.remind":                "到期提醒",
	"action.hazard.overdue":               "整改逾期",
	"action.hazard.ladder":                "执法升级",
	"action.hazard.rung_overdue":          "未按期启动执法措施",
	"action.hazard.rung_auto_started":     "系统自动启动执法措施",
	"action.hazard.rung_not_auto_started": "无法自动启动执法措施",
	"action.hazard.start_talk":            "约谈",
	"action.hazard.start_penalty":         "立案处罚（含书面警告）",
	"action.hazard.start_escalation":      "提请上级部门",
	// The step a piece of evidence was recorded at, as the case page
	// labels it.
	"evidence.hazard.report":            "发现隐患时",
	"evidence.hazard.report_completion": "整改证据",
	"evidence.hazard.reinspect":         "复查时",
	"evidence.talk.submit_talk_report":  "约谈后整改报告",
	// Steps of a warning talk.
	"action.talk.open":               "通知约谈",
	"action.talk.notify":             "通知约谈",
	"action.talk.record_talk":        "记录约谈",
	"action.talk.submit_talk_report": "提交书面整改报告",
	"action.talk.cancel_talk":        "取消约谈",
	"action.talk.report_overdue":     "逾期未提交书面报告",
	// Steps of a penalty.
	"action.penalty.open":                  "立案",
	"action.penalty.notify":                "告知拟处罚",
	"action.penalty.plead":                 "陈述申辩",
	"action.penalty.request_hearing":       "申请听证",
	"action.penalty.schedule_hearing":      "通知听证",
	"action.penalty.record_hearing":        "听证笔录",
	"action.penalty.record_discussion":     "集体讨论",
	"action.penalty.decide":                "处罚决定",
	"action.penalty.serve":                 "送达",
	"action.penalty.pay":                   "缴纳罚款",
	"action.penalty.appeal":                "申请复议／提起诉讼",
	"action.penalty.appeal_result":         "复议／判决结果",
	"action.penalty.remind":                "催告",
	"action.penalty.apply_enforcement":     "申请法院强制执行",
	"action.penalty.stop_daily_fine":       "停止按日连续处罚",
	"action.penalty.withdraw":              "撤案",
	"action.penalty.waive_rights":          "放弃陈述申辩和听证",
	"action.penalty.decide_on_the_spot":    "当场处罚决定",
	"action.penalty.notice_windows_closed": "陈述申辩和听证申请期限届满",
	"action.penalty.decision_overdue":      "处罚决定逾期",
	"action.penalty.service_overdue":       "送达逾期",
	"action.penalty.payment_overdue":       "逾期未缴纳罚款",
	"action.penalty.repeat_offender":       "屡查屡犯",
	// Steps of an escalation.
	"action.escalation.submit":      "提请",
	"action.escalation.open":        "提请",
	"action.escalation.acknowledge": "签收",
	"action.escalation.forward":     "转办",
	"action.escalation.decide":      "办结",
	"action.escalation.return":      "退回",
	"action.escalation.ack_overdue": "逾期未签收",
	// Steps of an accident.
	"action.accident.report":                      "事故报告",
	"action.accident.report_up":                   "逐级上报",
	"action.accident.amend_casualties":            "补报伤亡",
	"action.accident.form_team":                   "成立调查组",
	"action.accident.start_appraisal":             "技术鉴定开始",
	"action.accident.end_appraisal":               "技术鉴定结束",
	"action.accident.extend_investigation":        "延长调查期限",
	"action.accident.submit_investigation_report": "提交调查报告",
	"action.accident.extend_approval":             "延长批复期限",
	"action.accident.approve_report":              "批复调查报告",
	"action.accident.decide_accountability":       "问责决定",
	"action.accident.carry_out_accountability":    "问责落实",
	"action.accident.add_measures":                "整改措施",
	"action.accident.assess_measures":             "整改评估",
	"action.accident.record_education":            "教育培训记录",
	"action.accident.decide_fines":                "罚款决定",
	"action.accident.open_fine":                   "罚款立案",
	"action.accident.sign_off_gate":               "四不放过签认",
	"action.accident.close_accident":              "结案",
	"action.accident.report_up_overdue":           "逾期未上报",
	"action.accident.investigation_overdue":       "调查报告逾期",
	"action.accident.approval_overdue":            "批复逾期",
	"action.accident.assessment_overdue":          "整改评估逾期",
	"action.accident.measures_started":            "整改措施已立案",
	"action.accident.measure_verified":            "整改措施已复查销号",
	"action.accident.fine_cases_opened":           "罚款案件已立案",
	"action.accident.fine_case_ended":             "罚款案件已结案",

	// Steps of an inspection, what was found on an item and what was
	// decided on the spot.
	"action.inspection.inspect":        "开始现场检查",
	"action.inspection.record_item":    "记录检查结果",
	"action.inspection.decide_item":    "现场处理决定",
	"action.inspection.sign_record":    "检查记录签字",
	"action.inspection.refuse_to_sign": "被检查单位负责人拒绝签字",
	"action.inspection.hazards_opened": "隐患整改案件已立案",
	// Steps of a rescue team's preventive inspection (issue 17).
	"action.rescue.alarm":               "发出停产撤人警报",
	"action.rescue.register":            "登记预防性检查情况并报告",
	"action.rescue.alarm_resent":        "警报未获确认，再次发送",
	"action.rescue.alarm_escalated":     "警报无人确认，升级报告党委政府",
	"action.rescue.acknowledge_alarm":   "确认收到警报",
	"action.rescue.decide_report":       "监管部门作出决定",
	"action.rescue.record_follow_up":    "跟踪回访",
	"action.rescue.hazard_opened":       "隐患整改案件已立案",
	"action.rescue.close":               "办结",
	"finding.passed":                    "符合",
	"finding.failed":                    "不符合",
	"finding.not_applicable":            "不适用",
	"item_decision.corrected":           "当场整改",
	"item_decision.order":               "责令限期整改",
	"item_decision.stop":                "责令停产停业（停止使用）",
	"signer.officer":                    "执法人员",
	"signer.enterprise":                 "被检查单位负责人",
	"action.plan.make_plan":             "制定年度监督检查计划",
	"action.plan.month_checked":         "月末核对计划检查",
	"action.campaign.start":             "开展专项整治",
	"action.campaign.submit":            "报送",
	"action.campaign.pass_down":         "向下级布置",
	"action.campaign.escalate_miss":     "逾期督办",
	"action.campaign.submission_missed": "逾期未报送",
	"action.campaign.levels_asked":      "已向下级布置",
	"action.campaign.escalation_opened": "督办案件已立案",
	"action.campaign.escalation_failed": "督办案件未能立案",
	"action.campaign.end":               "专项整治结束",
	"campaign_key.plan":                 "工作方案",
	"campaign_key.progress":             "进展情况",

	// Deadline states.
	"deadline.pending":  "进行中",
	"deadline.met":      "已按期完成",
	"deadline.missed":   "已逾期",
	"deadline.paused":   "已暂停",
	"deadline.extended": "进行中（已延期）",

	// Sides and parties.
	"side.regulator":  "监管部门",
	"side.enterprise": "企业",
	"side.leader":     "党政领导",
	"side.system":     "系统",
	"side.rescue":     "救援队伍",

	// Roles of posts.
	"role.party_secretary": "党委书记",
	"role.government_head": "政府主要负责人",
	"role.deputy_head":     "分管负责人",
	"role.dept_head":       "局长",
	"role.inspector":       "执法检查员",
	"role.enterprise_head": "主要负责人",
	"role.project_manager": "项目经理",
	"role.safety_officer":  "安全员",
	"role.policy_admin":    "权限管理员",
	"role.system":          "系统",

	// Hazard grades.
	"grade.general": "一般隐患",
	"grade.major":   "重大隐患",

	// Rungs of the enforcement ladder, and what became of each.
	"rung.warning_talk":    "约谈",
	"rung.written_warning": "书面警告",
	"rung.penalty":         "行政处罚",
	"rung.escalation":      "提请上级部门",
	"outcome.started":      "已启动",
	"outcome.complied":     "已履行",
	"outcome.failed":       "未履行",
	"outcome.cancelled":    "已撤回",

	// Penalties.
	"penalty.warning":         "警告",
	"penalty.fine":            "罚款",
	"penalty.daily_fine":      "按日连续处罚",
	"penalty.stop_production": "责令停产停业整顿",
	"party.unit":              "单位",
	"party.person":            "个人",
	"procedure.general":       "普通程序",
	"procedure.simple":        "简易程序",
	"service.on_the_spot":     "当场交付",
	"service.direct":          "直接送达",
	"service.post":            "邮寄送达",
	"service.electronic":      "电子送达",
	"service.retained":        "留置送达",
	"service.announcement":    "公告送达",
	"appeal.review":           "行政复议",
	"appeal.lawsuit":          "行政诉讼",
	"appeal_outcome.upheld":   "维持",
	"appeal_outcome.revoked":  "撤销",

	// Policy changes and the states of a policy.
	"policy_change.create":   "新增权限规则",
	"policy_change.update":   "修改权限规则",
	"policy_change.delete":   "删除权限规则",
	"policy_change.propose":  "提议权限规则（待审核）",
	"policy_change.approve":  "批准权限规则",
	"policy_change.reject":   "驳回权限规则提议",
	"proposal.put":           "新增或修改",
	"proposal.delete":        "删除",
	"policy_state.absent":    "无",
	"policy_state.in_effect": "生效",
	"policy_state.proposed":  "待审核",
	"policy_state.rejected":  "已驳回",
	"effect.allow":           "允许",
	"effect.deny":            "禁止",

	// Changes of the organisation record, as a person's record lists the
	// ones they made.
	"kind.organisation":                  "组织机构",
	"action.organisation.region.save":    "登记地区",
	"action.organisation.org.save":       "登记单位",
	"action.organisation.unit.save":      "登记内设机构",
	"action.organisation.person.save":    "登记人员",
	"action.organisation.agreement.save": "登记救援服务协议",
	"action.organisation.post.appoint":   "任职",
	"action.organisation.post.end":       "免职",
	"action.organisation.post.transfer":  "调任",
	"state.organisation.absent":          "未登记",
	"state.organisation.recorded":        "已登记",
	"state.organisation.held":            "在任",
	"state.organisation.ended":           "已离任",

	// Reasons for an escalation.
	"reason.authority_limit":           "超出处罚权限",
	"reason.closure":                   "提请关闭（重大隐患且屡次处罚）",
	"reason.closure_unsafe_after_stop": "提请关闭（停产整顿后仍不具备安全生产条件）",
	"reason.closure_refused_stop":      "提请关闭（拒不执行停产停业决定）",
	"reason.licence_suspension":        "暂扣、吊销许可证",
	"reason.listed_supervision":        "挂牌督办",
	"reason.transfer":                  "移送其他部门",
	"reason.crime":                     "涉嫌犯罪，移送司法机关",

	// Accidents: grades, levels, the four gates, accountability, persons,
	// education, categories, fines.
	"accident_grade.extraordinary":   "特别重大事故",
	"accident_grade.major":           "重大事故",
	"accident_grade.large":           "较大事故",
	"accident_grade.general":         "一般事故",
	"level.county":                   "县级",
	"level.city":                     "市级",
	"level.province":                 "省级",
	"level.state":                    "国务院（国家级）",
	"gate.cause":                     "事故原因未查清不放过",
	"gate.persons":                   "责任人员未处理不放过",
	"gate.measures":                  "整改措施未落实不放过",
	"gate.education":                 "有关人员未受到教育不放过",
	"measure.penalty":                "行政处罚",
	"measure.notice":                 "通报",
	"measure.admonish":               "诫勉",
	"measure.suspend":                "停职检查",
	"measure.reassign":               "调整职务",
	"measure.resign":                 "责令辞职",
	"measure.demote":                 "降职",
	"measure.dismiss":                "免职",
	"measure.discipline":             "处分",
	"measure.judicial":               "移送司法机关",
	"person_category.enterprise":     "企业人员",
	"person_category.official":       "监管部门工作人员",
	"person_category.leader":         "党政领导干部",
	"education.training":             "安全培训",
	"education.warning_education":    "警示教育",
	"accident_category.road_traffic": "道路交通事故",
	"accident_category.fire":         "火灾事故",
	"fine_outcome.completed":         "已履行",
	"fine_outcome.enforcement":       "已申请法院强制执行",
	"fine_outcome.cancelled":         "已撤销或撤回",
	"article.114":                    "安全生产法第一百一十四条（事故单位）",
	"article.95":                     "安全生产法第九十五条（主要负责人）",
	"notice_category.notice":         "通知",
	"notice_category.reminder":       "提醒",
	"notice_category.overdue":        "逾期",
	"notice_category.escalation":     "提请",
	"notice_category.decision":       "决定",
	"notice_category.policy":         "权限变更",
	"notice_category.alarm":          "停产撤人警报",
}

// label is the words for a key, or the value itself (the last part of
// the key) if the table lacks it: a page never fails for want of a word,
// and the test keeps the table complete.
func label(key string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return key[strings.LastIndexByte(key, '.')+1:]
}

// hasLabel reports whether the table has a key.
func hasLabel(key string) bool { _, ok := labels[key]; return ok }

func kindLabel(k cases.Kind) string { return label("kind." + string(k)) }

func stateLabel(k cases.Kind, state string) string {
	return label("state." + string(k) + "." + state)
}

func actionLabel(k cases.Kind, action string) string {
	return label("action." + string(k) + "." + action)
}

// listLabel names each value of a list in a group, joined with 、
// ("warning fine daily_fine" → 警告、罚款、按日连续处罚).
func listLabel(group string, values ...string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = label(group + "." + v)
	}
	return strings.Join(out, "、")
}

// deadlineLabel says what a deadline is, in Chinese: by its key where the
// key says it, else the Chinese part of what the workflow wrote.
func deadlineLabel(d cases.Deadline) string {
	k := d.Key
	switch {
	case strings.HasPrefix(k, "rectify-"):
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "rectify-")); err == nil && n > 1 {
			return fmt.Sprintf("整改完成（第%d轮）", n)
		}
		return "整改完成"
	case strings.HasPrefix(k, "rung-"):
		parts := strings.SplitN(k, "-", 3)
		if len(parts) == 3 {
			return "启动下一执法措施：" + label("rung."+parts[2])
		}
	case k == "talk-report":
		return "约谈后提交书面整改报告"
	case strings.HasPrefix(k, "ack-"):
		if _, org, ok := strings.Cut(d.What, ": "); ok {
			return "签收：" + org
		}
		return "签收"
	case k == "decision":
		return "作出处罚决定（行政处罚法第六十条）"
	case k == "service":
		return "送达处罚决定书（第六十一条）"
	case k == "payment":
		return "缴纳罚款（第六十七条）"
	case k == "investigation":
		return "提交事故调查报告"
	case k == "approval":
		return "批复调查报告"
	case k == "assessment":
		return "整改措施落实情况评估"
	case k == "unit-report":
		return "事故单位报告"
	case strings.HasPrefix(k, "report-"):
		// "上报 report passed up to 晋城市住房和城乡建设局 (2 h, Art.10)",
		// or, while it is due, "上报 report up to 省级 province (2 h, Art.10)".
		if _, to, ok := strings.Cut(d.What, " to "); ok {
			if i := strings.LastIndex(to, " ("); i > 0 {
				to = to[:i]
			}
			return "逐级上报至" + zh(strings.TrimSpace(to)) + "（2小时内）"
		}
		return "逐级上报（2小时内）"
	}
	return zh(d.What)
}

// englishTail matches the English that follows Chinese in the engine's
// bilingual strings ("重大隐患 major · 凤台街" → "重大隐患 · 凤台街"): a
// space, then ASCII words up to a separator or the end.
var englishTail = regexp.MustCompile(`(\p{Han}[）)]?)\s+[A-Za-z][A-Za-z0-9 ,.'’:;()/&+-]*?(\s*(?:·|→|¥|$))`)

// article is a statute's article as the engine cites it ("Art.73").
var article = regexp.MustCompile(`\s*Art\.\s?(\d+)`)

// zh keeps the Chinese of a bilingual string the engine wrote.
func zh(s string) string {
	s = article.ReplaceAllString(s, "第${1}条")
	out := strings.TrimSpace(englishTail.ReplaceAllString(s, "$1$2"))
	if strings.Count(out, "(") > strings.Count(out, ")") {
		out += ")"
	}
	return out
}

// chinaTime is how every moment is shown: Beijing time, Chinese style.
const chinaTime = "2006年1月2日 15:04"

// when formats a moment in Beijing time, as every date in duty is read:
// 2026年12月7日 14:05; a moment at the end of a day (a date deadline,
// 23:59:59) is shown as the date alone.
func when(v any) string {
	switch v.(type) {
	case calendar.Date, calendar.Deadline, *calendar.Deadline:
		return day(v)
	}
	t, ok := asTime(v)
	if !ok {
		if s, isStr := v.(string); isStr {
			return s
		}
		return ""
	}
	t = t.In(rules.China)
	if t.Hour() == 23 && t.Minute() == 59 && t.Second() == 59 {
		return t.Format("2006年1月2日")
	}
	return t.Format(chinaTime)
}

// dueDay formats a deadline as the last day on which an act is in time:
// a period's end is the first instant after it (00:00 Beijing time on
// the next day), so that instant shows as the day before; any other
// moment as when() shows it.
func dueDay(t time.Time) string {
	b := t.In(rules.China)
	if b.Hour() == 0 && b.Minute() == 0 && b.Second() == 0 && b.Nanosecond() == 0 {
		return b.Add(-time.Second).Format("2006年1月2日")
	}
	return when(t)
}

// day formats a moment's date in Beijing time: 2026年12月7日.
func day(v any) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.In(rules.China).Format("2006年1月2日")
}

func asTime(v any) (time.Time, bool) {
	var t time.Time
	switch x := v.(type) {
	case calendar.Date:
		t = x.Start()
	case calendar.Deadline:
		t = x.Last.Start()
	case *calendar.Deadline:
		if x == nil {
			return t, false
		}
		t = x.Last.Start()
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return t, false
		}
		t = *x
	case string:
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			if p, err = time.ParseInLocation(time.DateOnly, x, rules.China); err != nil {
				return t, false
			}
		}
		t = p
	default:
		return t, false
	}
	return t, !t.IsZero()
}

// yuan formats an amount in yuan with thousands separators: ¥1,250,000.
func yuan(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := strconv.FormatInt(v, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + "¥" + s
}

// fen formats an amount in fen as yuan: ¥1,250,000.50 (the fen only when
// there are any).
func fen(v int64) string {
	s := yuan(v / 100)
	if r := v % 100; r != 0 {
		if r < 0 {
			r = -r
		}
		s += fmt.Sprintf(".%02d", r)
	}
	return s
}

// serviceLabel names a service method (送达方式); the document service
// form posts the Chinese word itself, which stays as it is.
func serviceLabel(m string) string {
	if hasLabel("service." + m) {
		return labels["service."+m]
	}
	return m
}
