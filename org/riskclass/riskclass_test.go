package riskclass

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"a": A, " B类 ": B, "黄色": C, "蓝": D, "重大风险": A, "4": D, "": ""} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"E", "紫", "5", "AA"} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, got)
		}
	}
	for _, c := range All {
		if Name(c) == "" {
			t.Errorf("class %s has no name", c)
		}
	}
}
