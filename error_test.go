package duty_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
)

// TestRefusalSurvivesJSON: a refusal's arguments keep their kinds through
// JSON, as they cross Temporal: a whole number stays whole (not 1e+06), a
// time is shown as a time in each language, a Ref names its message.
func TestRefusalSurvivesJSON(t *testing.T) {
	at := time.Date(2026, 12, 1, 15, 59, 59, 0, time.UTC) // 23:59:59 in Beijing: a date deadline
	e := duty.Fail(duty.EInvalid, "field.too_long", duty.Args{"Field": i18n.Ref("field.hazard.location"), "Max": 1000000})
	b, err := json.Marshal(e.Refusal())
	if err != nil {
		t.Fatal(err)
	}
	var r duty.Refusal
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	back := r.Error(duty.EInvalid, "")
	if got, want := back.Text(i18n.English), "location is longer than 1000000 characters"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	if got, want := back.Text(i18n.Chinese), "地点超过 1000000 个字符"; got != want {
		t.Errorf("Chinese: %q, want %q", got, want)
	}
	when := duty.Refusal{ID: "x", Args: map[string]duty.Arg{"At": {T: &at}}}
	b, _ = json.Marshal(when)
	var w duty.Refusal
	_ = json.Unmarshal(b, &w)
	if got, ok := w.Error(duty.EInvalid, "").Args["At"].(time.Time); !ok || !got.Equal(at) {
		t.Errorf("a time came back as %v", w.Error(duty.EInvalid, "").Args["At"])
	}
	if old := (duty.Refusal{}).Error(duty.EConflict, "free text"); old.ID != "" || old.Text(i18n.English) != "free text" {
		t.Errorf("a refusal without an ID reads %+v", old)
	}
}

// TestNestedMessagesSurviveJSON: a message used as an argument of another
// (i18n.Msg, i18n.MsgList), each with arguments of its own, crosses
// Temporal and is read in either language.
func TestNestedMessagesSurviveJSON(t *testing.T) {
	blockers := i18n.MsgList{
		{ID: "accident.blocker.undecided", Args: i18n.Args{"Person": "王五"}},
		{ID: "accident.blocker.not_verified", Args: i18n.Args{"CaseNo": "YH-140502-2026-000001"}},
	}
	e := duty.Fail(duty.EConflict, "accident.gate.blocked", duty.Args{"Gate": i18n.Ref("gate.persons"), "Blockers": blockers})
	b, err := json.Marshal(e.Refusal())
	if err != nil {
		t.Fatal(err)
	}
	var r duty.Refusal
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Text(i18n.Chinese), "“责任人员未处理不放过”尚不能签认：王五：未作出处理决定；YH-140502-2026-000001：整改未复查销号"; got != want {
		t.Errorf("Chinese: %q, want %q", got, want)
	}
	if got, want := r.Text(i18n.English), `"not let go until those responsible are dealt with" cannot be signed off yet: 王五: no accountability decision; YH-140502-2026-000001: not re-inspected and closed`; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	one := duty.Message("accident.gate.open_because", duty.Args{"Gate": i18n.Ref("gate.cause"), "Why": i18n.Msg{ID: "accident.blocker.not_approved"}})
	if got, want := one.Text(i18n.English), "not let go until the cause is found (the investigation report is not approved)"; got != want {
		t.Errorf("a nested message: %q, want %q", got, want)
	}
}
