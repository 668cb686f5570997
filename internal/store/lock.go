package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrationLock is a goose Locker for SQLite, which has no advisory locks: a one-row
// table whose row is the lock. A crashed holder's row goes stale after staleAfter,
// and the next process takes it over.
type migrationLock struct {
	owner      string
	staleAfter time.Duration
	giveUp     time.Duration
	poll       time.Duration
}

func newMigrationLock() *migrationLock {
	return &migrationLock{owner: newID(), staleAfter: time.Minute, giveUp: 2 * time.Minute,
		poll: 25 * time.Millisecond}
}

// Lock waits until this process holds the lock.
func (l *migrationLock) Lock(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS wk_migration_lock (
		id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, expires INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create migration lock: %w", err)
	}

	deadline := time.Now().Add(l.giveUp)
	for {
		now := time.Now()
		res, err := db.ExecContext(ctx, `INSERT INTO wk_migration_lock (id, owner, expires)
			VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
			expires = excluded.expires WHERE wk_migration_lock.expires < ?`,
			l.owner, ms(now.Add(l.staleAfter)), ms(now))
		if err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		if now.After(deadline) {
			return fmt.Errorf("take migration lock: another wk has been migrating for %s", l.giveUp)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("take migration lock: %w", ctx.Err())
		case <-time.After(l.poll):
		}
	}
}

// Unlock releases the lock if this process still holds it.
func (l *migrationLock) Unlock(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM wk_migration_lock WHERE owner = ?`, l.owner); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	return nil
}
