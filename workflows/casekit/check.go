package casekit

import (
	"strings"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
)

// Limits on free text, so one request cannot bloat a workflow history.
const (
	maxTextLen     = 4000
	maxEvidence    = 50
	sha256HexChars = 64
)

// MaxNameLen bounds a name in any step (a file's, a participant's), for
// the same reason as the limit on free text.
const MaxNameLen = 200

// Refuse is the refusal of an input that is wrong in itself, as message id
// of the catalogue with its arguments.
func Refuse(id string, args duty.Args) error { return duty.Fail(duty.EInvalid, id, args) }

// NotNow is the refusal of a step the case's state does not allow now, as
// message id of the catalogue with its arguments.
func NotNow(id string, args duty.Args) error { return duty.Fail(duty.EConflict, id, args) }

// Text checks a free-text field: present when required, valid UTF-8, not
// too long. field is the message that names the field to people
// ("field.<kind>.<name>"), so the refusal names it in their language.
func Text(field i18n.Ref, v string, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Refuse("field.required", duty.Args{"Field": field})
	}
	if !utf8.ValidString(v) {
		return Refuse("field.bad_utf8", duty.Args{"Field": field})
	}
	if utf8.RuneCountInString(v) > maxTextLen {
		return Refuse("field.too_long", duty.Args{"Field": field, "Max": maxTextLen})
	}
	return nil
}

// Name checks a person's name in a step (who signed, who refused): present,
// at most MaxNameLen characters, valid UTF-8. field names it as Text's
// does.
func Name(field i18n.Ref, v string) error {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > MaxNameLen {
		return Refuse("field.name_length", duty.Args{"Field": field, "Max": MaxNameLen})
	}
	return Text(field, v, true)
}

// Evidence is a reference to a file (photo, report) kept outside the case:
// a hazard's completion and a warning talk's report both carry it.
type Evidence struct {
	Name   string `json:"name" openapi:"required"`
	SHA256 string `json:"sha256,omitempty"`
	URI    string `json:"uri,omitempty"`
}

// ValidEvidence checks the evidence of one step: at least one piece when
// required, not too many, each named, its hash well formed.
func ValidEvidence(ev []Evidence, required bool) error {
	if required && len(ev) == 0 {
		return Refuse("evidence.required", nil)
	}
	if len(ev) > maxEvidence {
		return Refuse("evidence.too_many", duty.Args{"Max": maxEvidence})
	}
	for i, e := range ev {
		if strings.TrimSpace(e.Name) == "" || utf8.RuneCountInString(e.Name) > MaxNameLen {
			return Refuse("evidence.bad_name", duty.Args{"N": i + 1, "Max": MaxNameLen})
		}
		if e.SHA256 != "" && (len(e.SHA256) != sha256HexChars || strings.Trim(strings.ToLower(e.SHA256), "0123456789abcdef") != "") {
			return Refuse("evidence.bad_sha256", duty.Args{"N": i + 1})
		}
		if err := Text("field.casekit.evidence_uri", e.URI, false); err != nil {
			return err
		}
	}
	return nil
}

// WrongState is the refusal of a step the case's state does not allow now.
// It names the state, the step and the steps allowed now as messages
// (state.<kind>.<state>, action.<kind>.<step>), so people read them in
// their language rather than as the engine's names, and adds hint (a
// message ID) when given.
func WrongState(kind, state, action string, allowed []string, hint i18n.Ref) error {
	l := make(i18n.RefList, len(allowed))
	for i, a := range allowed {
		l[i] = i18n.Ref("action." + kind + "." + a)
	}
	args := duty.Args{"State": i18n.Ref("state." + kind + "." + state), "Action": i18n.Ref("action." + kind + "." + action), "Allowed": l}
	if hint != "" {
		args["Hint"] = hint
	}
	return NotNow("case.state.not_allowed", args)
}
