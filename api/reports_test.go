package api

import (
	"bytes"
	"strings"
	"testing"

	"github.com/duty-project/duty"
)

// A follow code is 16 characters of the unmistakable alphabet in groups
// of four; typed back with or without hyphens, spaces or capitals it
// hashes alike, and nothing else is taken for one.
func TestFollowCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := newFollowCode()
		if len(c) != 19 || strings.Count(c, "-") != 3 || strings.Trim(strings.ReplaceAll(c, "-", ""), followAlphabet) != "" {
			t.Fatalf("code %q", c)
		}
		if seen[c] {
			t.Fatalf("code %q made twice", c)
		}
		seen[c] = true
		h1, ok1 := followHash(c)
		h2, ok2 := followHash(strings.ToLower(strings.ReplaceAll(c, "-", " ")))
		if !ok1 || !ok2 || !bytes.Equal(h1, h2) || len(h1) != 32 {
			t.Fatalf("code %q hashes %x %v / %x %v", c, h1, ok1, h2, ok2)
		}
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-JKLM-NPQ0", "ABCD-EFGH-JKLM-NPQRS", "ABCD-EFGH-JKLM-NPQ1", "../../etc/passwd"} {
		if _, ok := followHash(bad); ok {
			t.Errorf("%q taken for a code", bad)
		}
	}
}

// A reporter gives a name and a mainland mobile number, both or neither.
func TestReporterIsBothOrNeither(t *testing.T) {
	if who, err := reporterOf(FileReportRequest{}); who != nil || err != nil {
		t.Errorf("anonymous: %v %v", who, err)
	}
	who, err := reporterOf(FileReportRequest{Name: " 刘群众 ", Phone: "+86 139-1234-5678"})
	if err != nil || who.Name != "刘群众" || who.Phone != "13912345678" {
		t.Errorf("named: %+v %v", who, err)
	}
	for _, r := range []FileReportRequest{{Name: "刘群众"}, {Phone: "13912345678"}, {Name: "刘群众", Phone: "12345"},
		{Name: strings.Repeat("刘", 51), Phone: "13912345678"}} {
		if _, err := reporterOf(r); duty.ErrorCode(err) != duty.EInvalid {
			t.Errorf("%+v: %v", r, err)
		}
	}
}
