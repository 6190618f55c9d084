// Package ledger reads and writes the lists regulators keep as
// spreadsheets (台账): enterprises, persons and their posts, departments,
// and every case list they file. A ledger is one sheet of an XLSX
// workbook or one CSV file whose first row holds Chinese headers.
//
// Reading streams: an XLSX sheet is walked row by row (excelize unzips a
// large sheet to a temporary file rather than into memory) and a CSV file
// is read through a buffer, so a file of 100,000 enterprises never sits
// in memory whole. Columns are found by their header, in any order, under
// the names regulators use (a Schema lists each column's header and the
// other names it goes by); columns the schema does not know are left
// alone. Every problem is reported against the cell a user would look
// at — "第12行 C列（统一社会信用代码）：…" — as a CellError.
//
// CSV files come from Excel as often as from programs: one that starts
// with a UTF-8 byte-order mark or is valid UTF-8 is read as UTF-8, and
// any other is read as GB18030 (the superset of GBK that Excel on a
// Chinese Windows writes). Written CSV starts with a byte-order mark, so
// that Excel opens it as UTF-8.
package ledger

import (
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/duty-project/duty/i18n"
)

// Format is a spreadsheet's file format.
type Format string

// The formats a ledger is read from and written to.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// FormatOf is the format a file name's extension names.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return XLSX, nil
	case ".csv":
		return CSV, nil
	}
	return "", &Error{ID: "ledger.format", Args: i18n.Args{"File": filepath.Base(name)}}
}

// ContentType is the MIME type a format is served as.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Column is one column of a ledger.
type Column struct {
	// Key is how code names the column.
	Key string
	// Header is the column's Chinese header, as written on export.
	Header string
	// Aliases are other headers the column is known by on import.
	Aliases []string
	// Required columns must be present in a file; a required value must
	// not be empty (checked by the importer, which knows what empty means).
	Required bool
}

// Schema is the columns of one kind of ledger.
type Schema struct {
	// Name is the ledger's name, used as the sheet's name on export.
	Name    string
	Columns []Column
}

// Headers are the schema's headers, in order.
func (s Schema) Headers() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Header
	}
	return out
}

// column finds the column a header names, by its header or an alias,
// ignoring spaces, a trailing asterisk (a template's "required" mark) and
// full-width parentheses.
func (s Schema) column(header string) (Column, bool) {
	h := normalHeader(header)
	for _, c := range s.Columns {
		if normalHeader(c.Header) == h {
			return c, true
		}
		for _, a := range c.Aliases {
			if normalHeader(a) == h {
				return c, true
			}
		}
	}
	return Column{}, false
}

var headerReplacer = strings.NewReplacer(" ", "", "\u3000", "", "（", "(", "）", ")", "*", "", "\ufeff", "")

func normalHeader(h string) string {
	return strings.ToLower(headerReplacer.Replace(strings.TrimSpace(h)))
}

// CellError is what is wrong with one cell, or with a row when Column is
// empty: the row's number as the spreadsheet shows it (the header is row
// 1), the column's letter and header, and the reason.
//
// The reason is a message of the catalogue: ID (a stable code a client
// may match on) with Args. Reason is its text, in Chinese as the error is
// made; In renders it in the reader's language.
type CellError struct {
	Row    int       `json:"row"`
	Column string    `json:"column,omitempty"`
	Header string    `json:"header,omitempty"`
	Reason string    `json:"reason"`
	ID     string    `json:"id,omitempty"`
	Args   i18n.Args `json:"-"`
}

// In is e with its reason in lang.
func (e CellError) In(lang string) CellError {
	if e.ID != "" {
		e.Reason = i18n.T(lang, e.ID, e.Args)
	}
	return e
}

// Msg is the whole error — row, column, header and reason — as a message
// of the catalogue, for an error about a file rather than a report.
func (e CellError) Msg() i18n.Msg {
	args := i18n.Args{"Row": e.Row, "Column": e.Column, "Header": e.Header, "Reason": i18n.Msg{ID: e.ID, Args: e.Args}}
	switch {
	case e.Column != "" && e.Header != "":
		return i18n.Msg{ID: "ledger.at.cell", Args: args}
	case e.Column != "":
		return i18n.Msg{ID: "ledger.at.column", Args: args}
	}
	return i18n.Msg{ID: "ledger.at.row", Args: args}
}

func (e CellError) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// cellError is a CellError whose reason is message id with args.
func cellError(row int, column, header, id string, args i18n.Args) CellError {
	return CellError{Row: row, Column: column, Header: header, ID: id, Args: args, Reason: i18n.T(i18n.Chinese, id, args)}
}

// Error is a file that cannot be read as a ledger, for a reason the
// catalogue's message ID names (with Args); Err is the cause, for logs.
type Error struct {
	ID   string
	Args i18n.Args
	Err  error
}

// Msg is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg { return i18n.Msg{ID: e.ID, Args: e.Args} }

func (e *Error) Error() string {
	text := i18n.T(i18n.Chinese, e.ID, e.Args)
	if e.Err != nil {
		return text + ": " + e.Err.Error()
	}
	return text
}

func (e *Error) Unwrap() error { return e.Err }

// ColumnLetter is the spreadsheet letter of a 0-based column index: 0 is
// A, 26 is AA.
func ColumnLetter(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return "?"
	}
	return name
}

// ErrNoHeader is returned for a file without a header row.
var ErrNoHeader error = &Error{ID: "ledger.no_header"}
