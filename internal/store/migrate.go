package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/wk-tools/wk/internal/account"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID marks an SQLite file as a wk store in its header ("wkST").
const applicationID = 0x776b5354

// SchemaVersion is the newest migration this wk knows. After migrating, the store's
// PRAGMA user_version holds it, so an up-to-date store opens without running goose.
const SchemaVersion = 2

// checkSchema recognises the file and brings its schema up to date. The fast path is
// two pragma reads; goose runs only for a new or older store.
func (s *DB) checkSchema(ctx context.Context, create bool) error {
	var appID, version int64
	err := retryBusy(ctx, func() error {
		return s.sql.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	})
	if err != nil {
		return s.notAStore(err)
	}
	if err := s.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.notAStore(err)
	}

	switch {
	case appID == applicationID && version == SchemaVersion:
		return nil
	case appID == applicationID && version > SchemaVersion:
		return account.Errorf(account.ErrInvalid,
			"%s was written by a newer wk (schema %d, this wk knows %d): upgrade wk",
			s.path, version, SchemaVersion)
	case appID == 0 && create:
		if err := s.claim(ctx); err != nil {
			return err
		}
	case appID != applicationID:
		return account.Errorf(account.ErrInvalid,
			"%s is not a wk store: it is another SQLite database", s.path)
	}
	return s.migrate(ctx)
}

func (s *DB) notAStore(err error) error {
	return &account.Error{Kind: account.ErrInvalid,
		Msg: fmt.Sprintf("%s is not a wk store: %v", s.path, err)}
}

// claim stamps an empty database as a wk store before anything is created in it, so
// that a second wk creating the same store at once sees a wk store being migrated,
// not a stranger's database. The immediate transaction makes check and stamp atomic.
func (s *DB) claim(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var appID, tables int64
		if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
			return s.notAStore(err)
		}
		if appID == applicationID {
			return nil
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
			return s.notAStore(err)
		}
		if appID != 0 || tables != 0 {
			return account.Errorf(account.ErrInvalid,
				"%s is not a wk store: it is another SQLite database", s.path)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return fmt.Errorf("mark store: %w", err)
		}
		return nil
	})
}

// migrate runs the pending migrations with goose, then records the version and the
// marker in the header.
// A table lock ([migrationLock]) keeps two processes from migrating at once.
func (s *DB) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, SchemaVersion)
}

// migrateTo runs the migrations up to version; tests use it to make older stores.
func (s *DB) migrateTo(ctx context.Context, version int64) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.sql, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(s.log),
		goose.WithLocker(newMigrationLock()))
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	results, err := p.UpTo(ctx, version)
	if err != nil {
		return fmt.Errorf("migrate store %s: %w", s.path, err)
	}
	for _, r := range results {
		s.log.Debug("migrated store", "path", s.path, "version", r.Source.Version)
	}

	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version))
		if err != nil {
			return fmt.Errorf("mark store: %w", err)
		}
		return nil
	})
}

// retryBusy runs fn again while it fails with SQLITE_BUSY, for up to about ten
// seconds. Only the first query of an Open needs it: switching a brand-new file to WAL
// while another wk does the same can fail at once, without waiting for the busy timeout.
func retryBusy(ctx context.Context, fn func() error) error {
	var err error
	for range 500 {
		if err = fn(); !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return err
}
