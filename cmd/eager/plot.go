package main

import (
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// plotLosses writes a PNG of the per-step training loss and its running mean over 50 steps.
func plotLosses(path string, losses []float64, title string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	p := plot.New()
	p.Title.Text = "training loss (" + title + ")"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "cross-entropy"
	raw := make(plotter.XYs, len(losses))
	smooth := make(plotter.XYs, len(losses))
	var sum float64
	const window = 50
	for i, l := range losses {
		raw[i].X, raw[i].Y = float64(i), l
		sum += l
		if i >= window {
			sum -= losses[i-window]
		}
		smooth[i].X, smooth[i].Y = float64(i), sum/float64(min(i+1, window))
	}
	lr, err := plotter.NewLine(raw)
	if err != nil {
		return err
	}
	lr.Color = plotter.DefaultLineStyle.Color
	lr.Width = vg.Points(0.5)
	ls, err := plotter.NewLine(smooth)
	if err != nil {
		return err
	}
	ls.Width = vg.Points(2)
	p.Add(lr, ls)
	p.Legend.Add("per step", lr)
	p.Legend.Add("mean of 50", ls)
	p.Legend.Top = true
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}

// plotAccuracy writes a PNG of the test accuracy after each epoch.
func plotAccuracy(path string, acc []float64, title string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	p := plot.New()
	p.Title.Text = "test accuracy (" + title + ")"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "accuracy (%)"
	pts := make(plotter.XYs, len(acc))
	for i, a := range acc {
		pts[i].X, pts[i].Y = float64(i+1), 100*a
	}
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	p.Add(l, s)
	return p.Save(5*vg.Inch, 3.5*vg.Inch, path)
}
