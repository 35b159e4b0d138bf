package data

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/eagerml/eager"
)

// CharCorpus is a text encoded character by character, for character-level language
// models (char-rnn, nanoGPT's shakespeare_char): its vocabulary is the set of distinct
// characters (Unicode code points) in sorted order, and each character is encoded as its
// rank in it.
type CharCorpus struct {
	vocab  []rune
	ids    map[rune]int64
	tokens []int64
}

// maxCorpusBytes bounds the text ReadCharCorpus accepts (1 GiB).
const maxCorpusBytes = 1 << 30

// ReadCharCorpus reads a UTF-8 text, compressed with gzip or not, and builds its corpus. It
// returns an error wrapping ErrFormat for empty text or text that is not valid UTF-8.
func ReadCharCorpus(r io.Reader) (*CharCorpus, error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(dr, maxCorpusBytes+1))
	if err != nil {
		return nil, readErr("text", err)
	}
	if len(b) > maxCorpusBytes {
		return nil, formatErrorf("data: text is larger than %d bytes", maxCorpusBytes)
	}
	return NewCharCorpus(string(b))
}

// NewCharCorpus builds the corpus of text. It returns an error wrapping ErrFormat for empty
// text or text that is not valid UTF-8.
func NewCharCorpus(text string) (*CharCorpus, error) {
	if text == "" {
		return nil, formatErrorf("data: text is empty")
	}
	if !utf8.ValidString(text) {
		off := 0
		for off < len(text) {
			r, size := utf8.DecodeRuneInString(text[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, formatErrorf("data: text is not valid UTF-8 at byte %d", off)
	}
	seen := make(map[rune]int64)
	for _, r := range text {
		seen[r] = 0
	}
	c := &CharCorpus{ids: seen}
	for r := range seen {
		c.vocab = append(c.vocab, r)
	}
	slices.Sort(c.vocab)
	for i, r := range c.vocab {
		c.ids[r] = int64(i)
	}
	c.tokens = make([]int64, 0, utf8.RuneCountInString(text))
	for _, r := range text {
		c.tokens = append(c.tokens, c.ids[r])
	}
	return c, nil
}

// VocabSize returns the number of distinct characters.
func (c *CharCorpus) VocabSize() int { return len(c.vocab) }

// Vocab returns the characters in id order.
func (c *CharCorpus) Vocab() []rune { return slices.Clone(c.vocab) }

// Len returns the number of characters in the text.
func (c *CharCorpus) Len() int { return len(c.tokens) }

// Tokens returns the encoded text as a 1-D int64 tensor.
func (c *CharCorpus) Tokens() *eager.Tensor { return eager.FromSlice(c.tokens) }

// Encode returns the ids of the characters of s; a character that is not in the vocabulary
// is an error.
func (c *CharCorpus) Encode(s string) ([]int64, error) {
	out := make([]int64, 0, len(s))
	for i, r := range s {
		id, ok := c.ids[r]
		if !ok {
			return nil, fmt.Errorf("data: character %q at byte %d of the text to encode is not in the corpus's vocabulary", r, i)
		}
		out = append(out, id)
	}
	return out, nil
}

// Decode returns the text of ids; an id outside the vocabulary becomes U+FFFD (�).
func (c *CharCorpus) Decode(ids []int64) string {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= int64(len(c.vocab)) {
			b.WriteRune(utf8.RuneError)
			continue
		}
		b.WriteRune(c.vocab[id])
	}
	return b.String()
}

// Split returns the corpora of the first fraction of the text and of the rest, sharing
// this corpus's vocabulary: the usual split of a text into training and validation parts,
// which keeps the two free of overlapping windows.
func (c *CharCorpus) Split(fraction float64) (head, tail *CharCorpus) {
	if !(fraction >= 0 && fraction <= 1) {
		fail("CharCorpus.Split", "fraction %v is not in [0, 1]", fraction)
	}
	n := int(fraction * float64(len(c.tokens)))
	head = &CharCorpus{vocab: c.vocab, ids: c.ids, tokens: c.tokens[:n:n]}
	tail = &CharCorpus{vocab: c.vocab, ids: c.ids, tokens: c.tokens[n:]}
	return head, tail
}

// Windows returns the dataset of the text's windows of context characters: sample i is
// X = tokens[i : i+context] and Y = tokens[i+1 : i+context+1], the next character at
// each position, both 1-D int64. It panics unless context is positive; a text of at most
// context characters gives an empty dataset.
func (c *CharCorpus) Windows(context int) *TextWindows {
	if context <= 0 {
		fail("CharCorpus.Windows", "context length must be positive, got %d", context)
	}
	return &TextWindows{tokens: c.tokens, context: context}
}

// TextWindows is the dataset of (input, next-character target) windows of a CharCorpus.
type TextWindows struct {
	tokens  []int64
	context int
}

// Len returns the number of windows: the text's length minus the context length.
func (w *TextWindows) Len() int { return max(len(w.tokens)-w.context, 0) }

// Get returns window i.
func (w *TextWindows) Get(i int) (Sample, error) {
	checkIndex("TextWindows.Get", i, w.Len())
	return Sample{
		X: eager.FromSlice(w.tokens[i : i+w.context]),
		Y: eager.FromSlice(w.tokens[i+1 : i+1+w.context]),
	}, nil
}

// GetBatch returns the windows at indices as two [B, context] int64 tensors.
func (w *TextWindows) GetBatch(indices []int) (Batch, error) {
	n, ctx := w.Len(), w.context
	x := make([]int64, 0, len(indices)*ctx)
	y := make([]int64, 0, len(indices)*ctx)
	for _, i := range indices {
		checkIndex("TextWindows.GetBatch", i, n)
		x = append(x, w.tokens[i:i+ctx]...)
		y = append(y, w.tokens[i+1:i+1+ctx]...)
	}
	return Batch{X: eager.FromSlice(x, len(indices), ctx), Y: eager.FromSlice(y, len(indices), ctx)}, nil
}
