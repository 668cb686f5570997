package mail

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/wk-tools/wk/internal/account"
)

// subjectPrefix starts every subject, so people can filter wk's mail.
const subjectPrefix = "wk | "

// wrapWidth is the longest line para writes, leaving room under the 78 of RFC 5322.
const wrapWidth = 72

// compose builds the MIME message for n: headers, and the text body in 8bit so the token
// line is verbatim in the raw message rather than quoted-printable.
func (m *Mailer) compose(n account.Notice) (*gomail.Msg, error) {
	subject, body, err := render(n, m.cfg.PublicURL)
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.SetEncoding(gomail.NoEncoding)
	if err := msg.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("set sender %q: %w", m.cfg.From, err)
	}
	if err := msg.To(n.To); err != nil {
		return nil, fmt.Errorf("set recipient %q: %w", n.To, err)
	}

	msg.Subject(subject)
	msg.SetDateWithValue(m.now())
	msg.SetMessageID()
	msg.SetUserAgent("wk")
	msg.SetBodyString(gomail.TypeTextPlain, body)
	return msg, nil
}

// render returns the subject and plain-text body for n. Paragraphs are wrapped at
// wrapWidth; only a word longer than that, such as a link, makes a longer line.
func render(n account.Notice, publicURL string) (subject, body string, err error) {
	var b strings.Builder
	greet(&b, n.Name)

	switch n.Kind {
	case account.NoticePasswordReset:
		if n.Secret == "" {
			return "", "", errors.New("password reset notice has no token")
		}
		subject = "Password reset"
		resetText(&b, n, publicURL)
	case account.NoticeInvitation:
		if n.Secret == "" {
			return "", "", errors.New("invitation notice has no token")
		}
		subject = "Invitation"
		if n.Organization != "" {
			subject += " to " + n.Organization
		}
		invitationText(&b, n, publicURL)
	case account.NoticePasswordChanged:
		subject = "Password changed"
		passwordChangedText(&b, n)
	case account.NoticeEmailChanged:
		subject = "Email address changed"
		emailChangedText(&b, n)
	case account.NoticeTokenRegenerated:
		subject = "API token replaced"
		tokenText(&b, n)
	case account.NoticeLoggedOutEverywhere:
		subject = "Signed out everywhere"
		loggedOutText(&b, n)
	case account.NoticePasskeyAdded:
		subject = "Passkey added"
		passkeyAddedText(&b, n)
	case account.NoticePasskeyRemoved:
		subject = "Passkey removed"
		passkeyRemovedText(&b, n)
	default:
		return "", "", fmt.Errorf("unknown notice kind %q", n.Kind)
	}

	b.WriteString("-- \nThis mail was sent by wk, the account tool. Please do not reply.\n")
	return subjectPrefix + subject, b.String(), nil
}

func greet(b *strings.Builder, name string) {
	if name = strings.TrimSpace(name); name == "" {
		b.WriteString("Hello,\n\n")
		return
	}
	fmt.Fprintf(b, "Hello %s,\n\n", name)
}

// para writes s, word-wrapped at wrapWidth, and a blank line. Words are never split, so
// an address or name stays whole.
func para(b *strings.Builder, s string) {
	width := 0
	for _, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		switch {
		case width == 0:
		case width+1+n > wrapWidth:
			b.WriteByte('\n')
			width = 0
		default:
			b.WriteByte(' ')
			width++
		}
		b.WriteString(w)
		width += n
	}
	b.WriteString("\n\n")
}

// accountPhrase names the account the mail is about, with its organization when known.
func accountPhrase(n account.Notice) string {
	if n.Organization == "" {
		return "your wk account " + n.To
	}
	return fmt.Sprintf("your wk account %s in %s", n.To, n.Organization)
}

// tokenLines writes the copyable command on a line of its own and, with a public URL,
// the link; neither is wrapped.
func tokenLines(b *strings.Builder, secret, publicURL string) {
	fmt.Fprintf(b, "wk password reset --token %s\n\n", secret)
	if publicURL == "" {
		return
	}
	link := strings.TrimRight(publicURL, "/") + "/auth/finishResetPassword?token=" +
		url.QueryEscape(secret)
	para(b, "Or open this link in your browser:")
	fmt.Fprintf(b, "%s\n\n", link)
}

func resetText(b *strings.Builder, n account.Notice, publicURL string) {
	para(b, fmt.Sprintf("Someone asked to reset the password of %s. To choose a new "+
		"password, run this command within one hour:", accountPhrase(n)))
	tokenLines(b, n.Secret, publicURL)
	para(b, "The token works once. Setting a new password signs you out on every device.")
	para(b, "If you did not ask for this, ignore this mail: your password stays as it is "+
		"and the token expires on its own.")
}

func invitationText(b *strings.Builder, n account.Notice, publicURL string) {
	who := strings.TrimSpace(n.InvitedBy)
	if who == "" {
		who = "An administrator"
	}
	org := n.Organization
	if org == "" {
		org = "their organization"
	}
	para(b, fmt.Sprintf("%s invited you to join %s on wk. Your account is %s. To set "+
		"its password, run this command within 48 hours:", who, org, n.To))
	tokenLines(b, n.Secret, publicURL)
	para(b, "The token works once. If you did not expect this invitation, ignore this "+
		"mail: nobody can sign in to the account until a password is set.")
}

// notYou ends a security notice with what to do when the owner did not act.
func notYou(b *strings.Builder, advice string) {
	para(b, "If this was you, there is nothing to do. If it was not you, "+advice)
}

func passwordChangedText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("The password of %s was just changed. Your other sessions were "+
		"signed out; the one that made the change stays signed in.", accountPhrase(n)))
	notYou(b, "someone else knows your password: ask for a password reset at once "+
		"and tell your organization's administrator.")
}

func emailChangedText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("The email address of %s was changed to %s. From now on, wk "+
		"writes to the new address, and this one no longer signs in.",
		accountPhrase(n), n.NewEmail))
	notYou(b, "someone else knows your password: tell your organization's "+
		"administrator at once so they can restore your address.")
}

func tokenText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("The personal API token of %s was replaced. The old token and "+
		"the sessions opened with it no longer work, so scripts that used it need the "+
		"new one.", accountPhrase(n)))
	notYou(b, "change your password at once and tell your organization's administrator.")
}

func loggedOutText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("Every session of %s was ended. Sign in again on each device "+
		"and in each tool you use.", accountPhrase(n)))
	notYou(b, "change your password and tell your organization's administrator.")
}

func passkeyAddedText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("A passkey named %q was added to %s. It can sign in to your "+
		"account without your password.", n.PasskeyName, accountPhrase(n)))
	notYou(b, "remove that passkey and change your password at once, then tell your "+
		"organization's administrator.")
}

func passkeyRemovedText(b *strings.Builder, n account.Notice) {
	para(b, fmt.Sprintf("The passkey named %q was removed from %s. It can no longer "+
		"sign in to your account.", n.PasskeyName, accountPhrase(n)))
	notYou(b, "change your password at once and tell your organization's administrator.")
}
