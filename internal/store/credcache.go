package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// maxCachedCredentials bounds the credential cache; when it is full, it starts over.
const maxCachedCredentials = 4096

// credRow is what a credential lookup reads: the caller, and the use and expiry times
// the rules compare with the clock on every call.
type credRow struct {
	caller
	lastUsed sql.NullInt64
	expires  int64 // sessions only
}

// credKey is a credential lookup's key: the statement (session or token) and the
// SHA-256 of the secret, never the secret itself.
type credKey struct {
	session bool
	hash    [32]byte
}

// credCache remembers credential lookups for as long as the database has not changed.
// Before each use it asks SQLite, on a connection of its own that never writes, for
// PRAGMA data_version, which changes whenever any other connection (in this process or
// another) commits. Any commit empties the cache, so a call that starts after a token
// was revoked, a session ended or a user deactivated reads the store again and sees it,
// exactly as without the cache. Checks against the clock (session expiry, the
// once-a-minute touch) are made on every call from the cached times.
//
// Under load, requests share the version reads: each waits for a read that started
// after the request did, which is all "at once" needs, so one read serves every
// request that arrived while the previous one ran.
type credCache struct {
	conn    *sql.Conn
	version *sql.Stmt
	gate    versionGate

	mu      sync.Mutex
	seen    int64  // the data version the entries are valid at
	seenSeq uint64 // the number of the version read that found seen
	entries map[credKey]*credRow
}

// newCredCache takes a connection from ro for the cache's own use.
func newCredCache(ctx context.Context, ro *sql.DB) (*credCache, error) {
	conn, err := ro.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open credential cache: %w", err)
	}
	st, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("prepare data version: %w", err)
	}
	c := &credCache{conn: conn, version: st, seen: -1, entries: map[credKey]*credRow{}}
	c.gate.read = c.readVersion
	return c, nil
}

// readVersion asks SQLite for the data version on the cache's own connection.
func (c *credCache) readVersion() (int64, error) {
	// Background: a point pragma is not worth the driver's cancellation watcher.
	var v int64
	if err := c.version.QueryRowContext(context.Background()).Scan(&v); err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	return v, nil
}

// close returns the cache's connection.
func (c *credCache) close() error {
	return errors.Join(c.version.Close(), c.conn.Close())
}

// get returns the cached row for k, or nil and the data version a new row read from
// now on must be stored with (see put).
func (c *credCache) get(k credKey) (*credRow, int64, error) {
	v, seq, err := c.gate.check()
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A read older than the one that set seen also started after this request did, and
	// the entries are at least as new as that newer read, so they serve here too.
	if seq > c.seenSeq {
		if v != c.seen {
			clear(c.entries)
			c.seen = v
		}
		c.seenSeq = seq
	}
	r := c.entries[k]
	if r == nil {
		return nil, v, nil
	}
	out := *r
	out.user.Teams = slices.Clone(r.user.Teams)
	return &out, v, nil
}

// put stores r, read after get returned version. When the data version has moved on
// in between, r may already be stale, so it is not kept.
func (c *credCache) put(k credKey, version int64, r *credRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.seen {
		return
	}
	if len(c.entries) >= maxCachedCredentials {
		clear(c.entries)
	}
	keep := *r
	keep.user.Teams = slices.Clone(r.user.Teams)
	c.entries[k] = &keep
}

// versionGate runs one version read at a time and lets callers share them.
type versionGate struct {
	read func() (int64, error)

	mu      sync.Mutex
	started uint64        // how many reads have started
	done    uint64        // the number of the last read that finished
	running chan struct{} // closed when the running read ends; nil when none runs
	version int64         // the result of read number done
	err     error
}

// check returns the result of a read that started after check was called, and that
// read's number; numbers grow with time.
func (g *versionGate) check() (int64, uint64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	// A read running now may have started before this call, so only the next will do.
	want := g.started + 1
	for g.done < want {
		if g.running != nil {
			ch := g.running
			g.mu.Unlock()
			<-ch
			g.mu.Lock()
			continue
		}
		g.started++
		n, ch := g.started, make(chan struct{})
		g.running = ch
		g.mu.Unlock()
		v, err := g.read()
		g.mu.Lock()
		g.version, g.err, g.done, g.running = v, err, n, nil
		close(ch)
	}
	return g.version, g.done, g.err
}
