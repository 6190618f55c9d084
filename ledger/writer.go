package ledger

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Writer writes a ledger row by row: the schema's headers first, then
// each row's values in the schema's column order. XLSX is streamed to a
// sheet (excelize keeps a large one in a temporary file) and written out
// on Close; CSV goes straight to the output.
type Writer struct {
	format Format
	out    io.Writer
	cols   int
	// csv
	csv *csv.Writer
	// xlsx
	file   *excelize.File
	stream *excelize.StreamWriter
	row    int
	widths []int
}

// NewWriter starts a ledger of schema in format on out.
func NewWriter(out io.Writer, format Format, schema Schema) (*Writer, error) {
	w := &Writer{format: format, out: out, cols: len(schema.Columns), widths: make([]int, len(schema.Columns))}
	headers := schema.Headers()
	switch format {
	case CSV:
		// Excel reads a CSV file as the system's code page unless it
		// starts with a byte-order mark.
		if _, err := io.WriteString(out, "\ufeff"); err != nil {
			return nil, err
		}
		w.csv = csv.NewWriter(out)
		return w, w.csv.Write(headers)
	case XLSX:
		w.file = excelize.NewFile()
		name := schema.Name
		if name == "" {
			name = "Sheet1"
		}
		if err := w.file.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
		// Column widths must be set before the first row is streamed;
		// the headers give them a start, wide enough for Chinese.
		for i, h := range headers {
			w.widths[i] = displayWidth(h)
		}
		sw, err := w.file.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		w.stream = sw
		for i, width := range w.widths {
			if err := sw.SetColWidth(i+1, i+1, float64(min(max(width+2, 10), 60))); err != nil {
				return nil, err
			}
		}
		// Keep the headers in view while scrolling a long list.
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
		bold, err := w.file.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}})
		if err != nil {
			return nil, err
		}
		cells := make([]any, len(headers))
		for i, h := range headers {
			cells[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", cells, excelize.RowOpts{}); err != nil {
			return nil, err
		}
		w.row = 1
		return w, nil
	}
	return nil, fmt.Errorf("ledger: unknown format %q", format)
}

// Write writes one row; values are in the schema's column order, and a
// row with more values than columns is an error. Strings are written as
// text (a credit code or an ID number must never become a number), whole
// numbers as numbers.
func (w *Writer) Write(values ...any) error {
	if len(values) > w.cols {
		return fmt.Errorf("ledger: %d values for %d columns", len(values), w.cols)
	}
	if w.csv != nil {
		rec := make([]string, len(values))
		for i, v := range values {
			rec[i] = text(v)
		}
		return w.csv.Write(rec)
	}
	w.row++
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.stream.SetRow(cell, values)
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Close finishes the ledger: flushes CSV, or writes the workbook out.
func (w *Writer) Close() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	err := w.stream.Flush()
	if err == nil {
		_, err = w.file.WriteTo(w.out)
	}
	return errors.Join(err, w.file.Close())
}

// displayWidth counts a CJK character as two columns, as a spreadsheet
// shows it.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && utf8.RuneLen(r) > 1 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
