package data

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

func readCSVFile(t *testing.T, path string, opts ...CSVOption) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadCSV(f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestReadCSVIris(t *testing.T) {
	// scikit-learn's iris.csv: header "150,4,setosa,versicolor,virginica", numeric labels.
	tab := readCSVFile(t, "testdata/iris.csv")
	if !slices.Equal(tab.X.Shape(), []int{150, 4}) || !slices.Equal(tab.Y.Shape(), []int{150}) || tab.Y.DType() != eager.Int64 {
		t.Fatalf("shapes X %v Y %v %v, want [150 4] and [150] int64", tab.X.Shape(), tab.Y.Shape(), tab.Y.DType())
	}
	if !slices.Equal(tab.Classes, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("Classes = %q", tab.Classes)
	}
	if !slices.Equal(tab.Features, []string{"x0", "x1", "x2", "x3"}) {
		t.Errorf("Features = %q", tab.Features)
	}
	s, _ := tab.Get(0)
	if !slices.Equal(s.X.Float32s(), []float32{5.1, 3.5, 1.4, 0.2}) || s.Y.Item() != 0 {
		t.Errorf("row 0 = %v label %v", s.X.Float32s(), s.Y.Item())
	}
	y := tab.Y.Int64s()
	counts := make([]int, 3)
	for _, v := range y {
		counts[v]++
	}
	if !slices.Equal(counts, []int{50, 50, 50}) || y[149] != 2 {
		t.Errorf("class counts %v, last label %d", counts, y[149])
	}
	if tab.Len() != 150 {
		t.Errorf("Len = %d", tab.Len())
	}
}

func TestReadCSVDigitsGzip(t *testing.T) {
	// 8×8 digits: gzip-compressed, no header, 64 features then the label.
	tab := readCSVFile(t, "testdata/digits.csv.gz")
	if !slices.Equal(tab.X.Shape(), []int{1797, 64}) || tab.Classes != nil {
		t.Fatalf("X shape %v, classes %v", tab.X.Shape(), tab.Classes)
	}
	if got := tab.Y.Int64s()[:5]; !slices.Equal(got, []int64{0, 1, 2, 3, 4}) {
		t.Errorf("first labels %v", got)
	}
	if mx := tab.X.Max().Item(); mx != 16 {
		t.Errorf("max pixel %v, want 16", mx)
	}
}

func TestReadCSVNamedHeader(t *testing.T) {
	const text = "sepal length, sepal width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n4.9,3.0,setosa\n"
	tab, err := ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Features, []string{"sepal length", "sepal width"}) || !slices.Equal(tab.Classes, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("Features %q, Classes %q", tab.Features, tab.Classes)
	}
	if got := tab.Y.Int64s(); !slices.Equal(got, []int64{0, 1, 2, 0}) {
		t.Errorf("labels %v", got)
	}

	// The label in the first column, semicolons, and regression targets.
	tab, err = ReadCSV(strings.NewReader("y;a;b\n0.5;1;2\n-1.25;3;4\n"), LabelColumn(0), Comma(';'), FloatLabels())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Y.Float32s(), []float32{0.5, -1.25}) || tab.Y.DType() != eager.Float32 || !slices.Equal(tab.X.Float32s(), []float32{1, 2, 3, 4}) || !slices.Equal(tab.Features, []string{"a", "b"}) {
		t.Errorf("got X %v, Y %v, features %q", tab.X.Float32s(), tab.Y.Float32s(), tab.Features)
	}

	// No label; a header forced present although it is numeric.
	tab, err = ReadCSV(strings.NewReader("10,20\n3,4\n5,6\n"), NoLabel(), Header(true))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Y != nil || !slices.Equal(tab.X.Shape(), []int{2, 2}) || !slices.Equal(tab.Features, []string{"10", "20"}) {
		t.Errorf("got X %v, Y %v, features %q", tab.X.Shape(), tab.Y, tab.Features)
	}
	// A header forced absent.
	tab, err = ReadCSV(strings.NewReader("1,2\n3,4\n"), Header(false))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 2 {
		t.Errorf("Len = %d, want 2", tab.Len())
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		opts       []CSVOption
		msg        string
	}{
		{"empty", "", nil, "data: CSV: no data rows"},
		{"header only", "a,b,label\n", nil, "data: CSV: no data rows"},
		{"ragged", "1,2,0\n3,4,1\n5,1\n", nil, "data: CSV line 3: 2 fields, want 3 like the first row"},
		{"not a number", "a,b,label\n1,2,0\n3,x4,1\n", nil, `data: CSV line 3, column 2: "x4" is not a number`},
		{"empty field", "1,2,0\n,4,1\n", nil, `data: CSV line 2, column 1: "" is not a number`},
		{"negative label", "1,2,0\n3,4,-1\n", nil, `data: CSV row 2: label "-1" is not a class id (a non-negative integer); use FloatLabels for real-valued targets`},
		{"fractional label", "1,2,0.5\n", nil, `data: CSV row 1: label "0.5" is not a class id (a non-negative integer); use FloatLabels for real-valued targets`},
		{"float label", "1,2,x\n", []CSVOption{FloatLabels(), Header(false)}, `data: CSV row 1: label "x" is not a number`},
		{"header width", "a,b\n1,2,0\n", nil, "data: CSV: the header has 2 fields, the rows 3"},
		{"sklearn count", "3,2,a,b\n1,2,0\n3,4,1\n", nil, "data: CSV: the header promises 3 rows, the file has 2"},
		{"sklearn class", "2,2,a,b\n1,2,0\n3,4,2\n", nil, "data: CSV row 2: label 2, but the header names 2 classes"},
		{"label column", "1,2\n", []CSVOption{LabelColumn(5)}, "data: CSV: label column 5 out of range for rows of 2 columns"},
		{"quote", "1,\"2\n", nil, `data: CSV: parse error on line 1, column 6: extraneous or missing " in quoted-field`},
		{"bad gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x02", nil, "data: CSV: file is truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.text), tc.opts...)
			if !errors.Is(err, ErrFormat) || err.Error() != tc.msg {
				t.Errorf("got %v\nwant %s (wrapping ErrFormat)", err, tc.msg)
			}
		})
	}
}
