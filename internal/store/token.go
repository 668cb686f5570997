package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

// Token returns the caller's live API token, making one when there is none. Only a
// token made by this call carries its Secret.
func (b *backend) Token(ctx context.Context) (*account.Token, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	t, err := liveToken(ctx, b.db.sql.QueryRowContext, c.user.ID)
	if err != nil || t != nil {
		return t, err
	}

	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		// Another process may have made one since the read above.
		if t, err = liveToken(ctx, tx.QueryRowContext, c.user.ID); err != nil || t != nil {
			return err
		}
		t, err = makeToken(ctx, tx, c.user.ID, b.now())
		return err
	})
	return t, err
}

// RotateToken revokes the caller's token and every session opened with it, then makes
// a new one.
func (b *backend) RotateToken(ctx context.Context) (*account.Token, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	now := b.now()
	var t *account.Token
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := revokeLiveToken(ctx, tx, c.user.ID, now); err != nil {
			return err
		}
		if t, err = makeToken(ctx, tx, c.user.ID, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, c.user.ID, c.user.ID, "rotate-token", t.Prefix)
	})
	if err != nil {
		return nil, err
	}
	return t, b.notify(ctx, noticeFor(account.NoticeTokenRegenerated, &c.user, c.orgName))
}

// RevokeToken revokes the caller's token and every session opened with it, and makes
// no new one.
func (b *backend) RevokeToken(ctx context.Context) (bool, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return false, err
	}
	now := b.now()
	var revoked bool
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if revoked, err = revokeLiveToken(ctx, tx, c.user.ID, now); err != nil || !revoked {
			return err
		}
		return audit(ctx, tx, now, c.user.ID, c.user.ID, "revoke-token", "")
	})
	return revoked, err
}

// revokeLiveToken revokes the user's live token, if any, and ends the sessions opened
// with it. It reports whether there was one.
func revokeLiveToken(ctx context.Context, tx *sql.Tx, userID string, now time.Time) (bool, error) {
	old, err := liveToken(ctx, tx.QueryRowContext, userID)
	if err != nil || old == nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = ? WHERE id = ?`,
		ms(now), old.ID); err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_id = ?`, old.ID); err != nil {
		return false, fmt.Errorf("end sessions of token: %w", err)
	}
	return true, nil
}

func liveToken(ctx context.Context, q queryRowFunc, userID string) (*account.Token, error) {
	var t account.Token
	var created int64
	var used sql.NullInt64
	err := q(ctx, `SELECT id, prefix, created, last_used FROM api_tokens
		WHERE user = ? AND revoked IS NULL`, userID).Scan(&t.ID, &t.Prefix, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	t.Created, t.LastUsed = fromMS(created), fromNullMS(used)
	return &t, nil
}

func makeToken(ctx context.Context, tx *sql.Tx, userID string, now time.Time) (*account.Token, error) {
	sec := secret.New(secret.KindToken)
	t := &account.Token{ID: newID(), Prefix: secret.Visible(sec), Created: account.At(now), Secret: sec}
	_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user, hash, prefix, created)
		VALUES (?, ?, ?, ?, ?)`, t.ID, userID, secret.Hash(sec), t.Prefix, ms(now))
	if err != nil {
		return nil, fmt.Errorf("make token: %w", err)
	}
	return t, nil
}
