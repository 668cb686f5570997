package remote

// The wk extensions a server may list in GET /api/features under "wkExtensions". Plain
// WEBKNOSSOS lists none, and the client then falls back to what WEBKNOSSOS offers.
const (
	// extSessions: GET /api/auth/sessions and DELETE /api/auth/sessions/{id}.
	extSessions = "sessions"
	// extTokenInfo: GET /api/auth/token answers metadata and shows the secret only when
	// it made the token.
	extTokenInfo = "tokenInfo"
	// extTokenRotate: POST /api/auth/token/rotate answers the new token.
	extTokenRotate = "tokenRotate"
	// extTokenLogin: POST /api/auth/tokenLogin trades X-Auth-Token for a session cookie.
	extTokenLogin = "tokenLogin"
	// extLogoutEverywhere: POST /api/auth/logoutEverywhere takes ?revokeToken=true and
	// answers {"ended":N}.
	extLogoutEverywhere = "logoutEverywhereRevokeToken"
	// extChangePassword: POST /api/auth/changePassword ends the other sessions itself
	// and answers {"ended":N}.
	extChangePassword = "changePasswordEndsSessions"
)
