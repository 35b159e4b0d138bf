// Package data feeds models: datasets, a minibatch loader with background workers, and
// readers for the common small data sets, after torch.utils.data and torchvision.datasets.
//
// # Datasets
//
// A Dataset is a collection of samples addressed by index (Len and Get), each a Sample
// of an input X and a target Y. TensorDataset slices tensors along their first dim; Subset
// selects indices of another dataset; RandomSplit and RandomSplitFractions cut a dataset
// into random, reproducible, non-overlapping subsets (a training and a validation set).
//
// The readers give datasets too:
//   - LoadMNIST and LoadFashionMNIST read the IDX files of MNIST and Fashion-MNIST,
//     checking their SHA-256; NewMNIST reads any such pair of files, and ReadIDX any one
//     IDX file into a tensor. MNIST itself ships with eager, in the folder data/mnist of
//     the module (CC BY-SA 3.0, Yann LeCun and Corinna Cortes), which MNISTDir locates,
//     so that the examples and the eager command need no download.
//   - ReadCSV reads a numeric table with a label column into a Table.
//   - CharCorpus encodes a text character by character, and its Windows are the
//     (context, next character) pairs a character-level language model trains on.
//
// Every reader takes its input compressed with gzip or not, and reports a malformed file
// with an error wrapping ErrFormat (ErrChecksum for a file that is not the published one),
// never a panic; a header is checked against the data that actually follows it before any
// memory is sized by it. As in the root package, misuse by the program (a negative batch
// size, an index out of range) panics with an *eager.Error naming the caller's line.
//
// # Loading
//
// A DataLoader cuts an epoch into batches (Options.BatchSize, DropLast), shuffled
// (Shuffle) in an order that depends only on Options.Seed and the epoch number, and stacks
// each batch's samples along a new leading dim (DefaultCollate, or Options.Collate).
// Ranging over All runs one epoch:
//
//	for batch := range loader.All() {
//		...
//	}
//	if err := loader.Err(); err != nil { ... }
//
// With Options.Workers > 0, that many goroutines load batches in the background while
// the loop body trains on the current one, at most Options.Prefetch batches ahead. The
// batches arrive in the same order whatever the number of workers, so a run is
// reproducible on any machine. Breaking out of the loop stops the workers before the loop
// statement returns. Datasets that can build a batch faster than sample by sample (MNIST,
// TextWindows) implement BatchGetter, which the loader then uses.
package data
