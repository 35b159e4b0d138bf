package nn

import (
	"testing"

	"github.com/eagerml/eager"
)

func cfgInts(c map[string]any, k string) []int {
	v, _ := c[k].([]any)
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x.(float64))
	}
	return out
}

func init() {
	conv := func(t *testing.T, c moduleCase) Conv2dConfig {
		cf := c.Config
		return Conv2dConfig{In: cfgInt(cf, "in"), Out: cfgInt(cf, "out"), Kernel: cfgInts(cf, "kernel"), Stride: cfgInts(cf, "stride"),
			Padding: cfgInts(cf, "padding"), Dilation: cfgInts(cf, "dilation"), OutputPadding: cfgInts(cf, "output_padding"), Groups: cfgInt(cf, "groups")}
	}
	extraModules["Conv2d"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewConv2d(conv(t, c))
		return m, m.Forward
	}
	extraModules["Conv1d"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewConv1d(conv(t, c))
		return m, m.Forward
	}
	extraModules["ConvTranspose2d"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewConvTranspose2d(conv(t, c))
		return m, m.Forward
	}
	extraModules["BatchNorm"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		var m *BatchNorm
		if cfgInt(c.Config, "dims") == 2 {
			m = NewBatchNorm2d(cfgInt(c.Config, "c"))
		} else {
			m = NewBatchNorm1d(cfgInt(c.Config, "c"))
		}
		return m, func(x *eager.Tensor) *eager.Tensor {
			m.Train(cfgBool(c.Config, "train"))
			return m.Forward(x)
		}
	}
	extraModules["LayerNorm"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewLayerNorm(cfgInts(c.Config, "shape")...)
		return m, m.Forward
	}
	extraModules["GroupNorm"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewGroupNorm(cfgInt(c.Config, "groups"), cfgInt(c.Config, "c"))
		return m, m.Forward
	}
	extraModules["Embedding"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewEmbedding(cfgInt(c.Config, "num"), cfgInt(c.Config, "dim")).WithPaddingIdx(cfgInt(c.Config, "padding_idx"))
		return m, func(x *eager.Tensor) *eager.Tensor { return m.Forward(x.Detach().To(eager.Int64)) }
	}
	extraModules["MHA"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewMultiheadAttention(cfgInt(c.Config, "e"), cfgInt(c.Config, "heads"), 0, cfgBool(c.Config, "batch_first"))
		return m, func(x *eager.Tensor) *eager.Tensor {
			masks := AttentionMasks{Causal: cfgBool(c.Config, "causal")}
			if kp, ok := c.Config["key_padding"].([]any); ok {
				var flat []bool
				for _, row := range kp {
					for _, v := range row.([]any) {
						flat = append(flat, v.(float64) != 0)
					}
				}
				masks.KeyPadding = eager.FromSlice(flat, len(kp), len(flat)/len(kp))
			}
			out, _ := m.Attend(x, x, x, masks, false)
			return out
		}
	}
	extraModules["Transformer"] = func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
		m := NewTransformerEncoderLayer(TransformerEncoderLayerConfig{DModel: cfgInt(c.Config, "d"), Heads: cfgInt(c.Config, "heads"),
			FF: cfgInt(c.Config, "ff"), NoDropout: true, GELU: cfgBool(c.Config, "gelu"), BatchFirst: true, NormFirst: cfgBool(c.Config, "norm_first")})
		return m, func(x *eager.Tensor) *eager.Tensor {
			return m.ForwardMasked(x, AttentionMasks{Causal: cfgBool(c.Config, "causal")})
		}
	}
}
