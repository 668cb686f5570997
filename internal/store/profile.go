package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wk-tools/wk/internal/account"
)

// loadUser reads a user and their teams in one statement, so in one snapshot.
func (b *backend) loadUser(ctx context.Context, id string) (*account.User, error) {
	u, err := scanUserTeams(b.db.userByID.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.Errorf(account.ErrNotFound, "no user %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// querier is what *sql.DB and *sql.Tx share for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// CurrentUser returns the caller with their teams.
func (b *backend) CurrentUser(ctx context.Context) (*account.User, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	// The credential check read the teams with the user, in the same statement.
	u := c.user
	return &u, nil
}

// Organization returns the caller's organization and its owner.
func (b *backend) Organization(ctx context.Context) (*account.Organization, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	o, err := readOrganization(ctx, b.db.ro, c.user.Organization)
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	return o, nil
}

// PublicOrganization returns what anyone may see of organization id, without a
// credential, as WEBKNOSSOS shows it to visitors: its id, name, creation time and
// owner's name, but not the owner's email. It fails with an [account.ErrNotFound]
// error when there is no such organization.
func (s *DB) PublicOrganization(ctx context.Context, id string) (*account.Organization, error) {
	o, err := readOrganization(ctx, s.ro, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.Errorf(account.ErrNotFound, "no organization %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	o.OwnerEmail = ""
	return o, nil
}

// readOrganization reads organization id with its first owner, or sql.ErrNoRows.
func readOrganization(ctx context.Context, db *sql.DB, id string) (*account.Organization, error) {
	var o account.Organization
	var created int64
	var first, last, email sql.NullString
	err := db.QueryRowContext(ctx, `SELECT o.id, o.name, o.created,
		u.first_name, u.last_name, u.email
		FROM organizations o LEFT JOIN users u
		ON u.id = (SELECT id FROM users WHERE organization = o.id AND is_organization_owner = 1
			ORDER BY created, id LIMIT 1)
		WHERE o.id = ?`, id).Scan(&o.ID, &o.Name, &created, &first, &last, &email)
	if err != nil {
		return nil, err
	}
	o.Created = fromMS(created)
	o.OwnerName = strings.TrimSpace(first.String + " " + last.String)
	o.OwnerEmail = email.String
	return &o, nil
}

// SetName changes the caller's first and last name.
func (b *backend) SetName(ctx context.Context, first, last string) (*account.User, error) {
	first, err := account.CheckName("first name", first)
	if err != nil {
		return nil, err
	}
	last, err = account.CheckName("last name", last)
	if err != nil {
		return nil, err
	}
	return b.update(ctx, "set name", `UPDATE users SET first_name = ?, last_name = ? WHERE id = ?`,
		first, last)
}

// SetTheme stores the caller's theme.
func (b *backend) SetTheme(ctx context.Context, theme account.Theme) (*account.User, error) {
	t, err := account.ParseTheme(string(theme))
	if err != nil {
		return nil, err
	}
	return b.update(ctx, "set theme", `UPDATE users SET selected_theme = ? WHERE id = ?`, string(t))
}

// update authenticates, runs one UPDATE of the caller's row with args and the caller's
// id as its last parameter, and returns the user as changed.
func (b *backend) update(ctx context.Context, action, query string, args ...any) (*account.User, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, query, append(args, c.user.ID)...); err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, strings.ReplaceAll(action, " ", "-"), "")
	})
	if err != nil {
		return nil, err
	}
	return b.loadUser(ctx, c.user.ID)
}

// SetEmail changes the caller's address after checking their password. The new address
// is not verified yet; a notice goes to the old one.
func (b *backend) SetEmail(ctx context.Context, email, password string) (*account.User, error) {
	addr, err := account.CheckEmail(email)
	if err != nil {
		return nil, err
	}
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if addr == c.user.Email {
		return nil, account.Errorf(account.ErrInvalid, "%s is already your email address", addr)
	}
	if err := b.checkCurrentPassword(ctx, c, password); err != nil {
		return nil, err
	}

	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, is_email_verified = 0
			WHERE id = ?`, addr, c.user.ID)
		if isConstraint(err) {
			return &account.Error{Kind: account.ErrConflict,
				Msg: "an account with this email address already exists"}
		}
		if err != nil {
			return fmt.Errorf("set email: %w", err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.ID, "set-email", "")
	})
	if err != nil {
		return nil, err
	}

	u, err := b.loadUser(ctx, c.user.ID)
	if err != nil {
		return nil, err
	}
	n := noticeFor(account.NoticeEmailChanged, &c.user, c.orgName)
	n.NewEmail = addr
	return u, b.notify(ctx, n)
}
