package prompt

import (
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
)

// palette holds the few colours a prompt uses.
type palette struct {
	text, muted, title, pointer, ok, bad, border, buttonText, idleButton lipgloss.Color
}

// Palettes with fixed colours, for people who chose a theme rather than the terminal's.
var (
	lightPalette = palette{
		text: "#1F1F24", muted: "#6B6B76", title: "#3B36C4", pointer: "#B4159A",
		ok: "#0A7D55", bad: "#C4193F", border: "#B0B0B8", buttonText: "#FFFFFF",
		idleButton: "#E2E2E8",
	}
	darkPalette = palette{
		text: "#E4E4E8", muted: "#8A8A96", title: "#8F8BFF", pointer: "#F780E2",
		ok: "#2ED3A0", bad: "#FF6F8E", border: "#4A4A55", buttonText: "#FFFDF5",
		idleButton: "#3A3A44",
	}
)

// themeFor returns the huh theme for a wk theme setting: fixed colours for "light" and
// "dark", and for "auto" (or anything else) huh's Charm theme, whose adaptive colours
// follow the terminal's background.
func themeFor(name string) *huh.Theme {
	switch name {
	case "light":
		return fixedTheme(lightPalette)
	case "dark":
		return fixedTheme(darkPalette)
	}
	return huh.ThemeCharm()
}

func fixedTheme(p palette) *huh.Theme {
	t := huh.ThemeBase()
	f := &t.Focused
	f.Base = f.Base.BorderForeground(p.border)
	f.Card = f.Base
	f.Title = f.Title.Foreground(p.title).Bold(true)
	f.NoteTitle = f.NoteTitle.Foreground(p.title).Bold(true)
	f.Description = f.Description.Foreground(p.muted)
	f.ErrorIndicator = f.ErrorIndicator.Foreground(p.bad)
	f.ErrorMessage = f.ErrorMessage.Foreground(p.bad)

	f.SelectSelector = f.SelectSelector.Foreground(p.pointer)
	f.NextIndicator = f.NextIndicator.Foreground(p.pointer)
	f.PrevIndicator = f.PrevIndicator.Foreground(p.pointer)
	f.Option = f.Option.Foreground(p.text)
	f.SelectedOption = f.SelectedOption.Foreground(p.ok)
	f.UnselectedOption = f.UnselectedOption.Foreground(p.text)

	f.FocusedButton = f.FocusedButton.Foreground(p.buttonText).Background(p.pointer)
	f.Next = f.FocusedButton
	f.BlurredButton = f.BlurredButton.Foreground(p.text).Background(p.idleButton)
	f.TextInput.Cursor = f.TextInput.Cursor.Foreground(p.ok)
	f.TextInput.Placeholder = f.TextInput.Placeholder.Foreground(p.muted)
	f.TextInput.Prompt = f.TextInput.Prompt.Foreground(p.pointer)
	f.TextInput.Text = f.TextInput.Text.Foreground(p.text)

	t.Blurred = t.Focused
	t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
	t.Blurred.Card = t.Blurred.Base
	t.Blurred.NextIndicator = lipgloss.NewStyle()
	t.Blurred.PrevIndicator = lipgloss.NewStyle()
	t.Group.Title = f.Title
	t.Group.Description = f.Description
	return t
}
