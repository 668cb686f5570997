package account

import (
	"bytes"
	"encoding/json"
	"time"
)

// Timestamp is a point in time that JSON shows as epoch milliseconds, as the WEBKNOSSOS API
// does. The zero Timestamp is written as null.
type Timestamp struct {
	time.Time
}

// At returns t as a [Timestamp] truncated to milliseconds, the precision JSON keeps.
func At(t time.Time) Timestamp {
	if t.IsZero() {
		return Timestamp{}
	}
	return Timestamp{t.UTC().Truncate(time.Millisecond)}
}

// MarshalJSON writes epoch milliseconds, or null for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UnixMilli())
}

// UnmarshalJSON reads epoch milliseconds or null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Timestamp{}
		return nil
	}
	var ms int64
	if err := json.Unmarshal(b, &ms); err != nil {
		return err
	}
	*t = Timestamp{time.UnixMilli(ms).UTC()}
	return nil
}
