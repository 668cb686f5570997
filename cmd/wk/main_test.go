package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wk-tools/wk/internal/cli"
	"github.com/wk-tools/wk/internal/mail"
	"github.com/wk-tools/wk/internal/mail/mailtest"
	"github.com/wk-tools/wk/internal/server"
	"github.com/wk-tools/wk/internal/store"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wk": func() {
			// In remote mode the scenario's server publishes the store that `wk init`
			// makes, and init only ever makes a local store.
			if os.Getenv("WK_TEST_REMOTE") != "" && len(os.Args) > 1 && os.Args[1] == "init" {
				os.Unsetenv("WK_URL")
			}
			os.Exit(cli.Main())
		},
	})
}

// TestScripts runs every scenario in testdata/script against the local store, each in its
// own HOME.
func TestScripts(t *testing.T) {
	runScripts(t, false)
}

// TestScriptsRemote runs the same scenarios through WK_URL against a `wk serve` server of
// their own, which publishes the scenario's store. [remote] marks what differs.
func TestScriptsRemote(t *testing.T) {
	runScripts(t, true)
}

func runScripts(t *testing.T, remote bool) {
	sink := mailtest.Start(t)
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts: *update,
		Condition: func(cond string) (bool, error) {
			if cond == "remote" {
				return remote, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("SINK_HOST", sink.Host())
			env.Setenv("SINK_PORT", strconv.Itoa(sink.Port()))
			if err := setupScript(env); err != nil {
				return err
			}
			if remote {
				return startServer(env)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mailtoken": cmdMailToken,
			"field":     cmdField,
			"jsonfield": cmdJSONField,
			"filemode":  cmdFileMode,
			"exits":     cmdExits,
			"mailfile":  cmdMailFile,
			"freeport":  cmdFreePort,
			"httpget":   cmdHTTPGet,
			"sinkmail":  func(ts *testscript.TestScript, neg bool, args []string) { cmdSinkMail(ts, neg, args, sink) },
		},
	})
}

func setupScript(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	env.Setenv("HOME", home)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	env.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	env.Setenv("OUTBOX", filepath.Join(home, ".local", "share", "wk", "outbox"))
	env.Setenv("STORE", filepath.Join(home, ".local", "share", "wk", "wk.db"))
	env.Setenv("CREDENTIALS", filepath.Join(home, ".config", "wk", "credentials.json"))
	return os.MkdirAll(home, 0o755)
}

// startServer creates the scenario's store and serves it on a loopback port, with mail
// going to the scenario's outbox, and points WK_URL at it.
func startServer(env *testscript.Env) error {
	ctx, cancel := context.WithCancel(context.Background())
	db, err := store.Create(ctx, env.Getenv("STORE"))
	if err != nil {
		cancel()
		return err
	}
	notifier := mail.New(mail.Config{OutboxDir: env.Getenv("OUTBOX")})
	// The login rate limit has tests of its own; scenarios sign in many times.
	srv := server.New(db, server.Config{Notifier: notifier, AuthBurst: 1000})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		db.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	env.Defer(func() {
		cancel()
		<-done
		db.Close()
	})
	env.Setenv("WK_URL", "http://"+ln.Addr().String())
	env.Setenv("WK_TEST_REMOTE", "1")
	servers.Store(env.WorkDir, srv)
	env.Defer(func() { servers.Delete(env.WorkDir) })
	return nil
}

// servers maps a remote scenario's work folder to its server, so the mail commands can
// wait for reset mails the server sends after answering.
var servers sync.Map

// waitForMail waits until the scenario's server, if any, has sent the mails it owes.
func waitForMail(ts *testscript.TestScript) {
	if srv, ok := servers.Load(ts.Getenv("WORK")); ok {
		srv.(*server.Server).WaitForMail()
	}
}

// cmdMailToken finds the newest outbox mail whose subject contains WORD and sets VAR to the
// token on its "wk password reset --token TOKEN" line: mailtoken WORD VAR.
func cmdMailToken(ts *testscript.TestScript, neg bool, args []string) {
	waitForMail(ts)
	if len(args) != 2 {
		ts.Fatalf("usage: mailtoken SUBJECT-WORD VAR")
	}
	files := outbox(ts)
	for i := len(files) - 1; i >= 0; i-- {
		b, err := os.ReadFile(files[i])
		ts.Check(err)
		text := string(b)
		if !strings.Contains(strings.ToLower(subject(text)), strings.ToLower(args[0])) {
			continue
		}
		const marker = "wk password reset --token "
		if at := strings.Index(text, marker); at >= 0 {
			rest := text[at+len(marker):]
			tok := strings.Fields(rest)[0]
			if neg {
				ts.Fatalf("found a token in %s", files[i])
			}
			ts.Setenv(args[1], tok)
			return
		}
	}
	if !neg {
		ts.Fatalf("no mail with %q in its subject holds a token line (%d mails)", args[0], len(files))
	}
}

func subject(msg string) string {
	sc := bufio.NewScanner(strings.NewReader(msg))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if strings.HasPrefix(strings.ToLower(line), "subject:") {
			return line
		}
	}
	return ""
}

// cmdField sets VAR to a tab-separated field of a line of a file:
// field FILE LINE COLUMN VAR, with LINE and COLUMN counted from 1.
func cmdField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: field FILE LINE COLUMN VAR")
	}
	lines := strings.Split(strings.TrimRight(ts.ReadFile(args[0]), "\n"), "\n")
	ln, err1 := strconv.Atoi(args[1])
	col, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || ln < 1 || ln > len(lines) {
		ts.Fatalf("field: line %s of %d lines", args[1], len(lines))
	}
	cells := strings.Split(lines[ln-1], "\t")
	if col < 1 || col > len(cells) {
		ts.Fatalf("field: column %d of %d", col, len(cells))
	}
	ts.Setenv(args[3], cells[col-1])
}

// cmdJSONField sets VAR to a value in a JSON file: jsonfield FILE PATH VAR, where PATH is
// dot-separated keys and array indexes, like user.email or 0.id.
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonfield FILE PATH VAR")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &v))
	for _, k := range strings.Split(args[1], ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(node) {
				ts.Fatalf("jsonfield: no index %s", k)
			}
			v = node[i]
		default:
			ts.Fatalf("jsonfield: cannot index %T with %s", v, k)
		}
	}
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	ts.Setenv(args[2], s)
}

// cmdFileMode checks a file's permission bits: filemode PATH 0600.
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode PATH MODE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	got := fi.Mode().Perm()
	if (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %#o, want %s%#o", args[0], got, map[bool]string{true: "not "}[neg], want)
	}
}

// cmdExits runs wk and checks its exit code: exits CODE wk ARGS... Its stdout and stderr
// can be checked afterwards like those of any command.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("run %s: %v", args[1], err)
		}
		got = exit.ExitCode()
	}
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdMailFile sets VAR to the newest outbox mail whose file name or subject holds WORD:
// mailfile WORD VAR. With !, it checks that there is none.
func cmdMailFile(ts *testscript.TestScript, neg bool, args []string) {
	waitForMail(ts)
	if len(args) != 2 {
		ts.Fatalf("usage: mailfile WORD VAR")
	}
	files := outbox(ts)
	for i := len(files) - 1; i >= 0; i-- {
		word := strings.ToLower(args[0])
		if strings.Contains(strings.ToLower(filepath.Base(files[i])), word) ||
			strings.Contains(strings.ToLower(subject(ts.ReadFile(files[i]))), word) {
			if neg {
				ts.Fatalf("found mail %s", files[i])
			}
			ts.Setenv(args[1], files[i])
			return
		}
	}
	if !neg {
		ts.Fatalf("no mail matches %q among %d", args[0], len(files))
	}
}

// outbox lists the outbox mails, oldest first by modification time.
func outbox(ts *testscript.TestScript) []string {
	files, _ := filepath.Glob(filepath.Join(ts.Getenv("OUTBOX"), "*.eml"))
	mtime := make(map[string]int64, len(files))
	for _, f := range files {
		fi, err := os.Stat(f)
		ts.Check(err)
		mtime[f] = fi.ModTime().UnixNano()
	}
	sort.SliceStable(files, func(i, j int) bool { return mtime[files[i]] < mtime[files[j]] })
	return files
}

// cmdSinkMail writes the newest message the test SMTP server got for an address to a file,
// headers and decoded text: sinkmail ADDRESS FILE. Scripts run in parallel and share the
// server, so each uses addresses of its own.
func cmdSinkMail(ts *testscript.TestScript, neg bool, args []string, sink *mailtest.Sink) {
	waitForMail(ts)
	if len(args) != 2 {
		ts.Fatalf("usage: sinkmail ADDRESS FILE")
	}
	msgs := sink.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		for _, to := range m.To {
			if !strings.EqualFold(to, args[0]) {
				continue
			}
			if neg {
				ts.Fatalf("the sink has mail for %s", args[0])
			}
			text := fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\n\n%s", m.From, to, m.Subject, m.Text)
			ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(text), 0o644))
			return
		}
	}
	if !neg {
		ts.Fatalf("the sink has no mail for %s (%d messages)", args[0], len(msgs))
	}
}

// cmdFreePort sets VAR to a loopback TCP port that was free a moment ago: freeport VAR.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	ts.Check(ln.Close())
}

// cmdHTTPGet fetches URL, retrying for up to 10 seconds while nothing listens, and
// prints the status and body on stdout: httpget URL.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: httpget URL")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(args[0])
		if err != nil {
			if time.Now().After(deadline) {
				ts.Fatalf("get %s: %v", args[0], err)
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%d\n%s\n", resp.StatusCode, body)
		return
	}
}
