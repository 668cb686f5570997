package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wk-tools/wk/internal/account"
)

// Logout ends the caller's current session. Over an API token there is no session, so
// it does nothing; revoking the token is RotateToken's job.
func (b *backend) Logout(ctx context.Context) error {
	c, err := b.authenticate(ctx)
	if err != nil {
		return err
	}
	if c.sessionID == "" {
		return nil
	}
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, c.sessionID); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, "logout", "")
	})
}

// Sessions lists the caller's unexpired sessions, oldest first.
func (b *backend) Sessions(ctx context.Context) ([]account.Session, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := b.db.sql.QueryContext(ctx, `SELECT id, created, last_used, expires, user_agent,
		opened_with FROM sessions WHERE user = ? AND expires > ? ORDER BY created, id`,
		c.user.ID, ms(b.now()))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()

	out := []account.Session{}
	for rows.Next() {
		var s account.Session
		var created, used, expires int64
		if err := rows.Scan(&s.ID, &created, &used, &expires, &s.UserAgent, &s.OpenedWith); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		s.Created, s.LastUsed, s.Expires = fromMS(created), fromMS(used), fromMS(expires)
		s.Current = s.ID == c.sessionID
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// RevokeSession ends one of the caller's sessions. Sessions of other users are as
// unknown as ids that never existed.
func (b *backend) RevokeSession(ctx context.Context, id string) error {
	c, err := b.authenticate(ctx)
	if err != nil {
		return err
	}
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND user = ?`, id, c.user.ID)
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return account.Errorf(account.ErrNotFound, "no session %s: see `wk sessions list`", id)
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, "revoke-session", id)
	})
}

// LogoutAll ends every session of the caller and, with revokeToken, the API token.
func (b *backend) LogoutAll(ctx context.Context, revokeToken bool) (int, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return 0, err
	}
	var ended int64
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, c.user.ID)
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		ended, _ = res.RowsAffected()
		if revokeToken {
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = ?
				WHERE user = ? AND revoked IS NULL`, ms(b.now()), c.user.ID); err != nil {
				return fmt.Errorf("revoke token: %w", err)
			}
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, "logout-all",
			fmt.Sprintf("ended %d sessions, revoke token %t", ended, revokeToken))
	})
	if err != nil {
		return 0, err
	}
	return int(ended), b.notify(ctx, noticeFor(account.NoticeLoggedOutEverywhere, &c.user, c.orgName))
}
