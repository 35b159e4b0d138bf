// Command eager trains and evaluates models with the eager framework:
//
//	eager train [-model mlp|cnn] [-epochs 3] ...   train on the bundled MNIST, print test accuracy
//	eager eval [-model mlp] [-weights runs/mlp.safetensors]  evaluate trained weights on the MNIST test set
//	eager graph [-out graph.dot]                    write the autograd graph of the default model
//	eager graph -jit [-dot] [-passes]               print jit's compiled graph of the training step
//
// Run "eager <command> -h" for a command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	tuneGC()
	var err error
	switch os.Args[1] {
	case "train":
		err = runTrain(os.Args[2:])
	case "eval":
		err = runEval(os.Args[2:])
	case "bench":
		err = runBench(os.Args[2:])
	case "graph":
		err = runGraph(os.Args[2:])
	case "-h", "-help", "--help", "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "eager: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "eager:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: eager <command> [flags]

commands:
  train   train a model on the bundled MNIST and report test accuracy
  eval    evaluate trained weights on the MNIST test set
  bench   run speed workloads side by side with PyTorch (bench/torch_bench.py)
  graph   write the autograd graph of the default model's training step (Graphviz DOT);
          -jit: jit's compiled graph of the whole step, as traced and optimized
`)
}

// defaultGCPercent is the GOGC the command runs with unless the GOGC environment variable is
// set. A training step allocates its activations and gradients afresh and drops them a few
// milliseconds later; at Go's default of 100 the collector then runs several times per step
// on the MLP (about 9% of CPU time, measured with `eager bench -worker mlp`), at 200 about 4%
// for a somewhat larger peak heap.
const defaultGCPercent = 200

// gcFloorBytes is the size of a ballast: a buffer that is allocated and never touched, so
// that it costs no resident memory, but counts as live heap. The collector's goal is a
// multiple of the live heap; with a few MB live (code that runs many small ops) it would
// otherwise run every few MB of allocation, and the runtime would keep returning the pages
// it frees to the OS only to fault them in again (one-element Add: GC share 8-9% without,
// 2.5-3% with, `GOGC=200 eager bench -worker add1` against `eager bench -worker add1`, whose
// times per Add were within 10% of each other). The floor adds about three times its size to
// the peak heap of large programs.
const gcFloorBytes = 12 << 20

// gcBallast holds the ballast for the life of the process (a package-level reference the
// collector sees; the program itself never reads it).
var gcBallast atomic.Pointer[[]byte]

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		b := make([]byte, gcFloorBytes)
		gcBallast.Store(&b)
	}
}
