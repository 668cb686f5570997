// Package config resolves wk's settings (flags, then WK_* environment variables, then the
// config file, then defaults) and keeps the credentials file. It is the only package that
// imports viper.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is wk's resolved configuration.
type Config struct {
	// File is the config file that was read, or empty when there is none.
	File string
	// DBPath is the local store, from --db, WK_DB or the db key; default
	// $XDG_DATA_HOME/wk/wk.db.
	DBPath string
	// URL selects the remote backend when set, from --server, WK_URL or the url key.
	URL string
	// Token is an API token from WK_TOKEN. It is never read from the config file.
	Token string
	// ConfigDir is $XDG_CONFIG_HOME/wk, where config.yaml and the credentials file live.
	ConfigDir string
	// DataDir is $XDG_DATA_HOME/wk, the home of the default store and the outbox.
	DataDir string
	// Debug turns on debug logs on stderr (--debug or WK_DEBUG).
	Debug bool

	// Mail configures outgoing mail.
	Mail Mail
	// Passkey configures the WebAuthn relying party for wk serve.
	Passkey Passkey
	// Listen is the address wk serve listens on (serve.listen, WK_LISTEN); default
	// 127.0.0.1:8080.
	Listen string
}

// Mail holds the smtp.* keys and WK_SMTP_* variables. Without a host, mail goes to Outbox.
type Mail struct {
	Host     string
	Port     int
	Username string
	// Password comes from WK_SMTP_PASSWORD or the config file, never from a flag.
	Password string
	From     string
	// TLS is "opportunistic" (default), "mandatory" or "none".
	TLS string
	// Outbox is the folder for .eml files; default $XDG_DATA_HOME/wk/outbox.
	Outbox string
	// PublicURL, when set, adds a reset link <url>/auth/finishResetPassword?token=… to
	// reset mails (public_url, WK_PUBLIC_URL).
	PublicURL string
}

// Passkey holds the passkey.* keys: the relying party wk serve presents.
type Passkey struct {
	// RPID is the relying-party id; default the host of the public URL.
	RPID string
	// RPName is the display name; default "wk".
	RPName string
	// Origins are the allowed origins; default the public URL.
	Origins []string
}

// Load resolves the configuration. flags may be nil; the flags it reads by name are db,
// server and debug, when they were set.
func Load(flags *pflag.FlagSet) (*Config, error) {
	cfgDir, dataDir, err := dirs()
	if err != nil {
		return nil, err
	}

	v := viper.New()
	v.SetEnvPrefix("WK")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	v.SetDefault("db", filepath.Join(dataDir, "wk.db"))
	v.SetDefault("smtp.port", 587)
	v.SetDefault("smtp.tls", "opportunistic")
	v.SetDefault("outbox", filepath.Join(dataDir, "outbox"))
	v.SetDefault("serve.listen", "127.0.0.1:8080")
	v.SetDefault("passkey.rp_name", "wk")
	_ = v.BindEnv("url", "WK_URL")
	_ = v.BindEnv("serve.listen", "WK_LISTEN")
	_ = v.BindEnv("public_url", "WK_PUBLIC_URL")

	if flags != nil {
		for key, name := range map[string]string{"db": "db", "url": "server", "debug": "debug"} {
			if f := flags.Lookup(name); f != nil && f.Changed {
				_ = v.BindPFlag(key, f)
			}
		}
	}

	file := os.Getenv("WK_CONFIG")
	if file == "" {
		file = filepath.Join(cfgDir, "config.yaml")
	}
	if _, err := os.Stat(file); err == nil {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read config file %s: %w", file, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config file: %w", err)
	} else {
		file = ""
	}

	c := &Config{
		File:      file,
		DBPath:    expandHome(v.GetString("db")),
		URL:       strings.TrimRight(v.GetString("url"), "/"),
		Token:     strings.TrimSpace(os.Getenv("WK_TOKEN")),
		ConfigDir: cfgDir,
		DataDir:   dataDir,
		Debug:     v.GetBool("debug"),
		Listen:    v.GetString("serve.listen"),
		Mail: Mail{
			Host:      v.GetString("smtp.host"),
			Port:      v.GetInt("smtp.port"),
			Username:  v.GetString("smtp.username"),
			Password:  v.GetString("smtp.password"),
			From:      v.GetString("smtp.from"),
			TLS:       v.GetString("smtp.tls"),
			Outbox:    expandHome(v.GetString("outbox")),
			PublicURL: strings.TrimRight(v.GetString("public_url"), "/"),
		},
		Passkey: Passkey{
			RPID:    v.GetString("passkey.rp_id"),
			RPName:  v.GetString("passkey.rp_name"),
			Origins: v.GetStringSlice("passkey.origins"),
		},
	}
	return c, nil
}

// Target names the store or server the configuration points at, as the credentials file
// keys it: the server URL, or "sqlite:" and the store's absolute path.
func (c *Config) Target() string {
	if c.URL != "" {
		return c.URL
	}
	return "sqlite:" + c.DBPath
}

// IsRemote reports whether commands run against a server.
func (c *Config) IsRemote() bool { return c.URL != "" }

// dirs returns wk's config and data folders under the XDG base directories.
func dirs() (cfgDir, dataDir string, err error) {
	home, _ := os.UserHomeDir()
	cfgBase := os.Getenv("XDG_CONFIG_HOME")
	dataBase := os.Getenv("XDG_DATA_HOME")
	if (cfgBase == "" || dataBase == "") && home == "" {
		return "", "", errors.New("find home folder: set HOME or XDG_CONFIG_HOME and XDG_DATA_HOME")
	}
	if cfgBase == "" {
		cfgBase = filepath.Join(home, ".config")
	}
	if dataBase == "" {
		dataBase = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(cfgBase, "wk"), filepath.Join(dataBase, "wk"), nil
}

func expandHome(p string) string {
	if p == "" {
		return p
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
