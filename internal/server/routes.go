package server

// The routes below follow the WEBKNOSSOS HTTP API (see the project's reference,
// webknossos-api.md) with the same paths, JSON field names and statuses, plus a few
// extensions. Every /api/ route is also served under /api/v<N>/ for N from 5 to 14;
// other versions answer 400. Errors are {"messages":[{"error":"<text>"}]}, with 401 for
// a missing or bad credential, 403 forbidden, 404 not found, 405 a method the path does
// not have (Allow set), 400 invalid input or a conflict (an email in use), 413 a body
// over the limit, 429 throttled (Retry-After set), 501 not configured (no mail, so no
// password reset).
//
// WEBKNOSSOS routes:
//
//	GET    /api/buildinfo                {webknossos:{name,version}, httpApiVersioning:
//	                                     {currentApiVersion:14, oldestSupportedApiVersion:13},
//	                                     localDataStoreEnabled:false, localTracingStoreEnabled:false}
//	GET    /api/features                 {passkeysEnabled, openIdConnectEnabled, wkExtensions:[…]}
//	POST   /api/auth/login               {email,password} → the user object and Set-Cookie id
//	POST   /api/auth/logout (also GET)   → "/"; ends the id cookie's session and clears it
//	POST   /api/auth/logoutEverywhere    → {"ended":N}; ?revokeToken=true also revokes the token
//	GET    /api/auth/token               → {id,prefix,created,lastUsed}, plus token when made now
//	DELETE /api/auth/token               → {"messages":"Token was deleted."}, or empty without one
//	GET    /api/user                     → the user object
//	PATCH  /api/users/{id}               {firstName,lastName,email,password} → the user object;
//	                                     also isAdmin, isDatasetManager, isActive and teams
//	                                     [{id,isTeamManager}] for administration → the user object
//	GET    /api/users                    → [user] the caller may see (?isActive=true|false)
//	GET    /api/users/{id}               → the user object
//	GET    /api/teams                    → [{id,name,organization,members:[{userId,email,name,
//	                                     isTeamManager}]}]
//	POST   /api/teams                    {name} → the team
//	DELETE /api/teams/{id}               → {"messages":[{"success":"Team was deleted."}]}
//	PATCH  /api/organizations/{id}       {name} → the organization object
//	PUT    /api/users/{id}/selectedTheme "auto"|"light"|"dark" → the user object
//	GET    /api/organizations/{id}       → the organization object
//	GET    /api/organizations            → [organization]; ?compact=true gives [{id,name}]
//	POST   /api/auth/changePassword      {oldPassword,password:{password1,password2}} → {"ended":N}
//	POST   /api/auth/startResetPassword  {email} → 200 empty, the same for unknown addresses
//	POST   /api/auth/resetPassword       {token,password:{password1,password2}} → 200 empty
//
// Extensions, listed by name in GET /api/features under wkExtensions:
//
//	sessions                    GET /api/auth/sessions → [{id,created,lastUsed,expires,
//	                            userAgent,openedWith,current}]; DELETE /api/auth/sessions/{id} → {}
//	tokenInfo                   GET /api/auth/token/info → as GET /api/auth/token
//	tokenRotate                 POST /api/auth/token/rotate → {token,id,prefix,created,lastUsed}
//	tokenLogin                  POST /api/auth/tokenLogin with X-Auth-Token → the user object
//	                            and Set-Cookie id for a new session opened with that token
//	logoutEverywhereRevokeToken POST /api/auth/logoutEverywhere?revokeToken=true, {"ended":N}
//	changePasswordEndsSessions  changePassword ends the caller's other sessions, {"ended":N}
//	userCreate                  POST /api/users {email,firstName,lastName,role,teams:[name]}
//	                            → the user object; an invitation mail goes out
//	userLogoutEverywhere        POST /api/users/{id}/logoutEverywhere → {"ended":N}
//	userSendReset               POST /api/users/{id}/sendReset → 200 empty
//	userAudit                   GET /api/users/{id}/audit → [{at,actor,action,target,detail}]
//	teamMembers                 POST /api/teams/{id}/members {user,isTeamManager} → the team;
//	                            DELETE /api/teams/{id}/members/{user} → the team
//	adminRefs                   a user {id} may be an email, a team {id} a team name
//	passkeyRename               PATCH /api/auth/webauthn/keys/{id} {name} → the passkey
//	passkeyLinks                one-time passkey pages for wk's command line:
//	                            POST /api/auth/passkeyLinks {mode:"register",name} (signed in) or
//	                            {mode:"login"} → {url,poll,expires}; the page at url posts
//	                            {link} to /api/auth/passkeyLinks/begin → {mode,options,expires}
//	                            and {link,key} to /api/auth/passkeyLinks/finish; the command
//	                            polls GET /api/auth/passkeyLinks/status with X-Wk-Passkey-Poll:
//	                            202 {done:false}, then 200 {done:true,passkey} or
//	                            {done:true,user} with Set-Cookie id; 404 once expired or used
//
// Passkey routes (WEBKNOSSOS section 6), which answer 400 "Passkeys are only supported
// with HTTPS." unless the public URL (or passkey origin) is https or http://localhost:
//
//	POST   /api/auth/webauthn/register/start    optional {name} → creation options and
//	                                            cookie webauthn-registration
//	POST   /api/auth/webauthn/register/finalize {name,key} → {"message":"Key registered
//	                                            successfully", passkey}
//	POST   /api/auth/webauthn/auth/start        → request options and cookie webauthn-session
//	POST   /api/auth/webauthn/auth/finalize     {key} → the user object and Set-Cookie id;
//	                                            401 "Passkey authentication failed."
//	GET    /api/auth/webauthn/keys              → [{id,name,created,lastUsed,authenticator,
//	                                            aaguid,backupEligible,backedUp}]
//	DELETE /api/auth/webauthn/keys/{id}         → {}; an unknown id is 404 (WEBKNOSSOS: 200)
//
// Outside /api/: GET /healthz → "ok"; GET /auth/finishResetPassword?token=… → an HTML
// form that posts to /api/auth/resetPassword; GET /auth/passkeys/register and
// /auth/passkeys/login → the passkey pages, with ?link=… for a passkey link or else
// with the browser's own session.
//
// Where WEBKNOSSOS is unsafe or surprising, wk serve differs on purpose:
//   - Reset tokens are checked for their kind; an API token is not a reset token.
//   - startResetPassword answers before the mail goes out, so its timing does not tell
//     whether the address has an account.
//   - Logout with X-Auth-Token ends nothing; WEBKNOSSOS would delete the API token.
//   - Revoking the API token also ends every session opened with it (tokenLogin).
//   - Tokens are stored hashed, so GET /api/auth/token shows the secret only when it
//     makes the token; WEBKNOSSOS shows it every time.
//   - DELETE /api/auth/token also ends the sessions opened with the token; the next
//     GET /api/auth/token makes and shows a new one, as WEBKNOSSOS's page expects.
//   - Changing the password ends the caller's other sessions; a reset ends all of them.
//   - Login answers the user object (WEBKNOSSOS: empty) and a wrong password is 401
//     (WEBKNOSSOS: 400); ErrUnauthenticated is 401 everywhere.
//   - Login, tokenLogin, the reset routes and passkey sign-in are rate-limited per
//     client address.
//   - Cookie-authenticated writes from another site are refused (403).

import (
	"net/http"
	"strconv"
	"strings"
)

// API versions: the range accepted under /api/v<N>/ and the one advertised.
const (
	currentAPIVersion    = 14
	advertisedAPIVersion = 13
	oldestAPIVersion     = 5
)

// extensions are the wk extension names GET /api/features lists.
var extensions = []string{
	"sessions", "tokenInfo", "tokenRotate", "tokenLogin",
	"logoutEverywhereRevokeToken", "changePasswordEndsSessions",
	"userCreate", "userLogoutEverywhere", "userSendReset", "userAudit", "teamMembers", "adminRefs",
	"passkeyRename", "passkeyLinks",
}

// routes builds the mux. The passkey routes and pages are in handlers_passkey.go.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /auth/finishResetPassword", s.resetPage)
	mux.HandleFunc("GET /auth/assets/{name}", s.asset)

	mux.HandleFunc("GET /api/buildinfo", s.buildInfo)
	mux.HandleFunc("GET /api/features", s.features)

	mux.HandleFunc("POST /api/auth/login", s.limited(s.login))
	mux.HandleFunc("POST /api/auth/tokenLogin", s.limited(s.tokenLogin))
	mux.HandleFunc("POST /api/auth/logout", s.logout)
	mux.HandleFunc("GET /api/auth/logout", s.logout)
	mux.HandleFunc("POST /api/auth/logoutEverywhere", s.logoutEverywhere)
	mux.HandleFunc("GET /api/auth/sessions", s.sessions)
	mux.HandleFunc("DELETE /api/auth/sessions/{id}", s.revokeSession)

	mux.HandleFunc("POST /api/auth/changePassword", s.changePassword)
	mux.HandleFunc("POST /api/auth/startResetPassword", s.limited(s.startResetPassword))
	mux.HandleFunc("POST /api/auth/resetPassword", s.limited(s.resetPassword))

	mux.HandleFunc("GET /api/auth/token", s.token)
	mux.HandleFunc("GET /api/auth/token/info", s.token)
	mux.HandleFunc("DELETE /api/auth/token", s.deleteToken)
	mux.HandleFunc("POST /api/auth/token/rotate", s.rotateToken)

	mux.HandleFunc("GET /api/user", s.currentUser)
	mux.HandleFunc("PATCH /api/users/{id}", s.patchUser)
	mux.HandleFunc("PUT /api/users/{id}/selectedTheme", s.selectTheme)
	mux.HandleFunc("GET /api/organizations/{id}", s.organization)
	mux.HandleFunc("GET /api/organizations", s.organizations)
	s.adminRoutes(mux)
	s.passkeyRoutes(mux)

	mux.HandleFunc("/api/", s.apiFallback(mux))
	return versioned(mux)
}

// versioned serves /api/v<N>/rest as /api/rest when N is a supported version, and
// answers 400 with WEBKNOSSOS's wording when it is not.
func versioned(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/api/v")
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if !ok || digits == 0 || (digits < len(rest) && rest[digits] != '/') {
			next.ServeHTTP(w, r)
			return
		}
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n < oldestAPIVersion || n > currentAPIVersion {
			writeMessage(w, http.StatusBadRequest, "This WEBKNOSSOS instance does not support the "+
				"requested HTTP API version. Client requested "+rest[:digits]+" but must be at least "+
				strconv.Itoa(oldestAPIVersion)+" and at most "+strconv.Itoa(currentAPIVersion)+".")
			return
		}

		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path, u.RawPath = "/api"+rest[digits:], ""
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}
