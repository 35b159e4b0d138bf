package eager

// Finite-difference gradient checks (first and second order) for every differentiable core op:
// elementwise, reductions, movement, matmul, softmax and conversions. Second order is checked
// for every case (GradGradCheck also differentiates with respect to the output gradient, so
// even piecewise-linear ops get a meaningful check that their backward is differentiable);
// the few skips say why.

import "math"

// nc64 returns a non-contiguous float64 leaf that requires grad (its storage holds the
// transpose of the last two dims, or every other element for rank 1).
func nc64(shape ...int) *Tensor { return makeNonContig(rnd64(shape...)) }

// ncPos64 is nc64 with values in [0.5, 2).
func ncPos64(shape ...int) *Tensor { return makeNonContig(pos64(shape...)) }

// away64 returns normal values pushed at least 0.2 away from 0 (for ops with a kink at 0).
func away64(shape ...int) *Tensor {
	x := RandnOf(Float64, shape...)
	return x.Add(x.Sign().MulScalar(0.2)).Detach().SetRequiresGrad(true)
}

// g1, g2, g3 build a gradCase input function from shape constructors.
func g1(f func() *Tensor) func() []*Tensor { return func() []*Tensor { return []*Tensor{f()} } }
func g2(f, g func() *Tensor) func() []*Tensor {
	return func() []*Tensor { return []*Tensor{f(), g()} }
}

func r(shape ...int) func() *Tensor  { return func() *Tensor { return rnd64(shape...) } }
func p(shape ...int) func() *Tensor  { return func() *Tensor { return pos64(shape...) } }
func nc(shape ...int) func() *Tensor { return func() *Tensor { return nc64(shape...) } }
func aw(shape ...int) func() *Tensor { return func() *Tensor { return away64(shape...) } }

func un(f func(x *Tensor) *Tensor) func(xs []*Tensor) *Tensor {
	return func(xs []*Tensor) *Tensor { return f(xs[0]) }
}

func bi(f func(x, y *Tensor) *Tensor) func(xs []*Tensor) *Tensor {
	return func(xs []*Tensor) *Tensor { return f(xs[0], xs[1]) }
}

func init() {
	add := func(name string, inputs func() []*Tensor, fn func([]*Tensor) *Tensor) {
		gradCases = append(gradCases, gradCase{name: "core/" + name, inputs: inputs, fn: fn})
	}

	// Binary arithmetic, with broadcasting (incl. 0-d and size-1 dims) and strided inputs.
	type shapes struct {
		name string
		a, b func() *Tensor
	}
	pairs := []shapes{
		{"same", r(2, 3), r(2, 3)},
		{"row", r(3, 4), r(4)},
		{"outer", r(3, 1), r(1, 4)},
		{"rank3", r(2, 1, 3), r(4, 1)},
		{"0d_left", r(), r(3)},
		{"0d_right", r(2, 2), r()},
		{"0d_both", r(), r()},
		{"noncontig", nc(3, 4), nc(3, 4)},
		{"noncontig_bcast", nc(2, 3), r(3)},
	}
	posPairs := []shapes{
		{"same", p(2, 3), r(2, 3)},
		{"row", p(3, 4), r(4)},
		{"outer", p(3, 1), r(1, 4)},
		{"0d_left", p(), r(3)},
		{"0d_right", p(2, 2), r()},
		{"noncontig", ncPos64Fn(3, 4), nc(3, 4)},
	}
	binOps := []struct {
		name string
		f    func(x, y *Tensor) *Tensor
	}{
		{"Add", (*Tensor).Add}, {"Sub", (*Tensor).Sub}, {"Mul", (*Tensor).Mul},
		{"Maximum", (*Tensor).Maximum}, {"Minimum", (*Tensor).Minimum},
	}
	for _, op := range binOps {
		for _, s := range pairs {
			add(op.name+"/"+s.name, g2(s.a, s.b), bi(op.f))
		}
		add(op.name+"/same_input", g1(r(3)), un(func(x *Tensor) *Tensor { return op.f(x, x.MulScalar(0.5)) }))
	}
	// Div and Pow keep the denominator / base positive.
	for _, s := range posPairs {
		add("Div/"+s.name, g2(s.b, s.a), bi((*Tensor).Div))
		add("Pow/"+s.name, g2(s.a, s.b), bi((*Tensor).Pow))
	}
	add("Div/same_input", g1(p(3)), un(func(x *Tensor) *Tensor { return x.Div(x.Square()) }))
	add("Pow/integer_exponent_any_base", g1(r(3, 2)), un(func(x *Tensor) *Tensor {
		return x.Pow(FromSlice([]float64{1, 2, 3}, 3, 1))
	}))
	add("Pow/zero_exponent", g1(r(3)), un(func(x *Tensor) *Tensor { return x.Pow(FromSlice([]float64{0, 2, 0})) }))
	scalarOps := map[string]func(x *Tensor) *Tensor{
		"AddScalar":     func(x *Tensor) *Tensor { return x.AddScalar(1.5).Mul(x) },
		"SubScalar":     func(x *Tensor) *Tensor { return x.SubScalar(1.5).Mul(x) },
		"RSubScalar":    func(x *Tensor) *Tensor { return x.RSubScalar(1.5).Mul(x) },
		"MulScalar":     func(x *Tensor) *Tensor { return x.MulScalar(-2.5) },
		"DivScalar":     func(x *Tensor) *Tensor { return x.DivScalar(4) },
		"PowScalar":     func(x *Tensor) *Tensor { return x.Abs().AddScalar(0.5).PowScalar(2.5) },
		"PowScalarNeg":  func(x *Tensor) *Tensor { return x.Abs().AddScalar(0.5).PowScalar(-1.5) },
		"MaximumScalar": func(x *Tensor) *Tensor { return x.MaximumScalar(0.1).Mul(x) },
		"MinimumScalar": func(x *Tensor) *Tensor { return x.MinimumScalar(0.1).Mul(x) },
		"Square":        (*Tensor).Square,
	}
	for name, f := range scalarOps {
		add(name, g1(aw(2, 3)), un(f))
	}
	// Mixed float32/float64: the float64 input is the one checked; the float32 constant
	// promotes (as a 0-d scalar it must not lower the precision).
	add("Mul/f64_with_f32_const", g1(r(2, 3)), un(func(x *Tensor) *Tensor { return x.Mul(FromSlice([]float32{1.5, -2, 0.25})) }))
	add("Add/f64_0d_with_f32", g1(r()), un(func(x *Tensor) *Tensor {
		return FromSlice([]float32{1.5, -2, 0.25}).To(Float64).Mul(x.Add(Scalar(2)))
	}))
	add("Mul/int64_const", g1(r(3)), un(func(x *Tensor) *Tensor { return x.Mul(FromSlice([]int64{2, -1, 3})) }))

	// Where, with broadcasting of all three operands.
	cond := func() *Tensor { return FromSlice([]bool{true, false, false, true}, 4) }
	add("Where/same", g2(r(4), r(4)), func(xs []*Tensor) *Tensor { return Where(cond(), xs[0], xs[1]) })
	add("Where/bcast", g2(r(3, 1), r(4)), func(xs []*Tensor) *Tensor { return Where(cond(), xs[0], xs[1]) })
	add("Where/0d", g2(r(), nc(3, 4)), func(xs []*Tensor) *Tensor { return Where(cond(), xs[0], xs[1]) })
	add("Where/one_side", g1(r(2, 4)), func(xs []*Tensor) *Tensor { return Where(cond(), xs[0], Scalar(0)).Mul(xs[0]) })

	// Unary ops.
	unary := []struct {
		name string
		f    func(x *Tensor) *Tensor
		in   func(shape ...int) func() *Tensor
	}{
		{"Neg", (*Tensor).Neg, r}, {"Exp", (*Tensor).Exp, r}, {"Log", (*Tensor).Log, p},
		{"Log1p", (*Tensor).Log1p, p}, {"Sqrt", (*Tensor).Sqrt, p}, {"Rsqrt", (*Tensor).Rsqrt, p},
		{"Abs", (*Tensor).Abs, aw}, {"Sin", (*Tensor).Sin, r}, {"Cos", (*Tensor).Cos, r},
		{"Tanh", (*Tensor).Tanh, r}, {"Sigmoid", (*Tensor).Sigmoid, r}, {"ReLU", (*Tensor).ReLU, aw},
		{"Erf", (*Tensor).Erf, r}, {"GELU", (*Tensor).GELU, r}, {"GELUTanh", (*Tensor).GELUTanh, r},
		{"SiLU", (*Tensor).SiLU, r},
		{"LeakyReLU", func(x *Tensor) *Tensor { return x.LeakyReLU(0.1) }, aw},
		{"Softplus", func(x *Tensor) *Tensor { return x.Softplus(1, 20) }, r},
		{"Softplus/beta2_threshold1", func(x *Tensor) *Tensor { return x.MulScalar(2).Softplus(2, 1) }, aw},
		{"Clamp", func(x *Tensor) *Tensor { return x.Clamp(-0.5, 0.5) }, r},
		{"Clamp/one_sided", func(x *Tensor) *Tensor { return x.Clamp(math.Inf(-1), 0.3) }, r},
		{"Sign", func(x *Tensor) *Tensor { return x.Sign().Mul(x.Square()) }, aw},
	}
	for _, u := range unary {
		add(u.name, g1(u.in(3, 4)), un(u.f))
		add(u.name+"/0d", g1(u.in()), un(u.f))
		nci := u.in
		add(u.name+"/noncontig", func() []*Tensor { return []*Tensor{makeNonContig(nci(3, 4)())} }, un(u.f))
		// Composed with itself and a product, so the second derivative mixes through the op.
		add(u.name+"/composed", g1(u.in(3)), un(func(x *Tensor) *Tensor { return u.f(x).Mul(x) }))
	}

	// Reductions over all dims, one, several and negative dims, with keepdim.
	dimSets := [][]int{nil, {1}, {-1}, {0, 2}, {-3, -2}}
	for _, dims := range dimSets {
		name := dimsName(dims)
		d := dims
		add("Sum/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Sum(d...) }))
		add("SumKeepDim/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.SumKeepDim(d...).Mul(x) }))
		add("Mean/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Mean(d...) }))
		add("Var/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Var(d...) }))
		add("VarCorrection0Keep/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.VarCorrection(0, true, d...) }))
		add("Std/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Std(d...) }))
		add("Max/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Max(d...).Square() }))
		add("MinKeepDim/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.MinKeepDim(d...).Mul(x) }))
		add("Prod/"+name, g1(r(2, 3, 2)), un(func(x *Tensor) *Tensor { return x.Prod(d...) }))
		add("LogSumExp/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.LogSumExp(d...) }))
		add("Norm2/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Norm(2, d...) }))
		add("Norm3/"+name, g1(aw(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Norm(3, d...) }))
		add("Norm1/"+name, g1(aw(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Norm(1, d...).Square() }))
		add("NormInf/"+name, g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Norm(math.Inf(1), d...).Square() }))
	}
	add("Norm1.5", g1(aw(3, 4)), un(func(x *Tensor) *Tensor { return x.Norm(1.5, 1) }))
	add("Sum/noncontig", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Sum(0).Square() }))
	add("Mean/noncontig_keep", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.MeanKeepDim(-1).Mul(x) }))
	add("LogSumExpKeepDim/noncontig", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.LogSumExpKeepDim(0).Mul(x) }))
	add("LogSumExp/large", g1(r(2, 3)), un(func(x *Tensor) *Tensor { return x.AddScalar(500).LogSumExp(1) }))
	add("Max/0d", g1(r()), un(func(x *Tensor) *Tensor { return x.Max().Mul(x) }))
	add("Sum/0d_dim0", g1(r()), un(func(x *Tensor) *Tensor { return x.Sum(0).Mul(x) }))
	for _, dim := range []int{0, 1, -1} {
		dm := dim
		for _, keep := range []bool{false, true} {
			k := keep
			add("MaxDim/"+dimsName([]int{dm})+keepName(k), g1(r(3, 4)), un(func(x *Tensor) *Tensor {
				v, _ := x.MaxDim(dm, k)
				return v.Square()
			}))
			add("MinDim/"+dimsName([]int{dm})+keepName(k), g1(nc(3, 4)), un(func(x *Tensor) *Tensor {
				v, _ := x.MinDim(dm, k)
				return v.Square()
			}))
		}
	}
	add("MaxDim/0d", g1(r()), un(func(x *Tensor) *Tensor {
		v, _ := x.MaxDim(0, false)
		return v.Square()
	}))
	// At a tie the max is not differentiable, but central differences see the even split
	// (+eps moves the max, -eps does not). The gradient itself jumps there, so its finite
	// differences are meaningless: second order skipped.
	gradCases = append(gradCases, gradCase{name: "core/Max/ties", inputs: g1(fixedGrad([]float64{1, 3, 3, 2}, 4)),
		fn: un(func(x *Tensor) *Tensor { return x.Max().Mul(x) }), skipGradGrad: true})
	// Prod with zeros: the gradient of a zero element is the product of the others; with two
	// zeros in a row every first derivative is 0 but the mixed second derivative is not.
	for name, vals := range map[string][]float64{
		"one_zero":  {1.5, 0, 0.5, 3, 0.7, 1.1, -1.3, 2},
		"two_zeros": {1.5, 0, 0, 3, 0, 1.1, -1.3, 2},
		"all_zero":  {0, 0, 0, 0, 0.7, 0, -1.3, 0},
	} {
		add("Prod/"+name+"_dim1", g1(fixedGrad(vals, 2, 4)), un(func(x *Tensor) *Tensor { return x.Prod(1) }))
		add("Prod/"+name+"_all", g1(fixedGrad(vals, 2, 4)), un(func(x *Tensor) *Tensor { return x.Prod() }))
		add("ProdKeepDim/"+name+"_dim0", g1(fixedGrad(vals, 2, 4)), un(func(x *Tensor) *Tensor { return x.ProdKeepDim(0).Mul(x) }))
	}
	add("Prod/noncontig", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Prod(0) }))

	// Movement.
	add("Reshape", g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Reshape(4, -1).Square() }))
	add("Reshape/noncontig_copy", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Reshape(-1).Square() }))
	add("Reshape/0d", g1(r(1, 1)), un(func(x *Tensor) *Tensor { return x.Reshape().Square() }))
	add("View", g1(r(2, 6)), un(func(x *Tensor) *Tensor { return x.View(3, 4).Square() }))
	add("Flatten", g1(nc(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Flatten(0, 1).Square() }))
	add("Permute", g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Permute(2, 0, 1).Square() }))
	add("Flip", g1(r(2, 3, 4)), un(func(x *Tensor) *Tensor { return x.Flip(0, 2).Square() }))
	add("Flip/transposed", g1(r(3, 4)), un(func(x *Tensor) *Tensor { return x.T().Flip(-1).Square() }))
	add("Transpose/noncontig", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Transpose(0, 1).Square() }))
	add("Squeeze", g1(r(1, 3, 1)), un(func(x *Tensor) *Tensor { return x.Squeeze().Square() }))
	add("Unsqueeze", g1(r(3, 2)), un(func(x *Tensor) *Tensor { return x.Unsqueeze(1).Square() }))
	add("Expand", g1(r(3, 1)), un(func(x *Tensor) *Tensor { return x.Expand(2, 3, 4).Square() }))
	add("Expand/0d", g1(r()), un(func(x *Tensor) *Tensor { return x.Expand(3).Square() }))
	add("ExpandAs/noncontig", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Expand(2, 3, 4).Square() }))
	add("Slice/step", g1(r(4, 7)), un(func(x *Tensor) *Tensor { return x.Slice(1, 1, 7, 3).Square() }))
	add("Slice/negative", g1(nc(5, 4)), un(func(x *Tensor) *Tensor { return x.Slice(0, -3, -1, 1).Square() }))
	add("Narrow", g1(r(3, 5)), un(func(x *Tensor) *Tensor { return x.Narrow(-1, 1, 3).Square() }))
	add("Select", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Select(1, -2).Square() }))
	add("Chunk", g1(r(5, 2)), un(func(x *Tensor) *Tensor { return weighted(x.Chunk(3, 0)).Square() }))
	add("Split", g1(nc(3, 5)), un(func(x *Tensor) *Tensor { return weighted(x.Split(2, 1)).Square() }))
	add("SplitSizes", g1(r(6)), un(func(x *Tensor) *Tensor { return weighted(x.SplitSizes([]int{1, 2, 3}, 0)).Square() }))
	add("SliceScatter", g1(r(2, 3)), un(func(x *Tensor) *Tensor { return sliceScatter(x, []int{2, 7}, 1, 1, 2).Square() }))
	add("Cat", func() []*Tensor { return []*Tensor{rnd64(2, 3), nc64(4, 3), rnd64(1, 3)} },
		func(xs []*Tensor) *Tensor { return Cat(xs, 0).Square() })
	add("Cat/dim1", g2(r(2, 1), r(2, 3)), func(xs []*Tensor) *Tensor { return Cat(xs, -1).Square() })
	add("Stack", g2(r(2, 3), nc(2, 3)), func(xs []*Tensor) *Tensor { return Stack(xs, 1).Square() })
	add("Stack/0d", g2(r(), r()), func(xs []*Tensor) *Tensor { return Stack(xs, 0).Square() })

	// Matrix products.
	mm := []shapes{
		{"1d_1d", r(4), r(4)},
		{"1d_2d", r(3), r(3, 2)},
		{"2d_1d", r(2, 3), r(3)},
		{"2d_2d", r(2, 3), r(3, 4)},
		{"batched", r(2, 2, 3), r(2, 3, 2)},
		{"batched_bcast", r(2, 1, 2, 3), r(3, 3, 2)},
		{"3d_2d", r(2, 3, 4), r(4, 2)},
		{"2d_3d", r(3, 4), r(2, 4, 2)},
		{"1d_3d", r(3), r(2, 3, 2)},
		{"3d_1d", r(2, 2, 3), r(3)},
		{"noncontig", nc(3, 4), nc(4, 2)},
		{"noncontig_batched", nc(2, 3, 4), nc(2, 4, 3)},
	}
	for _, s := range mm {
		add("MatMul/"+s.name, g2(s.a, s.b), bi((*Tensor).MatMul))
	}
	add("MatMul/transposed_operand", g2(r(4, 3), r(2, 4)), func(xs []*Tensor) *Tensor {
		return xs[0].T().MatMul(xs[1].T())
	})
	add("MatMul/same_input", g1(r(3, 3)), un(func(x *Tensor) *Tensor { return x.MatMul(x) }))
	add("Bmm", g2(r(2, 3, 4), nc(2, 4, 2)), bi(Bmm))
	add("Bmm/two_batch_dims", g2(r(2, 3, 4), nc(2, 2, 4)), func(xs []*Tensor) *Tensor {
		return Bmm(xs[0].Reshape(2, 3, 2, 2).Permute(0, 2, 1, 3), xs[1].Reshape(2, 2, 2, 2).Permute(1, 0, 2, 3))
	})
	add("MatMul/heads_view", g2(r(2, 3, 4), r(2, 3, 4)), func(xs []*Tensor) *Tensor {
		// [N, L, E] -> [N, H, L, hd] views, whose batch dims do not flatten without a copy
		h := func(t *Tensor) *Tensor { return t.Reshape(2, 3, 2, 2).Permute(0, 2, 1, 3) }
		return h(xs[0]).MatMul(h(xs[1]).Transpose(-2, -1))
	})
	add("BmmPermuted/heads_merged", g2(r(2, 3, 4), r(2, 3, 4)), func(xs []*Tensor) *Tensor {
		// attention's merge of the heads back into [N, L, E], and a transposed layout
		h := func(t *Tensor) *Tensor { return t.Reshape(2, 3, 2, 2).Permute(0, 2, 1, 3) }
		s := BmmPermuted(h(xs[0]), h(xs[1]).Transpose(-2, -1), 0, 2, 1, 3) // [N, L, H, S]
		return BmmPermuted(s.Permute(0, 2, 1, 3), h(xs[1]), 0, 3, 1, 2).Reshape(2, 12)
	})
	add("Outer", g2(r(3), nc(4)), bi(Outer))

	// Softmax family.
	for _, dim := range []int{0, 1, -1} {
		dm := dim
		add("Softmax/"+dimsName([]int{dm}), g1(r(3, 4)), un(func(x *Tensor) *Tensor { return x.Softmax(dm) }))
		add("LogSoftmax/"+dimsName([]int{dm}), g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.LogSoftmax(dm) }))
	}
	add("Softmax/3d_mid", g1(r(2, 3, 2)), un(func(x *Tensor) *Tensor { return x.Softmax(1) }))
	add("LogSoftmax/hundreds", g1(r(2, 3)), un(func(x *Tensor) *Tensor { return x.AddScalar(300).LogSoftmax(1) }))
	add("Softmax/0d", g1(r()), un(func(x *Tensor) *Tensor { return x.Softmax(0).Mul(x) }))

	// Conversions and copies. Going through float32 rounds to 24 bits, so the finite
	// differences use a larger step (the function below is quadratic: central differences
	// are exact up to rounding).
	gradCases = append(gradCases, gradCase{
		name:   "core/To/f64_f32_f64",
		inputs: g1(r(2, 3)),
		fn: un(func(x *Tensor) *Tensor {
			return x.To(Float32).Mul(FromSlice([]float32{1.5, -2, 0.5})).To(Float64).Mul(x)
		}),
		opts: GradCheckOptions{Eps: 1e-3, Atol: 1e-4, Rtol: 1e-3},
	})
	add("Clone", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Clone().Square() }))
	add("Contiguous", g1(nc(3, 4)), un(func(x *Tensor) *Tensor { return x.Contiguous().Square() }))
}

// ncPos64Fn returns a constructor of non-contiguous positive leaves.
func ncPos64Fn(shape ...int) func() *Tensor { return func() *Tensor { return ncPos64(shape...) } }

// fixedGrad returns a constructor of a float64 leaf with the given values that requires grad.
func fixedGrad(vals []float64, shape ...int) func() *Tensor {
	return func() *Tensor { return FromSlice(vals, shape...).SetRequiresGrad(true) }
}

func dimsName(dims []int) string {
	if dims == nil {
		return "all"
	}
	s := "d"
	for i, d := range dims {
		if i > 0 {
			s += "_"
		}
		s += itoa(d)
	}
	return s
}

func keepName(k bool) string {
	if k {
		return "_keep"
	}
	return ""
}

func itoa(v int) string {
	if v < 0 {
		return "m" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
