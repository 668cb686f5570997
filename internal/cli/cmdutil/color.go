package cmdutil

import "fmt"

// Palette colours wk's own output. Its zero value prints plain text.
type Palette struct {
	on                      bool
	bold, faint, green, red string
	yellow, cyan            string
}

// NewPalette returns the colours for a theme ("auto", "light" or "dark"), or plain text
// when enabled is false. Light terminals get darker shades, dark ones brighter shades.
func NewPalette(theme string, enabled bool) Palette {
	if !enabled {
		return Palette{}
	}
	p := Palette{on: true, bold: "1", faint: "2"}
	switch theme {
	case "light":
		p.green, p.red, p.yellow, p.cyan = "32", "31", "33", "34"
	case "dark":
		p.green, p.red, p.yellow, p.cyan = "92", "91", "93", "96"
	default:
		p.green, p.red, p.yellow, p.cyan = "32", "31", "33", "36"
	}
	return p
}

func (p Palette) paint(code, s string) string {
	if !p.on || code == "" {
		return s
	}
	return fmt.Sprintf("\x1b[%sm%s\x1b[0m", code, s)
}

// Bold emphasises s.
func (p Palette) Bold(s string) string { return p.paint(p.bold, s) }

// Faint dims s.
func (p Palette) Faint(s string) string { return p.paint(p.faint, s) }

// Success colours a message that reports something done.
func (p Palette) Success(s string) string { return p.paint(p.green, s) }

// Error colours an error message.
func (p Palette) Error(s string) string { return p.paint(p.red, s) }

// Warn colours a caution.
func (p Palette) Warn(s string) string { return p.paint(p.yellow, s) }

// Accent colours names and values worth spotting.
func (p Palette) Accent(s string) string { return p.paint(p.cyan, s) }
