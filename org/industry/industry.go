// Package industry reads 国民经济行业分类 (GB/T 4754-2017) codes and maps
// them to duty's supervising sectors by a table kept as data
// (sectors.csv, see README.md), which a province may replace.
//
// Codes are a 门类 letter (A–T), a 大类 of two digits, a 中类 of three
// and a 小类 of four, each a prefix of the next; the 门类 is implied by the
// 大类 (26 is in C). Spreadsheets write them with or without the letter
// ("C2672", "2672"); Parse gives the digits.
package industry

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/duty-project/duty/i18n"
)

// Sectors on record: what departments supervise and policies match on.
const (
	SectorMining             = "mining"              // 矿山
	SectorHazardousChemicals = "hazardous_chemicals" // 危险化学品
	SectorFireworks          = "fireworks"           // 烟花爆竹
	SectorConstruction       = "construction"        // 建筑施工
	SectorIndustryTrade      = "industry_trade"      // 工贸
	SectorRoadTraffic        = "road_traffic"        // 道路运输
	SectorOther              = "other"               // 其他: no dedicated safety regulator
)

// SectorNames are the sectors' names for people, Chinese first.
var SectorNames = map[string]string{
	SectorMining:             "矿山 mining",
	SectorHazardousChemicals: "危险化学品 hazardous chemicals",
	SectorFireworks:          "烟花爆竹 fireworks",
	SectorConstruction:       "建筑施工 construction",
	SectorIndustryTrade:      "工贸 industry and trade",
	SectorRoadTraffic:        "道路运输 road transport",
	SectorOther:              "其他 other",
}

// sections are the 门类 with the range of 大类 each holds.
var sections = []struct {
	letter   byte
	from, to int
}{
	{'A', 1, 5}, {'B', 6, 12}, {'C', 13, 43}, {'D', 44, 46}, {'E', 47, 50}, {'F', 51, 52}, {'G', 53, 60},
	{'H', 61, 62}, {'I', 63, 65}, {'J', 66, 69}, {'K', 70, 70}, {'L', 71, 72}, {'M', 73, 75}, {'N', 76, 79},
	{'O', 80, 82}, {'P', 83, 83}, {'Q', 84, 85}, {'R', 86, 90}, {'S', 91, 96}, {'T', 97, 97},
}

// Error is a code that is not a GB/T 4754 code. Reason says what is
// wrong (the Reason… constants); the message of the catalogue it names
// (industry.<reason>) says it in the reader's language.
type Error struct {
	Code   string
	Reason string
	// Position is the 1-based position of the character that is not a
	// digit (ReasonDigit), Char that character; Part is the 门类 or 大类
	// at fault, In the 门类 a 大类 is in (ReasonSection).
	Position int
	Char     string
	Part     string
	In       string
}

// The reasons a code is refused.
const (
	ReasonNoSection = "no_section" // a 门类 letter that is not one (A–T)
	ReasonShape     = "shape"      // neither a letter nor 2–4 digits
	ReasonDigit     = "digit"      // a character that is not a digit
	ReasonDivision  = "division"   // a 大类 that is not one (01–97)
	ReasonSection   = "section"    // a 大类 given under another 门类's letter
)

// Message is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	return i18n.Msg{ID: "industry." + e.Reason, Args: i18n.Args{"Code": e.Code, "Position": e.Position, "Char": e.Char, "Part": e.Part, "In": e.In}}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// Parse checks an industry code and returns its canonical form: the
// digits of a 大类, 中类 or 小类 ("C2672" and "2672" give "2672"), or a 门类
// letter alone ("c" gives "C"). A letter given with digits must be the
// 门类 the 大类 is in.
func Parse(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) == 1 && c[0] >= 'A' && c[0] <= 'Z' {
		for _, s := range sections {
			if s.letter == c[0] {
				return c, nil
			}
		}
		return "", &Error{Code: code, Reason: ReasonNoSection, Part: c}
	}
	letter := byte(0)
	if len(c) > 0 && c[0] >= 'A' && c[0] <= 'Z' {
		letter, c = c[0], c[1:]
	}
	if len(c) < 2 || len(c) > 4 {
		return "", &Error{Code: code, Reason: ReasonShape}
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			r, _ := utf8.DecodeRuneInString(c[i:])
			at := utf8.RuneCountInString(c[:i]) + 1
			if letter != 0 {
				at++
			}
			return "", &Error{Code: code, Reason: ReasonDigit, Position: at, Char: string(r)}
		}
	}
	section := Section(c)
	if section == 0 {
		return "", &Error{Code: code, Reason: ReasonDivision, Part: c[:2]}
	}
	if letter != 0 && letter != section {
		return "", &Error{Code: code, Reason: ReasonSection, Part: c[:2], In: string(section), Char: string(letter)}
	}
	return c, nil
}

// Section is the 门类 letter of a canonical code, 0 if there is none.
func Section(code string) byte {
	if len(code) == 1 {
		return code[0]
	}
	if len(code) < 2 {
		return 0
	}
	div, err := strconv.Atoi(code[:2])
	if err != nil {
		return 0
	}
	for _, s := range sections {
		if div >= s.from && div <= s.to {
			return s.letter
		}
	}
	return 0
}

// Entry is one row of a sector table.
type Entry struct {
	Code     string // the row's code: a 门类 letter or 2–4 digits
	Name     string
	Sector   string
	HighRisk bool
}

// Table maps industry codes to sectors; build one with Default or Load.
// It is read-only once built, so one may be shared.
type Table struct {
	rows map[string]Entry
}

//go:embed sectors.csv
var defaultCSV []byte

var defaultTable = func() *Table {
	t, err := Load(bytes.NewReader(defaultCSV))
	if err != nil {
		panic("industry: the embedded sectors.csv: " + err.Error())
	}
	return t
}()

// Default is the table shipped with duty (sectors.csv).
func Default() *Table { return defaultTable }

var sectorPattern = regexp.MustCompile(`^[a-z_]+$`)

// LoadFile reads a province's table from a CSV file (see README.md).
func LoadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Load reads a table from CSV with the header code,name,sector,high_risk.
// Every 门类 must have a row, so that every valid code resolves; a code
// twice, a malformed code or sector, is refused with its line.
func Load(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("industry table: %w", err)
	}
	if strings.Join(header, ",") != "code,name,sector,high_risk" {
		return nil, fmt.Errorf("industry table: the header must be code,name,sector,high_risk, not %s", strings.Join(header, ","))
	}
	t := &Table{rows: map[string]Entry{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("industry table: %w", err)
		}
		code, err := Parse(rec[0])
		if err != nil {
			return nil, fmt.Errorf("industry table line %d: %w", line, err)
		}
		if _, dup := t.rows[code]; dup {
			return nil, fmt.Errorf("industry table line %d: code %s appears twice", line, code)
		}
		if !sectorPattern.MatchString(rec[2]) {
			return nil, fmt.Errorf("industry table line %d: sector %q is not a lower-case word ([a-z_]+)", line, rec[2])
		}
		high, err := strconv.ParseBool(rec[3])
		if err != nil {
			return nil, fmt.Errorf("industry table line %d: high_risk %q is not true or false", line, rec[3])
		}
		t.rows[code] = Entry{Code: code, Name: rec[1], Sector: rec[2], HighRisk: high}
	}
	for _, s := range sections {
		if _, ok := t.rows[string(s.letter)]; !ok {
			return nil, fmt.Errorf("industry table: no row for section %c: every 门类 needs one, so that every code resolves", s.letter)
		}
	}
	return t, nil
}

// Resolve checks a code and returns the row that decides its sector: the
// code's own row, else that of its 中类, its 大类, and at last its 门类.
func (t *Table) Resolve(code string) (Entry, error) {
	c, err := Parse(code)
	if err != nil {
		return Entry{}, err
	}
	if len(c) == 1 {
		return t.rows[c], nil
	}
	for n := len(c); n >= 2; n-- {
		if e, ok := t.rows[c[:n]]; ok {
			return e, nil
		}
	}
	return t.rows[string(Section(c))], nil
}

// Name is the standard's name of a code if the table has a row for it.
func (t *Table) Name(code string) string { return t.rows[code].Name }

// Sectors lists the distinct sectors of the table.
func (t *Table) Sectors() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range t.rows {
		if !seen[e.Sector] {
			seen[e.Sector] = true
			out = append(out, e.Sector)
		}
	}
	return out
}
