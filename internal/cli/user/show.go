package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdShow returns `wk user show`. runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "show EMAIL|ID",
		Short: "Show one user, their role, teams and the changes made to them",
		Long: `Show one user: name, email, id, role, status and teams, and for Administrators the
recorded changes to the account (who did what, when). --json prints the WEBKNOSSOS user
object with role, plus audit when the history is readable.`,
		Args: oneUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, showRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the user object with role and audit")
	return cmd
}

func showRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.User(ctx, opts.User)
	if err != nil {
		return err
	}
	// Team Managers see members but not their history; that is no failure.
	audit, err := b.UserAudit(ctx, u.ID)
	if errors.Is(err, account.ErrForbidden) || errors.Is(err, account.ErrUnsupported) {
		audit, err = nil, nil
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeShowJSON(f, u, audit)
	}

	pal := f.OutPalette()
	now := f.Now()
	fmt.Fprintf(f.IO.Out, "Name:       %s\n", pal.Bold(u.FullName()))
	fmt.Fprintf(f.IO.Out, "Email:      %s\n", u.Email)
	fmt.Fprintf(f.IO.Out, "ID:         %s\n", u.ID)
	fmt.Fprintf(f.IO.Out, "Role:       %s\n", u.Role())
	fmt.Fprintf(f.IO.Out, "Status:     %s\n", status(u))
	fmt.Fprintf(f.IO.Out, "Teams:      %s\n", teamsCell(u))
	fmt.Fprintf(f.IO.Out, "Created:    %s\n", cmdutil.When(u.Created.Time, now, f.IO.OutTTY))
	fmt.Fprintf(f.IO.Out, "Last seen:  %s\n", cmdutil.When(u.LastActivity.Time, now, f.IO.OutTTY))
	if audit == nil {
		return nil
	}
	fmt.Fprintln(f.IO.Out, "History:")
	for _, e := range audit {
		actor := e.Actor
		if actor == "" {
			actor = "-"
		}
		line := fmt.Sprintf("  %s  %s  %s", e.At.UTC().Format("2006-01-02T15:04:05Z"), actor, e.Action)
		if e.Detail != "" {
			line += "  " + e.Detail
		}
		fmt.Fprintln(f.IO.Out, line)
	}
	return nil
}

// writeShowJSON writes the user object with an audit key added when there is one.
func writeShowJSON(f *cmdutil.Factory, u *account.User, audit []account.AuditEntry) error {
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode user: %w", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("encode user: %w", err)
	}
	if audit != nil {
		obj["audit"] = audit
	}
	return cmdutil.WriteJSON(f.IO.Out, obj)
}
