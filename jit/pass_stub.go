package jit

func CSE(g *Graph) *Graph             { return g }
func Fold(g *Graph) *Graph            { return g }
func Simplify(g *Graph) *Graph        { return g }
func SumChains(g *Graph) *Graph       { return g }
func FuseGemm(g *Graph) *Graph        { return g }
func FuseElementwise(g *Graph) *Graph { return g }
func PlanMemory(g *Graph) *Graph      { return g }

type Program struct{}

func (p *Program) String() string { return "" }

type slot struct{}
type arena struct{}

func newArena(s []slot) *arena    { return &arena{} }
func planSlots(g *Graph) []slot { return nil }
