// Package serialize reads and writes tensors and model checkpoints in the formats the Python
// ecosystem uses, so that weights move between eager and PyTorch or NumPy in both directions.
//
// # Formats
//
// safetensors (WriteSafetensors, ReadSafetensors, SaveSafetensors, LoadSafetensors) is the
// format for checkpoints: an 8-byte little-endian header length, a JSON header giving each
// tensor's dtype, shape and byte offsets plus an optional "__metadata__" string map, then the
// raw little-endian data. It is written as the reference implementation writes it (tensors
// by decreasing element size then by name, 8-byte aligned data). Reading accepts every
// integer and float width in the format: 16- and 8-bit floats convert to Float32, integers to
// Int64.
//
// NPY and NPZ (WriteNPY, ReadNPY, WriteNPZ, ReadNPZ and their Save/Load file forms) are
// NumPy's formats for one array and for a zip archive of named arrays; np.load reads what
// WriteNPY writes and the other way round, in either byte order and in Fortran order.
//
// # Models
//
// StateDict and LoadStateDict turn an nn.Module into a map from dotted names to tensors and
// back. The names are those PyTorch gives the equivalent architecture, so a state dict saved
// here with SaveModel loads into the PyTorch model with load_state_dict(strict=True), and a
// PyTorch state dict written as safetensors loads here with LoadModel. Missing, unexpected
// and mis-shaped keys are all reported in one *StateDictError.
//
// # Safety
//
// Every Save function writes through AtomicWriteFile (temporary file in the same directory,
// fsync, rename, fsync of the directory): a process killed mid-save leaves the previous file
// whole. Every reader treats its input as hostile: sizes, offsets and shapes are checked
// against the file before memory is allocated, and a malformed file gives an error that wraps
// ErrFormat, never a panic, a hang or an outsized allocation. Tensor data is streamed in 1 MiB
// chunks rather than read into memory whole.
package serialize
