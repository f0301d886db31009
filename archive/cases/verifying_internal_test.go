package cases

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Whatever the sizes of the reads on either side, a sound blob comes out
// whole and a damaged one never does.
func TestVerifyingReader(t *testing.T) {
	for _, size := range []int{0, 1, 2, 3, 100, 32<<10 - 1, 32 << 10, 32<<10 + 1, 100000} {
		content := []byte(strings.Repeat("案", size)[:size])
		sum := sha256.Sum256(content)
		want := hex.EncodeToString(sum[:])
		wraps := map[string]func(io.Reader) io.Reader{
			"plain":    func(r io.Reader) io.Reader { return r },
			"one-byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"data-err": iotest.DataErrReader,
		}
		for name, under := range wraps {
			for outName, over := range wraps {
				bad := 0
				v := newVerifyingReader(io.NopCloser(under(bytes.NewReader(content))), want, func() { bad++ })
				got, err := io.ReadAll(over(v))
				if err != nil || !bytes.Equal(got, content) || bad != 0 {
					t.Fatalf("sound %d bytes, %s under, %s over: %d bytes, %v, bad %d", size, name, outName, len(got), err, bad)
				}
				if size == 0 {
					continue
				}
				damaged := bytes.Clone(content)
				damaged[size/2] ^= 1
				v = newVerifyingReader(io.NopCloser(under(bytes.NewReader(damaged))), want, func() { bad++ })
				got, err = io.ReadAll(over(v))
				if err != errCorrupt || len(got) != size-1 || bad != 1 {
					t.Fatalf("damaged %d bytes, %s under, %s over: %d bytes, %v, bad %d", size, name, outName, len(got), err, bad)
				}
			}
		}
	}
}
