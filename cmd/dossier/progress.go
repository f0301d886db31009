package main

import (
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// newBar is every long job's progress bar, on standard error.
func newBar(c *cli.Context, total int, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(c.App.ErrWriter),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
}

// progress returns a callback for jobs that learn their total as they
// go, and finish, which ends the bar if one was drawn.
func progress(c *cli.Context, what string) (fn func(done, total int), finish func()) {
	var bar *progressbar.ProgressBar
	fn = func(done, total int) {
		if bar == nil {
			bar = newBar(c, total, what)
		}
		bar.Set(done)
	}
	finish = func() {
		if bar != nil {
			bar.Finish()
		}
	}
	return fn, finish
}
