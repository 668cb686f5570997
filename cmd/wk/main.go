// Command wk manages accounts on WEBKNOSSOS-style platforms. See internal/cli.
package main

import (
	"os"

	"github.com/wk-tools/wk/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
