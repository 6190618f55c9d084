package rules

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// SectorGeneral is the sector of the checklist used where a sector has
// none of its own (检查表: 通用).
const SectorGeneral = "general"

// Checklist is one version of a sector's inspection checklist (检查表):
// the items officers check, each with its legal basis. Like a rule set it
// has an effective date, and an inspection keeps the version in force on
// the day it was opened for its whole life — the checklist travels in the
// inspection's input, so a later version never changes what was checked.
type Checklist struct {
	ID     string `json:"id"`
	Sector string `json:"sector"`
	Title  string `json:"title"`
	// EffectiveFrom is the first day (Asia/Shanghai) the version applies
	// to new inspections.
	EffectiveFrom string          `json:"effective_from"`
	Items         []ChecklistItem `json:"items"`
}

// ChecklistItem is one thing checked: its number on the list, what is
// checked and the provision that requires it. Major marks an item whose
// failure the sector's standard (重大事故隐患判定标准) counts as a 重大隐患,
// which the officer sees when deciding what to do on the spot.
type ChecklistItem struct {
	No    string `json:"no"`
	Text  string `json:"text"`
	Basis string `json:"basis"`
	Major bool   `json:"major,omitempty"`
}

// Item is the item numbered no, if the list has it.
func (c Checklist) Item(no string) (ChecklistItem, bool) {
	for _, it := range c.Items {
		if it.No == no {
			return it, true
		}
	}
	return ChecklistItem{}, false
}

// maxChecklistItems bounds a list, so that one inspection's input (and
// history) stays small.
const maxChecklistItems = 300

// validate checks a checklist as a data file must be: named, dated, and
// each item numbered once, with its text and basis.
func (c Checklist) validate() error {
	if c.ID == "" || c.Sector == "" || strings.TrimSpace(c.Title) == "" {
		return fmt.Errorf("a checklist needs an id, a sector and a title")
	}
	if _, err := time.ParseInLocation(time.DateOnly, c.EffectiveFrom, China); err != nil {
		return fmt.Errorf("checklist %s: effective_from: %w", c.ID, err)
	}
	if len(c.Items) == 0 || len(c.Items) > maxChecklistItems {
		return fmt.Errorf("checklist %s: needs 1 to %d items", c.ID, maxChecklistItems)
	}
	seen := map[string]bool{}
	for i, it := range c.Items {
		if it.No == "" || seen[it.No] {
			return fmt.Errorf("checklist %s: item %d: numbers must be present and unique (%q)", c.ID, i+1, it.No)
		}
		seen[it.No] = true
		if strings.TrimSpace(it.Text) == "" || strings.TrimSpace(it.Basis) == "" {
			return fmt.Errorf("checklist %s: item %s needs its text and its legal basis (依据)", c.ID, it.No)
		}
		if !utf8.ValidString(it.Text + it.Basis) {
			return fmt.Errorf("checklist %s: item %s is not valid UTF-8", c.ID, it.No)
		}
	}
	return nil
}

// Checklists is every checklist version, by sector, oldest first.
type Checklists struct {
	lists []Checklist
}

//go:embed checklists/*.json
var builtinChecklists embed.FS

// BuiltinChecklists are the checklists shipped with duty
// (rules/checklists/*.json, one file per sector and version).
func BuiltinChecklists() *Checklists {
	c, err := LoadChecklists(builtinChecklists, "checklists")
	if err != nil {
		panic("rules: the built-in checklists are invalid: " + err.Error())
	}
	return c
}

// LoadChecklists reads every *.json file in dir of fsys, each one
// checklist version; a province ships its own folder the same way.
func LoadChecklists(fsys fs.FS, dir string) (*Checklists, error) {
	names, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, fmt.Errorf("rules: checklists: %w", err)
	}
	var lists []Checklist
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("rules: checklists: %w", err)
		}
		var c Checklist
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("rules: checklist %s: %w", name, err)
		}
		lists = append(lists, c)
	}
	return NewChecklists(lists)
}

// NewChecklists checks a set of checklist versions: ids unique, each
// valid, and a general one for sectors without their own.
func NewChecklists(lists []Checklist) (*Checklists, error) {
	seen := map[string]bool{}
	general := false
	for _, c := range lists {
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("rules: checklist id %s appears twice", c.ID)
		}
		seen[c.ID] = true
		general = general || c.Sector == SectorGeneral
	}
	if !general {
		return nil, fmt.Errorf("rules: checklists need a %q one, for sectors without their own", SectorGeneral)
	}
	lists = append([]Checklist(nil), lists...)
	sort.SliceStable(lists, func(i, j int) bool { return lists[i].EffectiveFrom < lists[j].EffectiveFrom })
	return &Checklists{lists: lists}, nil
}

// InForce is the checklist for an enterprise of the sector on the day of
// t: the sector's latest version effective by then, else the general
// one's. A version not yet effective is never chosen, so a list published
// ahead of its date does not reach inspections early.
func (c *Checklists) InForce(sector string, t time.Time) (Checklist, bool) {
	day := t.In(China).Format(time.DateOnly)
	pick := func(sector string) (Checklist, bool) {
		var chosen Checklist
		found := false
		for _, l := range c.lists {
			if l.Sector == sector && l.EffectiveFrom <= day {
				chosen, found = l, true
			}
		}
		return chosen, found
	}
	if l, ok := pick(sector); ok {
		return l, true
	}
	return pick(SectorGeneral)
}
