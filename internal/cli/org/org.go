// Package org implements `wk org`: the signed-in user's organization.
package org

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the org verbs.
type Options struct {
	F    *cmdutil.Factory
	JSON bool
}

// NewCmdOrg returns `wk org` with its verbs.
func NewCmdOrg(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org <command>",
		Short: "Show your organization and its id",
	}
	cmd.AddCommand(NewCmdShow(f, nil), NewCmdID(f, nil), NewCmdRename(f, nil))
	return cmd
}

// NewCmdShow returns `wk org show`. runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show your organization's id, name, owner and your role",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, showRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the organization as JSON, with your role")
	return cmd
}

// NewCmdID returns `wk org id`, which prints only the id, for scripts.
func NewCmdID(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "id",
		Short: "Print only your organization's id, for scripts",
		Long: `Print the organization id and nothing else, as scripts and the WEBKNOSSOS Python
library need it:

  export WK_ORGANIZATION=$(wk org id)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, idRun)
		},
	}
}

func showRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.CurrentUser(ctx)
	if err != nil {
		return err
	}
	o, err := b.Organization(ctx)
	if err != nil {
		return err
	}

	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			OwnerName  string `json:"ownerName"`
			OwnerEmail string `json:"ownerEmail,omitempty"`
			Created    any    `json:"created"`
			Role       string `json:"role"`
		}{o.ID, o.Name, o.OwnerName, o.OwnerEmail, o.Created, u.Role()})
	}
	pal := f.OutPalette()
	fmt.Fprintf(f.IO.Out, "Name:       %s\n", pal.Bold(o.Name))
	fmt.Fprintf(f.IO.Out, "ID:         %s\n", pal.Accent(o.ID))
	fmt.Fprintf(f.IO.Out, "Owner:      %s\n", owner(o.OwnerName, o.OwnerEmail))
	fmt.Fprintf(f.IO.Out, "Your role:  %s\n", u.Role())
	return nil
}

func idRun(ctx context.Context, opts *Options) error {
	b, err := opts.F.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	// The id is the user's organization field, as the WEBKNOSSOS Python library reads it.
	u, err := b.CurrentUser(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.F.IO.Out, u.Organization)
	return err
}

func owner(name, email string) string {
	switch {
	case name == "" && email == "":
		return "unknown"
	case email == "":
		return name
	}
	return fmt.Sprintf("%s <%s>", name, email)
}
