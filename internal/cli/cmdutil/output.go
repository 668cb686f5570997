package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON writes v as indented JSON followed by a newline. The shapes written are stable:
// keys follow the WEBKNOSSOS API and are only ever added to.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// Table prints rows: on a terminal with a bold header and aligned columns, otherwise as
// tab-separated lines without a header, which scripts can cut.
type Table struct {
	out    io.Writer
	tty    bool
	pal    Palette
	header []string
	rows   [][]string
}

// NewTable returns a table writing to the streams' stdout.
func NewTable(io *IOStreams, pal Palette, header ...string) *Table {
	return &Table{out: io.Out, tty: io.OutTTY, pal: pal, header: header}
}

// Row adds one row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Render writes the table.
func (t *Table) Render() error {
	if !t.tty {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(t.out, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
	head := make([]string, len(t.header))
	for i, h := range t.header {
		head[i] = t.pal.Bold(h)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// When formats t for a table cell: relative on a terminal ("5 minutes ago"), RFC 3339 in
// UTC otherwise, and "never" for the zero time.
func When(t time.Time, now time.Time, tty bool) string {
	if t.IsZero() {
		return "never"
	}
	if !tty {
		return t.UTC().Format(time.RFC3339)
	}
	return Ago(now.Sub(t))
}

// Ago turns a duration into words like "just now", "3 minutes ago" or "2 days ago".
func Ago(d time.Duration) string {
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	default:
		s = plural(int(d/(24*time.Hour)), "day")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// WriteJSONList writes a list as a JSON array; an empty or nil list is written as [],
// never null, so scripts can always iterate.
func WriteJSONList[T any](w io.Writer, list []T) error {
	if list == nil {
		list = []T{}
	}
	return WriteJSON(w, list)
}
