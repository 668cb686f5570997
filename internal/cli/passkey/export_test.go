package passkey

// RegisterRun runs `wk passkey register` with opts, for tests that shorten the
// ceremony's timeout.
var RegisterRun = registerRun
