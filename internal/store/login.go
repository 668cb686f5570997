package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

var errBadLogin = account.Errorf(account.ErrUnauthenticated, "incorrect email or password")

// dummyHash is verified against when no account has the email, so that an unknown
// address costs as much time as a wrong password.
var dummyHash = sync.OnceValues(func() (string, error) {
	return secret.HashPassword(secret.New(secret.KindOneTime))
})

// Init creates the organization and its first user, the Administrator and owner.
func (b *backend) Init(ctx context.Context, req account.InitRequest) (*account.User, error) {
	orgName, err := account.CheckName("organization name", req.OrganizationName)
	if err != nil {
		return nil, err
	}
	orgID, err := account.OrganizationID(orgName)
	if err != nil {
		return nil, err
	}
	email, err := account.CheckEmail(req.Email)
	if err != nil {
		return nil, err
	}
	first, err := account.CheckName("first name", req.FirstName)
	if err != nil {
		return nil, err
	}
	last, err := account.CheckName("last name", req.LastName)
	if err != nil {
		return nil, err
	}
	if err := account.CheckPassword(req.Password, email); err != nil {
		return nil, err
	}

	// Refuse before the slow hash; the transaction checks again.
	if err := b.noOrganization(ctx, b.db.sql.QueryRowContext); err != nil {
		return nil, err
	}
	phc, err := secret.HashPasswordContext(ctx, req.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}

	now, userID := b.now(), newID()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if err := b.noOrganization(ctx, tx.QueryRowContext); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, created)
			VALUES (?, ?, ?)`, orgID, orgName, ms(now)); err != nil {
			return fmt.Errorf("create organization: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, organization, email, first_name,
			last_name, password_hash, is_admin, is_organization_owner, is_active,
			is_email_verified, selected_theme, created, last_activity)
			VALUES (?, ?, ?, ?, ?, ?, 1, 1, 1, 1, 'auto', ?, ?)`,
			userID, orgID, email, first, last, phc, ms(now), ms(now)); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return audit(ctx, tx, now, userID, userID, "init", orgID)
	})
	if err != nil {
		return nil, err
	}
	return b.loadUser(ctx, userID)
}

type queryRowFunc func(ctx context.Context, query string, args ...any) *sql.Row

func (b *backend) noOrganization(ctx context.Context, q queryRowFunc) error {
	var name string
	err := q(ctx, "SELECT name FROM organizations LIMIT 1").Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read organization: %w", err)
	}
	return account.Errorf(account.ErrConflict,
		"this store already has an organization (%s): log in, or pass --db to make another store", name)
}

// Login checks an email and password and opens a session.
func (b *backend) Login(ctx context.Context, email, password string) (*account.LoginResult, error) {
	if len(password) > account.MaxPasswordBytes {
		return nil, errBadLogin
	}
	now := b.now()
	var userID, orgName string
	var hash sql.NullString
	var active bool
	err := b.db.sql.QueryRowContext(ctx, `SELECT u.id, u.password_hash, u.is_active, o.name
		FROM users u JOIN organizations o ON o.id = u.organization WHERE u.email = ?`,
		account.NormalizeEmail(email)).Scan(&userID, &hash, &active, &orgName)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find user: %w", err)
	}

	// Failures count per address, known or not, so a refusal tells nothing about
	// whether the address has an account.
	addr := account.NormalizeEmail(email)
	if err := b.checkThrottle(ctx, addr, now); err != nil {
		return nil, err
	}
	ok, rehash, err := b.verify(ctx, password, hash)
	if err != nil {
		return nil, err
	}
	if !found || !ok {
		if err := b.recordFailure(ctx, addr, now); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	if !active {
		return nil, deactivated(orgName)
	}

	var newHash string
	if rehash {
		if newHash, err = secret.HashPasswordContext(ctx, password); err != nil {
			return nil, fmt.Errorf("hash password: %w", err)
		}
	}
	var sec string
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if newHash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`,
				newHash, userID); err != nil {
				return fmt.Errorf("store new password hash: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM failed_logins WHERE email = ?`, addr); err != nil {
			return fmt.Errorf("clear failed logins: %w", err)
		}
		sec, err = b.openSession(ctx, tx, userID, now, account.OpenedWithPassword, "", "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.loginResult(ctx, sec, userID)
}

// LoginWithToken opens a session tied to the API token tok.
func (b *backend) LoginWithToken(ctx context.Context, tok string) (*account.LoginResult, error) {
	tb := &backend{db: b.db, opts: b.opts}
	tb.opts.Credential = account.Credential{Kind: account.CredentialToken, Secret: strings.TrimSpace(tok)}
	c, err := tb.authenticate(ctx)
	if err != nil {
		return nil, err
	}

	now := b.now()
	var sec string
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		sec, err = b.openSession(ctx, tx, c.user.ID, now, account.OpenedWithToken, c.tokenID, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.loginResult(ctx, sec, c.user.ID)
}

func (b *backend) loginResult(ctx context.Context, sec, userID string) (*account.LoginResult, error) {
	u, err := b.loadUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	cred := account.Credential{Kind: account.CredentialSession, Secret: sec}
	return &account.LoginResult{Credential: cred, User: u}, nil
}

// openSession records a new session inside tx and returns its secret, the only time
// the secret exists outside the caller's hands. tokenID or passkeyID names the API token
// or passkey the session was opened with, so revoking that ends the session too.
func (b *backend) openSession(ctx context.Context, tx *sql.Tx, userID string, now time.Time,
	openedWith, tokenID, passkeyID string) (string, error) {
	sec := secret.New(secret.KindSession)
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user, hash, created, last_used,
		expires, user_agent, opened_with, token_id, passkey_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), userID, secret.Hash(sec), ms(now), ms(now), ms(now.Add(SessionIdle)),
		b.opts.UserAgent, openedWith, nullable(tokenID), nullable(passkeyID))
	if err != nil {
		return "", fmt.Errorf("open session: %w", err)
	}
	// Expired sessions are refused anyway; dropping them here keeps the table small.
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ? AND expires <= ?`,
		userID, ms(now)); err != nil {
		return "", fmt.Errorf("drop expired sessions: %w", err)
	}
	if err := touchUser(ctx, tx, userID, now); err != nil {
		return "", fmt.Errorf("record activity: %w", err)
	}
	if err := audit(ctx, tx, now, userID, userID, "login", openedWith); err != nil {
		return "", err
	}
	return sec, nil
}

// verify checks password against hash, or against a dummy hash when there is none, so
// that both cases take the same time.
func (b *backend) verify(ctx context.Context, password string, hash sql.NullString) (ok, rehash bool, err error) {
	phc := hash.String
	if !hash.Valid {
		if phc, err = dummyHash(); err != nil {
			return false, false, fmt.Errorf("hash password: %w", err)
		}
	}
	ok, rehash, err = secret.VerifyPasswordContext(ctx, password, phc)
	if err != nil {
		return false, false, fmt.Errorf("check password: %w", err)
	}
	return ok && hash.Valid, rehash, nil
}

// nullable turns an empty id into SQL NULL.
func nullable(id string) sql.NullString {
	return sql.NullString{String: id, Valid: id != ""}
}

// checkThrottle returns a *ThrottledError when the address has ThrottleFailures failures
// within ThrottleWindow before now. The refusal lasts until the oldest of the last
// ThrottleFailures failures leaves the window. addr is a normalized email address.
func (b *backend) checkThrottle(ctx context.Context, addr string, now time.Time) error {
	rows, err := b.db.sql.QueryContext(ctx, `SELECT at FROM failed_logins
		WHERE email = ? AND at > ? ORDER BY at DESC LIMIT ?`,
		addr, ms(now.Add(-ThrottleWindow)), ThrottleFailures)
	if err != nil {
		return fmt.Errorf("read failed logins: %w", err)
	}
	defer rows.Close()

	var n int
	var oldest int64
	for rows.Next() {
		if err := rows.Scan(&oldest); err != nil {
			return fmt.Errorf("read failed logins: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read failed logins: %w", err)
	}
	if n < ThrottleFailures {
		return nil
	}
	return &account.ThrottledError{Until: time.UnixMilli(oldest).Add(ThrottleWindow)}
}

// recordFailure counts one failed password check for addr and forgets every failure,
// of any address, that has left the window, which keeps the table small however many
// addresses are tried.
func (b *backend) recordFailure(ctx context.Context, addr string, now time.Time) error {
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM failed_logins WHERE at <= ?`,
			ms(now.Add(-ThrottleWindow))); err != nil {
			return fmt.Errorf("prune failed logins: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO failed_logins (email, at) VALUES (?, ?)`,
			addr, ms(now)); err != nil {
			return fmt.Errorf("record failed login: %w", err)
		}
		return nil
	})
}

// checkCurrentPassword is the password check of sensitive changes: it is throttled
// like Login, and a wrong password counts as a failed login.
func (b *backend) checkCurrentPassword(ctx context.Context, c *caller, password string) error {
	now := b.now()
	if err := b.checkThrottle(ctx, c.user.Email, now); err != nil {
		return err
	}
	var hash sql.NullString
	err := b.db.sql.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`,
		c.user.ID).Scan(&hash)
	if err != nil {
		return fmt.Errorf("read password hash: %w", err)
	}
	if !hash.Valid {
		return account.Errorf(account.ErrUnauthenticated,
			"this account has no password yet: set one with `wk password forgot`")
	}
	if len(password) > account.MaxPasswordBytes {
		return errWrongPassword
	}
	ok, _, err := b.verify(ctx, password, hash)
	if err != nil {
		return err
	}
	if !ok {
		if err := b.recordFailure(ctx, c.user.Email, now); err != nil {
			return err
		}
		return errWrongPassword
	}
	return nil
}

var errWrongPassword = account.Errorf(account.ErrUnauthenticated, "the current password is incorrect")
