package goid

import (
	"sync"
	"testing"
)

func TestKeyStableAndDistinct(t *testing.T) {
	k := Key()
	if k == 0 || Key() != k {
		t.Fatalf("Key not stable on one goroutine: %d vs %d", k, Key())
	}
	const n = 16
	keys := make([]uintptr, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			keys[i] = Key()
			wg.Done()
			<-done // stay alive so keys stay unique
		}(i)
	}
	close(start)
	wg.Wait()
	seen := map[uintptr]bool{k: true}
	for _, x := range keys {
		if seen[x] {
			t.Fatalf("duplicate key %d among live goroutines", x)
		}
		seen[x] = true
	}
	close(done)
}

func BenchmarkKey(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = Key()
	}
}
