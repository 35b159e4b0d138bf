package serialize

import (
	"bytes"
	"io"
	"testing"

	"github.com/eagerml/eager"
)

func BenchmarkSafetensors(b *testing.B) {
	ts := map[string]*eager.Tensor{"w": eager.Rand(1024, 1024), "v": eager.Rand(4096)}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, ts, nil); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.Run("write/f32/4MB", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := WriteSafetensors(io.Discard, ts, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read/f32/4MB", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := ReadSafetensors(bytes.NewReader(file), int64(len(file))); err != nil {
				b.Fatal(err)
			}
		}
	})
}
