// Command dossier is the case-file and archive service of a social-insurance
// agency: `dossier serve` runs it, the other subcommands maintain it.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "dossier",
		Usage: "social-insurance case files and archive",
		Commands: []*cli.Command{
			serveCommand(),
			rebuildCommand(),
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "dossier:", err)
		os.Exit(1)
	}
}
