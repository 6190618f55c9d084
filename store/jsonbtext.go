package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// An audit entry's hash covers its details as jsonb prints them
// (migration 0003), not as they were sent. recordOrgChanges, which links
// an import's entries itself, used to send a batch's details to
// PostgreSQL and read them back as jsonb text before hashing: a tenth of
// the batch's time. jsonbText prints them as jsonb does, here; the
// database still recomputes every hash from the stored jsonb (0041), so
// a difference would be refused, never recorded.

// jsonbText returns the JSON document b as PostgreSQL's jsonb prints it:
// object keys shorter first, then in byte order, the last of duplicates
// kept; ", " and ": " between items; strings escaped as escape_json does.
// ok is false for a document it cannot print exactly as jsonb would — a
// number other than a plain integer (numeric's own printing), a NUL
// character (which jsonb refuses) — or one that is not JSON.
func jsonbText(b []byte) (text string, ok bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return "", false
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	if !writeJsonb(&sb, v) {
		return "", false
	}
	return sb.String(), true
}

// plainInteger is a number numeric prints as it is given.
var plainInteger = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`)

func writeJsonb(sb *strings.Builder, v any) bool {
	switch v := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if v {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case json.Number:
		if !plainInteger.MatchString(string(v)) {
			return false
		}
		sb.WriteString(string(v))
	case string:
		return writeJsonbString(sb, v)
	case []any:
		sb.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				sb.WriteString(", ")
			}
			if !writeJsonb(sb, e) {
				return false
			}
		}
		sb.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		// jsonb's order (lengthCompareJsonbString): length, then bytes.
		slices.SortFunc(keys, func(a, b string) int {
			if len(a) != len(b) {
				return len(a) - len(b)
			}
			return strings.Compare(a, b)
		})
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			if !writeJsonbString(sb, k) {
				return false
			}
			sb.WriteString(": ")
			if !writeJsonb(sb, v[k]) {
				return false
			}
		}
		sb.WriteByte('}')
	default:
		return false
	}
	return true
}

// writeJsonbString writes s as PostgreSQL's escape_json does: the
// two-character escapes for \b \f \n \r \t " and \, \u00XX (lower-case
// hex) for the other control characters, every other byte as it is.
func writeJsonbString(sb *strings.Builder, s string) bool {
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 0:
			return false
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		default:
			if c < ' ' {
				fmt.Fprintf(sb, `\u%04x`, c)
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	return true
}
