//go:build !unix

package render

import "os"

// readFontFile reads a fallback font.
func readFontFile(p string) ([]byte, error) { return os.ReadFile(p) }
