// Command dossier is the case-file and archive service of a social-insurance
// agency: `dossier serve` runs it, the other subcommands maintain it.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// version and revision are what this binary was built as, set by the
// Makefile (go build -ldflags "-X main.version=… -X main.revision=…");
// /metrics shows them in dossier_build_info.
var version, revision string

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "dossier:", err)
		os.Exit(1)
	}
}

// newApp is the command line; tests run it in-process.
func newApp() *cli.App {
	return &cli.App{
		Name:  "dossier",
		Usage: "social-insurance case files and archive",
		Commands: []*cli.Command{
			serveCommand(),
			rebuildCommand(),
			userCommand(),
			verifyCommand(),
			retainCommand(),
			exportCommand(),
			importCommand(),
			demoCommand(),
		},
	}
}
