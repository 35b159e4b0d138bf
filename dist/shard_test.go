package dist

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
)

func TestShardIndices(t *testing.T) {
	for _, n := range []int{1, 7, 10, 12} {
		for _, size := range []int{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("n%d/size%d", n, size), func(t *testing.T) {
				per := (n + size - 1) / size
				count := make([]int, n)
				for r := range size {
					idx := ShardIndices(n, r, size, 42, 0)
					if len(idx) != per {
						t.Fatalf("rank %d: %d indices, want %d", r, len(idx), per)
					}
					if !slices.Equal(idx, ShardIndices(n, r, size, 42, 0)) {
						t.Fatalf("rank %d: not deterministic", r)
					}
					for _, i := range idx {
						count[i]++
					}
				}
				extra := 0
				for i, c := range count {
					if c == 0 {
						t.Fatalf("index %d in no shard", i)
					}
					extra += c - 1
				}
				if extra != per*size-n { // only the padding repeats
					t.Fatalf("%d repeated indices, want %d", extra, per*size-n)
				}
			})
		}
	}
	if slices.Equal(ShardIndices(100, 0, 2, 1, 0), ShardIndices(100, 0, 2, 1, 1)) {
		t.Error("epoch 1 has epoch 0's order")
	}
	if slices.Equal(ShardIndices(100, 0, 2, 1, 0), ShardIndices(100, 0, 2, 2, 0)) {
		t.Error("seed 2 has seed 1's order")
	}
	if got := ShardIndices(0, 0, 2, 1, 0); len(got) != 0 {
		t.Errorf("empty dataset: %v", got)
	}
	e := eager.Try(func() { ShardIndices(10, 2, 2, 1, 0) })
	var ee *eager.Error
	if !errors.As(e, &ee) || ee.Op != "dist.ShardIndices" || !strings.Contains(ee.Msg, "rank 2 out of range for 2 ranks") || !strings.HasPrefix(ee.Where, "shard_test.go:") {
		t.Fatalf("got %v", e)
	}
}

// TestShardedLoaderGlobalBatches checks that, with per-rank loaders over Sharded, the k-th
// batches of all ranks together hold the samples of the k-th global batch, every epoch,
// and that each epoch reshuffles.
func TestShardedLoaderGlobalBatches(t *testing.T) {
	const n, size, b = 24, 3, 2
	x := eager.ArangeOf(eager.Float32, 0, n, 1).Reshape(n, 1)
	y := eager.ArangeOf(eager.Int64, 0, n, 1)
	ds := data.NewTensorDataset(x, y)
	shards := make([]*Sharded, size)
	loaders := make([]*data.DataLoader, size)
	for r := range size {
		shards[r] = NewSharded(ds, r, size, 9)
		loaders[r] = data.NewDataLoader(shards[r], data.Options{BatchSize: b, Workers: r % 2})
	}
	var orders [][]int64
	for epoch := range 2 {
		batches := make([][]data.Batch, size)
		for r := range size {
			shards[r].SetEpoch(epoch)
			if shards[r].Epoch() != epoch {
				t.Fatalf("Epoch() = %d", shards[r].Epoch())
			}
			for batch := range loaders[r].All() {
				batches[r] = append(batches[r], batch)
			}
			if err := loaders[r].Err(); err != nil {
				t.Fatal(err)
			}
		}
		var seen []int64
		for k := range batches[0] {
			var global []int64
			for r := range size {
				global = append(global, batches[r][k].Y.Int64s()...)
			}
			// The global batch is the k-th run of size*b indices of the epoch's permutation.
			var want []int64
			for r := range size {
				for j := range b {
					want = append(want, int64(ShardIndices(n, r, size, 9, epoch)[k*b+j]))
				}
			}
			slices.Sort(global)
			slices.Sort(want)
			if !slices.Equal(global, want) {
				t.Fatalf("epoch %d batch %d: %v, want %v", epoch, k, global, want)
			}
			seen = append(seen, global...)
		}
		orders = append(orders, slices.Clone(seen))
		slices.Sort(seen)
		for i, v := range seen {
			if v != int64(i) {
				t.Fatalf("epoch %d: samples %v, want each of 0..%d once", epoch, seen, n-1)
			}
		}
	}
	if slices.Equal(orders[0], orders[1]) {
		t.Error("the two epochs have the same order")
	}
	s := Shard(ds, 1, size, 9, 1)
	if !slices.Equal(s.Indices, ShardIndices(n, 1, size, 9, 1)) || s.Len() != n/size {
		t.Errorf("Shard = %v", s.Indices)
	}
}
