package ledger

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/duty-project/duty/i18n"
)

// Row is one data row of a ledger, its values found by column key.
type Row struct {
	// N is the row's number as the spreadsheet shows it (the header is 1).
	N      int
	cells  []string
	reader *Reader
}

// Get is the trimmed value of the column key, "" when the column is
// absent or the cell empty.
func (r Row) Get(key string) string {
	i, ok := r.reader.index[key]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// Has reports whether the file has the column key at all.
func (r Row) Has(key string) bool {
	_, ok := r.reader.index[key]
	return ok
}

// Fail is a CellError on the column key of this row, whose reason is
// message id of the catalogue with args.
func (r Row) Fail(key, id string, args i18n.Args) CellError {
	column, header := "", ""
	if i, ok := r.reader.index[key]; ok {
		column, header = ColumnLetter(i), r.reader.headers[i]
	} else if c, ok := r.reader.schema.byKey(key); ok {
		header = c.Header
	}
	return cellError(r.N, column, header, id, args)
}

// Wrap is a CellError on the column key of this row whose reason is err's
// message: a parser's (i18n.Messager) or a user-facing error's. Any other
// error is the import's fault, not the cell's, and is reported as such.
func (r Row) Wrap(key string, err error) CellError {
	var m i18n.Messager
	if errors.As(err, &m) {
		if msg := m.Msg(); msg.ID != "" {
			return r.Fail(key, msg.ID, msg.Args)
		}
	}
	return r.Fail(key, "ledger.cell_unchecked", nil)
}

func (s Schema) byKey(key string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Key == key {
			return c, true
		}
	}
	return Column{}, false
}

// Reader streams the rows of a ledger file. Rows with no value in any
// cell are skipped: spreadsheets keep blank rows below their data.
type Reader struct {
	schema  Schema
	headers []string       // as the file writes them, by position
	index   map[string]int // column key → position
	n       int            // rows read, the header included
	next    func() ([]string, error)
	closers []io.Closer
	// progress
	size    int64
	counted *countingReader
	rows    int
}

// Open opens the ledger file at path (XLSX or CSV by its extension; the
// first sheet of a workbook, or the one named like the schema) and reads
// its header. A required column that is missing is a CellError on row 1.
func Open(path string, schema Schema) (*Reader, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	r := &Reader{schema: schema, index: map[string]int{}}
	switch format {
	case XLSX:
		err = r.openXLSX(path)
	default:
		err = r.openCSV(path)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) openXLSX(path string) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return &Error{ID: "ledger.xlsx_unreadable", Err: err}
	}
	r.closers = append(r.closers, f)
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return ErrNoHeader
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s == r.schema.Name {
			sheet = s
		}
	}
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if i := strings.IndexByte(dim, ':'); i >= 0 {
			if _, last, err := excelize.CellNameToCoordinates(dim[i+1:]); err == nil {
				r.rows = last
			}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return err
	}
	r.closers = append(r.closers, rows)
	r.next = func() ([]string, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		return rows.Columns()
	}
	return nil
}

func (r *Reader) openCSV(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	r.closers = append(r.closers, file)
	if fi, err := file.Stat(); err == nil {
		r.size = fi.Size()
	}
	r.counted = &countingReader{r: file}
	in, err := decodeCSV(r.counted)
	if err != nil {
		return err
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	r.next = func() ([]string, error) {
		rec, err := cr.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, cellError(pe.StartLine, ColumnLetter(pe.Column-1), "", "ledger.csv_malformed", i18n.Args{"Detail": pe.Err.Error()})
		}
		return rec, err
	}
	return nil
}

// decodeCSV reads a CSV file as UTF-8 — after a byte-order mark, or when
// its first 64 KiB are valid UTF-8 — or else as GB18030.
func decodeCSV(in io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
		return br, nil
	}
	// The peek may end inside a character: the cut one does not count.
	if utf8.Valid(trimPartialRune(head)) {
		return br, nil
	}
	return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), nil
}

// trimPartialRune drops a multi-byte character cut off at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func (r *Reader) readHeader() error {
	for {
		cells, err := r.next()
		if errors.Is(err, io.EOF) {
			return ErrNoHeader
		}
		if err != nil {
			return err
		}
		r.n++
		if blank(cells) {
			continue // blank rows above the header
		}
		r.headers = cells
		break
	}
	for i, h := range r.headers {
		c, ok := r.schema.column(h)
		if !ok {
			continue
		}
		if j, dup := r.index[c.Key]; dup {
			return cellError(r.n, ColumnLetter(i), h, "ledger.column_twice", i18n.Args{"Other": ColumnLetter(j)})
		}
		r.index[c.Key] = i
	}
	var missing []string
	for _, c := range r.schema.Columns {
		if _, ok := r.index[c.Key]; c.Required && !ok {
			missing = append(missing, c.Header)
		}
	}
	if len(missing) > 0 {
		return cellError(r.n, "", "", "ledger.columns_missing", i18n.Args{"Columns": strings.Join(missing, "」「")})
	}
	return nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Next is the next row with a value in it, or io.EOF after the last.
func (r *Reader) Next() (Row, error) {
	for {
		cells, err := r.next()
		if err != nil {
			return Row{}, err
		}
		r.n++
		if !blank(cells) {
			return Row{N: r.n, cells: cells, reader: r}, nil
		}
	}
}

// Headers are the file's headers as written, by position.
func (r *Reader) Headers() []string { return r.headers }

// Progress is how far reading has come, from 0 to 1, as well as it can be
// told: by bytes for CSV, by rows against the sheet's stated size for
// XLSX (0 when the sheet does not state it).
func (r *Reader) Progress() float64 {
	switch {
	case r.counted != nil && r.size > 0:
		return min(1, float64(r.counted.n)/float64(r.size))
	case r.rows > 0:
		return min(1, float64(r.n)/float64(r.rows))
	}
	return 0
}

// Close releases the file and any temporary files.
func (r *Reader) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i].Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
