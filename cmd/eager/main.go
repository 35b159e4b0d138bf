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
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
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
