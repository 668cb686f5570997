package remote

// The wk extensions a server may list in GET /api/features under "wkExtensions". Plain
// WEBKNOSSOS lists none, and the client then falls back to what WEBKNOSSOS offers.
//
// Two more need no check, because the answers tell: "tokenInfo" (GET /api/auth/token
// answers metadata without the secret once the token exists) and
// "changePasswordEndsSessions" (POST /api/auth/changePassword answers {"ended":N}).
const (
	// extSessions: GET /api/auth/sessions and DELETE /api/auth/sessions/{id}.
	extSessions = "sessions"
	// extTokenRotate: POST /api/auth/token/rotate answers the new token.
	extTokenRotate = "tokenRotate"
	// extTokenLogin: POST /api/auth/tokenLogin trades X-Auth-Token for a session cookie.
	extTokenLogin = "tokenLogin"
	// extLogoutEverywhere: POST /api/auth/logoutEverywhere takes ?revokeToken=true and
	// answers {"ended":N}.
	extLogoutEverywhere = "logoutEverywhereRevokeToken"
)
