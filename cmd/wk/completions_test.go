package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/cli"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// TestCompletionsUpToDate checks that the scripts committed under completions/ are what
// `wk completion SHELL` prints. Run `go test ./cmd/wk -run Completions -update` to refresh.
func TestCompletionsUpToDate(t *testing.T) {
	files := map[string]string{"bash": "wk.bash", "zsh": "_wk", "fish": "wk.fish",
		"powershell": "wk.ps1"}
	for shell, name := range files {
		t.Run(shell, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut},
				Build: cmdutil.BuildInfo{Version: "dev"}, Now: time.Now}
			if code := cli.Run(context.Background(), f, []string{"completion", shell}); code != 0 {
				t.Fatalf("wk completion %s exited %d: %s", shell, code, errOut.String())
			}

			path := filepath.Join("..", "..", "completions", name)
			if *update {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s: %v (run with -update to create it)", path, err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs from `wk completion %s`: run `go test ./cmd/wk -run Completions -update`", path, shell)
			}
		})
	}
}
