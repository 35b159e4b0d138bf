//go:build race

package eager

// raceEnabled is set when the race detector instruments the tests, which then run smaller
// cases where Go loops dominate.
const raceEnabled = true
