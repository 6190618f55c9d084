package casekit

import (
	"strings"
	"unicode/utf8"

	"github.com/duty-project/duty"
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

// Invalid is the refusal of an input that is wrong in itself, whatever
// state the case is in.
func Invalid(format string, args ...any) error { return duty.Errorf(duty.EInvalid, format, args...) }

// Conflict is the refusal of a step the case's state does not allow now.
func Conflict(format string, args ...any) error { return duty.Errorf(duty.EConflict, format, args...) }

// Text checks a free-text field: present when required, valid UTF-8, not
// too long. name is how the refusal names the field to people.
func Text(name, v string, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Invalid("%s is required", name)
	}
	if !utf8.ValidString(v) {
		return Invalid("%s is not valid UTF-8 text", name)
	}
	if utf8.RuneCountInString(v) > maxTextLen {
		return Invalid("%s is longer than %d characters", name, maxTextLen)
	}
	return nil
}

// Evidence is a reference to a file (photo, report) kept outside the case:
// a hazard's completion and a warning talk's report both carry it.
type Evidence struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
	URI    string `json:"uri,omitempty"`
}

// ValidEvidence checks the evidence of one step: at least one piece when
// required, not too many, each named, its hash well formed.
func ValidEvidence(ev []Evidence, required bool) error {
	if required && len(ev) == 0 {
		return Invalid("at least one piece of evidence (整改证据) is required")
	}
	if len(ev) > maxEvidence {
		return Invalid("at most %d pieces of evidence per step", maxEvidence)
	}
	for i, e := range ev {
		if strings.TrimSpace(e.Name) == "" || utf8.RuneCountInString(e.Name) > MaxNameLen {
			return Invalid("evidence %d needs a name of 1 to %d characters", i+1, MaxNameLen)
		}
		if e.SHA256 != "" && (len(e.SHA256) != sha256HexChars || strings.Trim(strings.ToLower(e.SHA256), "0123456789abcdef") != "") {
			return Invalid("evidence %d: sha256 must be 64 hexadecimal characters", i+1)
		}
		if err := Text("evidence uri", e.URI, false); err != nil {
			return err
		}
	}
	return nil
}
