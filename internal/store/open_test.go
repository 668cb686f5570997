package store

import (
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wk-tools/wk/internal/account"
)

func TestOpenMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "wk.db")
	_, err := Open(t.Context(), path, Options{})
	want := "no wk store at " + path + ": run `wk init` first"
	if !errors.Is(err, account.ErrNotFound) || err.Error() != want {
		t.Errorf("Open(missing) = %v, want %q (ErrNotFound)", err, want)
	}
	if _, statErr := os.Stat(filepath.Dir(path)); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("Open(missing) created %s", filepath.Dir(path))
	}
}

func TestCreatePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "wk")
	path := filepath.Join(dir, "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	db.Close()

	tests := []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{filepath.Dir(dir), 0o700},
		{path, 0o600},
	}
	for _, tt := range tests {
		info, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != tt.want {
			t.Errorf("mode of %s = %o, want %o", tt.path, got, tt.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("mode of %s = %o, want no group or other access", e.Name(), info.Mode().Perm())
		}
	}
}

func TestOpenTightensPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	db.Close()
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode after Open = %o, want 600", info.Mode().Perm())
	}
}

func TestOpenNotAStore(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("shopping list: milk, eggs, and a longer line\n"), 0o600)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	other := filepath.Join(dir, "other.db")
	odb, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.Exec("CREATE TABLE recipes (name TEXT)"); err != nil {
		t.Fatal(err)
	}
	odb.Close()

	tests := []struct {
		name, path string
		create     bool
		wantText   string
	}{
		{"text_file", text, false, "is not a wk store: it is not an SQLite database"},
		{"text_file_create", text, true, "is not a wk store: it is not an SQLite database"},
		{"empty_file", empty, false, "is not a wk store: the file is empty"},
		{"other_sqlite", other, false, "is not a wk store: it is another SQLite database"},
		{"other_sqlite_create", other, true, "is not a wk store: it is another SQLite database"},
		{"folder", dir, false, "is not a wk store: it is a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(t.Context(), tt.path, Options{Create: tt.create})
			if err == nil {
				db.Close()
			}
			want := tt.path + " " + tt.wantText
			if !errors.Is(err, account.ErrInvalid) || err.Error() != want {
				t.Errorf("Open(%s) = %v, want %q (ErrInvalid)", tt.name, err, want)
			}
		})
	}
	if b, _ := os.ReadFile(text); !strings.HasPrefix(string(b), "shopping list") {
		t.Errorf("Open changed the text file: %q", b)
	}
}

func TestOpenNewerStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(t.Context(), path, Options{})
	want := path + " was written by a newer wk (schema 7, this wk knows 2): upgrade wk"
	if !errors.Is(err, account.ErrInvalid) || err.Error() != want {
		t.Errorf("Open(newer) = %v, want %q", err, want)
	}
}

func TestOpenFastPathSkipsGoose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	// Without goose's table a goose run would apply 00001 again and fail on the
	// existing tables, so a clean open proves goose was not consulted.
	if _, err := db.sql.Exec("DROP TABLE goose_db_version"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open(current store) = %v, want the fast path", err)
	}
	db.Close()
}

func TestOpenMigratesOlderStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wk.db")
	old := olderStore(t, path, 1)

	// Data written by the version-1 wk: a user, a session and two failed logins, which
	// version 1 counted per user.
	ctx := t.Context()
	const userID = "0123456789abcdef01234567"
	for _, q := range []string{
		`INSERT INTO organizations (id, name, created) VALUES ('lab', 'Lab', 1)`,
		`INSERT INTO users (id, organization, email, first_name, last_name, created, last_activity)
			VALUES ('` + userID + `', 'lab', '` + testInit().Email + `', 'Ada', 'Lovelace', 1, 1)`,
		`INSERT INTO sessions (id, user, hash, created, last_used, expires, opened_with)
			VALUES ('s1', '` + userID + `', x'01', 1, 1, 9999999999999, 'password')`,
		`INSERT INTO failed_logins (user, at) VALUES ('` + userID + `', 5), ('` + userID + `', 6)`,
	} {
		if _, err := old.sql.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(version-1 store) = %v", err)
	}
	defer db.Close()
	var v int
	if err := db.sql.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("user_version after migrating = %d, %v; want %d", v, err, SchemaVersion)
	}
	var email string
	var failures, sessions int
	if err := db.sql.QueryRow(`SELECT min(email), count(*) FROM failed_logins`).Scan(&email, &failures); err != nil {
		t.Fatal(err)
	}
	if email != testInit().Email || failures != 2 {
		t.Errorf("failed logins after migrating = %d for %q, want 2 for %q", failures, email, testInit().Email)
	}
	if err := db.sql.QueryRow(`SELECT count(*) FROM sessions WHERE passkey_id IS NULL`).Scan(&sessions); err != nil || sessions != 1 {
		t.Errorf("sessions after migrating = %d, %v; want the one session kept", sessions, err)
	}
}

// A store stamped as a wk store but at version 0, as one interrupted right after creation
// would be, is migrated on a plain Open.
func TestOpenMigratesInterruptedCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wk.db")
	olderStore(t, path, 0).Close()

	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open(interrupted store) = %v", err)
	}
	defer db.Close()
	if _, err := db.sql.Exec("SELECT count(*) FROM audit_log"); err != nil {
		t.Errorf("audit_log missing after migrating: %v", err)
	}
}

// olderStore makes a wk store at path migrated only up to version, as an older wk
// left it.
func olderStore(t *testing.T, path string, version int64) *DB {
	t.Helper()
	if err := prepareFile(path, true); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{sql: raw, path: path, log: slog.New(slog.DiscardHandler)}
	if err := db.claim(t.Context()); err != nil {
		t.Fatal(err)
	}
	if version > 0 {
		if err := db.migrateTo(t.Context(), version); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "we?ird #dir%20x")
	path := filepath.Join(dir, "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatalf("Create(%q) = %v", path, err)
	}
	if _, err := db.Backend(BackendOptions{}).Init(t.Context(), testInit()); err != nil {
		t.Fatalf("Init = %v", err)
	}
	db.Close()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		t.Errorf("store at %q: %v (folder holds %q), want the data there", path, err, names)
	}
	db, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("reopen %q = %v", path, err)
	}
	db.Close()
}

func testInit() account.InitRequest {
	return account.InitRequest{OrganizationName: "Lab", Email: "a@example.com",
		FirstName: "A", LastName: "B", Password: "long-enough-secret"}
}

func TestCreateConcurrent(t *testing.T) {
	// Four wk processes running `wk init` on one new path at once must all open it.
	for range 3 {
		path := filepath.Join(t.TempDir(), "wk.db")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				db, err := Create(t.Context(), path)
				if err == nil {
					err = db.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Create #%d = %v", i, err)
			}
		}
		var tables int
		db, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("Open after concurrent Create = %v", err)
		}
		db.sql.QueryRow("SELECT count(*) FROM goose_db_version WHERE version_id = 1").Scan(&tables)
		db.Close()
		if tables != 1 {
			t.Errorf("migration 1 recorded %d times, want 1", tables)
		}
	}
}
