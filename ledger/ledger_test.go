package ledger

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/duty-project/duty/i18n"
)

var enterprises = Schema{Name: "企业台账", Columns: []Column{
	{Key: "credit_code", Header: "统一社会信用代码", Aliases: []string{"信用代码"}, Required: true},
	{Key: "name", Header: "企业名称", Aliases: []string{"单位名称"}, Required: true},
	{Key: "address", Header: "地址（经营场所）"},
	{Key: "employees", Header: "从业人员数"},
}}

func readAll(t *testing.T, path string, s Schema) ([]Row, *Reader) {
	t.Helper()
	r, err := Open(path, s)
	if err != nil {
		t.Fatalf("open %s: %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { r.Close() })
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, r
		}
		if err != nil {
			t.Fatalf("row %d: %v", len(rows)+2, err)
		}
		rows = append(rows, row)
	}
}

// What is written as XLSX or CSV reads back the same, headers found by
// name, text kept as text (a code with a leading zero stays one).
func TestWhatIsWrittenReadsBack(t *testing.T) {
	for _, f := range []Format{XLSX, CSV} {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "企业."+string(f))
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(out, f, enterprises)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range [][]any{
				{"91140500MA0GTXXX1A", "晋城市宏达建筑工程有限公司", "城区凤台街1号", 120},
				{"01140500MA0GTXXX1B", "泽州县\"金鼎\"煤业, 有限公司", "", 0},
			} {
				if err := w.Write(row...); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			out.Close()
			rows, r := readAll(t, path, enterprises)
			if len(rows) != 2 || rows[0].N != 2 || rows[1].N != 3 {
				t.Fatalf("rows %+v", rows)
			}
			if got := rows[1].Get("credit_code") + "|" + rows[1].Get("name") + "|" + rows[0].Get("employees"); got != "01140500MA0GTXXX1B|泽州县\"金鼎\"煤业, 有限公司|120" {
				t.Fatalf("read back %q", got)
			}
			if r.Progress() != 1 && f == CSV {
				t.Fatalf("progress at the end of a CSV file: %v", r.Progress())
			}
		})
	}
}

// A CSV file Excel saved on a Chinese Windows is GB18030; it reads as the
// same text. Headers match by alias, whatever the parentheses' width, and
// blank rows are skipped while the row numbers stay the sheet's.
func TestAGBKFileFromExcelReads(t *testing.T) {
	text := "单位名称,信用代码,地址(经营场所)\r\n,,\r\n晋城市宏达建筑工程有限公司,91140500MA0GTXXX1A,城区凤台街1号\r\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "企业.csv")
	if err := os.WriteFile(path, gbk, 0o600); err != nil {
		t.Fatal(err)
	}
	rows, _ := readAll(t, path, enterprises)
	if len(rows) != 1 || rows[0].N != 3 || rows[0].Get("name") != "晋城市宏达建筑工程有限公司" || rows[0].Get("address") != "城区凤台街1号" {
		t.Fatalf("rows %+v", rows)
	}
	e := rows[0].Fail("credit_code", "uscc.check", i18n.Args{"Code": "X", "Position": 18, "Want": "Y", "Char": "1"})
	if e.Error() != "第3行 B列（信用代码）：统一社会信用代码“X”第18位校验码应为Y，不是1" || e.ID != "uscc.check" {
		t.Fatalf("error %q", e.Error())
	}
	if en := e.In(i18n.English).Reason; en != "credit code “X”: the check character at position 18 should be Y, not 1" {
		t.Fatalf("in English: %q", en)
	}
}

// A file without a required column, or with one twice, is refused at its
// header, naming what is wrong.
func TestAHeaderWithoutARequiredColumnIsRefused(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"missing.csv":   {"企业名称,地址\n宏达,城区\n", "第1行：缺少必填列 「统一社会信用代码」"},
		"twice.csv":     {"企业名称,信用代码,统一社会信用代码\n", "第1行 C列（统一社会信用代码）：与 B列 重复"},
		"empty.csv":     {"\n\n", "文件为空"},
		"malformed.csv": {"企业名称,信用代码\n\"宏达,1\n", "CSV 格式错误"},
		"wrong.txt":     {"x", "只支持 .xlsx 和 .csv"},
		"fake.xlsx":     {"not a zip", "XLSX"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, enterprises)
		if err == nil {
			_, err = r.Next()
			r.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", name, c.want, err)
		}
	}
}

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ"} {
		if got := ColumnLetter(i); got != want {
			t.Errorf("column %d: %s, want %s", i, got, want)
		}
	}
}

// A CSV file starts with a byte-order mark so Excel reads it as UTF-8.
func TestCSVStartsWithAByteOrderMark(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, CSV, enterprises)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\ufeff统一社会信用代码,企业名称") {
		t.Fatalf("CSV starts %q", b.String()[:20])
	}
}
