package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The start-up benchmarks run real processes side by side: a hello-world Go binary, `wk
// --version`, and a signed-in `wk profile show --json` on a local store. The goals are
// within 5 and 10 times the hello-world time; bench/startup.sh prints the ratios.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// buildBinaries compiles wk and a hello-world program into a temporary folder once.
func buildBinaries(b *testing.B) string {
	b.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "wk-bench-")
		if buildErr != nil {
			return
		}
		hello := filepath.Join(binDir, "hello")
		if buildErr = os.MkdirAll(hello+"-src", 0o755); buildErr != nil {
			return
		}
		src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"
		if buildErr = os.WriteFile(filepath.Join(hello+"-src", "main.go"), []byte(src), 0o644); buildErr != nil {
			return
		}
		if buildErr = os.WriteFile(filepath.Join(hello+"-src", "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", hello, ".")
		cmd.Dir = hello + "-src"
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			b.Log(string(out))
			return
		}
		// Measure wk as released: static, without cgo (see .goreleaser.yaml).
		cmd = exec.Command("go", "build", "-trimpath", "-o", filepath.Join(binDir, "wk"), ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			b.Log(string(out))
		}
	})
	if buildErr != nil {
		b.Fatalf("build benchmark binaries: %v", buildErr)
	}
	return binDir
}

// signedInHome makes a HOME with a store and a signed-in session.
func signedInHome(b *testing.B, wk string) []string {
	b.Helper()
	home := b.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home+"/.config",
		"XDG_DATA_HOME="+home+"/.local/share", "WK_TOKEN=", "WK_URL=", "WK_DB=")
	run := func(stdin string, args ...string) {
		cmd := exec.Command(wk, args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wk %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("correct horse battery\n", "init", "--org", "Bench", "--email", "bench@example.com",
		"--name", "Bench Mark", "--password-stdin")
	run("correct horse battery\n", "login", "--email", "bench@example.com", "--password-stdin")
	return env
}

func BenchmarkStartup(b *testing.B) {
	dir := buildBinaries(b)
	wk := filepath.Join(dir, "wk")
	env := signedInHome(b, wk)

	cases := []struct {
		name string
		argv []string
	}{
		{"hello", []string{filepath.Join(dir, "hello")}},
		{"wk-version", []string{wk, "--version"}},
		{"wk-profile-show", []string{wk, "profile", "show", "--json"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(c.argv[0], c.argv[1:]...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", c.name, err, out)
				}
			}
		})
	}
}
