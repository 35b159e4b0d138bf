package kernels

// TileBudget bounds the bytes one tile of a fused loop (jit's, or eager's deferred
// elementwise ops) touches (each input, scratch slot and output, tile elements each) when
// GrowTile enlarges its tiles: half of a 1 MiB L2, so that a tile's intermediates stay in
// L2 and never reach memory.
const TileBudget = 512 << 10

// GrowTile returns the tile length of a fused loop over total elements that touches
// perElem bytes per element: the base length, doubled while a tile stays within
// TileBudget and the loop keeps at least 16 tiles (for an even split across cores).
//
// The per-tile costs (the loop dispatching each instruction to its kernel, each kernel's
// setup, and each operand stream starting anew at every tile, which the hardware
// prefetcher follows less well than one long stream) are amortized over more elements:
// relu(x*w+b)*0.5+x on 4M float32 (jit's BenchmarkFusedElementwise, 20 bytes per element, 2
// cores, Zen 5) took 1.5-1.6x the memory floor at 2048-element tiles, 1.3x at 4096,
// 1.2x at 8192 and 1.12-1.18x at 16384, the length GrowTile gives it. Tiles never change
// results: elements are computed alone, and rows that reduce are whole in a tile.
func GrowTile(base, total, perElem int) int {
	tile := base
	for 2*tile*perElem <= TileBudget && 2*tile <= total/16 {
		tile *= 2
	}
	return tile
}
