package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

// ceremonyLink is the ceremonies kind of a passkey link. A link row keeps, in its data,
// the hashes of the link's two secrets, the current inner ceremony and the outcome; its
// user column is the user who registers, or the user a login verified.
const ceremonyLink = "passkey-link"

var errLinkGone = account.Errorf(account.ErrNotFound,
	"the passkey page is unknown, used or expired: run the command again")

// PasskeyLinks is the store side of the one-time passkey pages `wk serve` offers to
// wk's command line. A link joins three parties: the command that starts it and polls
// with its poll secret, the browser page that opens it with its link secret, and the
// store that runs the ceremony in between. Links last [account.CeremonyTimeout] and are
// used once. Get one with [DB.PasskeyLinks].
type PasskeyLinks interface {
	// StartPasskeyLink makes a link for mode (account.PasskeyPageRegister, which needs
	// the backend's credential and checks name, or account.PasskeyPageLogin, which
	// needs none and ignores name).
	StartPasskeyLink(ctx context.Context, mode, name string) (*PasskeyLink, error)
	// BeginPasskeyLink starts (or, when the page retries, restarts) the link's ceremony
	// for rp and returns the link's mode with the browser's options. An unknown, used
	// or expired link is ErrNotFound.
	BeginPasskeyLink(ctx context.Context, link string, rp account.RelyingParty) (string, *account.Ceremony, error)
	// FinishPasskeyLink verifies the browser's answer to the link's ceremony. A
	// registration stores the passkey and returns it (with a *NoticeError when only its
	// mail failed); a login records who signed in and opens no session yet. Login
	// failures are ErrUnauthenticated.
	FinishPasskeyLink(ctx context.Context, link string, response []byte) (*account.Passkey, error)
	// PollPasskeyLink reports a link's outcome to the holder of its poll secret. Once
	// done it ends the link: a registration hands back the passkey, a login opens the
	// session (recorded as opened with a passkey, for the backend's user agent) and
	// hands back its secret, which exists only now.
	PollPasskeyLink(ctx context.Context, poll string) (*PasskeyLinkResult, error)
	// NamePasskeyRegistration gives a begun registration of the caller a new name, for
	// WEBKNOSSOS clients that name the passkey only when they finish. The name is
	// checked as BeginPasskeyRegistration checks it.
	NamePasskeyRegistration(ctx context.Context, ceremonyID, name string) error
}

// PasskeyLink is a started link. Link goes into the page's URL and Poll to the command
// that waits; both are shown only here, and the store keeps their hashes.
type PasskeyLink struct {
	Mode    string
	Link    string
	Poll    string
	Expires time.Time
}

// PasskeyLinkResult is a link's outcome: Done is false while the page has not
// finished; then Passkey is set for a registration and Login for a login.
type PasskeyLinkResult struct {
	Done    bool
	Passkey *account.Passkey
	Login   *account.LoginResult
}

// PasskeyLinks returns the link side of a backend for the caller described by o.
func (s *DB) PasskeyLinks(o BackendOptions) PasskeyLinks {
	return s.Backend(o).(*backend)
}

// linkData is the data column of a link row.
type linkData struct {
	Mode string `json:"mode"`
	Name string `json:"name,omitempty"`
	// LinkHash and PollHash are hex SHA-256 hashes of the two secrets.
	LinkHash string `json:"link"`
	PollHash string `json:"poll"`
	// Ceremony is the inner registration or login ceremony the page began last.
	Ceremony string           `json:"ceremony,omitempty"`
	Done     bool             `json:"done,omitempty"`
	Passkey  *account.Passkey `json:"passkey,omitempty"`
	// KeyID is the passkey a finished login used; its session is opened with it.
	KeyID string `json:"key,omitempty"`
}

// linkRow is one link as read from the ceremonies table.
type linkRow struct {
	id      string
	user    string
	expires time.Time
	data    linkData
}

// newLinkSecret returns "<link id>.<256 random bits>": the id finds the row, the rest
// is checked against its hash.
func newLinkSecret(id string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return id + "." + base64.RawURLEncoding.EncodeToString(b)
}

func hashHex(s string) string { return hex.EncodeToString(secret.Hash(s)) }

// StartPasskeyLink makes a link for a registration or a login.
func (b *backend) StartPasskeyLink(ctx context.Context, mode, name string) (*PasskeyLink, error) {
	var user sql.NullString
	data := linkData{Mode: mode}
	switch mode {
	case account.PasskeyPageRegister:
		c, err := b.authenticate(ctx)
		if err != nil {
			return nil, err
		}
		if data.Name, err = b.freeName(ctx, c.user.ID, name); err != nil {
			return nil, err
		}
		user = sql.NullString{String: c.user.ID, Valid: true}
	case account.PasskeyPageLogin:
	default:
		return nil, account.Errorf(account.ErrInvalid, "passkey page mode %q is neither register nor login", mode)
	}

	id, now := newID(), b.now()
	l := &PasskeyLink{Mode: mode, Link: newLinkSecret(id), Poll: newLinkSecret(id),
		Expires: now.Add(account.CeremonyTimeout)}
	data.LinkHash, data.PollHash = hashHex(l.Link), hashHex(l.Poll)
	blob, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode passkey link: %w", err)
	}
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ceremonies WHERE expires <= ?`, ms(now)); err != nil {
			return fmt.Errorf("drop expired ceremonies: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ceremonies (id, kind, user, data, created, expires)
			VALUES (?, ?, ?, ?, ?, ?)`, id, ceremonyLink, user, string(blob), ms(now), ms(l.Expires))
		if err != nil {
			return fmt.Errorf("store passkey link: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// freeName checks name and that none of the user's passkeys has it.
func (b *backend) freeName(ctx context.Context, userID, name string) (string, error) {
	name, err := account.CheckPasskeyName(name)
	if err != nil {
		return "", err
	}
	keys, err := userKeys(ctx, b.db.sql, userID)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if strings.EqualFold(k.pk.Name, name) {
			return "", account.Errorf(account.ErrConflict, "a passkey named %q already exists: choose another name", k.pk.Name)
		}
	}
	return name, nil
}

// loadLink reads the link a secret names and checks the secret against the hash that
// pick chooses. Unknown, mismatched and expired links are errLinkGone.
func (b *backend) loadLink(ctx context.Context, token string, pick func(*linkData) string) (*linkRow, error) {
	id, _, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok {
		return nil, errLinkGone
	}
	var row linkRow
	var user sql.NullString
	var blob string
	var expires int64
	err := b.db.sql.QueryRowContext(ctx, `SELECT id, user, data, expires FROM ceremonies
		WHERE id = ? AND kind = ?`, id, ceremonyLink).Scan(&row.id, &user, &blob, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLinkGone
	}
	if err != nil {
		return nil, fmt.Errorf("read passkey link: %w", err)
	}
	if err := json.Unmarshal([]byte(blob), &row.data); err != nil {
		return nil, fmt.Errorf("decode passkey link: %w", err)
	}
	want := pick(&row.data)
	if subtle.ConstantTimeCompare([]byte(hashHex(strings.TrimSpace(token))), []byte(want)) != 1 {
		return nil, errLinkGone
	}
	row.user, row.expires = user.String, time.UnixMilli(expires)
	if !b.now().Before(row.expires) {
		return nil, errLinkGone
	}
	return &row, nil
}

func pageHash(d *linkData) string { return d.LinkHash }
func pollHash(d *linkData) string { return d.PollHash }

// linkCaller is the user who started a registration link, as the registration code
// wants a caller.
func (b *backend) linkCaller(ctx context.Context, userID string) (*caller, error) {
	c := &caller{}
	row := b.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, o.name FROM users u
		JOIN organizations o ON o.id = u.organization WHERE u.id = ?`, userID)
	u, err := scanUser(row, &c.orgName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLinkGone
	}
	if err != nil {
		return nil, fmt.Errorf("read passkey link user: %w", err)
	}
	if !u.IsActive {
		return nil, deactivated(c.orgName)
	}
	c.user = *u
	return c, nil
}

// saveLink writes a link's data back, if the link still exists.
func saveLink(ctx context.Context, tx *sql.Tx, id, user string, d linkData) error {
	blob, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode passkey link: %w", err)
	}
	u := sql.NullString{String: user, Valid: user != ""}
	res, err := tx.ExecContext(ctx, `UPDATE ceremonies SET data = ?, user = ? WHERE id = ? AND kind = ?`,
		string(blob), u, id, ceremonyLink)
	if err != nil {
		return fmt.Errorf("update passkey link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLinkGone
	}
	return nil
}

// BeginPasskeyLink starts the link's ceremony, dropping one the page began before.
func (b *backend) BeginPasskeyLink(ctx context.Context, link string, rp account.RelyingParty) (string, *account.Ceremony, error) {
	l, err := b.loadLink(ctx, link, pageHash)
	if err != nil {
		return "", nil, err
	}
	if l.data.Done {
		return "", nil, errLinkGone
	}

	var cer *account.Ceremony
	switch l.data.Mode {
	case account.PasskeyPageRegister:
		c, err := b.linkCaller(ctx, l.user)
		if err != nil {
			return "", nil, err
		}
		eu, err := engineUser(ctx, b.db.sql, &c.user)
		if err != nil {
			return "", nil, err
		}
		begun, err := b.engine().BeginRegistration(rp, eu, l.data.Name)
		if err != nil {
			return "", nil, err
		}
		cer, err = b.keepCeremony(ctx, ceremonyRegister, c.user.ID, begun)
		if err != nil {
			return "", nil, err
		}
	default:
		if cer, err = b.BeginPasskeyLogin(ctx, rp); err != nil {
			return "", nil, err
		}
	}

	old := l.data.Ceremony
	l.data.Ceremony = cer.ID
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ceremonies WHERE id = ? AND kind <> ?`,
			old, ceremonyLink); err != nil {
			return fmt.Errorf("drop passkey ceremony: %w", err)
		}
		return saveLink(ctx, tx, l.id, l.user, l.data)
	})
	if err != nil {
		return "", nil, err
	}
	return l.data.Mode, cer, nil
}

// FinishPasskeyLink verifies the page's answer and records the outcome in the link.
func (b *backend) FinishPasskeyLink(ctx context.Context, link string, response []byte) (*account.Passkey, error) {
	l, err := b.loadLink(ctx, link, pageHash)
	if err != nil {
		return nil, err
	}
	if l.data.Done || l.data.Ceremony == "" {
		return nil, errLinkGone
	}
	if l.data.Mode == account.PasskeyPageLogin {
		_, err := b.verifyPasskeyLogin(ctx, l.data.Ceremony, response, func(tx *sql.Tx, userID, keyID string, _ time.Time) error {
			l.data.Done, l.data.KeyID = true, keyID
			return saveLink(ctx, tx, l.id, userID, l.data)
		})
		return nil, err
	}

	c, err := b.linkCaller(ctx, l.user)
	if err != nil {
		return nil, err
	}
	pk, err := b.finishRegistration(ctx, c, l.data.Ceremony, response)
	if pk == nil {
		return nil, err
	}
	l.data.Done, l.data.Passkey = true, pk
	if serr := b.db.tx(ctx, func(tx *sql.Tx) error { return saveLink(ctx, tx, l.id, l.user, l.data) }); serr != nil {
		return nil, serr
	}
	return pk, err
}

// PollPasskeyLink reports a link's outcome and ends a finished link.
func (b *backend) PollPasskeyLink(ctx context.Context, poll string) (*PasskeyLinkResult, error) {
	l, err := b.loadLink(ctx, poll, pollHash)
	if err != nil {
		return nil, err
	}
	if !l.data.Done {
		return &PasskeyLinkResult{}, nil
	}

	now := b.now()
	var sec string
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		// Deleting first makes the outcome one-use even when two polls race.
		res, err := tx.ExecContext(ctx, `DELETE FROM ceremonies WHERE id = ? AND kind = ?`, l.id, ceremonyLink)
		if err != nil {
			return fmt.Errorf("end passkey link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLinkGone
		}
		if l.data.Mode != account.PasskeyPageLogin {
			return nil
		}
		sec, err = b.openSession(ctx, tx, l.user, now, account.OpenedWithPasskey, "", l.data.KeyID)
		if isConstraint(err) {
			return account.Errorf(account.ErrUnauthenticated,
				"passkey login failed: the passkey was deleted meanwhile: sign in another way")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if l.data.Mode != account.PasskeyPageLogin {
		return &PasskeyLinkResult{Done: true, Passkey: l.data.Passkey}, nil
	}
	res, err := b.loginResult(ctx, sec, l.user)
	if err != nil {
		return nil, err
	}
	return &PasskeyLinkResult{Done: true, Login: res}, nil
}

// NamePasskeyRegistration renames a begun registration of the caller. It rewrites the
// name the engine keeps in the ceremony's state, which the engine checks again when
// the registration finishes.
func (b *backend) NamePasskeyRegistration(ctx context.Context, ceremonyID, name string) error {
	c, err := b.authenticate(ctx)
	if err != nil {
		return err
	}
	if name, err = b.freeName(ctx, c.user.ID, name); err != nil {
		return err
	}
	err = b.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ceremonies SET data = json_set(data, '$.name', ?)
			WHERE id = ? AND kind = ? AND user = ? AND expires > ?`,
			name, ceremonyID, ceremonyRegister, c.user.ID, ms(b.now()))
		if err != nil {
			return fmt.Errorf("name passkey registration: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errRegistrationGone
		}
		return nil
	})
	return err
}
