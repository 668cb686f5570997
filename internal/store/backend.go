package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

// Lifetimes and limits of the account rules.
const (
	// SessionIdle is how long a session lives after its last use.
	SessionIdle = 30 * 24 * time.Hour
	// ResetTTL is how long a password reset token is valid.
	ResetTTL = time.Hour
	// InviteTTL is how long an invitation (a first set-password token) is valid.
	InviteTTL = 48 * time.Hour
	// ThrottleWindow and ThrottleFailures: after ThrottleFailures failed password
	// checks within ThrottleWindow, an account refuses logins until the oldest of them
	// leaves the window.
	ThrottleWindow   = 15 * time.Minute
	ThrottleFailures = 5
	// touchEvery limits how often a read records last use, so plain reads stay reads.
	touchEvery = time.Minute
)

// BackendOptions describes the caller a backend is built for.
type BackendOptions struct {
	// Credential is the caller's session secret or API token. Default: none, which is
	// enough for Init, Login, LoginWithToken, ForgotPassword and ResetPassword.
	Credential account.Credential
	// UserAgent names the client or device; it is recorded on sessions this backend
	// opens. Default: empty.
	UserAgent string
	// Notifier sends the notices the rules produce. Default nil: ForgotPassword fails
	// with [account.ErrUnsupported] and the other notices are dropped.
	Notifier account.Notifier
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// NoticeError reports that a change was committed but the notice about it could not
// be sent. Methods that return it also return their normal result, which is valid.
// Test for it with errors.As; it unwraps to the Notifier's error.
type NoticeError struct {
	// Kind is the notice that was not sent.
	Kind account.NoticeKind
	// Err is the Notifier's error.
	Err error
}

// Error says that the change is saved and which notice failed.
func (e *NoticeError) Error() string {
	return fmt.Sprintf("the change is saved, but send %s notice: %v", e.Kind, e.Err)
}

// Unwrap returns the Notifier's error.
func (e *NoticeError) Unwrap() error { return e.Err }

// backend implements account.Backend for one caller on a shared DB.
type backend struct {
	db   *DB
	opts BackendOptions
}

// Backend returns an [account.Backend] for the caller described by o. It is cheap (no
// I/O) and meant to be built per command or per HTTP request. Its Close does nothing:
// the DB stays open until [DB.Close].
func (s *DB) Backend(o BackendOptions) account.Backend {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &backend{db: s, opts: o}
}

// Close does nothing; close the shared [DB] instead.
func (b *backend) Close() error { return nil }

func (b *backend) now() time.Time { return b.opts.Now().UTC() }

// caller is who a credential belongs to.
type caller struct {
	user      account.User
	orgName   string
	sessionID string // empty when the credential is an API token
	tokenID   string // the token the credential is or the session was opened with
}

// Messages shared by several methods.
var (
	errNoCredential = account.Errorf(account.ErrUnauthenticated,
		"not logged in: run `wk login`")
	errSessionEnded = account.Errorf(account.ErrUnauthenticated,
		"your session has ended: run `wk login`")
	errTokenMistyped = account.Errorf(account.ErrUnauthenticated,
		"the token is mistyped (its checksum does not match): copy it again")
	errTokenMalformed = account.Errorf(account.ErrUnauthenticated,
		"that is not a wk API token (they start with wkt_): copy it again")
	errTokenGone = account.Errorf(account.ErrUnauthenticated,
		"the token was revoked or does not exist: get a new one with `wk token show` after logging in")
)

// userColumns are selected, in this order, by scanUser.
const userColumns = `u.id, u.email, u.first_name, u.last_name, u.organization, u.is_admin,
	u.is_organization_owner, u.is_dataset_manager, u.is_active, u.is_email_verified,
	u.selected_theme, u.created, u.last_activity`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*account.User, error) {
	var u account.User
	var created, active int64
	dest := []any{&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Organization, &u.IsAdmin,
		&u.IsOrganizationOwner, &u.IsDatasetManager, &u.IsActive, &u.IsEmailVerified,
		&u.SelectedTheme, &created, &active}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	u.Created, u.LastActivity = fromMS(created), fromMS(active)
	return &u, nil
}

// authenticate checks the backend's credential on every call that needs one. It is one
// indexed read; at most once a minute per credential it also records the use, which
// for a session pushes its expiry out by SessionIdle.
func (b *backend) authenticate(ctx context.Context) (*caller, error) {
	cred := b.opts.Credential
	if cred.IsZero() {
		return nil, errNoCredential
	}
	kind, err := secret.Check(cred.Secret)
	switch cred.Kind {
	case account.CredentialToken:
		if errors.Is(err, secret.ErrMistyped) {
			return nil, errTokenMistyped
		}
		if err != nil || kind != secret.KindToken {
			return nil, errTokenMalformed
		}
		return b.authToken(ctx, cred.Secret)
	case account.CredentialSession:
		if err != nil || kind != secret.KindSession {
			return nil, errSessionEnded
		}
		return b.authSession(ctx, cred.Secret)
	}
	return nil, account.Errorf(account.ErrUnauthenticated,
		"unknown credential kind %q: run `wk login`", cred.Kind)
}

// teamsColumn is the teams of the user u as one JSON array of TeamMembership objects,
// ordered by name as [teams] orders them, so that a user and their teams come in one
// row and one snapshot.
const teamsColumn = `(SELECT json_group_array(json_object('id', t.id, 'name', t.name,
		'isTeamManager', json(iif(m.is_team_manager, 'true', 'false'))) ORDER BY t.name)
	FROM team_members m JOIN teams t ON t.id = m.team WHERE m.user = u.id)`

// The credential lookups and the user read, prepared once per DB on the read pool
// because every authenticated call runs one. Each is a single statement, so it reads
// one snapshot: a token revoked or a session ended before it started is not found.
const (
	sessionQuery = `SELECT ` + userColumns + `, ` + teamsColumn + `, o.name, s.id, s.token_id,
		s.last_used, s.expires
		FROM sessions s JOIN users u ON u.id = s.user JOIN organizations o ON o.id = u.organization
		WHERE s.hash = ?`
	tokenQuery = `SELECT ` + userColumns + `, ` + teamsColumn + `, o.name, t.id, t.last_used
		FROM api_tokens t JOIN users u ON u.id = t.user JOIN organizations o ON o.id = u.organization
		WHERE t.hash = ? AND t.revoked IS NULL`
	userQuery = `SELECT ` + userColumns + `, ` + teamsColumn + ` FROM users u WHERE u.id = ?`
)

// scanUserTeams scans userColumns, teamsColumn and then extra.
func scanUserTeams(row interface{ Scan(...any) error }, extra ...any) (*account.User, error) {
	var teamsJSON string
	u, err := scanUser(row, append([]any{&teamsJSON}, extra...)...)
	if err != nil {
		return nil, err
	}
	if u.Teams, err = parseTeams(teamsJSON); err != nil {
		return nil, err
	}
	return u, nil
}

// parseTeams decodes teamsColumn. No teams is nil, as [teams] returns.
func parseTeams(s string) ([]account.TeamMembership, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var out []account.TeamMembership
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	return out, nil
}

// lookup reads what a credential names, from the cache when the store has not changed
// since it was last read (see credCache). It finds a secret by its SHA-256 through a
// unique index; comparing hashes this way leaks nothing useful about the secret, so no
// constant-time compare of the secret itself is needed. A nil row means no such live
// session or token.
func (b *backend) lookup(ctx context.Context, session bool, sec string) (*credRow, error) {
	k := credKey{session: session, hash: [32]byte(secret.Hash(sec))}
	r, version, err := b.db.creds.get(k)
	if err != nil || r != nil {
		return r, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// WithoutCancel: a point lookup is over before a watcher for ctx would matter, and
	// the driver starts one per query otherwise.
	qctx := context.WithoutCancel(ctx)
	r = &credRow{}
	var tokenID sql.NullString
	var u *account.User
	if session {
		row := b.db.bySession.QueryRowContext(qctx, k.hash[:])
		u, err = scanUserTeams(row, &r.orgName, &r.sessionID, &tokenID, &r.lastUsed, &r.expires)
	} else {
		row := b.db.byToken.QueryRowContext(qctx, k.hash[:])
		u, err = scanUserTeams(row, &r.orgName, &tokenID, &r.lastUsed)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.user, r.tokenID = *u, tokenID.String
	b.db.creds.put(k, version, r)
	return r, nil
}

func (b *backend) authSession(ctx context.Context, sec string) (*caller, error) {
	now := b.now()
	r, err := b.lookup(ctx, true, sec)
	if err != nil {
		return nil, fmt.Errorf("check session: %w", err)
	}
	if r == nil || ms(now) >= r.expires {
		return nil, errSessionEnded
	}
	c := &r.caller
	if !c.user.IsActive {
		return nil, deactivated(c.orgName)
	}

	if ms(now)-r.lastUsed.Int64 >= touchEvery.Milliseconds() {
		err := b.db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET last_used = ?, expires = ?
				WHERE id = ?`, ms(now), ms(now.Add(SessionIdle)), c.sessionID); err != nil {
				return err
			}
			return touchUser(ctx, tx, c.user.ID, now)
		})
		if err != nil {
			return nil, fmt.Errorf("record session use: %w", err)
		}
		c.user.LastActivity = account.At(now)
	}
	return c, nil
}

func (b *backend) authToken(ctx context.Context, tok string) (*caller, error) {
	now := b.now()
	r, err := b.lookup(ctx, false, tok)
	if err != nil {
		return nil, fmt.Errorf("check token: %w", err)
	}
	if r == nil {
		return nil, errTokenGone
	}
	c := &r.caller
	if !c.user.IsActive {
		return nil, deactivated(c.orgName)
	}

	if !r.lastUsed.Valid || ms(now)-r.lastUsed.Int64 >= touchEvery.Milliseconds() {
		err := b.db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE id = ?`,
				ms(now), c.tokenID); err != nil {
				return err
			}
			return touchUser(ctx, tx, c.user.ID, now)
		})
		if err != nil {
			return nil, fmt.Errorf("record token use: %w", err)
		}
		c.user.LastActivity = account.At(now)
	}
	return c, nil
}

func touchUser(ctx context.Context, tx *sql.Tx, userID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET last_activity = max(last_activity, ?)
		WHERE id = ?`, ms(now), userID)
	return err
}

func deactivated(org string) error {
	return account.Errorf(account.ErrUnauthenticated,
		"account is deactivated: ask an administrator of %s", org)
}

// audit appends one entry to the audit log inside tx.
func audit(ctx context.Context, tx *sql.Tx, now time.Time, actor, target, action, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, actor, target, action, detail, at)
		VALUES (?, ?, ?, ?, ?, ?)`, newID(), actor, target, action, detail, ms(now))
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// notify sends a pure notice after its change committed. Without a Notifier the
// notice is dropped; a failure comes back as a [*NoticeError].
func (b *backend) notify(ctx context.Context, n account.Notice) error {
	if b.opts.Notifier == nil {
		return nil
	}
	if err := b.opts.Notifier.Notify(ctx, n); err != nil {
		return &NoticeError{Kind: n.Kind, Err: err}
	}
	return nil
}

func noticeFor(kind account.NoticeKind, u *account.User, org string) account.Notice {
	return account.Notice{Kind: kind, To: u.Email, Name: u.FullName(), Organization: org}
}
