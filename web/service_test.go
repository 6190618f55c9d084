package web

import "testing"

// The service form's moment reaches the API with its time of day.
func TestServedAtKeepsTheTimeOfDay(t *testing.T) {
	for in, want := range map[string]string{
		"2026-12-05T09:30":    "2026-12-05T09:30:00+08:00",
		"2026-12-05T09:30:15": "2026-12-05T09:30:15+08:00",
		"2026-12-05":          "2026-12-05",
		"":                    "",
	} {
		if got := servedAt(in); got != want {
			t.Errorf("servedAt(%q) = %q, want %q", in, got, want)
		}
	}
}
