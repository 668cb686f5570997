package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
)

var _ account.PasskeyBackend = (*backend)(nil)

// Ceremony kinds, as the ceremonies table records them.
const (
	ceremonyRegister = "register"
	ceremonyLogin    = "login"
)

var (
	errRegistrationGone = account.Errorf(account.ErrNotFound,
		"passkey registration is unknown, used or expired: run the command again")
	errPasskeyLoginGone = account.Errorf(account.ErrUnauthenticated,
		"passkey login is unknown, used or expired: run the command again")
)

// engine returns the WebAuthn engine on the backend's clock, so ceremonies expire by
// the same time the rest of the rules use.
func (b *backend) engine() *passkey.Engine {
	return &passkey.Engine{Now: b.now}
}

// passkeyColumns are selected, in this order, by scanPasskey.
const passkeyColumns = `p.id, p.credential_id, p.public_key, p.sign_count, p.aaguid,
	p.transports, p.backup_eligible, p.backup_state, p.name, p.created, p.last_used,
	p.user_verified, p.attestation_type, p.attestation_format`

// storedKey is one row of the passkeys table: what `wk passkey list` shows and what the
// engine verifies against.
type storedKey struct {
	pk   account.Passkey
	cred passkey.Credential
}

func scanPasskey(row interface{ Scan(...any) error }) (*storedKey, error) {
	var k storedKey
	var signCount, created int64
	var transports string
	var lastUsed sql.NullInt64
	err := row.Scan(&k.pk.ID, &k.cred.ID, &k.cred.PublicKey, &signCount, &k.cred.AAGUID,
		&transports, &k.cred.BackupEligible, &k.cred.BackedUp, &k.pk.Name, &created, &lastUsed,
		&k.cred.UserVerified, &k.cred.AttestationType, &k.cred.AttestationFormat)
	if err != nil {
		return nil, err
	}
	k.cred.SignCount = uint32(signCount)
	if transports != "" {
		k.cred.Transports = strings.Split(transports, ",")
	}
	k.cred.Name = k.pk.Name

	k.pk.Created, k.pk.LastUsed = fromMS(created), fromNullMS(lastUsed)
	k.pk.AAGUID = passkey.FormatAAGUID(k.cred.AAGUID)
	k.pk.Authenticator = k.cred.Authenticator()
	k.pk.BackupEligible, k.pk.BackedUp = k.cred.BackupEligible, k.cred.BackedUp
	return &k, nil
}

// userKeys returns a user's passkeys, oldest first.
func userKeys(ctx context.Context, q querier, userID string) ([]storedKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys p
		WHERE p.user = ? ORDER BY p.created, p.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("read passkeys: %w", err)
	}
	defer rows.Close()

	var keys []storedKey
	for rows.Next() {
		k, err := scanPasskey(rows)
		if err != nil {
			return nil, fmt.Errorf("read passkeys: %w", err)
		}
		keys = append(keys, *k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read passkeys: %w", err)
	}
	return keys, nil
}

// engineUser describes u and their passkeys to the engine. The WebAuthn user handle is
// the user id, which is what a discoverable login hands back.
func engineUser(ctx context.Context, q querier, u *account.User) (*passkey.User, error) {
	keys, err := userKeys(ctx, q, u.ID)
	if err != nil {
		return nil, err
	}
	eu := &passkey.User{ID: []byte(u.ID), Email: u.Email, DisplayName: u.FullName()}
	for _, k := range keys {
		eu.Credentials = append(eu.Credentials, k.cred)
	}
	return eu, nil
}

// keepCeremony stores a begun ceremony until it expires and drops expired ones.
func (b *backend) keepCeremony(ctx context.Context, kind, userID string, begun *passkey.Begun) (*account.Ceremony, error) {
	id, now := newID(), b.now()
	user := sql.NullString{String: userID, Valid: userID != ""}
	err := b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ceremonies WHERE expires <= ?`, ms(now)); err != nil {
			return fmt.Errorf("drop expired ceremonies: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ceremonies (id, kind, user, data, created, expires)
			VALUES (?, ?, ?, ?, ?, ?)`, id, kind, user, string(begun.State), ms(now), ms(begun.Expires))
		if err != nil {
			return fmt.Errorf("store passkey ceremony: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &account.Ceremony{ID: id, Options: begun.Options, Expires: account.At(begun.Expires)}, nil
}

// takeCeremony removes a ceremony of kind and returns its state, so it can be finished
// once. For a registration, userID must be the user who began it. An unknown, used,
// expired or foreign ceremony is gone.
func (b *backend) takeCeremony(ctx context.Context, id, kind, userID string, gone error) ([]byte, error) {
	var data string
	err := b.db.tx(ctx, func(tx *sql.Tx) error {
		var user sql.NullString
		var expires int64
		err := tx.QueryRowContext(ctx, `DELETE FROM ceremonies WHERE id = ? AND kind = ?
			RETURNING user, data, expires`, id, kind).Scan(&user, &data, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return gone
		}
		if err != nil {
			return fmt.Errorf("take passkey ceremony: %w", err)
		}
		if user.String != userID || ms(b.now()) >= expires {
			return gone
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []byte(data), nil
}

// BeginPasskeyRegistration checks name and starts a registration for the caller.
func (b *backend) BeginPasskeyRegistration(ctx context.Context, name string, rp account.RelyingParty) (*account.Ceremony, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	eu, err := engineUser(ctx, b.db.sql, &c.user)
	if err != nil {
		return nil, err
	}
	begun, err := b.engine().BeginRegistration(rp, eu, name)
	if err != nil {
		return nil, err
	}
	return b.keepCeremony(ctx, ceremonyRegister, c.user.ID, begun)
}

// FinishPasskeyRegistration verifies the browser's answer, stores the passkey and
// mails a notice to the caller's address.
func (b *backend) FinishPasskeyRegistration(ctx context.Context, ceremonyID string, response []byte) (*account.Passkey, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	return b.finishRegistration(ctx, c, ceremonyID, response)
}

// finishRegistration is FinishPasskeyRegistration for a caller already known, such as
// the user who opened a passkey link.
func (b *backend) finishRegistration(ctx context.Context, c *caller, ceremonyID string, response []byte) (*account.Passkey, error) {
	state, err := b.takeCeremony(ctx, ceremonyID, ceremonyRegister, c.user.ID, errRegistrationGone)
	if err != nil {
		return nil, err
	}
	eu, err := engineUser(ctx, b.db.sql, &c.user)
	if err != nil {
		return nil, err
	}
	reg, err := b.engine().FinishRegistration(state, eu, response)
	if err != nil {
		return nil, err
	}

	id, now, cred := newID(), b.now(), reg.Credential
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO passkeys (id, user, credential_id, public_key,
			sign_count, aaguid, transports, backup_eligible, backup_state, name, created,
			user_verified, attestation_type, attestation_format)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.user.ID, cred.ID, cred.PublicKey, int64(cred.SignCount), cred.AAGUID,
			strings.Join(cred.Transports, ","), cred.BackupEligible, cred.BackedUp, reg.Name, ms(now),
			cred.UserVerified, orNone(cred.AttestationType), orNone(cred.AttestationFormat))
		if isConstraint(err) {
			return account.Errorf(account.ErrConflict,
				"this passkey or the name %q is already registered: choose another name or authenticator", reg.Name)
		}
		if err != nil {
			return fmt.Errorf("store passkey: %w", err)
		}
		return audit(ctx, tx, now, c.user.ID, c.user.ID, "passkey-added", id)
	})
	if err != nil {
		return nil, err
	}

	k, err := b.findKey(ctx, c.user.ID, id)
	if err != nil {
		return nil, err
	}
	n := noticeFor(account.NoticePasskeyAdded, &c.user, c.orgName)
	n.PasskeyName = k.pk.Name
	return &k.pk, b.notify(ctx, n)
}

// Passkeys lists the caller's passkeys, oldest first.
func (b *backend) Passkeys(ctx context.Context) ([]account.Passkey, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := userKeys(ctx, b.db.sql, c.user.ID)
	if err != nil {
		return nil, err
	}
	out := make([]account.Passkey, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.pk)
	}
	return out, nil
}

// findKey finds one of a user's passkeys by id, or else by name regardless of case.
func (b *backend) findKey(ctx context.Context, userID, idOrName string) (*storedKey, error) {
	want := strings.TrimSpace(idOrName)
	row := b.db.sql.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys p
		WHERE p.user = ? AND (p.id = ? OR p.name = ? COLLATE NOCASE)
		ORDER BY p.id = ? DESC LIMIT 1`, userID, want, want, want)
	k, err := scanPasskey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.Errorf(account.ErrNotFound,
			"no passkey has the id or name %q: see wk passkey list", idOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("find passkey: %w", err)
	}
	return k, nil
}

// RenamePasskey renames one of the caller's passkeys.
func (b *backend) RenamePasskey(ctx context.Context, idOrName, newName string) (*account.Passkey, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	k, err := b.findKey(ctx, c.user.ID, idOrName)
	if err != nil {
		return nil, err
	}
	name, err := account.CheckPasskeyName(newName)
	if err != nil {
		return nil, err
	}

	now := b.now()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE passkeys SET name = ? WHERE id = ?`, name, k.pk.ID)
		if isConstraint(err) {
			return account.Errorf(account.ErrConflict, "a passkey named %q already exists: choose another name", name)
		}
		if err != nil {
			return fmt.Errorf("rename passkey: %w", err)
		}
		return audit(ctx, tx, now, c.user.ID, c.user.ID, "passkey-renamed", k.pk.ID)
	})
	if err != nil {
		return nil, err
	}
	k.pk.Name = name
	return &k.pk, nil
}

// DeletePasskey removes one of the caller's passkeys, which stops signing in at once,
// ends the sessions opened with it (by the sessions table's foreign key), and mails a
// notice.
func (b *backend) DeletePasskey(ctx context.Context, idOrName string) (*account.Passkey, error) {
	c, err := b.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	k, err := b.findKey(ctx, c.user.ID, idOrName)
	if err != nil {
		return nil, err
	}

	now := b.now()
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ? AND user = ?`, k.pk.ID, c.user.ID)
		if err != nil {
			return fmt.Errorf("delete passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return account.Errorf(account.ErrNotFound, "passkey %q was already deleted", k.pk.Name)
		}
		return audit(ctx, tx, now, c.user.ID, c.user.ID, "passkey-removed", k.pk.ID)
	})
	if err != nil {
		return nil, err
	}
	n := noticeFor(account.NoticePasskeyRemoved, &c.user, c.orgName)
	n.PasskeyName = k.pk.Name
	return &k.pk, b.notify(ctx, n)
}

// BeginPasskeyLogin starts a login with any discoverable credential. It needs no
// credential.
func (b *backend) BeginPasskeyLogin(ctx context.Context, rp account.RelyingParty) (*account.Ceremony, error) {
	begun, err := b.engine().BeginLogin(rp)
	if err != nil {
		return nil, err
	}
	return b.keepCeremony(ctx, ceremonyLogin, "", begun)
}

// FinishPasskeyLogin verifies the assertion, records the new signature counter and
// opens a session recorded as opened with a passkey. Every failure is
// ErrUnauthenticated and opens nothing.
func (b *backend) FinishPasskeyLogin(ctx context.Context, ceremonyID string, response []byte) (*account.LoginResult, error) {
	var sec string
	user, err := b.verifyPasskeyLogin(ctx, ceremonyID, response, func(tx *sql.Tx, userID, keyID string, now time.Time) error {
		var err error
		sec, err = b.openSession(ctx, tx, userID, now, account.OpenedWithPasskey, "", keyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b.loginResult(ctx, sec, user.ID)
}

// verifyPasskeyLogin verifies a login assertion and records the new signature counter,
// and in the same transaction runs then for the user it names and the passkey they
// used: FinishPasskeyLogin opens a session there, a passkey link records who signed in.
// Every failure is ErrUnauthenticated and changes nothing.
func (b *backend) verifyPasskeyLogin(ctx context.Context, ceremonyID string, response []byte,
	then func(tx *sql.Tx, userID, keyID string, now time.Time) error) (*account.User, error) {
	state, err := b.takeCeremony(ctx, ceremonyID, ceremonyLogin, "", errPasskeyLoginGone)
	if err != nil {
		return nil, err
	}

	var (
		user    *account.User
		orgName string
		before  *passkey.User
	)
	lookup := func(handle []byte) (*passkey.User, error) {
		row := b.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, o.name FROM users u
			JOIN organizations o ON o.id = u.organization WHERE u.id = ?`, string(handle))
		u, err := scanUser(row, &orgName)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, account.Errorf(account.ErrNotFound, "no user has this passkey")
		}
		if err != nil {
			return nil, fmt.Errorf("find passkey user: %w", err)
		}
		user = u
		before, err = engineUser(ctx, b.db.sql, u)
		return before, err
	}
	in, err := b.engine().FinishLogin(state, response, lookup)
	if err != nil {
		return nil, err
	}
	if !user.IsActive {
		return nil, deactivated(orgName)
	}

	now, cred := b.now(), in.Credential
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		// The old counter in the condition refuses a second login that verified
		// against the same counter at the same time.
		var keyID string
		err := tx.QueryRowContext(ctx, `UPDATE passkeys SET sign_count = ?, backup_state = ?,
			last_used = ? WHERE user = ? AND credential_id = ? AND sign_count = ? RETURNING id`,
			int64(cred.SignCount), cred.BackedUp, ms(now), user.ID, cred.ID,
			int64(oldCount(before, cred.ID))).Scan(&keyID)
		if errors.Is(err, sql.ErrNoRows) {
			return account.Errorf(account.ErrUnauthenticated,
				"passkey login failed: the passkey was deleted or used by another login at the same time: try again")
		}
		if err != nil {
			return fmt.Errorf("record passkey use: %w", err)
		}
		return then(tx, user.ID, keyID, now)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// oldCount is the signature counter stored for the credential id before the login.
func oldCount(u *passkey.User, id []byte) uint32 {
	for _, c := range u.Credentials {
		if string(c.ID) == string(id) {
			return c.SignCount
		}
	}
	return 0
}

// orNone stores an empty attestation type or format as "none", what wk asks for.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
