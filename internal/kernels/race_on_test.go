//go:build race

package kernels

// raceEnabled is set when the race detector instruments the tests: the sweeps over float32
// bit patterns then take every 9973rd instead of every 97th (the Go loops run 10x slower).
const raceEnabled = true
