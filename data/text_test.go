package data

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func shakespeare(t *testing.T) *CharCorpus {
	t.Helper()
	f, err := os.Open("testdata/tinyshakespeare-64k.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadCharCorpus(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCharCorpus(t *testing.T) {
	c := shakespeare(t)
	// Reference: Python's sorted(set(text)) on the same file.
	const vocab = "\n !',-.:;?ABCDEFGHIJKLMNOPRSTUVWYabcdefghijklmnopqrstuvwxyz"
	if c.Len() != 65536 || c.VocabSize() != 59 || string(c.Vocab()) != vocab {
		t.Fatalf("Len %d, vocab %d %q", c.Len(), c.VocabSize(), string(c.Vocab()))
	}
	ids, err := c.Encode("First Citizen:")
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != int64(strings.IndexRune(vocab, 'F')) || c.Decode(ids) != "First Citizen:" {
		t.Errorf("Encode = %v, Decode back %q", ids, c.Decode(ids))
	}
	if got := c.Tokens().Int64s()[:len(ids)]; !slices.Equal(got, ids) {
		t.Errorf("Tokens start %v, want %v", got, ids)
	}
	if _, err := c.Encode("Zounds"); err == nil || err.Error() != `data: character 'Z' at byte 0 of the text to encode is not in the corpus's vocabulary` {
		t.Errorf("Encode of an unknown character: %v", err)
	}
	if got := c.Decode([]int64{-1, 10, 99}); got != "\uFFFDA\uFFFD" {
		t.Errorf("Decode of out-of-range ids = %q", got)
	}
}

func TestCharCorpusWindows(t *testing.T) {
	c, err := NewCharCorpus("hello, world")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Windows(4)
	if w.Len() != 8 {
		t.Fatalf("Len = %d, want 8", w.Len())
	}
	s, _ := w.Get(7)
	if x, y := c.Decode(s.X.Int64s()), c.Decode(s.Y.Int64s()); x != "worl" || y != "orld" || !slices.Equal(s.X.Shape(), []int{4}) {
		t.Errorf("window 7 = %q -> %q, shape %v", x, y, s.X.Shape())
	}
	idx := []int{7, 0, 3}
	fast, err := w.GetBatch(idx)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := getAndCollate(w, idx, DefaultCollate)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fast.X.Shape(), []int{3, 4}) || !slices.Equal(fast.X.Int64s(), slow.X.Int64s()) || !slices.Equal(fast.Y.Int64s(), slow.Y.Int64s()) || !slices.Equal(fast.Y.Shape(), slow.Y.Shape()) {
		t.Errorf("GetBatch %v and Get+DefaultCollate %v disagree", fast.X.Int64s(), slow.X.Int64s())
	}
	if n := c.Windows(12).Len(); n != 0 {
		t.Errorf("windows as long as the text: Len %d, want 0", n)
	}

	head, tail := c.Split(0.5)
	if c.Decode(head.Tokens().Int64s()) != "hello," || c.Decode(tail.Tokens().Int64s()) != " world" || tail.VocabSize() != c.VocabSize() {
		t.Errorf("Split(0.5) = %q, %q", c.Decode(head.Tokens().Int64s()), c.Decode(tail.Tokens().Int64s()))
	}
}

func TestCharCorpusErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		text []byte
		msg  string
	}{
		{"empty", nil, "data: text is empty"},
		{"utf8", []byte("ok\xffno"), "data: text is not valid UTF-8 at byte 2"},
		{"gzip", gzipBytes(t, []byte("a\xc3")), "data: text is not valid UTF-8 at byte 1"},
		{"truncated gzip", gzipBytes(t, []byte("abc"))[:15], "data: text: file is truncated"},
	} {
		_, err := ReadCharCorpus(bytes.NewReader(tc.text))
		if !errors.Is(err, ErrFormat) || err.Error() != tc.msg {
			t.Errorf("%s: got %v, want %s (wrapping ErrFormat)", tc.name, err, tc.msg)
		}
	}
}
