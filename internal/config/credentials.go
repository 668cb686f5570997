package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// CredentialsFileName is the name of the credentials file inside the config folder.
const CredentialsFileName = "credentials.json"

// Entry is what wk keeps for one store or server after `wk login`.
type Entry struct {
	// Kind is "session" or "token", as in account.CredentialKind.
	Kind string `json:"kind"`
	// Secret is the session secret or API token.
	Secret string `json:"secret"`
	// Email is who signed in, shown by `wk status` without asking the backend.
	Email string `json:"email,omitempty"`
	// Theme is the user's theme as last seen, so prompts and colours follow it.
	Theme string `json:"theme,omitempty"`
	// Saved is when the entry was written.
	Saved time.Time `json:"saved"`
}

// Credentials is the credentials file: one entry per target (see [Config.Target]).
type Credentials struct {
	// Path is the file's location.
	Path    string           `json:"-"`
	Entries map[string]Entry `json:"entries"`
}

// CredentialsPath returns where the credentials file lives for c.
func (c *Config) CredentialsPath() string {
	return filepath.Join(c.ConfigDir, CredentialsFileName)
}

// LoadCredentials reads the credentials file; a missing file gives an empty one.
func LoadCredentials(path string) (*Credentials, error) {
	creds := &Credentials{Path: path, Entries: map[string]Entry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return creds, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if err := json.Unmarshal(b, creds); err != nil {
		return nil, fmt.Errorf("read credentials %s: %w (delete it and log in again)", path, err)
	}
	if creds.Entries == nil {
		creds.Entries = map[string]Entry{}
	}
	return creds, nil
}

// Save writes the file atomically, 0600 in a 0700 folder.
func (c *Credentials) Save() error {
	dir := filepath.Dir(c.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}

	tmp, err := os.CreateTemp(dir, ".credentials-*")
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.Path); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	return nil
}
