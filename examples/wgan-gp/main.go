// Wgan-gp trains a Wasserstein GAN with gradient penalty (Gulrajani et al., 2017) to draw
// points from a toy distribution in the plane: eight Gaussians on a ring of radius 2.
//
// A generator maps noise to points; a critic scores points, and is trained to score real
// points high and generated ones low, so that the gap estimates the Wasserstein distance
// between the two distributions, while the generator is trained to raise the critic's
// score of its points. The estimate is only valid when the critic is 1-Lipschitz, which
// the gradient penalty encourages: at random points x̂ between a real and a generated point,
//
//	penalty = mean over x̂ of (‖∇x̂ critic(x̂)‖₂ - 1)²
//
// The gradient ∇x̂ critic(x̂) comes from eager.Grad with CreateGraph: true, which records
// the backward pass itself as a graph; the penalty is computed from that gradient, and the
// critic's loss.Backward() then differentiates through it (a second-order gradient) to reach
// the critic's parameters. That is the point of the example: double backward in a real
// training loop.
//
// Every report prints the critic's loss, its Wasserstein estimate W (which shrinks as the
// generated distribution approaches the target), the penalty, and the generator's loss,
// whose absolute value drifts and means little (a critic plus a constant is as good a
// critic). Then three measures of the generated points, always mapped from the same noise:
// their mean distance to the nearest of the eight modes (it shrinks from about 1), the
// share of them near a mode, and how many modes hold a fair part of them (a GAN that
// collapses onto a few modes shows a low count). Run it from the module root:
//
//	go run ./examples/wgan-gp                # 2,000 generator steps, about two minutes
//	go run ./examples/wgan-gp -steps 500 -lambda 1 -seed 2
//
// The run is deterministic: the same -seed gives the same output.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// The target: eight Gaussians of standard deviation modeStd centred on a ring.
const (
	numModes = 8
	radius   = 2.0
	modeStd  = 0.05
)

// modes returns the centres of the eight Gaussians.
func modes() [][2]float64 {
	m := make([][2]float64, numModes)
	for i := range m {
		a := 2 * math.Pi * float64(i) / numModes
		m[i] = [2]float64{radius * math.Cos(a), radius * math.Sin(a)}
	}
	return m
}

// realBatch draws n points [n, 2] from the target with g.
func realBatch(g *eager.Generator, n int) *eager.Tensor {
	centres := modes()
	pts := make([]float32, 2*n)
	for i := range n {
		c := centres[g.IntN(numModes)]
		pts[2*i] = float32(c[0] + modeStd*normal(g))
		pts[2*i+1] = float32(c[1] + modeStd*normal(g))
	}
	return eager.FromSlice(pts, n, 2)
}

// normal draws from N(0, 1) by the Box-Muller transform.
func normal(g *eager.Generator) float64 {
	u := 1 - g.Float64() // (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*g.Float64())
}

// mlp returns in → hidden → hidden → out with ReLU activations.
func mlp(in, hidden, out int) *nn.Sequential {
	return nn.NewSequential(
		nn.NewLinear(in, hidden), &nn.ReLU{},
		nn.NewLinear(hidden, hidden), &nn.ReLU{},
		nn.NewLinear(hidden, out),
	)
}

// gradientPenalty returns mean((‖∇x̂ critic(x̂)‖₂ - 1)²) at random points x̂ on the segments
// between real and fake points (one uniform weight per pair, drawn with Rand). The result is
// differentiable with respect to the critic's parameters: its Backward reaches them through
// the gradient that eager.Grad recorded with CreateGraph.
func gradientPenalty(critic nn.Module, real, fake *eager.Tensor) *eager.Tensor {
	eps := eager.RandOf(real.DType(), real.Size(0), 1)
	xhat := eps.Mul(real).Add(eps.RSubScalar(1).Mul(fake)).Detach().SetRequiresGrad(true)
	scores := critic.Forward(xhat)
	grad := eager.Grad([]*eager.Tensor{scores.Sum()}, []*eager.Tensor{xhat}, eager.GradOptions{CreateGraph: true})[0]
	norm := grad.Square().Sum(1).AddScalar(1e-12).Sqrt() // [n]; the epsilon keeps the gradient of sqrt finite at 0
	return norm.SubScalar(1).Square().Mean()
}

// config holds the command-line settings.
type config struct {
	steps   int     // generator steps
	critic  int     // critic steps per generator step
	batch   int     // points per batch
	noise   int     // size of the generator's input
	hidden  int     // hidden width of both networks
	lambda  float64 // weight of the gradient penalty
	lr      float64 // Adam's learning rate (both networks)
	seed    uint64
	every   int // report every this many generator steps
	samples int // generated points measured at each report
}

// result is what a run measured.
type result struct {
	modeDistance []float64 // mean distance to the nearest mode, at each report
	nearFraction []float64 // fraction of the points within nearMode of a mode, at each report
	modesCovered []int     // at each report
}

func main() {
	c := config{}
	flag.IntVar(&c.steps, "steps", 2000, "generator steps")
	flag.IntVar(&c.critic, "critic", 5, "critic steps per generator step")
	flag.IntVar(&c.batch, "batch", 128, "points per batch")
	flag.IntVar(&c.noise, "noise", 2, "size of the generator's noise input")
	flag.IntVar(&c.hidden, "hidden", 64, "hidden width of the generator and the critic")
	flag.Float64Var(&c.lambda, "lambda", 0.1, "gradient penalty weight")
	flag.Float64Var(&c.lr, "lr", 1e-3, "Adam learning rate")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation, noise, data)")
	flag.IntVar(&c.every, "every", 200, "report every this many generator steps")
	flag.IntVar(&c.samples, "samples", 2000, "generated points measured at each report")
	flag.Parse()
	if _, err := run(c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wgan-gp:", err)
		os.Exit(1)
	}
}

// run trains a generator and a critic from scratch and reports how close the generated
// points come to the target's modes.
func run(c config, out io.Writer) (result, error) {
	var res result
	if c.steps < 1 || c.critic < 1 || c.batch < 1 || c.every < 1 {
		return res, fmt.Errorf("steps, critic, batch and every must be positive")
	}
	eager.ManualSeed(c.seed) // initialisation and the noise (Randn, Rand)
	gen := mlp(c.noise, c.hidden, 2)
	critic := mlp(2, c.hidden, 1)
	adam := optim.AdamConfig{LR: c.lr, Betas: [2]float64{0.5, 0.9}}
	optG := optim.NewAdam(gen.Parameters(), adam)
	optC := optim.NewAdam(critic.Parameters(), adam)
	data := eager.NewGenerator(c.seed) // the real points
	// The generator's points are measured on the same noise at every report, drawn from a
	// generator of its own so that reporting more or less often does not change training.
	ng := eager.NewGenerator(c.seed + 1)
	noise := make([]float32, c.samples*c.noise)
	for i := range noise {
		noise[i] = float32(normal(ng))
	}
	measureNoise := eager.FromSlice(noise, c.samples, c.noise)
	fmt.Fprintf(out, "WGAN-GP on 8 Gaussians (radius %g, std %g): generator %d and critic %d parameters, %d critic steps per generator step\n",
		radius, modeStd, gen.NumParameters(), critic.NumParameters(), c.critic)
	fmt.Fprintf(out, "W: the critic's estimate of the Wasserstein distance; of %d generated points: mean distance to the nearest mode,\n"+
		"share within %g of a mode, modes holding at least a quarter of their share\n", c.samples, nearMode)

	start := time.Now()
	var lossC, wdist, penalty, lossG float64
	n := 0
	for step := 1; step <= c.steps; step++ {
		// The critic: maximise critic(real) - critic(fake), keeping its gradient norm near 1.
		for range c.critic {
			real := realBatch(data, c.batch)
			var fake *eager.Tensor
			eager.NoGrad(func() { fake = gen.Forward(eager.Randn(c.batch, c.noise)) })
			w := critic.Forward(real).Mean().Sub(critic.Forward(fake).Mean())
			gp := gradientPenalty(critic, real, fake)
			loss := w.Neg().Add(gp.MulScalar(c.lambda))
			loss.Backward()
			optC.Step()
			optC.ZeroGrad()
			lossC += loss.Item()
			wdist += w.Item()
			penalty += gp.Item()
		}
		// The generator: raise the critic's score of generated points. Its Backward also
		// fills the critic's gradients, which the critic's ZeroGrad clears before they are
		// used.
		loss := critic.Forward(gen.Forward(eager.Randn(c.batch, c.noise))).Mean().Neg()
		loss.Backward()
		optG.Step()
		optG.ZeroGrad()
		optC.ZeroGrad()
		lossG += loss.Item()
		n++

		if step%c.every == 0 || step == c.steps {
			dist, near, covered := measure(gen, measureNoise)
			res.modeDistance = append(res.modeDistance, dist)
			res.nearFraction = append(res.nearFraction, near)
			res.modesCovered = append(res.modesCovered, covered)
			k := float64(n * c.critic)
			fmt.Fprintf(out, "step %5d  critic loss %7.3f  W %6.3f  penalty %6.3f  generator loss %6.3f  distance %.3f  near %5.1f%%  modes %d/8  (%.0fs)\n",
				step, lossC/k, wdist/k, penalty/k, lossG/float64(n), dist, 100*near, covered, time.Since(start).Seconds())
			lossC, wdist, penalty, lossG, n = 0, 0, 0, 0, 0
		}
	}
	return res, nil
}

// measure maps noise through the generator and returns the generated points' mean distance
// to the nearest mode, the fraction of them within nearMode of a mode, and the number of
// modes that have at least a quarter of their fair share of the points within nearMode.
func measure(gen nn.Module, noise *eager.Tensor) (meanDist, near float64, covered int) {
	var pts []float64
	eager.NoGrad(func() { pts = gen.Forward(noise).Float64s() })
	n := len(pts) / 2
	centres := modes()
	var count [numModes]int
	for i := range n {
		x, y := pts[2*i], pts[2*i+1]
		best, bestD := 0, math.Inf(1)
		for m, ctr := range centres {
			if d := math.Hypot(x-ctr[0], y-ctr[1]); d < bestD {
				best, bestD = m, d
			}
		}
		meanDist += bestD
		if bestD < nearMode {
			count[best]++
		}
	}
	nearCount := 0
	for _, k := range count {
		nearCount += k
		if k*numModes*4 >= n {
			covered++
		}
	}
	return meanDist / float64(n), float64(nearCount) / float64(n), covered
}

// nearMode is the distance within which a generated point counts as near a mode: four
// times the modes' standard deviation (a real point is that far out once in 3,000).
const nearMode = 4 * modeStd
