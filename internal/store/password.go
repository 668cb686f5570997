package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

// ChangePassword replaces the caller's password and ends every other session; over an
// API token it ends every session, since there is no current one.
func (b *backend) ChangePassword(ctx context.Context, current, next string) (int, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return 0, err
	}
	if err := b.checkCurrentPassword(ctx, c, current); err != nil {
		return 0, err
	}
	if err := account.CheckPassword(next, c.user.Email); err != nil {
		return 0, err
	}
	if next == current {
		return 0, account.Errorf(account.ErrInvalid, "the new password equals the current one: choose another")
	}
	phc, err := secret.HashPasswordContext(ctx, next)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}

	var ended int64
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`,
			phc, c.user.ID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ? AND id != ?`,
			c.user.ID, c.sessionID)
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		ended, _ = res.RowsAffected()
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, "change-password",
			fmt.Sprintf("ended %d sessions", ended))
	})
	if err != nil {
		return 0, err
	}
	return int(ended), b.notify(ctx, noticeFor(account.NoticePasswordChanged, &c.user, c.orgName))
}

// ForgotPassword mails a reset token to email when an active account has it. The answer
// is the same either way; only a malformed address or a failed mail is an error. When
// the mail cannot be sent the token is deleted again, so nothing is left half-done.
func (b *backend) ForgotPassword(ctx context.Context, email string) error {
	addr, err := account.CheckEmail(email)
	if err != nil {
		return err
	}
	if b.opts.Notifier == nil {
		return account.Errorf(account.ErrUnsupported, "cannot send a reset mail: no mail delivery is set up")
	}

	var orgName string
	row := b.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, o.name FROM users u
		JOIN organizations o ON o.id = u.organization WHERE u.email = ? AND u.is_active = 1`, addr)
	u, err := scanUser(row, &orgName)
	if errors.Is(err, sql.ErrNoRows) {
		// An unknown address returns sooner, since no mail is sent; wk serve hides that
		// by answering before the mail goes out.
		return nil
	}
	if err != nil {
		return fmt.Errorf("find user: %w", err)
	}

	tok, tokID, now := secret.New(secret.KindOneTime), newID(), b.now()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user = ? AND kind = 'reset'`,
			u.ID); err != nil {
			return fmt.Errorf("delete older reset tokens: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (id, kind, hash, user,
			created, expires) VALUES (?, 'reset', ?, ?, ?, ?)`,
			tokID, secret.Hash(tok), u.ID, ms(now), ms(now.Add(ResetTTL))); err != nil {
			return fmt.Errorf("store reset token: %w", err)
		}
		return audit(ctx, tx, now, "", u.ID, "forgot-password", "")
	})
	if err != nil {
		return err
	}

	n := noticeFor(account.NoticePasswordReset, u, orgName)
	n.Secret = tok
	if err := b.opts.Notifier.Notify(ctx, n); err != nil {
		// Background context: the caller's may be what failed, and the token must go.
		_, _ = b.db.sql.ExecContext(context.WithoutCancel(ctx),
			`DELETE FROM one_time_tokens WHERE id = ?`, tokID)
		return fmt.Errorf("send reset mail: %w", err)
	}
	return nil
}

// Messages of ResetPassword; the mistyped and the unusable token differ so a person
// knows whether to copy again or to ask for a new one.
var (
	errResetMistyped = account.Errorf(account.ErrUnauthenticated,
		"the reset token is mistyped (its checksum does not match): copy it again from the mail")
	errResetMalformed = account.Errorf(account.ErrUnauthenticated,
		"that is not a wk reset token (they start with wkr_): copy it again from the mail")
	errResetGone = account.Errorf(account.ErrUnauthenticated,
		"the reset token was used, has expired or does not exist: ask for a new one with `wk password forgot`")
)

// ResetPassword sets a password with a reset or invitation token, marks the token used
// and ends every session of its user.
func (b *backend) ResetPassword(ctx context.Context, tok, password string) error {
	tok = strings.TrimSpace(tok)
	kind, err := secret.Check(tok)
	if errors.Is(err, secret.ErrMistyped) {
		return errResetMistyped
	}
	if err != nil || kind != secret.KindOneTime {
		return errResetMalformed
	}

	now := b.now()
	var tokID, tokKind string
	var u *account.User
	var orgName string
	row := b.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, o.name, t.id, t.kind
		FROM one_time_tokens t JOIN users u ON u.id = t.user
		JOIN organizations o ON o.id = u.organization
		WHERE t.hash = ? AND t.kind IN ('reset', 'invite') AND t.used IS NULL AND t.expires > ?`,
		secret.Hash(tok), ms(now))
	u, err = scanUser(row, &orgName, &tokID, &tokKind)
	if errors.Is(err, sql.ErrNoRows) {
		return errResetGone
	}
	if err != nil {
		return fmt.Errorf("check reset token: %w", err)
	}
	if err := account.CheckPassword(password, u.Email); err != nil {
		return err
	}
	phc, err := secret.HashPasswordContext(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}

	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		// The used IS NULL condition makes a token good for one reset even when two
		// processes race with it.
		res, err := tx.ExecContext(ctx, `UPDATE one_time_tokens SET used = ?
			WHERE id = ? AND used IS NULL`, ms(now), tokID)
		if err != nil {
			return fmt.Errorf("use reset token: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errResetGone
		}
		// Having the mail proves the address, so the reset also verifies it.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?,
			is_email_verified = 1 WHERE id = ?`, phc, u.ID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM failed_logins WHERE email = ?`, u.Email); err != nil {
			return fmt.Errorf("clear failed logins: %w", err)
		}
		return audit(ctx, tx, now, u.ID, u.ID, "reset-password", tokKind)
	})
	if err != nil {
		return err
	}
	return b.notify(ctx, noticeFor(account.NoticePasswordChanged, u, orgName))
}
