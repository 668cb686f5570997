package passkey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	"github.com/wk-tools/wk/internal/cli/passkey"
	"github.com/wk-tools/wk/internal/cli/prompt"
	"github.com/wk-tools/wk/internal/config"
	handoff "github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/passkeytest"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

var ada = account.User{ID: "0123456789abcdef01234567", Email: "ada@example.com",
	FirstName: "Ada", LastName: "Lovelace", IsActive: true}

// fakeBackend is an account.Backend whose passkey calls go to an in-memory backend.
// Other calls hit the nil embedded Backend and panic, so a test notices them.
type fakeBackend struct {
	account.Backend
	*memKeys
}

type memKeys = passkeytest.Backend

func (fakeBackend) Close() error { return nil }

// The passkey calls go to the in-memory backend; the embedded Backend has them too.

func (b fakeBackend) BeginPasskeyRegistration(ctx context.Context, name string, rp account.RelyingParty) (*account.Ceremony, error) {
	return b.memKeys.BeginPasskeyRegistration(ctx, name, rp)
}

func (b fakeBackend) FinishPasskeyRegistration(ctx context.Context, id string, response []byte) (*account.Passkey, error) {
	return b.memKeys.FinishPasskeyRegistration(ctx, id, response)
}

func (b fakeBackend) Passkeys(ctx context.Context) ([]account.Passkey, error) {
	return b.memKeys.Passkeys(ctx)
}

func (b fakeBackend) RenamePasskey(ctx context.Context, idOrName, newName string) (*account.Passkey, error) {
	return b.memKeys.RenamePasskey(ctx, idOrName, newName)
}

func (b fakeBackend) DeletePasskey(ctx context.Context, idOrName string) (*account.Passkey, error) {
	return b.memKeys.DeletePasskey(ctx, idOrName)
}

func (b fakeBackend) BeginPasskeyLogin(ctx context.Context, rp account.RelyingParty) (*account.Ceremony, error) {
	return b.memKeys.BeginPasskeyLogin(ctx, rp)
}

func (b fakeBackend) FinishPasskeyLogin(ctx context.Context, id string, response []byte) (*account.LoginResult, error) {
	return b.memKeys.FinishPasskeyLogin(ctx, id, response)
}

// pagesBackend is a backend whose ceremonies run in the server's pages, as the remote
// backend's do: start answers StartPasskeyPage, and its page's Wait gives result.
type pagesBackend struct {
	account.Backend
	start  error
	result *account.PasskeyPageResult
	asked  *[]string
}

func (pagesBackend) Close() error { return nil }

func (b pagesBackend) StartPasskeyPage(_ context.Context, mode, name string) (*account.PasskeyPage, error) {
	*b.asked = append(*b.asked, mode+" "+name)
	if b.start != nil {
		return nil, b.start
	}
	wait := func(context.Context) (*account.PasskeyPageResult, error) { return b.result, nil }
	return &account.PasskeyPage{URL: "https://wk.example.org/auth/passkeys/" + mode + "?link=x",
		Expires: account.At(time.Now().Add(time.Minute)), Wait: wait}, nil
}

// wrapped hides the passkey methods behind Unwrap, as cmdutil's store wrapper does.
type wrapped struct{ account.Backend }

func (w wrapped) Unwrap() account.Backend { return w.Backend }

// stderrWatch collects stderr and sends every hand-off URL it shows to urls.
type stderrWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int
	urls chan string
}

func (w *stderrWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	text := w.buf.String()
	for {
		nl := strings.IndexByte(text[w.seen:], '\n')
		if nl < 0 {
			break
		}
		line := text[w.seen : w.seen+nl]
		w.seen += nl + 1
		if u, ok := strings.CutPrefix(line, passkey.URLPrefix); ok {
			w.urls <- u
		}
	}
	return len(p), nil
}

func (w *stderrWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

type env struct {
	f      *cmdutil.Factory
	out    *bytes.Buffer
	errOut *stderrWatch
	pk     *passkeytest.Backend
	fake   *prompt.Fake
	config string
}

// newEnv returns a factory whose backend is an in-memory passkey backend for ada,
// with its config and credentials in a temp folder. signedIn sets WK_TOKEN, which
// only selects the fake backend here.
func newEnv(t *testing.T, signedIn bool) *env {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("WK_URL", "")
	t.Setenv("WK_TOKEN", "")
	t.Setenv("BROWSER", "")
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if signedIn {
		t.Setenv("WK_TOKEN", "wkt_fake")
	}

	e := &env{out: &bytes.Buffer{}, errOut: &stderrWatch{urls: make(chan string, 4)},
		pk: passkeytest.New(ada, nil), fake: prompt.NewFake(), config: filepath.Join(dir, "config")}
	e.f = &cmdutil.Factory{
		IO:    &cmdutil.IOStreams{In: &bytes.Buffer{}, Out: e.out, ErrOut: e.errOut},
		Build: cmdutil.BuildInfo{Version: "test"},
		Now:   time.Now,
	}
	e.f.NewPrompter = func(string) prompt.Prompter { return e.fake }
	e.f.OpenBackend = func(context.Context, *config.Config, account.Credential) (account.Backend, error) {
		return wrapped{fakeBackend{memKeys: e.pk}}, nil
	}
	return e
}

// run starts wk with args in the background and returns where its exit code lands.
func (e *env) run(args ...string) <-chan int {
	code := make(chan int, 1)
	go func() { code <- cli.Run(context.Background(), e.f, args) }()
	return code
}

// exit waits for a run to end.
func (e *env) exit(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(30 * time.Second):
		t.Fatalf("wk did not exit; stderr so far:\n%s", e.errOut)
		return -1
	}
}

// run1 runs wk to the end, for commands that open no page.
func (e *env) run1(t *testing.T, args ...string) int {
	t.Helper()
	return e.exit(t, e.run(args...))
}

// nextURL waits for the hand-off URL on stderr.
func (e *env) nextURL(t *testing.T) string {
	t.Helper()
	select {
	case u := <-e.errOut.urls:
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("no %q line on stderr:\n%s", passkey.URLPrefix, e.errOut)
		return ""
	}
}

// addKey registers a passkey named name on auth directly, without a page.
func (e *env) addKey(t *testing.T, auth *softauthn.Authenticator, name string) *account.Passkey {
	t.Helper()
	ctx := context.Background()
	auth.Origin = "http://localhost:1"
	rp := account.RelyingParty{ID: "localhost", Name: "wk", Origins: []string{auth.Origin}}
	c, err := e.pk.BeginPasskeyRegistration(ctx, name, rp)
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration(%q): %v", name, err)
	}
	resp, err := auth.Register(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := e.pk.FinishPasskeyRegistration(ctx, c.ID, resp)
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration(%q): %v", name, err)
	}
	return pk
}

// browse plays the browser on a hand-off page: it loads pageURL, fetches the options
// as the page's script does, has auth answer them, and posts the answer. It returns
// the finish call's status and body.
func browse(t *testing.T, pageURL string, auth *softauthn.Authenticator) (int, string) {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	origin := u.Scheme + "://" + u.Host
	auth.Origin = origin
	jar, _ := cookiejar.New(nil)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, "127.0.0.1:"+u.Port())
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	call := func(method, target string, body []byte) (int, []byte) {
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPost {
			req.Header.Set("Origin", origin)
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}

	if code, body := call(http.MethodGet, pageURL, nil); code != http.StatusOK {
		t.Fatalf("GET page = %d %s, want 200", code, body)
	}
	base := pageURL[:strings.LastIndex(pageURL, "/")+1]
	code, body := call(http.MethodPost, base+"options", []byte("{}"))
	if code != http.StatusOK {
		t.Fatalf("POST options = %d %s, want 200", code, body)
	}
	var got struct {
		Ceremony string          `json:"ceremony"`
		Options  json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("options answer %s: %v", body, err)
	}

	answer := auth.Login
	if strings.HasSuffix(pageURL, "/register") {
		answer = auth.Register
	}
	cred, err := answer(got.Options)
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	payload, _ := json.Marshal(map[string]any{"ceremony": got.Ceremony, "credential": json.RawMessage(cred)})
	code, body = call(http.MethodPost, base+"finish", payload)
	return code, string(body)
}

func TestRegister(t *testing.T) {
	e := newEnv(t, true)
	auth := softauthn.New("")
	done := e.run("passkey", "register", "--name", "  Work Laptop ", "--no-browser", "--json")

	pageURL := e.nextURL(t)
	if !strings.HasPrefix(pageURL, "http://localhost:") || !strings.HasSuffix(pageURL, "/register") {
		t.Errorf("page URL = %q, want http://localhost:PORT/<nonce>/register", pageURL)
	}
	if code, body := browse(t, pageURL, auth); code != http.StatusOK {
		t.Fatalf("finish = %d %s, want 200", code, body)
	}
	if code := e.exit(t, done); code != 0 {
		t.Fatalf("wk passkey register exited %d, want 0; stderr:\n%s", code, e.errOut)
	}

	var got account.Passkey
	if err := json.Unmarshal(e.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout %q is not a passkey: %v", e.out, err)
	}
	list, _ := e.pk.Passkeys(context.Background())
	if len(list) != 1 {
		t.Fatalf("backend holds %d passkeys, want 1", len(list))
	}
	if diff := cmp.Diff(list[0], got); diff != "" {
		t.Errorf("printed passkey differs from the stored one (-stored +printed):\n%s", diff)
	}
	if got.Name != "Work Laptop" {
		t.Errorf("name = %q, want the trimmed %q", got.Name, "Work Laptop")
	}
}

func TestRegisterPlainOutput(t *testing.T) {
	e := newEnv(t, true)
	done := e.run("passkey", "register", "--name", "yubikey", "--no-browser")
	if code, body := browse(t, e.nextURL(t), softauthn.New("")); code != http.StatusOK {
		t.Fatalf("finish = %d %s, want 200", code, body)
	}
	if code := e.exit(t, done); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, e.errOut)
	}
	if e.out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing without --json", e.out)
	}
	if !strings.Contains(e.errOut.String(), "Added passkey yubikey") {
		t.Errorf("stderr = %q, want it to confirm the passkey", e.errOut)
	}
}

// TestRegisterRefusedBeforePage checks that what can be refused is refused before any
// page is offered.
func TestRegisterRefusedBeforePage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"too_short", []string{"--name", " ab "}, 1, "at least 3 characters"},
		{"too_long", []string{"--name", strings.Repeat("k", 65)}, 1, "too long"},
		{"taken", []string{"--name", "WORK laptop"}, 1, "already exists"},
		{"no_name", nil, 2, "pass --name"},
		{"argument", []string{"laptop"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, true)
			e.addKey(t, softauthn.New(""), "work laptop")
			args := append([]string{"passkey", "register", "--no-browser"}, tt.args...)
			code := e.run1(t, args...)
			stderr := e.errOut.String()
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantMsg) {
				t.Errorf("wk %s = exit %d, stderr %q; want exit %d mentioning %q",
					strings.Join(args, " "), code, stderr, tt.wantCode, tt.wantMsg)
			}
			if strings.Contains(stderr, passkey.URLPrefix) {
				t.Errorf("stderr offers a page: %q", stderr)
			}
		})
	}
}

// TestServerPages checks that a backend with pages runs its ceremonies there: wk
// prints the server's URL, waits, and reports the outcome; a server without pages says
// so and exits 1.
func TestServerPages(t *testing.T) {
	added := &account.Passkey{ID: "0123456789abcdef01234567", Name: "laptop", Authenticator: "Chromium virtual authenticator"}
	unsupported := account.Errorf(account.ErrUnsupported, "the server at https://wk.example.org does not offer passkey pages for wk")
	tests := []struct {
		name     string
		args     []string
		start    error
		result   *account.PasskeyPageResult
		wantCode int
		wantAsk  string
		wantErr  string
	}{
		{name: "register", args: []string{"passkey", "register", "--name", "laptop", "--no-browser", "--json"},
			result: &account.PasskeyPageResult{Passkey: added}, wantAsk: "register laptop",
			wantErr: passkey.URLPrefix + "https://wk.example.org/auth/passkeys/register?link=x"},
		{name: "login", args: []string{"login", "--passkey", "--no-browser"},
			result:  &account.PasskeyPageResult{Login: &account.LoginResult{User: &ada, Credential: account.Credential{Kind: account.CredentialSession, Secret: "wks_fake"}}},
			wantAsk: "login ", wantErr: "Signed in to"},
		{name: "register_unsupported", args: []string{"passkey", "register", "--name", "laptop", "--no-browser"},
			start: unsupported, wantCode: 1, wantAsk: "register laptop", wantErr: "does not offer passkey pages"},
		{name: "login_unsupported", args: []string{"login", "--passkey", "--no-browser"},
			start: unsupported, wantCode: 1, wantAsk: "login ", wantErr: "does not offer passkey pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, true)
			var asked []string
			e.f.OpenBackend = func(context.Context, *config.Config, account.Credential) (account.Backend, error) {
				return wrapped{pagesBackend{start: tt.start, result: tt.result, asked: &asked}}, nil
			}
			code := e.run1(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(e.errOut.String(), tt.wantErr) {
				t.Errorf("wk %v = exit %d, stderr %q; want exit %d and %q", tt.args, code, e.errOut, tt.wantCode, tt.wantErr)
			}
			if len(asked) != 1 || asked[0] != tt.wantAsk {
				t.Errorf("pages asked for %q, want [%q]", asked, tt.wantAsk)
			}
			if tt.name == "register" && !strings.Contains(e.out.String(), `"name": "laptop"`) {
				t.Errorf("stdout = %q, want the passkey as JSON", e.out)
			}
		})
	}
}

func TestLoginWithPasskey(t *testing.T) {
	e := newEnv(t, false)
	auth := softauthn.New("")
	e.addKey(t, auth, "laptop")

	done := e.run("login", "--passkey", "--no-browser", "--json")
	pageURL := e.nextURL(t)
	if !strings.HasSuffix(pageURL, "/login") {
		t.Errorf("page URL = %q, want one ending in /login", pageURL)
	}
	if code, body := browse(t, pageURL, auth); code != http.StatusOK {
		t.Fatalf("finish = %d %s, want 200", code, body)
	}
	if code := e.exit(t, done); code != 0 {
		t.Fatalf("wk login --passkey exited %d, want 0; stderr:\n%s", code, e.errOut)
	}

	if e.pk.Logins() != 1 {
		t.Errorf("backend saw %d passkey logins, want 1", e.pk.Logins())
	}
	var u account.User
	if err := json.Unmarshal(e.out.Bytes(), &u); err != nil || u.Email != ada.Email {
		t.Errorf("stdout = %q (%v), want ada's user JSON", e.out, err)
	}
	creds, err := config.LoadCredentials(filepath.Join(e.config, "wk", "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Entries) != 1 {
		t.Fatalf("credentials file has %d entries, want 1", len(creds.Entries))
	}
	for target, entry := range creds.Entries {
		if entry.Kind != string(account.CredentialSession) || entry.Secret == "" || entry.Email != ada.Email {
			t.Errorf("credentials entry %s = kind %q, email %q, secret set %v; want ada's session",
				target, entry.Kind, entry.Email, entry.Secret != "")
		}
	}
}

func TestLoginPasskeyFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantMsg string
	}{
		{"with_email", []string{"--passkey", "--email", "ada@example.com"}, "drop --email"},
		{"with_token", []string{"--passkey", "--with-token"}, "--with-token"},
		{"with_password", []string{"--passkey", "--password-stdin"}, "drop --email"},
		{"no_browser_alone", []string{"--no-browser"}, "only applies to --passkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false)
			code := e.run1(t, append([]string{"login"}, tt.args...)...)
			if code != 2 || !strings.Contains(e.errOut.String(), tt.wantMsg) {
				t.Errorf("wk login %v = exit %d, stderr %q; want exit 2 mentioning %q",
					tt.args, code, e.errOut, tt.wantMsg)
			}
		})
	}
}

// TestLoginExpires checks that a login page nobody finishes ends in an error that
// exits 4 and names the last failure the page saw.
func TestLoginExpires(t *testing.T) {
	e := newEnv(t, false)
	auth := softauthn.New("")
	pk := e.addKey(t, auth, "laptop")
	if _, err := e.pk.DeletePasskey(context.Background(), pk.ID); err != nil {
		t.Fatal(err)
	}

	type result struct {
		res *account.LoginResult
		err error
	}
	out := make(chan result, 1)
	go func() {
		res, err := passkey.RunCeremony(context.Background(), e.f, passkey.Ceremony[*account.LoginResult]{
			Mode: "login", NoBrowser: true, Timeout: 2 * time.Second,
			Begin: e.pk.BeginPasskeyLogin, Finish: e.pk.FinishPasskeyLogin,
		})
		out <- result{res, err}
	}()
	if code, body := browse(t, e.nextURL(t), auth); code != http.StatusBadRequest || !strings.Contains(body, "deleted") {
		t.Errorf("finish with a deleted passkey = %d %s, want 400 saying it was deleted", code, body)
	}

	got := <-out
	if got.res != nil || cmdutil.ExitCode(got.err) != cmdutil.ExitUnauthenticated {
		t.Fatalf("RunCeremony = %v, %v; want no session and exit 4", got.res, got.err)
	}
	if msg := got.err.Error(); !strings.Contains(msg, "run the command again") || !strings.Contains(msg, "deleted") {
		t.Errorf("error %q should say to run again and name the last failure", msg)
	}
}

func TestList(t *testing.T) {
	e := newEnv(t, true)
	if code := e.run1(t, "passkey", "list", "--json"); code != 0 || strings.TrimSpace(e.out.String()) != "[]" {
		t.Errorf("empty list --json = exit %d, stdout %q; want 0 and []", code, e.out)
	}
	e.out.Reset()
	if code := e.run1(t, "passkey", "list"); code != 0 || e.out.Len() != 0 ||
		!strings.Contains(e.errOut.String(), "No passkeys yet") {
		t.Errorf("empty list = exit %d, stdout %q, stderr %q; want a note on stderr only", code, e.out, e.errOut)
	}

	auth := softauthn.New("")
	auth.BackupEligible = true
	a := e.addKey(t, auth, "laptop")
	b := e.addKey(t, softauthn.New(""), "phone")
	e.out.Reset()
	if code := e.run1(t, "passkey", "list"); code != 0 {
		t.Fatalf("list exited %d: %s", code, e.errOut)
	}
	lines := strings.Split(strings.TrimRight(e.out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("list printed %d lines, want one per passkey:\n%s", len(lines), e.out)
	}
	for i, want := range []*account.Passkey{a, b} {
		cells := strings.Split(lines[i], "\t")
		if len(cells) != 7 {
			t.Fatalf("line %q has %d cells, want 7", lines[i], len(cells))
		}
		wantCells := []string{want.ID, want.Name, want.Created.UTC().Format(time.RFC3339), "never",
			want.Authenticator, map[bool]string{true: "yes", false: "no"}[want.BackupEligible], "no"}
		if diff := cmp.Diff(wantCells, cells); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestRenameAndDelete(t *testing.T) {
	e := newEnv(t, true)
	pk := e.addKey(t, softauthn.New(""), "laptop")
	e.addKey(t, softauthn.New(""), "phone")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"rename_unknown", []string{"rename", "tablet", "new name"}, 1, `no passkey has the id or name "tablet"`},
		{"rename_taken", []string{"rename", "laptop", "PHONE"}, 1, "already exists"},
		{"rename_short", []string{"rename", "laptop", "x"}, 1, "at least 3"},
		{"rename_one_arg", []string{"rename", "laptop"}, 2, "expected a passkey id or name"},
		{"delete_unknown", []string{"delete", "tablet", "--yes"}, 1, `no passkey has the id or name "tablet"`},
		{"delete_no_terminal", []string{"delete", "laptop"}, 2, "pass --yes"},
		{"rename", []string{"rename", "LAPTOP", "old laptop"}, 0, "Renamed passkey " + pk.ID + " to old laptop"},
		{"delete_by_id", []string{"delete", pk.ID, "--yes"}, 0, "Deleted passkey old laptop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.errOut.mu.Lock()
			e.errOut.buf.Reset()
			e.errOut.seen = 0
			e.errOut.mu.Unlock()
			code := e.run1(t, append([]string{"passkey"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(e.errOut.String(), tt.wantMsg) {
				t.Errorf("wk passkey %v = exit %d, stderr %q; want exit %d mentioning %q",
					tt.args, code, e.errOut, tt.wantCode, tt.wantMsg)
			}
		})
	}

	list, _ := e.pk.Passkeys(context.Background())
	if len(list) != 1 || list[0].Name != "phone" {
		t.Errorf("left with %+v, want only phone", list)
	}
}

func TestDeleteConfirm(t *testing.T) {
	for _, answer := range []bool{false, true} {
		e := newEnv(t, true)
		t.Setenv("WK_PROMPT_DISABLED", "")
		e.f.IO.InTTY, e.f.IO.OutTTY = true, true
		e.addKey(t, softauthn.New(""), "laptop")
		e.fake.Add(answer)

		code := e.run1(t, "passkey", "delete", "laptop")
		list, _ := e.pk.Passkeys(context.Background())
		wantCode, wantLeft := 3, 1
		if answer {
			wantCode, wantLeft = 0, 0
		}
		if code != wantCode || len(list) != wantLeft {
			t.Errorf("delete answered %v = exit %d with %d passkeys left, want exit %d with %d",
				answer, code, len(list), wantCode, wantLeft)
		}
		if titles := e.fake.Titles(); len(titles) != 1 || !strings.Contains(titles[0], `"laptop"`) {
			t.Errorf("asked %q, want one question naming the passkey", titles)
		}
	}
}

func TestPagesUnwraps(t *testing.T) {
	asked := []string{}
	for _, b := range []account.Backend{pagesBackend{asked: &asked}, wrapped{pagesBackend{asked: &asked}},
		wrapped{wrapped{pagesBackend{asked: &asked}}}} {
		if pp, ok := passkey.Pages(b); !ok || pp == nil {
			t.Errorf("Pages(%T) = %v, %v; want the pages", b, pp, ok)
		}
	}
	if _, ok := passkey.Pages(wrapped{fakeBackend{}}); ok {
		t.Errorf("Pages(a local backend) = true, want false")
	}
}

// TestRegisterExpires checks that a registration nobody finishes exits 1, not 4: the
// caller is signed in, so the credential was not the problem.
func TestRegisterExpires(t *testing.T) {
	e := newEnv(t, true)
	opts := &passkey.Options{F: e.f, Name: "laptop", NoBrowser: true, Timeout: 300 * time.Millisecond}
	err := passkey.RegisterRun(context.Background(), opts)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError || !errors.Is(err, handoff.ErrExpired) {
		t.Fatalf("registerRun without a browser = %v (exit %d), want ErrExpired and exit 1", err, code)
	}
	if !strings.Contains(err.Error(), "run the command again") {
		t.Errorf("error %q should say to run the command again", err)
	}
	if list, _ := e.pk.Passkeys(context.Background()); len(list) != 0 {
		t.Errorf("expired registration stored %d passkeys", len(list))
	}
}

// TestNewCmds checks that flags and arguments reach the options.
func TestNewCmds(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(*cmdutil.Factory, func(context.Context, *passkey.Options) error) *cobra.Command
		args []string
		want passkey.Options
	}{
		{"register", passkey.NewCmdRegister, []string{"--name", "laptop", "--no-browser", "--json"},
			passkey.Options{Name: "laptop", NoBrowser: true, JSON: true}},
		{"list", passkey.NewCmdList, []string{"--json"}, passkey.Options{JSON: true}},
		{"rename", passkey.NewCmdRename, []string{"old", "new name"}, passkey.Options{Key: "old", NewName: "new name"}},
		{"delete", passkey.NewCmdDelete, []string{"-y", "laptop"}, passkey.Options{Key: "laptop", Yes: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *passkey.Options
			cmd := tt.cmd(&cmdutil.Factory{}, func(_ context.Context, o *passkey.Options) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%s %v: %v", tt.name, tt.args, err)
			}
			got.F = nil
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("%s %v options (-want +got):\n%s", tt.name, tt.args, diff)
			}
		})
	}
}
