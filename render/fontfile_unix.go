//go:build unix

package render

import (
	"os"
	"syscall"
)

// readFontFile maps a fallback font read-only instead of reading it: the
// CJK fallbacks are tens of megabytes, of which a document touches the
// character map and a few glyphs, so they stay out of the heap. Font
// packages are upgraded by renaming files, which leaves a mapping intact.
func readFontFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < 1<<16 || st.Size() > 1<<30 {
		return os.ReadFile(p)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}
