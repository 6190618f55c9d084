package personal

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/i18n"
)

func TestIDNumbers(t *testing.T) {
	// 11010519491231002X is the example printed in GB 11643-1999 itself;
	// 440524188001010014 is the standard's other example.
	for _, tc := range []struct {
		in, want string
		born     string
	}{
		{"11010519491231002X", "11010519491231002X", "1949-12-31"},
		{"11010519491231002x", "11010519491231002X", "1949-12-31"},
		{" 440524188001010014 ", "440524188001010014", "1880-01-01"},
	} {
		got, err := ParseIDNumber(tc.in)
		born, _ := BirthDate(tc.in)
		if err != nil || got != tc.want || born.Format(time.DateOnly) != tc.born {
			t.Errorf("ParseIDNumber(%q) = %q, %v (born %s)", tc.in, got, err, born)
		}
	}
	for _, tc := range []struct {
		in       string
		position int
		says     string
	}{
		{"110105194912310021", 18, "应为X"},
		{"11010519491231002", 0, "实为17位"},
		{"110105194902300028", 7, "出生日期"}, // 30 February
		{"1101051949123A002X", 14, "应为数字"},
		{"11010519491231002Y", 18, "数字或X"},
		{"990105194912310025", 1, "省级"},
	} {
		_, err := ParseIDNumber(tc.in)
		e, ok := err.(*Error)
		if !ok || e.Position != tc.position || !strings.Contains(e.Error(), tc.says) {
			t.Errorf("ParseIDNumber(%q) = %v; want position %d saying %q", tc.in, err, tc.position, tc.says)
		}
		if ok {
			m := e.Msg()
			if en := i18n.T(i18n.English, m.ID, m.Args); !i18n.Has(i18n.English, m.ID) || (tc.position > 0 && !strings.Contains(en, strconv.Itoa(tc.position))) {
				t.Errorf("ParseIDNumber(%q) in English: %q", tc.in, en)
			}
		}
		if ok && strings.Contains(e.Error(), tc.in[:10]) {
			t.Errorf("the error repeats the number: %v", e)
		}
	}
}

func TestMasks(t *testing.T) {
	if m := MaskIDNumber("11010519491231002X"); m != "110105********002X" {
		t.Errorf("MaskIDNumber = %q", m)
	}
	if m := MaskIDNumber("12345"); m != "*****" {
		t.Errorf("MaskIDNumber(short) = %q", m)
	}
	if m := MaskPhone("13812345678"); m != "138****5678" {
		t.Errorf("MaskPhone = %q", m)
	}
}

func TestPhones(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "13812345678", "+86 138-1234-5678": "13812345678", "8619912345678": "19912345678"} {
		if got, err := ParsePhone(in); err != nil || got != want {
			t.Errorf("ParsePhone(%q) = %q, %v", in, got, err)
		}
	}
	for in, pos := range map[string]int{"1381234567": 0, "23812345678": 1, "12812345678": 2, "1381234567a": 11, "0351-2022123": 1} {
		_, err := ParsePhone(in)
		if e, ok := err.(*Error); !ok || e.Position != pos {
			t.Errorf("ParsePhone(%q) = %v; want position %d", in, err, pos)
		}
	}
}

func FuzzParseIDNumber(f *testing.F) {
	f.Add("11010519491231002X", uint8(0))
	f.Add("440524188001010014", uint8(16))
	f.Fuzz(func(t *testing.T, s string, pos uint8) {
		n, err := ParseIDNumber(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Position < 0 || e.Position > IDNumberLength {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if m := MaskIDNumber(n); len(m) != IDNumberLength || strings.Contains(m, n[6:14]) {
			t.Fatalf("mask %q of %q shows the birth date", m, n)
		}
		// Changing one digit of positions 1–17 always breaks the check
		// (every weight is a unit mod 11).
		i := int(pos) % (IDNumberLength - 1)
		d := byte('0' + (n[i]-'0'+1)%10)
		changed := n[:i] + string(d) + n[i+1:]
		if _, err := ParseIDNumber(changed); err == nil {
			t.Fatalf("%q and %q are both valid", n, changed)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	f.Add("13812345678")
	f.Add("+86 138 1234 5678")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			return
		}
		if len(p) != 11 || p[0] != '1' || MaskPhone(p)[3:7] != "****" {
			t.Fatalf("ParsePhone(%q) = %q", s, p)
		}
		if again, err := ParsePhone(p); err != nil || again != p {
			t.Fatalf("not canonical: %q → %q, %v", p, again, err)
		}
	})
}
