package render

import (
	"errors"
	"io"
	"testing"
)

// A row source that fails stops the table with its error.
func TestTableStopsOnRowError(t *testing.T) {
	boom := errors.New("the database went away")
	err := RenderTable(io.Discard, testFont(t), TableMeta{Title: "t"}, []Column{{Title: "题名", Width: 50}}, func(yield func([]string) bool) error {
		yield([]string{"1"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}
