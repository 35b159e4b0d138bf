package dist

import (
	"fmt"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
)

// ShardIndices returns the dataset indices that rank gets in epoch, out of n samples split
// over size ranks, as PyTorch's DistributedSampler with shuffling: the n indices are
// permuted by a generator seeded from seed and epoch (the same on every rank), padded by
// repeating the first indices of the permutation until their number divides by size, and
// rank takes every size-th index starting at its own. The shards of one epoch are thus
// disjoint except for the padding, equal in length (every rank runs the same number of
// steps, so none waits for a collective that the others never reach), and together
// cover the dataset; the next epoch draws a new permutation.
//
// With a DataLoader of batch size b on each rank and no shuffling of its own, the k-th
// batches of all ranks together hold exactly the samples of batch k of a single process
// with batch size size*b over the permutation.
func ShardIndices(n, rank, size int, seed uint64, epoch int) []int {
	if size < 1 || rank < 0 || rank >= size {
		panic(&eager.Error{Op: "dist.ShardIndices", Msg: fmt.Sprintf("rank %d out of range for %d ranks", rank, size), Where: eager.CallerLocation()})
	}
	if n <= 0 {
		return []int{}
	}
	perm := eager.NewGenerator(shardSeed(seed, epoch)).Perm(n)
	per := (n + size - 1) / size
	out := make([]int, per)
	for k := range out {
		out[k] = perm[(k*size+rank)%n]
	}
	return out
}

// shardSeed mixes seed and epoch into the seed of that epoch's permutation (SplitMix64's
// finalizer), so that neighbouring seeds and epochs give unrelated orders.
func shardSeed(seed uint64, epoch int) uint64 {
	z := seed + uint64(epoch+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Shard returns rank's part of ds in epoch (see ShardIndices) as a data.Subset.
func Shard(ds data.Dataset, rank, size int, seed uint64, epoch int) *data.Subset {
	return data.NewSubset(ds, ShardIndices(ds.Len(), rank, size, seed, epoch))
}

// Sharded is one rank's view of a dataset that follows the epoch: a data.Dataset to give a
// DataLoader (without Shuffle: the shard is already in shuffled order), with SetEpoch
// called before each epoch, as PyTorch's DistributedSampler.set_epoch:
//
//	shard := dist.NewSharded(train, comm.Rank(), comm.Size(), seed)
//	loader := data.NewDataLoader(shard, data.Options{BatchSize: 64, Workers: 2})
//	for epoch := range epochs {
//		shard.SetEpoch(epoch)
//		for batch := range loader.All() { ... }
//	}
type Sharded struct {
	*data.Subset
	rank, size int
	seed       uint64
	epoch      int
}

// NewSharded returns rank's shard of ds, at epoch 0.
func NewSharded(ds data.Dataset, rank, size int, seed uint64) *Sharded {
	return &Sharded{Subset: Shard(ds, rank, size, seed, 0), rank: rank, size: size, seed: seed}
}

// SetEpoch switches the shard to epoch's permutation. Call it between epochs, not while a
// DataLoader ranges over the shard.
func (s *Sharded) SetEpoch(epoch int) {
	if epoch == s.epoch {
		return
	}
	s.epoch = epoch
	s.Indices = ShardIndices(s.Dataset.Len(), s.rank, s.size, s.seed, epoch)
}

// Epoch returns the epoch of the current permutation.
func (s *Sharded) Epoch() int { return s.epoch }
