package mail

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wk-tools/wk/internal/account"
)

func allKinds() []account.NoticeKind {
	return []account.NoticeKind{
		account.NoticePasswordReset,
		account.NoticeInvitation,
		account.NoticePasswordChanged,
		account.NoticeEmailChanged,
		account.NoticeTokenRegenerated,
		account.NoticeLoggedOutEverywhere,
		account.NoticePasskeyAdded,
		account.NoticePasskeyRemoved,
	}
}

// fullNotice returns a notice of kind k with every field its mail uses.
func fullNotice(k account.NoticeKind) account.Notice {
	n := account.Notice{Kind: k, To: "ada@example.org", Name: "Ada Lovelace",
		Organization: "Connectomics Lab"}
	switch k {
	case account.NoticePasswordReset:
		n.Secret = testSecret
	case account.NoticeInvitation:
		n.Secret = testSecret
		n.InvitedBy = "Grace Hopper"
	case account.NoticeEmailChanged:
		n.NewEmail = "ada@lovelace.example"
	case account.NoticePasskeyAdded, account.NoticePasskeyRemoved:
		n.PasskeyName = "YubiKey 5C"
	}
	return n
}

func TestRenderEveryKind(t *testing.T) {
	tests := []struct {
		kind        account.NoticeKind
		subject     string
		wantPhrases []string
	}{
		{account.NoticePasswordReset, "wk | Password reset",
			[]string{"wk password reset --token " + testSecret, "within one hour",
				"If you did not ask for this"}},
		{account.NoticeInvitation, "wk | Invitation to Connectomics Lab",
			[]string{"Grace Hopper invited you to join Connectomics Lab",
				"wk password reset --token " + testSecret, "48 hours"}},
		{account.NoticePasswordChanged, "wk | Password changed",
			[]string{"was just changed", "If it was not you"}},
		{account.NoticeEmailChanged, "wk | Email address changed",
			[]string{"ada@lovelace.example", "If it was not you"}},
		{account.NoticeTokenRegenerated, "wk | API token replaced",
			[]string{"personal API token", "If it was not you"}},
		{account.NoticeLoggedOutEverywhere, "wk | Signed out everywhere",
			[]string{"Every session", "If it was not you"}},
		{account.NoticePasskeyAdded, "wk | Passkey added",
			[]string{`"YubiKey 5C" was added`, "If it was not you"}},
		{account.NoticePasskeyRemoved, "wk | Passkey removed",
			[]string{`"YubiKey 5C" was removed`, "If it was not you"}},
	}
	if len(tests) != len(allKinds()) {
		t.Fatalf("test covers %d kinds, want all %d", len(tests), len(allKinds()))
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			subject, body, err := render(fullNotice(tt.kind), "")
			if err != nil {
				t.Fatalf("render(%s) = %v", tt.kind, err)
			}
			if subject != tt.subject {
				t.Errorf("render(%s) subject = %q, want %q", tt.kind, subject, tt.subject)
			}
			if !strings.HasPrefix(body, "Hello Ada Lovelace,\n\n") {
				t.Errorf("render(%s) body does not greet by name:\n%s", tt.kind, body)
			}
			joined := strings.Join(strings.Fields(body), " ")
			for _, p := range tt.wantPhrases {
				if !strings.Contains(body, p) && !strings.Contains(joined, p) {
					t.Errorf("render(%s) body lacks %q:\n%s", tt.kind, p, body)
				}
			}
			secretKind := tt.kind == account.NoticePasswordReset ||
				tt.kind == account.NoticeInvitation
			if got := strings.Contains(body, testSecret); got != secretKind {
				t.Errorf("render(%s) body holds the token = %v, want %v", tt.kind, got, secretKind)
			}
			if strings.Contains(body, "finishResetPassword") {
				t.Errorf("render(%s) without a public URL has a link:\n%s", tt.kind, body)
			}
			for _, line := range strings.Split(body, "\n") {
				if utf8.RuneCountInString(line) >= 78 && !strings.Contains(line, testSecret) {
					t.Errorf("render(%s) line has %d characters, want < 78: %q",
						tt.kind, utf8.RuneCountInString(line), line)
				}
			}
		})
	}
}

func TestRenderLinks(t *testing.T) {
	tests := []struct {
		name      string
		kind      account.NoticeKind
		publicURL string
		wantLink  string
	}{
		{"reset", account.NoticePasswordReset, "https://wk.example.org",
			"https://wk.example.org/auth/finishResetPassword?token=" + testSecret},
		{"reset_trailing_slash", account.NoticePasswordReset, "https://wk.example.org/",
			"https://wk.example.org/auth/finishResetPassword?token=" + testSecret},
		{"invitation", account.NoticeInvitation, "http://localhost:9000",
			"http://localhost:9000/auth/finishResetPassword?token=" + testSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, err := render(fullNotice(tt.kind), tt.publicURL)
			if err != nil {
				t.Fatalf("render() = %v", err)
			}
			if !hasLine(body, tt.wantLink) {
				t.Errorf("render(%s, %q) has no line %q:\n%s", tt.kind, tt.publicURL, tt.wantLink, body)
			}
		})
	}
}

func TestRenderFallbacks(t *testing.T) {
	n := account.Notice{Kind: account.NoticeInvitation, To: "ada@example.org", Secret: testSecret}

	_, body, err := render(n, "")
	if err != nil {
		t.Fatalf("render() = %v", err)
	}
	for _, want := range []string{"Hello,\n", "An administrator invited you"} {
		if !strings.Contains(body, want) {
			t.Errorf("render(invitation without names) lacks %q:\n%s", want, body)
		}
	}
}
