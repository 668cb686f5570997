package cmdutil

import "context"

// RunOr calls runF when a test gave one, else def, the command's real run function.
func RunOr[O any](ctx context.Context, opts *O, runF, def func(context.Context, *O) error) error {
	if runF != nil {
		return runF(ctx, opts)
	}
	return def(ctx, opts)
}
