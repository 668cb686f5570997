package cmdutil

import (
	"context"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/config"
)

// openRemote builds the HTTP backend for cfg.URL.
func (f *Factory) openRemote(ctx context.Context, cfg *config.Config, cred account.Credential) (account.Backend, error) {
	// TODO(wk): wire internal/remote here once it lands.
	return nil, account.Errorf(account.ErrUnsupported, "remote servers are not supported yet")
}
