package user

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// parse runs cmd with args through runF and returns the options it got.
func parse(t *testing.T, newCmd func(*cmdutil.Factory, func(context.Context, *Options) error) *cobra.Command,
	args ...string) (*Options, error) {
	t.Helper()
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
	var got *Options
	cmd := newCmd(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(t.Context())
	return got, err
}

func TestNewCmdParsing(t *testing.T) {
	tests := []struct {
		name   string
		newCmd func(*cmdutil.Factory, func(context.Context, *Options) error) *cobra.Command
		args   []string
		want   Options
	}{
		{"list", NewCmdList, []string{"--role", "team-manager", "--inactive", "--json"},
			Options{Role: "team-manager", Inactive: true, JSON: true}},
		{"show", NewCmdShow, []string{"grace@example.com", "--json"}, Options{User: "grace@example.com", JSON: true}},
		{"create", NewCmdCreate, []string{"--email", "g@example.com", "--name", "Grace Hopper",
			"--team", "A", "--team", "B C"},
			Options{Email: "g@example.com", Name: "Grace Hopper", Role: "user", Teams: []string{"A", "B C"}}},
		{"set_role", NewCmdSetRole, []string{"g@example.com", "admin"}, Options{User: "g@example.com", Role: "admin"}},
		{"deactivate", NewCmdDeactivate, []string{"g@example.com"}, Options{User: "g@example.com"}},
		{"activate", NewCmdActivate, []string{"g@example.com"}, Options{User: "g@example.com"}},
		{"logout_all", NewCmdLogoutAll, []string{"g@example.com"}, Options{User: "g@example.com"}},
		{"send_reset", NewCmdSendReset, []string{"g@example.com"}, Options{User: "g@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, tt.newCmd, tt.args...)
			if err != nil {
				t.Fatalf("%s %v = %v", tt.name, tt.args, err)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(Options{}, "F")); diff != "" {
				t.Errorf("%s %v options (-want +got):\n%s", tt.name, tt.args, diff)
			}
		})
	}
}

func TestNewCmdUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		newCmd func(*cmdutil.Factory, func(context.Context, *Options) error) *cobra.Command
		args   []string
	}{
		{"show_no_user", NewCmdShow, nil},
		{"show_two_users", NewCmdShow, []string{"a", "b"}},
		{"set_role_no_role", NewCmdSetRole, []string{"a"}},
		{"deactivate_none", NewCmdDeactivate, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.newCmd, tt.args...)
			var usage *cmdutil.UsageError
			if !errors.As(err, &usage) {
				t.Errorf("%s %v = %v, want a usage error", tt.name, tt.args, err)
			}
		})
	}
}
