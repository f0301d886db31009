package search

import (
	"archive/zip"
	"io"
)

func zipWriter(w io.Writer) *zip.Writer { return zip.NewWriter(w) }
