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

// This file holds the user administration of [account.AdminBackend]; teams.go holds
// the team and organization part. Every change checks the caller's role inside its
// transaction and writes an audit entry there too.

// requireAdmin authenticates and refuses callers who are not Administrators.
func (b *backend) requireAdmin(ctx context.Context, action string) (*caller, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if !c.user.IsAdmin {
		return nil, account.Forbidden(action, account.RoleAdministrator)
	}
	return c, nil
}

// requireManager authenticates and refuses callers who neither are Administrators nor
// manage a team. It reports whether the caller is an Administrator.
func (b *backend) requireManager(ctx context.Context, action string) (*caller, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if c.user.IsAdmin {
		return c, nil
	}
	var n int
	err = b.db.sql.QueryRowContext(ctx, `SELECT count(*) FROM team_members
		WHERE user = ? AND is_team_manager = 1`, c.user.ID).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("read managed teams: %w", err)
	}
	if n == 0 {
		return nil, account.Forbidden(action, "Administrator or Team Manager")
	}
	return c, nil
}

// findUser returns the user of org whose id or email is ref.
func findUser(ctx context.Context, q queryRowFunc, org, ref string) (*account.User, error) {
	ref = strings.TrimSpace(ref)
	u, err := scanUser(q(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.organization = ? AND (u.id = ? OR u.email = ?)`,
		org, ref, account.NormalizeEmail(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.Errorf(account.ErrNotFound,
			"no user %s in this organization: see `wk user list`", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// visibleTo reports whether the caller may see target: Administrators see everyone,
// Team Managers themselves and the members of the teams they manage.
func visibleTo(ctx context.Context, q queryRowFunc, c *caller, targetID string) (bool, error) {
	if c.user.IsAdmin || c.user.ID == targetID {
		return true, nil
	}
	var n int
	err := q(ctx, `SELECT count(*) FROM team_members m JOIN team_members me ON me.team = m.team
		WHERE m.user = ? AND me.user = ? AND me.is_team_manager = 1`, targetID, c.user.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read team membership: %w", err)
	}
	return n > 0, nil
}

// Users lists the users the caller may see that pass filter, ordered by email.
func (b *backend) Users(ctx context.Context, filter account.UserFilter) ([]account.User, error) {
	c, err := b.requireManager(ctx, "listing users")
	if err != nil {
		return nil, err
	}
	out := []account.User{}
	err = b.db.read(ctx, func(tx *sql.Tx) error {
		query := `SELECT ` + userColumns + ` FROM users u WHERE u.organization = ?`
		args := []any{c.user.Organization}
		if !c.user.IsAdmin {
			query += ` AND u.id IN (SELECT m.user FROM team_members m JOIN team_members me
				ON me.team = m.team WHERE me.user = ? AND me.is_team_manager = 1)`
			args = append(args, c.user.ID)
		}
		all, err := queryUsers(ctx, tx, query+` ORDER BY u.email`, args...)
		if err != nil {
			return err
		}
		if err := withTeams(ctx, tx, c.user.Organization, all); err != nil {
			return err
		}
		for _, u := range all {
			if filter.Match(&u) {
				out = append(out, u)
			}
		}
		return nil
	})
	return out, err
}

func queryUsers(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]account.User, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()

	var out []account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// withTeams fills in the teams of users with one query over the organization.
func withTeams(ctx context.Context, tx *sql.Tx, org string, users []account.User) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.user, t.id, t.name, m.is_team_manager
		FROM team_members m JOIN teams t ON t.id = m.team WHERE t.organization = ?
		ORDER BY t.name`, org)
	if err != nil {
		return fmt.Errorf("read teams: %w", err)
	}
	defer rows.Close()

	byUser := map[string][]account.TeamMembership{}
	for rows.Next() {
		var user string
		var m account.TeamMembership
		if err := rows.Scan(&user, &m.ID, &m.Name, &m.IsTeamManager); err != nil {
			return fmt.Errorf("read teams: %w", err)
		}
		byUser[user] = append(byUser[user], m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read teams: %w", err)
	}
	for i := range users {
		users[i].Teams = byUser[users[i].ID]
	}
	return nil
}

// User returns one user the caller may see. Hidden users are as unknown as missing ones.
func (b *backend) User(ctx context.Context, ref string) (*account.User, error) {
	c, err := b.requireManager(ctx, "showing users")
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, b.db.sql.QueryRowContext, c.user.Organization, ref)
	if err != nil {
		return nil, err
	}
	ok, err := visibleTo(ctx, b.db.sql.QueryRowContext, c, u.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, account.Errorf(account.ErrNotFound,
			"no user %s in the teams you manage: see `wk user list`", ref)
	}
	return b.loadUser(ctx, u.ID)
}

// UserAudit returns the audit entries about a user, oldest first, with ids turned into
// email addresses where the user still exists.
func (b *backend) UserAudit(ctx context.Context, ref string) ([]account.AuditEntry, error) {
	c, err := b.requireAdmin(ctx, "reading the audit log")
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, b.db.sql.QueryRowContext, c.user.Organization, ref)
	if err != nil {
		return nil, err
	}
	rows, err := b.db.sql.QueryContext(ctx, `SELECT a.at, coalesce(ua.email, a.actor, ''),
		a.action, coalesce(ut.email, a.target, ''), a.detail
		FROM audit_log a LEFT JOIN users ua ON ua.id = a.actor LEFT JOIN users ut ON ut.id = a.target
		WHERE a.target = ? ORDER BY a.at, a.rowid`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()

	out := []account.AuditEntry{}
	for rows.Next() {
		var e account.AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// CreateUser adds an active user without a password and mails them an invitation. When
// the mail cannot be sent the user is removed again, so the invitation can be retried.
func (b *backend) CreateUser(ctx context.Context, req account.CreateUserRequest) (*account.User, error) {
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
	role := account.UserRole
	if req.Role != "" {
		if role, err = account.ParseRole(string(req.Role)); err != nil {
			return nil, err
		}
	}
	c, err := b.requireAdmin(ctx, "inviting users")
	if err != nil {
		return nil, err
	}
	if b.opts.Notifier == nil {
		return nil, account.Errorf(account.ErrUnsupported,
			"cannot send an invitation: no mail delivery is set up")
	}

	tok, id, now := secret.New(secret.KindOneTime), newID(), b.now()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE email = ?`,
			email).Scan(&n); err != nil {
			return fmt.Errorf("check email: %w", err)
		}
		if n > 0 {
			return account.Errorf(account.ErrConflict, "an account with email %s already exists", email)
		}
		teamIDs := make([]string, 0, len(req.Teams))
		for _, name := range req.Teams {
			t, err := findTeam(ctx, tx, c.user.Organization, name)
			if err != nil {
				return err
			}
			teamIDs = append(teamIDs, t.ID)
		}

		admin, dm := role.Flags()
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, organization, email, first_name,
			last_name, password_hash, is_admin, is_dataset_manager, is_active, is_email_verified,
			created, last_activity) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 1, 0, ?, ?)`,
			id, c.user.Organization, email, first, last, admin, dm, ms(now), ms(now)); err != nil {
			if isConstraint(err) {
				return account.Errorf(account.ErrConflict, "an account with email %s already exists", email)
			}
			return fmt.Errorf("create user: %w", err)
		}
		for _, t := range teamIDs {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO team_members (team, user)
				VALUES (?, ?)`, t, id); err != nil {
				return fmt.Errorf("add to team: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (id, kind, hash, user,
			created, expires) VALUES (?, 'invite', ?, ?, ?, ?)`,
			newID(), secret.Hash(tok), id, ms(now), ms(now.Add(InviteTTL))); err != nil {
			return fmt.Errorf("store invitation token: %w", err)
		}
		detail := "role " + string(role)
		if len(req.Teams) > 0 {
			detail += ", teams " + strings.Join(req.Teams, ", ")
		}
		return audit(ctx, tx, now, c.user.ID, id, "create-user", detail)
	})
	if err != nil {
		return nil, err
	}

	n := account.Notice{Kind: account.NoticeInvitation, To: email, Name: first + " " + last,
		Organization: c.orgName, InvitedBy: c.user.FullName(), Secret: tok}
	if err := b.opts.Notifier.Notify(ctx, n); err != nil {
		// Background context: the caller's may be what failed, and the user must go.
		bg := context.WithoutCancel(ctx)
		_ = b.db.tx(bg, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(bg, `DELETE FROM users WHERE id = ?`, id); err != nil {
				return err
			}
			return audit(bg, tx, b.now(), c.user.ID, id, "invitation-failed", email)
		})
		return nil, fmt.Errorf("send invitation mail: %w", err)
	}
	return b.loadUser(ctx, id)
}

// changeUser runs fn on a target user of the caller's organization inside one
// transaction, after checking that the caller is an Administrator, and returns the
// user as changed.
func (b *backend) changeUser(ctx context.Context, action, ref string,
	fn func(tx *sql.Tx, c *caller, target *account.User) error) (*account.User, error) {
	c, err := b.requireAdmin(ctx, action)
	if err != nil {
		return nil, err
	}
	var id string
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		target, err := findUser(ctx, tx.QueryRowContext, c.user.Organization, ref)
		if err != nil {
			return err
		}
		id = target.ID
		return fn(tx, c, target)
	})
	if err != nil {
		return nil, err
	}
	return b.loadUser(ctx, id)
}

// protect refuses to take the Administrator role or the account away from the caller
// themself, from the owner, or from the last active administrator. what is "demote"
// or "deactivate".
func protect(ctx context.Context, tx *sql.Tx, c *caller, target *account.User, what string) error {
	switch {
	case target.ID == c.user.ID:
		return account.Errorf(account.ErrForbidden,
			"forbidden: you cannot %s yourself: ask another administrator", what)
	case target.IsOrganizationOwner:
		return account.Errorf(account.ErrForbidden,
			"forbidden: the organization owner cannot be %sd by another administrator", what)
	}
	if !target.IsAdmin || !target.IsActive {
		return nil
	}
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE organization = ?
		AND is_admin = 1 AND is_active = 1 AND id != ?`, target.Organization, target.ID).
		Scan(&others); err != nil {
		return fmt.Errorf("count administrators: %w", err)
	}
	if others == 0 {
		return account.Errorf(account.ErrForbidden,
			"forbidden: %s is the last administrator: make another one first", target.Email)
	}
	return nil
}

// SetRole sets a user's isAdmin and isDatasetManager flags from role.
func (b *backend) SetRole(ctx context.Context, ref string, role account.Role) (*account.User, error) {
	role, err := account.ParseRole(string(role))
	if err != nil {
		return nil, err
	}
	return b.changeUser(ctx, "setting roles", ref, func(tx *sql.Tx, c *caller, target *account.User) error {
		if account.RoleOf(target) == role {
			return nil
		}
		if target.IsAdmin && role != account.AdminRole {
			if err := protect(ctx, tx, c, target, "demote"); err != nil {
				return err
			}
		}
		admin, dm := role.Flags()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET is_admin = ?, is_dataset_manager = ?
			WHERE id = ?`, admin, dm, target.ID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, target.ID, "set-role",
			fmt.Sprintf("%s to %s", account.RoleOf(target), role))
	})
}

// SetActive deactivates or reactivates a user. Deactivation ends every session; the
// API token stays stored but is refused while the user is inactive.
func (b *backend) SetActive(ctx context.Context, ref string, active bool) (*account.User, error) {
	action := "deactivating users"
	if active {
		action = "activating users"
	}
	return b.changeUser(ctx, action, ref, func(tx *sql.Tx, c *caller, target *account.User) error {
		if target.IsActive == active {
			return nil
		}
		if !active {
			if err := protect(ctx, tx, c, target, "deactivate"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET is_active = ? WHERE id = ?`,
			active, target.ID); err != nil {
			return fmt.Errorf("set active: %w", err)
		}
		name, detail := "activate", ""
		if !active {
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, target.ID)
			if err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
			ended, _ := res.RowsAffected()
			name, detail = "deactivate", fmt.Sprintf("ended %d sessions", ended)
		}
		return audit(ctx, tx, b.now(), c.user.ID, target.ID, name, detail)
	})
}

// LogoutUser ends every session of a user; their API token stays valid.
func (b *backend) LogoutUser(ctx context.Context, ref string) (int, error) {
	var ended int64
	var orgName string
	u, err := b.changeUser(ctx, "ending other users' sessions", ref,
		func(tx *sql.Tx, c *caller, target *account.User) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, target.ID)
			if err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
			ended, _ = res.RowsAffected()
			orgName = c.orgName
			return audit(ctx, tx, b.now(), c.user.ID, target.ID, "logout-all",
				fmt.Sprintf("ended %d sessions", ended))
		})
	if err != nil {
		return 0, err
	}
	return int(ended), b.notify(ctx, noticeFor(account.NoticeLoggedOutEverywhere, u, orgName))
}

// SendReset mails a user a reset token, replacing any older one. When the mail cannot
// be sent the token is deleted again.
func (b *backend) SendReset(ctx context.Context, ref string) error {
	if b.opts.Notifier == nil {
		return account.Errorf(account.ErrUnsupported, "cannot send a reset mail: no mail delivery is set up")
	}
	tok, tokID := secret.New(secret.KindOneTime), newID()
	var orgName string
	u, err := b.changeUser(ctx, "sending password resets", ref,
		func(tx *sql.Tx, c *caller, target *account.User) error {
			if !target.IsActive {
				return account.Errorf(account.ErrInvalid,
					"%s is deactivated: activate them first with `wk user activate`", target.Email)
			}
			now := b.now()
			if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user = ?
				AND kind = 'reset'`, target.ID); err != nil {
				return fmt.Errorf("delete older reset tokens: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (id, kind, hash, user,
				created, expires) VALUES (?, 'reset', ?, ?, ?, ?)`,
				tokID, secret.Hash(tok), target.ID, ms(now), ms(now.Add(ResetTTL))); err != nil {
				return fmt.Errorf("store reset token: %w", err)
			}
			orgName = c.orgName
			return audit(ctx, tx, now, c.user.ID, target.ID, "send-reset", "")
		})
	if err != nil {
		return err
	}

	n := noticeFor(account.NoticePasswordReset, u, orgName)
	n.Secret = tok
	if err := b.opts.Notifier.Notify(ctx, n); err != nil {
		_, _ = b.db.sql.ExecContext(context.WithoutCancel(ctx),
			`DELETE FROM one_time_tokens WHERE id = ?`, tokID)
		return fmt.Errorf("send reset mail: %w", err)
	}
	return nil
}
