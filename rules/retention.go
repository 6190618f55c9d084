package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// Retention is how long the case file (案卷) of each kind of case is kept
// (保管期限): rule-set data because the 档案法 and the 文书档案保管期限规定
// (国家档案局令第8号) set the classes (永久, 定期30年, 定期10年) and a
// province's archive bureau assigns them to kinds of record. duty deletes
// nothing of a case's record at any time; the period is printed on the
// case file's cover so that the paper archive and the bundle carry it.
type Retention struct {
	// Kinds are the period of each kind of case (hazard, talk, penalty,
	// escalation, accident, …); "default" for any other.
	Kinds map[string]RetentionPeriod `json:"kinds,omitempty"`
	// AccidentWithDeaths is an accident's when anyone died.
	AccidentWithDeaths RetentionPeriod `json:"accident_with_deaths,omitempty"`
}

// RetentionPeriod is "permanent" or a number of years, "30y".
type RetentionPeriod string

// Permanent keeps a record for ever (永久).
const Permanent RetentionPeriod = "permanent"

// DefaultRetention are the periods a rule set without "retention" gets.
// [check] against the province's archive bureau: accidents with deaths and
// penalties' decisions are usually 永久 or 30 years, rectification orders
// 10 to 30.
var DefaultRetention = Retention{
	Kinds: map[string]RetentionPeriod{
		"default": "30y", "hazard": "30y", "talk": "10y", "penalty": "30y", "escalation": "30y",
		"accident": "30y", "inspection": "10y", "rescue": "10y",
	},
	AccidentWithDeaths: Permanent,
}

// Years is how many years the period keeps a record; permanent is true
// for 永久 (years is then 0).
func (p RetentionPeriod) Years() (years int, permanent bool, err error) {
	if p == Permanent {
		return 0, true, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(string(p), "y"))
	if err != nil || !strings.HasSuffix(string(p), "y") || n <= 0 || n > 1000 {
		return 0, false, fmt.Errorf("retention %q: want \"permanent\" or a number of years such as \"30y\"", string(p))
	}
	return n, false, nil
}

// Label is the period as a cover prints it: 永久, 30年.
func (p RetentionPeriod) Label() string {
	n, perm, err := p.Years()
	switch {
	case err != nil:
		return string(p)
	case perm:
		return "永久"
	}
	return strconv.Itoa(n) + "年"
}

// Longer is the longer of two periods; a case file is kept as long as the
// longest-kept of its cases.
func Longer(a, b RetentionPeriod) RetentionPeriod {
	na, pa, _ := a.Years()
	nb, pb, _ := b.Years()
	if pa || (!pb && na >= nb) {
		return a
	}
	return b
}

// RetentionFor is how long the case file of a case of a kind is kept
// under this set; deaths counts an accident's dead.
func (rs RuleSet) RetentionFor(kind string, deaths int) RetentionPeriod {
	r := rs.Retention
	if kind == "accident" && deaths > 0 {
		return cmpOr(r.AccidentWithDeaths, DefaultRetention.AccidentWithDeaths)
	}
	if p, ok := r.Kinds[kind]; ok {
		return p
	}
	if p, ok := r.Kinds["default"]; ok {
		return p
	}
	return cmpOr(DefaultRetention.Kinds[kind], DefaultRetention.Kinds["default"])
}

func cmpOr(a, b RetentionPeriod) RetentionPeriod {
	if a != "" {
		return a
	}
	return b
}

func (r Retention) validate() error {
	for kind, p := range r.Kinds {
		if _, _, err := p.Years(); err != nil {
			return fmt.Errorf("retention of %s: %w", kind, err)
		}
	}
	if r.AccidentWithDeaths != "" {
		if _, _, err := r.AccidentWithDeaths.Years(); err != nil {
			return fmt.Errorf("retention of accidents with deaths: %w", err)
		}
	}
	return nil
}
