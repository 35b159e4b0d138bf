package eager

// coalesce merges adjacent dims that every operand walks with one constant stride, and drops
// size-1 dims, so that contiguous and simply broadcast operands become a single long row.
// strides holds one stride slice per operand (nil entries are ignored); the results alias
// fresh slices.
func coalesce(shape []int, strides ...[]int) ([]int, [][]int) {
	outShape := make([]int, 0, len(shape))
	outStrides := make([][]int, len(strides))
	for k := range strides {
		if strides[k] != nil {
			outStrides[k] = make([]int, 0, len(shape))
		}
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 1 {
			continue
		}
		n := len(outShape)
		if n > 0 {
			merge := true
			for k, st := range strides {
				if st == nil {
					continue
				}
				if outStrides[k][n-1] != st[i]*shape[i] {
					merge = false
					break
				}
			}
			if merge {
				outShape[n-1] *= shape[i]
				for k, st := range strides {
					if st != nil {
						outStrides[k][n-1] = st[i]
					}
				}
				continue
			}
		}
		outShape = append(outShape, shape[i])
		for k, st := range strides {
			if st != nil {
				outStrides[k] = append(outStrides[k], st[i])
			}
		}
	}
	if len(outShape) == 0 {
		outShape = append(outShape, 1)
		for k := range strides {
			if strides[k] != nil {
				outStrides[k] = append(outStrides[k], 0)
			}
		}
	}
	return outShape, outStrides
}

// walkRows visits a row-major iteration space of the given shape one innermost row at a time.
// For each row it calls fn with the row's index (0, 1, ...) and the starting offset of each
// operand (offs[k] begins at base[k]); rows have length shape[len-1] and operand k advances
// by strides[k][len-1] along a row.
func walkRows(shape []int, strides [][]int, base []int, fn func(row int, offs []int)) {
	if numel(shape) == 0 {
		return
	}
	walkRowRange(shape, strides, base, 0, numel(shape[:len(shape)-1]), fn)
}

// walkRowRange is walkRows over the rows [lo, hi) only: it starts from row lo's offsets, so
// that disjoint ranges of rows can be walked on different goroutines.
func walkRowRange(shape []int, strides [][]int, base []int, lo, hi int, fn func(row int, offs []int)) {
	n := len(shape)
	if lo >= hi {
		return
	}
	offs := append([]int(nil), base...)
	idx := make([]int, n)
	for k, r := n-2, lo; k >= 0; k-- { // row lo's index and offsets
		idx[k] = r % shape[k]
		r /= shape[k]
		for j := range offs {
			if strides[j] != nil {
				offs[j] += idx[k] * strides[j][k]
			}
		}
	}
	for row := lo; ; row++ {
		fn(row, offs)
		if row+1 == hi {
			return
		}
		k := n - 2
		for ; k >= 0; k-- {
			idx[k]++
			for j := range offs {
				if strides[j] != nil {
					offs[j] += strides[j][k]
				}
			}
			if idx[k] < shape[k] {
				break
			}
			for j := range offs {
				if strides[j] != nil {
					offs[j] -= strides[j][k] * shape[k]
				}
			}
			idx[k] = 0
		}
	}
}
