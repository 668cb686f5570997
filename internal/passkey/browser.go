package passkey

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// ErrNoBrowser means wk sees no way to open a browser here, such as a Linux session
// without a display; the caller then prints the URL instead.
var ErrNoBrowser = errors.New("no browser available")

// BrowserCommand returns the program and arguments that open url in the person's
// browser on this system, or ErrNoBrowser. On Linux and the BSDs it needs $DISPLAY or
// $WAYLAND_DISPLAY; $BROWSER, when set, names the program to use everywhere.
func BrowserCommand(url string) ([]string, error) {
	if b := os.Getenv("BROWSER"); b != "" {
		return []string{b, url}, nil
	}
	switch runtime.GOOS {
	case "darwin":
		return []string{"open", url}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}, nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoBrowser
	}
	return []string{"xdg-open", url}, nil
}

// OpenBrowser starts the person's browser at url without waiting for it. It returns
// ErrNoBrowser (wrapped) when none can be started, so the caller prints the URL.
//
// The URL carries the hand-off nonce and so is briefly visible in the process list;
// the page's claim cookie keeps a second browser from taking the ceremony over.
func OpenBrowser(url string) error {
	argv, err := BrowserCommand(url)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("open browser: %w: %w", ErrNoBrowser, err)
	}
	cmd := exec.Command(path, argv[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open browser: %w: %w", ErrNoBrowser, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
