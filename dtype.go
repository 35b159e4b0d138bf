package eager

import (
	"fmt"
	"sync/atomic"
)

// DType is the element type of a tensor.
type DType uint8

// The element types a tensor can hold. Float32 is the default, as in PyTorch.
const (
	Float32 DType = iota
	Float64
	Int64
	Bool
)

// String returns the PyTorch-style name of the dtype, e.g. "float32".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// IsFloat reports whether d is a floating-point dtype (the only ones that can require grad).
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// Size returns the size in bytes of one element of dtype d.
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Float64, Int64:
		return 8
	case Bool:
		return 1
	}
	return 0
}

// promote returns the dtype of a binary op's result following PyTorch's type promotion
// for the dtypes eager supports: bool < int64 < float32 < float64.
func promote(a, b DType) DType {
	rank := func(d DType) int {
		switch d {
		case Bool:
			return 0
		case Int64:
			return 1
		case Float32:
			return 2
		}
		return 3
	}
	if rank(a) >= rank(b) {
		return a
	}
	return b
}

var defaultDType atomic.Uint32 // Float32 is 0

// DefaultDType returns the float dtype that Zeros, Ones, Full, Arange, Linspace, Eye, Rand,
// Randn and nn's layers create (Float32 unless changed).
func DefaultDType() DType { return DType(defaultDType.Load()) }

// SetDefaultDType sets the dtype DefaultDType returns (Float32 or Float64) and returns the
// previous one, as torch.set_default_dtype. It is process-wide: set it once at start-up
// (tests that switch it must not run in parallel with others).
func SetDefaultDType(dt DType) DType {
	if !dt.IsFloat() {
		failf("SetDefaultDType", "default dtype must be float32 or float64, got %v", dt)
	}
	return DType(defaultDType.Swap(uint32(dt)))
}
