package data_test

import (
	"fmt"
	"log"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
)

// A DataLoader over a TensorDataset: batches of 4, shuffled, loaded by two workers.
func ExampleDataLoader() {
	x := eager.Arange(0, 10, 1).Reshape(10, 1)
	y := eager.ArangeOf(eager.Int64, 0, 10, 1)
	loader := data.NewDataLoader(data.NewTensorDataset(x, y), data.Options{
		BatchSize: 4, Shuffle: true, Seed: 1, Workers: 2,
	})
	for epoch := range 2 {
		for batch := range loader.All() {
			fmt.Println(epoch, batch.X.Shape(), batch.Y.Int64s())
		}
		if err := loader.Err(); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// 0 [4 1] [4 2 8 5]
	// 0 [4 1] [0 7 3 9]
	// 0 [2 1] [1 6]
	// 1 [4 1] [0 4 5 2]
	// 1 [4 1] [7 3 8 6]
	// 1 [2 1] [1 9]
}

// MNIST ships with eager: load its training set and cut off a validation set.
func ExampleLoadMNIST() {
	dir, err := data.MNISTDir()
	if err != nil {
		log.Fatal(err)
	}
	train, err := data.LoadMNIST(dir, true, data.Normalize(data.MNISTMean, data.MNISTStd))
	if err != nil {
		log.Fatal(err)
	}
	parts := data.RandomSplit(train, []int{55000, 5000}, 0)
	loader := data.NewDataLoader(parts[0], data.Options{BatchSize: 64, Shuffle: true, DropLast: true, Workers: 2})
	fmt.Println(train.Len(), parts[0].Len(), parts[1].Len(), loader.Len())
	for batch := range loader.All() {
		fmt.Println(batch.X.Shape(), batch.Y.Shape(), batch.Y.DType())
		break
	}
	s, _ := train.Get(0)
	fmt.Println("first label:", s.Y.Item())
	// Output:
	// 60000 55000 5000 859
	// [64 1 28 28] [64] int64
	// first label: 5
}

// A character-level corpus: training windows of 8 characters and their next characters.
func ExampleCharCorpus() {
	corpus, err := data.NewCharCorpus("to be or not to be")
	if err != nil {
		log.Fatal(err)
	}
	train, _ := corpus.Split(0.9)
	windows := train.Windows(8)
	s, _ := windows.Get(3)
	fmt.Println(corpus.VocabSize(), windows.Len())
	fmt.Printf("%q -> %q\n", corpus.Decode(s.X.Int64s()), corpus.Decode(s.Y.Int64s()))
	// Output:
	// 7 8
	// "be or no" -> "e or not"
}
