package orgimport

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org/uscc"
)

// creditCode is a valid 统一社会信用代码 of an enterprise registered in
// region (six digits), the n-th of a generated register.
func creditCode(region string, n int) string {
	first := fmt.Sprintf("91%s%09d", region, n)
	c, ok := uscc.CheckChar(first)
	if !ok {
		panic(first)
	}
	return first + string(c)
}

// idNumber is a valid identity number of a person born in 1980 in region,
// the n-th of a generated list (n < 336,000).
func idNumber(region string, n int) string {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	day := n % 336
	first := fmt.Sprintf("%s1980%02d%02d%03d", region, day/28+1, day%28+1, (n/336)%1000)
	sum := 0
	for i := range 17 {
		sum += int(first[i]-'0') * weights[i]
	}
	return first + string("10X98765432"[sum%11])
}

// phone is the n-th generated mobile number.
func phone(n int) string { return fmt.Sprintf("139%08d", n) }

// enterpriseRow is the n-th row of a generated enterprise register in
// 140502 城区, in EnterpriseSchema's column order.
func enterpriseRow(n int) []any {
	industries := []string{"4720", "2614", "0610", "5430", "3311"}
	risks := []string{"A", "B", "C", "D"}
	return []any{creditCode("140502", n), fmt.Sprintf("城区第%06d号企业有限公司", n), fmt.Sprintf("城区凤台东街%d号", n), "140502",
		industries[n%len(industries)], risks[n%len(risks)], fmt.Sprintf("负责人%06d", n), idNumber("140502", n), phone(n)}
}

// writeLedger writes rows under schema's headers to a file in dir.
func writeLedger(t testing.TB, dir, name string, schema ledger.Schema, rows func(yield func([]any) bool)) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	format, err := ledger.FormatOf(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ledger.NewWriter(f, format, schema)
	if err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// rowsOf yields the given rows.
func rowsOf(rows ...[]any) func(yield func([]any) bool) {
	return func(yield func([]any) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}
}
