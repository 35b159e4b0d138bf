package serialize

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/eagerml/eager"
)

// MaxSafetensorsHeader is the largest JSON header ReadSafetensors accepts, in bytes (the
// limit the reference implementation enforces).
const MaxSafetensorsHeader = 100_000_000

// metadataKey is the header entry that holds the free-form string map.
const metadataKey = "__metadata__"

var safetensorsKinds = map[string]rawKind{
	"BOOL": kindBool, "U8": kindU8, "I8": kindI8, "U16": kindU16, "I16": kindI16,
	"U32": kindU32, "I32": kindI32, "U64": kindU64, "I64": kindI64,
	"F8_E5M2": kindF8E5M2, "F8_E4M3": kindF8E4M3,
	"F16": kindF16, "BF16": kindBF16, "F32": kindF32, "F64": kindF64,
}

func safetensorsName(k rawKind) string {
	for name, kk := range safetensorsKinds {
		if kk == k {
			return name
		}
	}
	return ""
}

// WriteSafetensors writes tensors and metadata to w in the safetensors format: an 8-byte
// little-endian header length, a JSON header (padded with spaces to a multiple of 8 bytes)
// giving each tensor's dtype, shape and data offsets, then the raw little-endian data.
//
// As the reference implementation does, tensors are laid out by decreasing element size and
// then by name, so that every tensor starts on a multiple of its element size, and the data
// section starts 8-byte aligned. Float32 tensors are stored as F32, Float64 as F64, Int64 as
// I64 and Bool as BOOL; WithFloat16 or WithBFloat16 store the float tensors as F16 or BF16.
// Non-contiguous tensors are written in row-major order. metadata may be nil.
func WriteSafetensors(w io.Writer, tensors map[string]*eager.Tensor, metadata map[string]string, opts ...Option) error {
	o := collect(opts)
	type entry struct {
		name  string
		t     *eager.Tensor
		kind  rawKind
		begin int64
		end   int64
	}
	entries := make([]entry, 0, len(tensors))
	for name, t := range tensors {
		if name == metadataKey {
			return fmt.Errorf("serialize: %q cannot be a tensor name", name)
		}
		if t == nil {
			return fmt.Errorf("serialize: tensor %q is nil", name)
		}
		if !utf8.ValidString(name) {
			return fmt.Errorf("serialize: tensor name %q is not valid UTF-8", name)
		}
		k, err := storedKind(t.DType(), o)
		if err != nil {
			return err
		}
		entries = append(entries, entry{name: name, t: t, kind: k})
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.kind.size() != b.kind.size() {
			return a.kind.size() > b.kind.size()
		}
		return a.name < b.name
	})
	var off int64
	for i := range entries {
		e := &entries[i]
		e.begin = off
		off += int64(e.t.Numel()) * int64(e.kind.size())
		e.end = off
	}

	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				return fmt.Errorf("serialize: metadata %q is not valid UTF-8", k)
			}
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	for i, e := range entries {
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		writeJSONString(&h, e.name)
		fmt.Fprintf(&h, `:{"dtype":%q,"shape":[`, safetensorsName(e.kind))
		for j, s := range e.t.Shape() {
			if j > 0 {
				h.WriteByte(',')
			}
			fmt.Fprint(&h, s)
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, e.begin, e.end)
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, e := range entries {
		if err := writeElements(w, e.t, e.kind); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string without escaping <, > and & (which encoding/json
// does for HTML).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

// stInfo is one tensor's header entry.
type stInfo struct {
	name  string
	kind  rawKind
	shape []int64
	numel int
	begin int64
	end   int64
}

// ReadSafetensors reads a safetensors file of size bytes from r and returns its tensors and
// its metadata (nil when the file has none).
//
// F32 and F64 load as Float32 and Float64; F16, BF16 and the float8 formats convert to
// Float32; the integer types to Int64 (a U64 value beyond the int64 range is an error); BOOL to
// Bool. The header is checked in full before any tensor is allocated: its length (at most
// MaxSafetensorsHeader and within size), well-formed JSON with no duplicate names, known
// dtypes, non-negative shapes without overflow, and offsets that tile the data section
// exactly, each tensor spanning its element count times its element size. A malformed file
// gives an error wrapping ErrFormat, never a panic or an allocation larger than the file
// calls for. Tensor data is streamed from r in 1 MiB chunks.
func ReadSafetensors(r io.ReaderAt, size int64) (map[string]*eager.Tensor, map[string]string, error) {
	infos, meta, dataStart, err := readSafetensorsHeader(r, size)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]*eager.Tensor, len(infos))
	for _, in := range infos {
		sec := io.NewSectionReader(r, dataStart+in.begin, in.end-in.begin)
		t, err := readElements(sec, in.kind, false, in.shape, in.numel, true)
		if err != nil {
			return nil, nil, fmt.Errorf("serialize: tensor %q: %w", in.name, err)
		}
		out[in.name] = t
	}
	return out, meta, nil
}

// readSafetensorsHeader parses and validates the header; it returns the tensors in data order
// and the file offset of the data section.
func readSafetensorsHeader(r io.ReaderAt, size int64) ([]stInfo, map[string]string, int64, error) {
	if size < 8 {
		return nil, nil, 0, formatErr("safetensors file of %d bytes is shorter than its 8-byte header length", size)
	}
	var nb [8]byte
	if _, err := r.ReadAt(nb[:], 0); err != nil {
		return nil, nil, 0, readErr(err)
	}
	hl := binary.LittleEndian.Uint64(nb[:])
	if hl > MaxSafetensorsHeader {
		return nil, nil, 0, formatErr("safetensors header length %d exceeds the limit of %d bytes", hl, MaxSafetensorsHeader)
	}
	if hl > uint64(size-8) {
		return nil, nil, 0, formatErr("safetensors header length %d exceeds the file size %d", hl, size)
	}
	hb := make([]byte, hl)
	if _, err := r.ReadAt(hb, 8); err != nil {
		return nil, nil, 0, readErr(err)
	}
	dataStart := 8 + int64(hl)
	infos, meta, err := parseSafetensorsHeader(hb)
	if err != nil {
		return nil, nil, 0, err
	}
	// Offsets must tile the data section: sorted by start, each tensor begins where the
	// previous ended, and the last ends at the end of the file.
	sort.SliceStable(infos, func(i, j int) bool {
		if infos[i].begin != infos[j].begin {
			return infos[i].begin < infos[j].begin
		}
		return infos[i].end < infos[j].end
	})
	var pos int64
	for _, in := range infos {
		if in.begin != pos {
			if in.begin < pos {
				return nil, nil, 0, formatErr("tensor %q data [%d, %d) overlaps the previous tensor, which ends at %d", in.name, in.begin, in.end, pos)
			}
			return nil, nil, 0, formatErr("tensor %q data starts at %d, leaving a gap after the previous tensor, which ends at %d", in.name, in.begin, pos)
		}
		if want := byteSpan(in.numel, in.kind); in.end-in.begin != want {
			return nil, nil, 0, formatErr("tensor %q data [%d, %d) spans %d bytes, but shape %v of %s needs %d", in.name, in.begin, in.end, in.end-in.begin, in.shape, safetensorsName(in.kind), want)
		}
		pos = in.end
	}
	if pos != size-dataStart {
		return nil, nil, 0, formatErr("tensor data covers %d bytes, but the data section holds %d", pos, size-dataStart)
	}
	return infos, meta, dataStart, nil
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return formatErr("file is truncated")
	}
	return err
}

// parseSafetensorsHeader decodes the JSON header, rejecting anything the format does not allow.
func parseSafetensorsHeader(hb []byte) ([]stInfo, map[string]string, error) {
	if !utf8.Valid(hb) {
		return nil, nil, formatErr("safetensors header is not valid UTF-8")
	}
	if len(hb) == 0 || hb[0] != '{' {
		return nil, nil, formatErr("safetensors header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(hb))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, nil, formatErr("safetensors header: %v", err)
	}
	var infos []stInfo
	var meta map[string]string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, formatErr("safetensors header: %v", err)
		}
		name := tok.(string) // object keys are strings
		if seen[name] {
			return nil, nil, formatErr("safetensors header has the name %q twice", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, formatErr("safetensors %s must map strings to strings: %v", metadataKey, err)
			}
			continue
		}
		var raw struct {
			DType   *string  `json:"dtype"`
			Shape   *[]int64 `json:"shape"`
			Offsets []int64  `json:"data_offsets"`
		}
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, formatErr("safetensors tensor %q: %v", name, err)
		}
		if raw.DType == nil || raw.Shape == nil || raw.Offsets == nil {
			return nil, nil, formatErr("safetensors tensor %q needs dtype, shape and data_offsets", name)
		}
		k, ok := safetensorsKinds[*raw.DType]
		if !ok {
			return nil, nil, formatErr("safetensors tensor %q has unsupported dtype %q", name, *raw.DType)
		}
		n, err := checkedNumel(*raw.Shape)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors tensor %q: %w", name, err)
		}
		if len(raw.Offsets) != 2 || raw.Offsets[0] < 0 || raw.Offsets[1] < raw.Offsets[0] {
			return nil, nil, formatErr("safetensors tensor %q has invalid data_offsets %v", name, raw.Offsets)
		}
		infos = append(infos, stInfo{name: name, kind: k, shape: *raw.Shape, numel: n, begin: raw.Offsets[0], end: raw.Offsets[1]})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, formatErr("safetensors header: %v", err)
	}
	if rest := hb[dec.InputOffset():]; len(strings.TrimRight(string(rest), " \t\r\n")) != 0 {
		return nil, nil, formatErr("safetensors header has trailing data after the JSON object")
	}
	return infos, meta, nil
}

// SaveSafetensors writes tensors and metadata to the file at path atomically (see
// AtomicWriteFile): a crash mid-save leaves the previous file intact.
func SaveSafetensors(path string, tensors map[string]*eager.Tensor, metadata map[string]string, opts ...Option) error {
	return AtomicWriteFile(path, func(w io.Writer) error { return WriteSafetensors(w, tensors, metadata, opts...) })
}

// LoadSafetensors reads the safetensors file at path, streaming tensor data from the file.
func LoadSafetensors(path string) (map[string]*eager.Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	ts, meta, err := ReadSafetensors(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, meta, nil
}
