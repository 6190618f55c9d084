package web

import (
	"regexp"
	"strings"

	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/hazard"
)

// A case's title is written by its workflow when the case opens, in
// Chinese: the kind's word, then the case's own data ("事故 · 一般事故
// general · 凤台街工地"). Workflow code cannot render the catalogue, and
// changing what a workflow writes would not reach the titles already on
// record, so a page renders the title at read time instead: the parts
// that are duty's own words are looked up in the catalogue, in the
// page's language, and the data (names, places) are kept as written.

// titleWords are the kinds' words a title starts with, and their message.
var titleWords = map[string]string{
	"事故":         "case_title.accident",
	"专项整治":       "case_title.campaign",
	"现场检查":       "case_title.inspection",
	"行政处罚":       "case_title.penalty",
	"群众举报":       "case_title.report",
	"约谈":         "case_title.talk",
	"救援队伍预防性检查":  "case_title.rescue_check",
	"重大隐患停产撤人警报": "case_title.rescue_alarm",
}

// titleLabels are the engine's labels that may be a part of a title
// (a hazard's or an accident's grade), and their message.
var titleLabels = func() map[string]string {
	out := map[string]string{}
	for _, g := range []hazard.Grade{hazard.GradeGeneral, hazard.GradeMajor} {
		out[g.Label()] = "grade." + string(g)
	}
	for _, g := range rules.DefaultAccidentRules().Grades {
		out[g.Label] = "accident_grade." + string(g.Grade)
	}
	return out
}()

// planTitle is a year plan's title: the department and the year.
var planTitle = regexp.MustCompile(`^(.+) (\d{4})年度监督检查计划$`)

// caseTitle is a case's title in lang.
func caseTitle(lang, title string) string {
	if m := planTitle.FindStringSubmatch(title); m != nil {
		return i18n.T(lang, "case_title.plan", i18n.Args{"Org": m[1], "Year": m[2]})
	}
	parts := strings.Split(title, " · ")
	for i, p := range parts {
		if id, ok := titleWords[p]; ok && i == 0 {
			parts[i] = i18n.T(lang, id, nil)
		} else if id, ok := titleLabels[p]; ok {
			parts[i] = i18n.T(lang, id, nil)
		} else {
			parts[i] = bilingualIn(lang, p)
		}
	}
	return strings.Join(parts, " · ")
}
