package account

import "context"

// NoticeKind names a mail that the account rules send.
type NoticeKind string

// The notices the rules send. Each goes to Notice.To.
const (
	// NoticePasswordReset carries a single-use reset token in Notice.Secret.
	NoticePasswordReset NoticeKind = "password-reset"
	// NoticeInvitation carries a set-password token for a new account in Notice.Secret.
	NoticeInvitation NoticeKind = "invitation"
	// NoticePasswordChanged tells the owner their password was changed.
	NoticePasswordChanged NoticeKind = "password-changed"
	// NoticeEmailChanged goes to the old address and names the new one in Notice.NewEmail.
	NoticeEmailChanged NoticeKind = "email-changed"
	// NoticeTokenRegenerated tells the owner their API token was replaced.
	NoticeTokenRegenerated NoticeKind = "token-regenerated"
	// NoticeLoggedOutEverywhere tells the owner every session was ended.
	NoticeLoggedOutEverywhere NoticeKind = "logged-out-everywhere"
	// NoticePasskeyAdded names the new passkey in Notice.PasskeyName.
	NoticePasskeyAdded NoticeKind = "passkey-added"
	// NoticePasskeyRemoved names the removed passkey in Notice.PasskeyName.
	NoticePasskeyRemoved NoticeKind = "passkey-removed"
)

// Notice is one mail the rules want sent. The backend decides when; the [Notifier]
// decides the words and how the mail travels.
type Notice struct {
	Kind NoticeKind
	// To is the recipient address.
	To string
	// Name is the recipient's full name, for the greeting.
	Name string
	// Organization is the organization's display name.
	Organization string
	// InvitedBy is the full name of the person who sent a NoticeInvitation; empty when
	// unknown.
	InvitedBy string
	// Secret is the token the mail carries, for resets and invitations only.
	Secret string
	// NewEmail is the new address, for NoticeEmailChanged.
	NewEmail string
	// PasskeyName names the passkey, for the passkey notices.
	PasskeyName string
}

// Notifier delivers notices. Implementations must not log Notice.Secret.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}
