package jit

import (
	"github.com/eagerml/eager/internal/kernels"
)

// adamMatch is a fused program recognized as one Adam update (the ops optim's Adam runs,
// traced), which kernels.Adam computes in one vectorized pass with the same bits:
//
//	m' = AddScaled(m*beta1, d, alpha1)
//	v' = Addcmul(v*beta2, d, d, value)          (eager's dense path)
//	p' = p + (m'*s) / (sqrt(v')/b + eps)        (s, b: one-element inputs)
type adamMatch struct {
	p, m, v, d, b, s                 int // input indices
	pOut, mOut, vOut                 int // output registers
	beta1, alpha1, beta2, value, eps float64
}

// matchAdam recognizes the program of an Adam update, or returns nil.
func matchAdam(prog *Program) *adamMatch {
	if len(prog.Insts) != 10 || len(prog.Outs) != 3 {
		return nil
	}
	def := map[int]Inst{}
	for _, in := range prog.Insts {
		def[in.Dst] = in
	}
	// reg finds the instruction defining register o, op or its in-place form (the same
	// value in a program).
	reg := func(o Operand, op string, nargs int) (Inst, bool) {
		if o.Kind != OpReg {
			return Inst{}, false
		}
		in, ok := def[o.Index]
		return in, ok && (in.Op == op || in.Op == op+"InPlace") && len(in.Args) == nargs
	}
	input := func(o Operand) (int, bool) { return o.Index, o.Kind == OpIn }
	imm := func(o Operand) (float64, bool) { return o.Imm, o.Kind == OpImm }
	var a adamMatch
	var ok bool
	// p' = AddInPlace(p, Div(Mul(m', s), Add(Div(Sqrt(v'), b), eps)))
	for _, out := range prog.Outs {
		if in := def[out.Reg]; in.Op == "AddInPlace" {
			a.pOut = out.Reg
		}
	}
	pIn, found := def[a.pOut]
	if !found || pIn.Op != "AddInPlace" {
		return nil
	}
	if a.p, ok = input(pIn.Args[0]); !ok {
		return nil
	}
	upd, ok := reg(pIn.Args[1], "Div", 2)
	if !ok {
		return nil
	}
	num, ok1 := reg(upd.Args[0], "Mul", 2)
	den, ok2 := reg(upd.Args[1], "Add", 2)
	if !ok1 || !ok2 {
		return nil
	}
	if num.Args[0].Kind != OpReg {
		return nil
	}
	a.mOut = num.Args[0].Index
	if a.s, ok = input(num.Args[1]); !ok {
		return nil
	}
	q, ok1 := reg(den.Args[0], "Div", 2)
	eps, ok2 := imm(den.Args[1])
	if !ok1 || !ok2 {
		return nil
	}
	a.eps = eps
	sq, ok := reg(q.Args[0], "Sqrt", 1)
	if !ok || sq.Args[0].Kind != OpReg {
		return nil
	}
	a.vOut = sq.Args[0].Index
	if a.b, ok = input(q.Args[1]); !ok {
		return nil
	}
	// m' = AddScaledInPlace(Mul(m, beta1), d)
	mIn, found := def[a.mOut]
	if !found || mIn.Op != "AddScaledInPlace" {
		return nil
	}
	a.alpha1 = mIn.P[0]
	mm, ok := reg(mIn.Args[0], "Mul", 2)
	if !ok {
		return nil
	}
	if a.m, ok = input(mm.Args[0]); !ok {
		return nil
	}
	if a.beta1, ok = imm(mm.Args[1]); !ok {
		return nil
	}
	if a.d, ok = input(mIn.Args[1]); !ok {
		return nil
	}
	// v' = AddcmulInPlace(Mul(v, beta2), d, d), dense
	vIn, found := def[a.vOut]
	if !found || vIn.Op != "AddcmulInPlace" || vIn.P[1] == 0 {
		return nil
	}
	a.value = vIn.P[0]
	vm, ok := reg(vIn.Args[0], "Mul", 2)
	if !ok {
		return nil
	}
	if a.v, ok = input(vm.Args[0]); !ok {
		return nil
	}
	if a.beta2, ok = imm(vm.Args[1]); !ok {
		return nil
	}
	if d1, ok1 := input(vIn.Args[1]); !ok1 || d1 != a.d {
		return nil
	}
	if d2, ok2 := input(vIn.Args[2]); !ok2 || d2 != a.d {
		return nil
	}
	outs := map[int]bool{a.pOut: true, a.mOut: true, a.vOut: true}
	if len(outs) != 3 {
		return nil
	}
	for _, o := range prog.Outs {
		if !outs[o.Reg] || prog.Slots[o.Reg] >= 0 {
			return nil
		}
	}
	ins := map[int]bool{a.p: true, a.m: true, a.v: true, a.d: true, a.b: true, a.s: true}
	if len(ins) != 6 {
		return nil
	}
	return &a
}

// runAdam computes the update with kernels.Adam when every tensor is dense and each new
// value is written over the old one (the memory plan's "into"); it reports false otherwise.
func runAdam[T float](a *adamMatch, srcs []source[T], direct [][]T) bool {
	for _, k := range []int{a.p, a.m, a.v, a.d} {
		if srcs[k].mode != srcDirect {
			return false
		}
	}
	if srcs[a.b].mode != srcScalar || srcs[a.s].mode != srcScalar {
		return false
	}
	p, m, v := direct[a.pOut], direct[a.mOut], direct[a.vOut]
	if len(p) == 0 || &p[0] != &srcs[a.p].data[0] || &m[0] != &srcs[a.m].data[0] || &v[0] != &srcs[a.v].data[0] {
		return false
	}
	kernels.Adam(p, m, v, srcs[a.d].data, kernels.AdamCoefficients[T]{
		Beta1: T(a.beta1), OneMinusBeta1: T(a.alpha1), Beta2: T(a.beta2), OneMinusBeta2: T(a.value),
		BiasCorrection2Sqrt: srcs[a.b].scalar, Eps: T(a.eps), NegStepSize: srcs[a.s].scalar,
	})
	return true
}
