package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wk-tools/wk/internal/account"
)

// findTeam returns the team of org whose id or name (in any case) is ref, without
// its members.
func findTeam(ctx context.Context, tx *sql.Tx, org, ref string) (*account.Team, error) {
	ref = strings.TrimSpace(ref)
	t := &account.Team{Organization: org}
	err := tx.QueryRowContext(ctx, `SELECT id, name FROM teams WHERE organization = ?
		AND (id = ? OR name = ? COLLATE NOCASE)`, org, ref, ref).Scan(&t.ID, &t.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.Errorf(account.ErrNotFound,
			"no team %q in this organization: see `wk team list`", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find team: %w", err)
	}
	return t, nil
}

// Teams lists the teams the caller may see with their members.
func (b *backend) Teams(ctx context.Context) ([]account.Team, error) {
	c, err := b.requireManager(ctx, "listing teams")
	if err != nil {
		return nil, err
	}
	var out []account.Team
	err = b.db.read(ctx, func(tx *sql.Tx) error {
		out, err = listTeams(ctx, tx, c, "")
		return err
	})
	return out, err
}

// listTeams reads the teams the caller may see, or only the one with id onlyID.
func listTeams(ctx context.Context, tx *sql.Tx, c *caller, onlyID string) ([]account.Team, error) {
	query := `SELECT t.id, t.name, u.id, u.email, u.first_name, u.last_name, m.is_team_manager
		FROM teams t LEFT JOIN team_members m ON m.team = t.id LEFT JOIN users u ON u.id = m.user
		WHERE t.organization = ?`
	args := []any{c.user.Organization}
	if !c.user.IsAdmin {
		query += ` AND t.id IN (SELECT team FROM team_members WHERE user = ? AND is_team_manager = 1)`
		args = append(args, c.user.ID)
	}
	if onlyID != "" {
		query += ` AND t.id = ?`
		args = append(args, onlyID)
	}
	rows, err := tx.QueryContext(ctx, query+` ORDER BY t.name COLLATE NOCASE, t.id, u.email`, args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer rows.Close()

	out := []account.Team{}
	for rows.Next() {
		var id, name string
		var uid, email, first, last sql.NullString
		var mgr sql.NullBool
		if err := rows.Scan(&id, &name, &uid, &email, &first, &last, &mgr); err != nil {
			return nil, fmt.Errorf("list teams: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, account.Team{ID: id, Name: name, Organization: c.user.Organization,
				Members: []account.TeamMember{}})
		}
		if uid.Valid {
			t := &out[len(out)-1]
			t.Members = append(t.Members, account.TeamMember{UserID: uid.String, Email: email.String,
				Name: strings.TrimSpace(first.String + " " + last.String), IsTeamManager: mgr.Bool})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return out, nil
}

// CreateTeam makes an empty team in the caller's organization.
func (b *backend) CreateTeam(ctx context.Context, name string) (*account.Team, error) {
	name, err := account.CheckName("team name", name)
	if err != nil {
		return nil, err
	}
	c, err := b.requireAdmin(ctx, "creating teams")
	if err != nil {
		return nil, err
	}
	id, now := newID(), b.now()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO teams (id, organization, name, created)
			VALUES (?, ?, ?, ?)`, id, c.user.Organization, name, ms(now))
		if isConstraint(err) {
			return account.Errorf(account.ErrConflict, "a team named %q already exists", name)
		}
		if err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		return audit(ctx, tx, now, c.user.ID, id, "create-team", name)
	})
	if err != nil {
		return nil, err
	}
	return &account.Team{ID: id, Name: name, Organization: c.user.Organization,
		Members: []account.TeamMember{}}, nil
}

// DeleteTeam removes a team and its memberships.
func (b *backend) DeleteTeam(ctx context.Context, ref string) error {
	c, err := b.requireAdmin(ctx, "deleting teams")
	if err != nil {
		return err
	}
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		t, err := findTeam(ctx, tx, c.user.Organization, ref)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = ?`, t.ID); err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, t.ID, "delete-team", t.Name)
	})
}

// changeMembership finds the team and the user, checks that the caller may change the
// team's members at all, and runs fn; then it returns the team as changed.
func (b *backend) changeMembership(ctx context.Context, action, teamRef, userRef string,
	fn func(tx *sql.Tx, c *caller, t *account.Team, u *account.User, isMgr sql.NullBool) error,
) (*account.Team, error) {
	c, err := b.requireManager(ctx, action)
	if err != nil {
		return nil, err
	}
	var out []account.Team
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		t, err := findTeam(ctx, tx, c.user.Organization, teamRef)
		if err != nil {
			return err
		}
		if !c.user.IsAdmin {
			var mine bool
			err := tx.QueryRowContext(ctx, `SELECT count(*) > 0 FROM team_members
				WHERE team = ? AND user = ? AND is_team_manager = 1`, t.ID, c.user.ID).Scan(&mine)
			if err != nil {
				return fmt.Errorf("read team membership: %w", err)
			}
			if !mine {
				return account.Errorf(account.ErrForbidden, "forbidden: changing the members of "+
					"team %q needs the Administrator role or managing that team", t.Name)
			}
		}
		u, err := findUser(ctx, tx.QueryRowContext, c.user.Organization, userRef)
		if err != nil {
			return err
		}
		var isMgr sql.NullBool
		err = tx.QueryRowContext(ctx, `SELECT is_team_manager FROM team_members
			WHERE team = ? AND user = ?`, t.ID, u.ID).Scan(&isMgr)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read team membership: %w", err)
		}
		if err := fn(tx, c, t, u, isMgr); err != nil {
			return err
		}
		out, err = listTeams(ctx, tx, &caller{user: account.User{ID: c.user.ID,
			Organization: c.user.Organization, IsAdmin: true}}, t.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// AddTeamMember adds a user to a team or changes whether they manage it.
func (b *backend) AddTeamMember(ctx context.Context, teamRef, userRef string, manager bool) (*account.Team, error) {
	return b.changeMembership(ctx, "adding team members", teamRef, userRef,
		func(tx *sql.Tx, c *caller, t *account.Team, u *account.User, isMgr sql.NullBool) error {
			if isMgr.Valid && isMgr.Bool == manager {
				return nil
			}
			if !c.user.IsAdmin && (manager || isMgr.Valid) {
				return account.Forbidden("making team managers", account.RoleAdministrator)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team, user, is_team_manager)
				VALUES (?, ?, ?) ON CONFLICT (team, user) DO UPDATE SET is_team_manager = excluded.is_team_manager`,
				t.ID, u.ID, manager); err != nil {
				return fmt.Errorf("add team member: %w", err)
			}
			detail := t.Name
			if manager {
				detail += " as manager"
			}
			return audit(ctx, tx, b.now(), c.user.ID, u.ID, "team-add", detail)
		})
}

// RemoveTeamMember takes a user out of a team.
func (b *backend) RemoveTeamMember(ctx context.Context, teamRef, userRef string) (*account.Team, error) {
	return b.changeMembership(ctx, "removing team members", teamRef, userRef,
		func(tx *sql.Tx, c *caller, t *account.Team, u *account.User, isMgr sql.NullBool) error {
			if !isMgr.Valid {
				return account.Errorf(account.ErrNotFound, "%s is not a member of team %q", u.Email, t.Name)
			}
			if !c.user.IsAdmin && isMgr.Bool {
				return account.Forbidden("removing team managers", account.RoleAdministrator)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team = ? AND user = ?`,
				t.ID, u.ID); err != nil {
				return fmt.Errorf("remove team member: %w", err)
			}
			return audit(ctx, tx, b.now(), c.user.ID, u.ID, "team-remove", t.Name)
		})
}

// RenameOrganization changes the display name of the caller's organization.
func (b *backend) RenameOrganization(ctx context.Context, name string) (*account.Organization, error) {
	name, err := account.CheckName("organization name", name)
	if err != nil {
		return nil, err
	}
	c, err := b.requireAdmin(ctx, "renaming the organization")
	if err != nil {
		return nil, err
	}
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET name = ? WHERE id = ?`,
			name, c.user.Organization); err != nil {
			return fmt.Errorf("rename organization: %w", err)
		}
		return audit(ctx, tx, b.now(), c.user.ID, c.user.Organization, "rename-organization",
			fmt.Sprintf("%s to %s", c.orgName, name))
	})
	if err != nil {
		return nil, err
	}
	return b.Organization(ctx)
}
