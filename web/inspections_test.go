package web

import (
	"strings"
	"testing"

	"github.com/duty-project/duty/i18n"
)

// An inspection's steps read as words on the timeline, never as the
// values the workflow records.
func TestInspectionStepsAreToldInWords(t *testing.T) {
	for _, tc := range []struct {
		action string
		d      map[string]any
		want   string
	}{
		{"inspect", map[string]any{"place": "3号楼"}, "开始现场检查：3号楼"},
		{"record_item", map[string]any{"no": "8", "result": "failed", "note": "临边无防护"}, "记录检查结果：第8项不符合，临边无防护"},
		{"record_item", map[string]any{"no": "3", "result": "not_applicable"}, "记录检查结果：第3项不适用"},
		{"decide_item", map[string]any{"no": "8", "decision": "order", "deadline": "2026-12-17T23:59:59+08:00"}, "现场处理决定：第8项责令限期整改，整改期限至2026年12月17日"},
		{"decide_item", map[string]any{"no": "1", "decision": "stop"}, "现场处理决定：第1项责令停产停业（停止使用）"},
		{"sign_record", map[string]any{"signer": "officer", "name": "赵明"}, "检查记录签字：执法人员 赵明"},
		{"refuse_to_sign", map[string]any{"name": "钱宏达", "reason": "有异议"}, "被检查单位负责人拒绝签字：钱宏达，有异议"},
		{"hazards_opened", map[string]any{"cases": []any{map[string]any{"no": "8", "case_no": "YH-140502-2026-000001"}}}, "隐患整改案件已立案：YH-140502-2026-000001"},
	} {
		got, shown := inspectionStep(i18n.Chinese, tc.action, tc.d)
		if got != tc.want || !shown {
			t.Errorf("%s %v: %q (shown %v), want %q", tc.action, tc.d, got, shown, tc.want)
		}
		for _, raw := range []string{"failed", "order", "stop", "officer", "not_applicable"} {
			if strings.Contains(got, raw) {
				t.Errorf("%s: %q shows %q", tc.action, got, raw)
			}
		}
	}
}

// In English an inspection's steps, and a rescue team's and a campaign's,
// read without Chinese of duty's own; data (names, places) may be Chinese.
func TestStepsAreToldInEnglish(t *testing.T) {
	for _, tc := range []struct {
		tell   func(lang, action string, d map[string]any) (string, bool)
		action string
		d      map[string]any
		want   string
	}{
		{inspectionStep, "record_item", map[string]any{"no": "8", "result": "failed", "note": "x"}, "finding recorded: item 8, "},
		{inspectionStep, "decide_item", map[string]any{"no": "8", "decision": "order", "deadline": "2026-12-17T23:59:59+08:00"}, ", to be rectified by 17 Dec 2026"},
		{inspectionStep, "sign_record", map[string]any{"signer": "officer", "name": "Zhao"}, "record signed: "},
		{inspectionStep, "refuse_to_sign", map[string]any{"name": "Qian", "reason": "no"}, "refused to sign: Qian, no"},
		{inspectionStep, "hazards_opened", map[string]any{"cases": []any{map[string]any{"case_no": "YH-1"}, map[string]any{"case_no": "YH-2"}}}, "hazard cases opened: YH-1, YH-2"},
		{rescueStep, "alarm", map[string]any{"advice": "stop"}, "alarm raised"},
		{rescueStep, "alarm_unanswered", map[string]any{"waiting": []any{"enterprise", "regulator"}}, "not acknowledged by "},
		{rescueStep, "acknowledge_alarm", map[string]any{"side": "enterprise", "note": "ok"}, "acknowledged the alarm: ok"},
		{rescueStep, "decide_report", map[string]any{"open": true, "deadline": "2026-12-17T23:59:59+08:00", "reasons": "r"}, "by 17 Dec 2026: r"},
		{rescueStep, "record_follow_up", map[string]any{"note": "n", "rectified": true}, "follow-up visit: n (rectified)"},
		{campaignStep, "start", map[string]any{"title": "T"}, "campaign started: T"},
		{campaignStep, "submit", map[string]any{"key": "report-2", "text": "x", "late": true}, " (late)"},
		{campaignStep, "pass_down", map[string]any{"asked": map[string]any{"plan_due": "2026-12-17T23:59:59+08:00"}}, "due 17 Dec 2026"},
		{campaignStep, "end", nil, "campaign ended"},
	} {
		got, _ := tc.tell(i18n.English, tc.action, tc.d)
		if !strings.Contains(got, tc.want) || strings.ContainsFunc(got, isHan) {
			t.Errorf("%s %v in English: %q, want it to say %q and no Chinese", tc.action, tc.d, got, tc.want)
		}
	}
}
