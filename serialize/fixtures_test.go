package serialize

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// The fixtures in testdata/torch come from testdata/gen/serialize.py (PyTorch and NumPy);
// those in testdata/from_go are written by TestFromGoGolden and read back in PyTorch by
// testdata/gen/check_from_go.py, whose output is testdata/from_go/check_output.txt.

var update = flag.Bool("update", false, "rewrite testdata/from_go")

type refTensor struct {
	Shape []int             `json:"shape"`
	DType string            `json:"dtype"`
	Data  []json.RawMessage `json:"data"`
}

type expectedFile struct {
	Files map[string]map[string]refTensor `json:"files"`
}

func loadExpected(t *testing.T) expectedFile {
	t.Helper()
	b, err := os.ReadFile("testdata/torch/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expectedFile
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// checkRef compares got with the reference exactly (NaN equals NaN, -0 equals 0).
func checkRef(t *testing.T, name string, got *eager.Tensor, want refTensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", name)
		return
	}
	if got.DType().String() != want.DType || !equalShape(got.Shape(), want.Shape) {
		t.Errorf("%s: got %v %v, want %s %v", name, got.DType(), got.Shape(), want.DType, want.Shape)
		return
	}
	if got.DType() == eager.Int64 {
		vals := got.Int64s()
		for i, raw := range want.Data {
			var w int64
			if err := json.Unmarshal(raw, &w); err != nil {
				t.Fatalf("%s[%d]: %v", name, i, err)
			}
			if vals[i] != w {
				t.Errorf("%s[%d] = %d, want %d", name, i, vals[i], w)
			}
		}
		return
	}
	vals := got.Float64s()
	for i, raw := range want.Data {
		var w float64
		var s string
		if json.Unmarshal(raw, &s) == nil {
			w = map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "-inf": math.Inf(-1)}[s]
		} else if err := json.Unmarshal(raw, &w); err != nil {
			t.Fatalf("%s[%d]: %v", name, i, err)
		}
		if vals[i] != w && !(math.IsNaN(vals[i]) && math.IsNaN(w)) {
			t.Errorf("%s[%d] = %v, want %v", name, i, vals[i], w)
		}
	}
}

func TestTorchSafetensorsDTypes(t *testing.T) {
	exp := loadExpected(t)
	ts, meta, err := LoadSafetensors("testdata/torch/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || meta["source"] != "serialize.py" || len(meta) != 2 {
		t.Errorf("metadata = %v", meta)
	}
	want := exp.Files["dtypes.safetensors"]
	if len(ts) != len(want) {
		t.Errorf("got %d tensors, want %d", len(ts), len(want))
	}
	for name, w := range want {
		checkRef(t, name, ts[name], w)
	}
	if ts["scalar"].Dim() != 0 {
		t.Errorf("scalar has shape %v", ts["scalar"].Shape())
	}
}

// TestTorchHalfRounding checks that narrowing float32 to float16 and bfloat16 gives the bits
// PyTorch gives, on the values serialize.py converted.
func TestTorchHalfRounding(t *testing.T) {
	f, err := os.Open("testdata/torch/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	infos, _, start, err := readSafetensorsHeader(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -2.5, 65504, 6.0e-8, 1e-5, 3.14159, float32(math.Inf(1)), float32(math.Inf(-1)), 1e5, 0.1}
	for _, in := range infos {
		var conv func(float32) uint16
		src := vals
		switch in.name {
		case "f16":
			conv = f32ToF16
		case "bf16":
			conv, src = f32ToBF16, append(append([]float32(nil), vals...), 1e30, 3.0e-39)
		default:
			continue
		}
		raw := make([]byte, in.end-in.begin)
		if _, err := f.ReadAt(raw, start+in.begin); err != nil {
			t.Fatal(err)
		}
		for i, v := range src {
			want := uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
			if got := conv(v); got != want {
				t.Errorf("%s(%v) = %#04x, PyTorch gives %#04x", in.name, v, got, want)
			}
		}
	}
}

func TestTorchNPY(t *testing.T) {
	exp := loadExpected(t)
	for name, w := range exp.Files["npy"] {
		t.Run(name, func(t *testing.T) {
			got, err := LoadNPY(filepath.Join("testdata/torch", name))
			if err != nil {
				t.Fatal(err)
			}
			checkRef(t, name, got, w)
		})
	}
}

// TestNPYBytesMatchNumpy checks that WriteNPY writes exactly what numpy.save writes.
func TestNPYBytesMatchNumpy(t *testing.T) {
	for _, name := range []string{"f4.npy", "b1.npy", "scalar.npy", "empty.npy"} {
		want, err := os.ReadFile(filepath.Join("testdata/torch", name))
		if err != nil {
			t.Fatal(err)
		}
		x, err := ReadNPY(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, x); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: WriteNPY wrote\n%q\nnumpy wrote\n%q", name, buf.Bytes(), want)
		}
	}
}

func TestTorchNPZ(t *testing.T) {
	exp := loadExpected(t)
	for _, file := range []string{"arrays.npz", "arrays_compressed.npz"} {
		t.Run(file, func(t *testing.T) {
			ts, err := LoadNPZ(filepath.Join("testdata/torch", file))
			if err != nil {
				t.Fatal(err)
			}
			want := exp.Files["npz"]
			if len(ts) != len(want) {
				t.Errorf("got %d arrays, want %d", len(ts), len(want))
			}
			for name, w := range want {
				checkRef(t, name, ts[name], w)
			}
		})
	}
}

// TestTorchMLP loads PyTorch's state dict for nn.Sequential(Linear(4,8), ReLU(), Linear(8,3))
// strictly into the same eager architecture and compares the outputs.
func TestTorchMLP(t *testing.T) {
	m := nn.NewSequential(nn.NewLinear(4, 8), &nn.ReLU{}, nn.NewLinear(8, 3))
	if err := LoadModel("testdata/torch/mlp.safetensors", m, true); err != nil {
		t.Fatal(err)
	}
	io, err := LoadNPZ("testdata/torch/mlp_io.npz")
	if err != nil {
		t.Fatal(err)
	}
	var y *eager.Tensor
	eager.NoGrad(func() { y = m.Forward(io["x"]) })
	got, want := y.Float32s(), io["y"].Float32s()
	if !equalShape(y.Shape(), io["y"].Shape()) {
		t.Fatalf("output shape %v, want %v", y.Shape(), io["y"].Shape())
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Errorf("y[%d] = %v, PyTorch gives %v", i, got[i], want[i])
		}
	}
	for _, p := range m.Parameters() {
		if !p.RequiresGrad() {
			t.Errorf("a parameter lost requires_grad after loading")
		}
	}
}

// goldenMLP returns the MLP whose weights are a fixed function of their position, so that the
// files written from it do not depend on eager's random initialisation.
func goldenMLP() *nn.Sequential {
	m := nn.NewSequential(nn.NewLinear(4, 8), &nn.ReLU{}, nn.NewLinear(8, 3))
	eager.NoGrad(func() {
		for pi, p := range m.Parameters() {
			v := make([]float32, p.Numel())
			for i := range v {
				v[i] = float32(0.5 * math.Sin(0.37*float64(i)+float64(pi)))
			}
			p.CopyFrom(eager.FromSlice(v, p.Shape()...))
		}
	})
	return m
}

func goldenInput() *eager.Tensor {
	v := make([]float32, 5*4)
	for i := range v {
		v[i] = float32(math.Cos(0.7 * float64(i)))
	}
	return eager.FromSlice(v, 5, 4)
}

// goldenFiles returns the files TestFromGoGolden writes, by name.
func goldenFiles(t *testing.T) map[string][]byte {
	t.Helper()
	m := goldenMLP()
	files := map[string][]byte{}
	dir := t.TempDir()
	if err := SaveModel(filepath.Join(dir, "mlp.safetensors"), m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "mlp.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	files["mlp.safetensors"] = b

	mixed := map[string]*eager.Tensor{
		"f32":    eager.FromSlice([]float32{1.5, -2, 0.1, 65504, 1e-7, 3}, 2, 3),
		"f64":    eager.FromSlice([]float64{math.Pi, -math.E, 1e300}),
		"i64":    eager.FromSlice([]int64{-1 << 62, 0, 42, 7}, 2, 2),
		"mask":   eager.FromSlice([]bool{true, false, true}),
		"scalar": eager.Scalar(0.25),
		"t_view": eager.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3).T(), // written row-major
	}
	for name, opts := range map[string][]Option{"mixed.safetensors": nil, "mixed_f16.safetensors": {WithFloat16()}, "mixed_bf16.safetensors": {WithBFloat16()}} {
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, mixed, map[string]string{"writer": "eager", "note": "<&>"}, opts...); err != nil {
			t.Fatal(err)
		}
		files[name] = buf.Bytes()
	}
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, map[string]*eager.Tensor{"x": goldenInput(), "mask": mixed["mask"], "i64": mixed["i64"]}, Compressed()); err != nil {
		t.Fatal(err)
	}
	files["input.npz"] = buf.Bytes()
	buf = bytes.Buffer{} // files keeps the bytes above
	if err := WriteNPY(&buf, mixed["f64"]); err != nil {
		t.Fatal(err)
	}
	files["f64.npy"] = buf.Bytes()
	return files
}

// TestFromGoGolden checks that the files in testdata/from_go are what eager writes today
// (run with -update to rewrite them), and that the committed output of eager's MLP matches
// the forward pass (within rounding, as kernels may sum in another order on another CPU).
func TestFromGoGolden(t *testing.T) {
	dir := "testdata/from_go"
	files := goldenFiles(t)
	var y *eager.Tensor
	eager.NoGrad(func() { y = goldenMLP().Forward(goldenInput()) })
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := SaveNPY(filepath.Join(dir, "output.npy"), y); err != nil {
			t.Fatal(err)
		}
		return
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".npz") {
			// The zip and flate encoders belong to Go's standard library, whose exact
			// output may change between releases: compare the arrays, not the bytes.
			got, err1 := ReadNPZ(bytes.NewReader(files[name]), int64(len(files[name])))
			committed, err2 := ReadNPZ(bytes.NewReader(want), int64(len(want)))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			sameMaps(t, got, committed)
			continue
		}
		if !bytes.Equal(files[name], want) {
			t.Errorf("%s: eager now writes different bytes than the committed file (rerun with -update and check_from_go.py if intended)", name)
		}
	}
	committed, err := LoadNPY(filepath.Join(dir, "output.npy"))
	if err != nil {
		t.Fatal(err)
	}
	got, want := y.Float32s(), committed.Float32s()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Errorf("output[%d] = %v, committed %v", i, got[i], want[i])
		}
	}
}
