package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/eagerml/eager/serialize"
)

func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	model := fs.String("model", "mlp", "model: mlp or cnn")
	weights := fs.String("weights", "", "safetensors weights written by train (default runs/<model>.safetensors)")
	dataDir := fs.String("data", "", "folder with the MNIST IDX files (default: the bundled copy)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *weights == "" {
		*weights = filepath.Join("runs", *model+".safetensors")
	}
	m, err := newModel(*model)
	if err != nil {
		return err
	}
	if err := serialize.LoadModel(*weights, m, true); err != nil {
		return err
	}
	_, test, err := loadMNIST(*dataDir)
	if err != nil {
		return err
	}
	fmt.Printf("%s from %s: test accuracy %.2f%% on %d images\n", *model, *weights, 100*evaluate(m, *model, test), test.Len())
	return nil
}
