package rules

import (
	"fmt"
	"slices"
)

// AutoStartable are the rungs the engine may start by itself: a warning
// talk (its notice names the enterprise's responsible persons) and an
// escalation to the acting department's superior. A penalty, a written
// warning included, never: two named officers open it and answer for it
// (行政处罚法 Art.42).
var AutoStartable = []string{RungWarningTalk, RungEscalation}

// defaultAutoTalkNoticeDays is how far ahead an engine-convened talk is
// held when the rule set does not say.
const defaultAutoTalkNoticeDays = 3

// AutoRungsFor is the rungs the engine starts by itself in the region with
// the given code (see AutoRungs).
func (rs RuleSet) AutoRungsFor(regionCode string) []string {
	return forRegion(rs.AutoRungs, regionCode)
}

// TalkNoticeDays is AutoTalkNoticeDays, or its default.
func (rs RuleSet) TalkNoticeDays() int {
	if rs.AutoTalkNoticeDays > 0 {
		return rs.AutoTalkNoticeDays
	}
	return defaultAutoTalkNoticeDays
}

func (rs RuleSet) validateAutoRungs() error {
	if rs.AutoTalkNoticeDays < 0 {
		return fmt.Errorf("auto_talk_notice_days may not be negative")
	}
	for region, list := range rs.AutoRungs {
		for _, rung := range list {
			if !slices.Contains(AutoStartable, rung) {
				return fmt.Errorf("auto_rungs %s: the engine starts only %v by itself, not %q", region, AutoStartable, rung)
			}
		}
	}
	return nil
}
