// Package store is wk's local backend: an SQLite file holding organizations, users,
// sessions, tokens and passkeys, and the account rules enforced on top of it.
//
// Open (or Create, for `wk init`) returns a [*DB], which is safe for concurrent use and
// meant to be shared; [DB.Backend] builds a cheap [account.Backend] for one caller on it.
// `wk serve` opens one DB and builds one backend per request. Several wk processes may
// use the same file at once: writes run in short immediate transactions and wait for
// each other through SQLite's busy timeout.
//
// Mail: notices go to [BackendOptions.Notifier] only after their change has committed.
// A reset mail that cannot be sent makes ForgotPassword fail (and its token is deleted),
// because the person must know. A pure notice that cannot be sent (password changed,
// email changed, token regenerated, logged out everywhere) comes back as a
// [*NoticeError] next to the normal result: the change stands.
//
// Files: the store's folder is made 0700 and the file 0600 when Create makes them; an
// existing file with wider permissions is tightened to 0600 on every open. Existing
// folders are left alone, since the path may point into a shared folder such as /tmp.
package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"

	"github.com/wk-tools/wk/internal/account"
)

// Options tunes Open. The zero value opens an existing store.
type Options struct {
	// Create makes the store, and its folder, when they do not exist, as `wk init` needs.
	// Default false: a missing store is an [account.ErrNotFound] error.
	Create bool
	// Logger receives debug records about migrations and slow paths; never secrets.
	// Default: records are dropped.
	Logger *slog.Logger
}

// DB is an open store. It is safe for concurrent use; share one per process.
type DB struct {
	// sql is the pool for writes and everything else; ro is a pool of query_only
	// connections for the hot reads, so WAL lets them run beside a writer and no
	// connection is opened or closed per request.
	sql  *sql.DB
	ro   *sql.DB
	path string
	log  *slog.Logger

	// bySession and byToken are the prepared credential lookups, userByID the user
	// read; all three run on ro. creds remembers lookups until the next commit.
	bySession, byToken, userByID *sql.Stmt
	creds                        *credCache
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens the store at path, migrating it if an older wk wrote it. It fails with an
// [account.ErrNotFound] error when there is no store (unless opts.Create), and with an
// [account.ErrInvalid] error when path is not a wk store or a newer wk wrote it.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := prepareFile(abs, opts.Create); err != nil {
		return nil, err
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s := &DB{sql: db, path: abs, log: log}
	if err := s.checkSchema(ctx, opts.Create); err != nil {
		db.Close()
		return nil, err
	}
	if s.ro, err = sql.Open("sqlite", readDSN(abs)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.sizePools()
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	log.Debug("opened store", "path", abs, "duration", time.Since(start))
	return s, nil
}

// Create is Open with Options.Create set: it makes the store if it does not exist.
func Create(ctx context.Context, path string) (*DB, error) {
	return Open(ctx, path, Options{Create: true})
}

// Path returns the absolute path of the store file.
func (s *DB) Path() string { return s.path }

// sizePools keeps enough idle connections that a busy server reuses them: database/sql
// keeps only two by default, and every connection it opens beyond that runs the DSN's
// pragmas and prepares its statements again, which cost more than the query itself.
// Reads are CPU-bound, so a few connections per core is all they can use; writers
// queue on SQLite's lock anyway, and their pool stays unbounded, as code may hold a
// transaction while it reads through the pool.
func (s *DB) sizePools() {
	// One more reader for the credential cache, which keeps a connection for itself.
	readers := max(4, 2*runtime.GOMAXPROCS(0)) + 1
	s.ro.SetMaxOpenConns(readers)
	s.ro.SetMaxIdleConns(readers)
	s.sql.SetMaxIdleConns(readers)
	s.sql.SetConnMaxIdleTime(5 * time.Minute)
}

func (s *DB) prepare(ctx context.Context) error {
	var err error
	if s.bySession, err = s.ro.PrepareContext(ctx, sessionQuery); err != nil {
		return fmt.Errorf("prepare session lookup: %w", err)
	}
	if s.byToken, err = s.ro.PrepareContext(ctx, tokenQuery); err != nil {
		return fmt.Errorf("prepare token lookup: %w", err)
	}
	if s.userByID, err = s.ro.PrepareContext(ctx, userQuery); err != nil {
		return fmt.Errorf("prepare user read: %w", err)
	}
	s.creds, err = newCredCache(ctx, s.ro)
	return err
}

// Close closes the database. Backends built on s stop working.
func (s *DB) Close() error {
	// Statements close with the pool; closing them first only returns their memory.
	for _, st := range []*sql.Stmt{s.bySession, s.byToken, s.userByID} {
		if st != nil {
			st.Close()
		}
	}
	var roErr error
	if s.creds != nil {
		roErr = s.creds.close()
	}
	if s.ro != nil {
		roErr = errors.Join(roErr, s.ro.Close())
	}
	if err := errors.Join(s.sql.Close(), roErr); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// dsn builds the modernc.org/sqlite connection string. The path is escaped so that a
// folder named with ? or # cannot be read as URI parameters.
func dsn(path string) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: path}
	// busy_timeout comes first so that switching a new file to WAL waits for a
	// concurrent opener instead of failing with SQLITE_BUSY.
	return u.String() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// readDSN is dsn for the read pool. The file is in WAL mode already (journal_mode is
// kept in the file), so these connections need not set it; query_only makes any write
// through them fail instead of taking the write lock by mistake. mode=ro is not used:
// a read-only connection cannot recover the WAL index when no writer has the file open.
func readDSN(path string) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: path}
	return u.String() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_query_only=1"
}

// prepareFile checks what is at path before SQLite sees it, because SQLite would
// happily create a database where the user meant to point at an existing one. With
// create it makes the folder (0700) and an empty file (0600); it always tightens an
// existing file to 0600.
func prepareFile(path string, create bool) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return account.Errorf(account.ErrNotFound, "no wk store at %s: run `wk init` first", path)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create store folder: %w", err)
		}
		// No O_EXCL: another wk may be creating the same store right now, and then
		// both go on with the checks below.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("create store %s: %w", path, err)
		}
		f.Close()
		if info, err = os.Stat(path); err != nil {
			return fmt.Errorf("create store %s: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("open store %s: %w", path, err)
	case info.IsDir():
		return account.Errorf(account.ErrInvalid, "%s is not a wk store: it is a folder", path)
	}

	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("tighten store permissions: %w", err)
		}
	}
	if info.Size() == 0 {
		if create {
			return nil
		}
		return account.Errorf(account.ErrInvalid, "%s is not a wk store: the file is empty", path)
	}
	return checkMagic(path)
}

func checkMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()

	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return account.Errorf(account.ErrInvalid, "%s is not a wk store: it is not an SQLite database", path)
	}
	return nil
}

// tx runs fn in an immediate transaction: it holds the write lock from the start, so it
// never fails half-way for lack of it. Keep fn short and free of password hashing.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	start := time.Now()
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// The write lock is taken at BEGIN; a long wait here means other writers.
	locked := time.Now()
	if err := fn(tx); err != nil {
		tx.Rollback()
		s.log.Debug("write transaction rolled back", "lockWait", locked.Sub(start), "error", err)
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	s.log.Debug("write transaction", "lockWait", locked.Sub(start), "duration", time.Since(locked))
	return nil
}

// read runs fn in a deferred, read-only transaction on the read pool, which sees one
// snapshot and does not take the write lock. A write inside fn fails.
func (s *DB) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// newID returns 24 lowercase hex characters, the shape of a WEBKNOSSOS object id.
func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ms and fromMS convert between times and the epoch milliseconds stored in the file.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) account.Timestamp { return account.At(time.UnixMilli(v)) }

func fromNullMS(v sql.NullInt64) account.Timestamp {
	if !v.Valid {
		return account.Timestamp{}
	}
	return fromMS(v.Int64)
}

// isConstraint reports whether err is an SQLite constraint violation (unique, foreign
// key or check), the driver error that maps onto [account.ErrConflict].
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 19
}

// isBusy reports whether err is SQLite's SQLITE_BUSY.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 5
}
