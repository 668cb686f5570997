package team

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
		{"list", NewCmdList, []string{"--json"}, Options{JSON: true}},
		{"create", NewCmdCreate, []string{"Cell Tracing"}, Options{Team: "Cell Tracing"}},
		{"delete", NewCmdDelete, []string{"Imaging", "--yes"}, Options{Team: "Imaging", Yes: true}},
		{"add", NewCmdAdd, []string{"Imaging", "g@example.com", "--manager"},
			Options{Team: "Imaging", User: "g@example.com", Manager: true}},
		{"remove", NewCmdRemove, []string{"Imaging", "g@example.com"}, Options{Team: "Imaging", User: "g@example.com"}},
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
	for _, args := range [][]string{nil, {"Imaging"}, {"a", "b", "c"}} {
		_, err := parse(t, NewCmdAdd, args...)
		var usage *cmdutil.UsageError
		if !errors.As(err, &usage) {
			t.Errorf("team add %v = %v, want a usage error", args, err)
		}
	}
}
