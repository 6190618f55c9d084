package regioncode

import (
	"strconv"
	"strings"
	"testing"

	"github.com/duty-project/duty/i18n"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, short, level, parent string
		badAt                    int // 0: valid; -1: wrong length
	}{
		{"140000", "14", Province, "", 0},
		{"140500", "1405", City, "14", 0},
		{"140502", "140502", County, "1405", 0},
		{"14", "14", Province, "", 0},
		{"1405", "1405", City, "14", 0},
		{" 110105 ", "110105", County, "1101", 0}, // 北京市朝阳区 under 市辖区 110100
		{"429004", "429004", County, "4290", 0},   // 仙桃市, 省直辖县级行政区划
		{"140502001", "140502001", Township, "140502", 0},
		{"140502000", "140502", County, "1405", 0},
		{"100000", "10", Province, "", 0}, // national registration (统一社会信用代码)
		{"10", "10", Province, "", 0},
		{"100100", "", "", "", 3}, // nothing lies under the nation's code
		{"1", "", "", "", -1},
		{"1405021", "", "", "", -1},
		{"14O502", "", "", "", 3},
		{"990000", "", "", "", 1},
		{"140012", "", "", "", 3},
		{"140500001", "", "", "", 5},
	} {
		short, err := Parse(tc.in)
		if tc.badAt != 0 {
			e, ok := err.(*Error)
			if !ok || (tc.badAt > 0 && e.Position != tc.badAt) || (tc.badAt < 0 && e.Position != 0) {
				t.Errorf("Parse(%q) = %q, %v; want an error at %d", tc.in, short, err, tc.badAt)
				continue
			}
			// The reason is a message in both languages, naming the
			// position where there is one.
			m := e.Msg()
			for _, lang := range i18n.Languages {
				text := i18n.T(lang, m.ID, m.Args)
				if !i18n.Has(lang, m.ID) || strings.Contains(text, "<no value>") || (tc.badAt > 0 && !strings.Contains(text, strconv.Itoa(tc.badAt))) {
					t.Errorf("Parse(%q) in %s: %q (%s)", tc.in, lang, text, m.ID)
				}
			}
			continue
		}
		if err != nil || short != tc.short || Level(short) != tc.level || Parent(short) != tc.parent {
			t.Errorf("Parse(%q) = %q (%s, parent %q), %v; want %q (%s, parent %q)", tc.in, short, Level(short), Parent(short), err, tc.short, tc.level, tc.parent)
		}
	}
	if Full("1405") != "140500" || Full("14") != "140000" || Full("140502") != "140502" {
		t.Error("Full")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"140502", "14", "1405", "140502001", "990000", "", "1a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		short, err := Parse(s)
		if err != nil {
			return
		}
		// A valid code's short form is itself valid, round-trips through
		// Full and has a level; its parent is valid or empty.
		again, err := Parse(short)
		if err != nil || again != short || Level(short) == "" {
			t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v (level %q)", s, short, short, again, err, Level(short))
		}
		if len(short) <= 6 && Short(Full(short)) != short {
			t.Fatalf("Short(Full(%q)) = %q", short, Short(Full(short)))
		}
		if p := Parent(short); p != "" {
			if _, err := Parse(p); err != nil && len(p) != 4 {
				t.Fatalf("parent %q of %q: %v", p, short, err)
			}
		}
	})
}
