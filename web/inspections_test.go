package web

import (
	"strings"
	"testing"
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
		got, shown := inspectionStep(tc.action, tc.d)
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
