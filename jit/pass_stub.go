package jit

func FuseGemm(g *Graph) *Graph   { return g }
func PlanMemory(g *Graph) *Graph { return g }

func planSlots(g *Graph) []slot { return nil }
