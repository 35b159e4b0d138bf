package data

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/eagerml/eager"
)

// CSVOption configures ReadCSV.
type CSVOption func(*csvConfig)

type csvConfig struct {
	comma       rune
	label       int
	noLabel     bool
	floatLabels bool
	header      int // 0: detect, 1: present, -1: absent
}

// LabelColumn sets the column that holds the label; negative counts from the end. The
// default is -1, the last column.
func LabelColumn(i int) CSVOption { return func(c *csvConfig) { c.label = i } }

// NoLabel makes every column a feature: the table has no Y.
func NoLabel() CSVOption { return func(c *csvConfig) { c.noLabel = true } }

// FloatLabels reads the labels as real numbers (float32) for regression, instead of class ids.
func FloatLabels() CSVOption { return func(c *csvConfig) { c.floatLabels = true } }

// Comma sets the field separator (default ',').
func Comma(r rune) CSVOption { return func(c *csvConfig) { c.comma = r } }

// Header says whether the first row is a header. By default ReadCSV decides: the first row
// is a header when one of its fields is not a number.
func Header(present bool) CSVOption {
	return func(c *csvConfig) {
		c.header = -1
		if present {
			c.header = 1
		}
	}
}

// Table is a numeric table read by ReadCSV: a dataset whose sample i is row i of X and Y.
type Table struct {
	// X holds the features, float32 of shape [rows, features].
	X *eager.Tensor
	// Y holds the labels: int64 class ids of shape [rows], float32 with FloatLabels, or nil
	// with NoLabel.
	Y *eager.Tensor
	// Features names the columns of X: from the header, or "x0", "x1", ... without one.
	Features []string
	// Classes names the class ids, when the file names them: string labels, mapped to ids
	// in sorted order (as scikit-learn's LabelEncoder), or the class names of a
	// scikit-learn style header. Nil otherwise.
	Classes []string
}

// Len returns the number of rows.
func (t *Table) Len() int { return t.X.Size(0) }

// Get returns row i: its features (shape [features]) and label (0-d), as views.
func (t *Table) Get(i int) (Sample, error) {
	checkIndex("Table.Get", i, t.Len())
	s := Sample{X: t.X.Select(0, i)}
	if t.Y != nil {
		s.Y = t.Y.Select(0, i)
	}
	return s, nil
}

// ReadCSV reads a table of numbers with one row per sample, compressed with gzip or not.
// The header, when there is one, either names the columns or is scikit-learn's
// "n_samples,n_features,class names..." (as in its bundled iris.csv and wine_data.csv):
// a header whose first two fields are integers, the second the number of features, is
// taken for the latter, and the row count is checked against it. Labels are class ids (non-negative
// integers), or strings that are mapped to class ids, or real numbers with FloatLabels. A
// malformed file gives an error wrapping ErrFormat that names the line.
func ReadCSV(r io.Reader, opts ...CSVOption) (*Table, error) {
	cfg := csvConfig{comma: ',', label: -1}
	for _, o := range opts {
		o(&cfg)
	}
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(dr)
	cr.Comma = cfg.comma
	cr.FieldsPerRecord = -1 // a scikit-learn header has its own width; checked below
	cr.ReuseRecord = true

	var (
		header    []string
		cols      = -1
		rows      int
		labelCol  = -1
		features  []float32
		labels    []string
		firstLine = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, formatErrorf("data: CSV: %v", err)
			}
			return nil, readErr("CSV", err)
		}
		line, _ := cr.FieldPos(0)
		if firstLine {
			firstLine = false
			if cfg.header == 1 || cfg.header == 0 && !allNumbers(rec) {
				header = slices.Clone(rec)
				continue
			}
		}
		if cols < 0 {
			cols = len(rec)
			if !cfg.noLabel {
				labelCol = cfg.label
				if labelCol < 0 {
					labelCol += cols
				}
				if labelCol < 0 || labelCol >= cols {
					return nil, formatErrorf("data: CSV: label column %d out of range for rows of %d columns", cfg.label, cols)
				}
			}
		}
		if len(rec) != cols {
			return nil, formatErrorf("data: CSV line %d: %d fields, want %d like the first row", line, len(rec), cols)
		}
		rows++
		for c, f := range rec {
			if c == labelCol {
				labels = append(labels, strings.TrimSpace(f))
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, formatErrorf("data: CSV line %d, column %d: %q is not a number", line, c+1, f)
			}
			features = append(features, float32(v))
		}
	}
	if cols < 0 {
		return nil, formatErrorf("data: CSV: no data rows")
	}
	t := &Table{X: eager.FromSlice(features, rows, cols-btoi(labelCol >= 0))}

	names, classes, err := parseHeader(header, cols, rows, labelCol)
	if err != nil {
		return nil, err
	}
	t.Features, t.Classes = names, classes
	if labelCol < 0 {
		return t, nil
	}
	if cfg.floatLabels {
		y := make([]float32, rows)
		for i, s := range labels {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, formatErrorf("data: CSV row %d: label %q is not a number", i+1, s)
			}
			y[i] = float32(v)
		}
		t.Y = eager.FromSlice(y)
		return t, nil
	}
	y, classes, err := classIDs(labels, t.Classes)
	if err != nil {
		return nil, err
	}
	t.Y, t.Classes = eager.FromSlice(y), classes
	return t, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

// parseHeader returns the feature names and any class names of header (nil when there is
// none) for a table of rows rows of cols columns with the label in labelCol (-1: none).
func parseHeader(header []string, cols, rows, labelCol int) (features, classes []string, err error) {
	nf := cols - btoi(labelCol >= 0)
	n, errN := strconv.Atoi(strings.TrimSpace(at(header, 0)))
	f, errF := strconv.Atoi(strings.TrimSpace(at(header, 1)))
	switch {
	case header != nil && errN == nil && errF == nil && f == nf:
		// scikit-learn's header: n_samples, n_features, class names.
		if n != rows {
			return nil, nil, formatErrorf("data: CSV: the header promises %d rows, the file has %d", n, rows)
		}
		for _, c := range header[2:] {
			classes = append(classes, strings.TrimSpace(c))
		}
		header = nil
	case header != nil && len(header) != cols:
		return nil, nil, formatErrorf("data: CSV: the header has %d fields, the rows %d", len(header), cols)
	}
	for c := range cols {
		if c == labelCol {
			continue
		}
		if header != nil {
			features = append(features, strings.TrimSpace(header[c]))
		} else {
			features = append(features, "x"+strconv.Itoa(len(features)))
		}
	}
	return features, classes, nil
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// classIDs maps labels to class ids. Numeric labels must be non-negative integers (below
// len(names) when the header named the classes); other labels are mapped to their rank
// among the distinct labels, which become the class names.
func classIDs(labels, names []string) ([]int64, []string, error) {
	y := make([]int64, len(labels))
	if allNumbers(labels) {
		for i, s := range labels {
			v, _ := strconv.ParseFloat(s, 64)
			if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
				return nil, nil, formatErrorf("data: CSV row %d: label %q is not a class id (a non-negative integer); use FloatLabels for real-valued targets", i+1, s)
			}
			if names != nil && int(v) >= len(names) {
				return nil, nil, formatErrorf("data: CSV row %d: label %d, but the header names %d classes", i+1, int(v), len(names))
			}
			y[i] = int64(v)
		}
		return y, names, nil
	}
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	for i, s := range labels {
		id, _ := slices.BinarySearch(classes, s)
		y[i] = int64(id)
	}
	return y, classes, nil
}
