// Package cli implements the lamina command: serve runs the platform, the
// other commands talk to a running lamina through its Lambda API.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// ErrUsage is returned for bad command lines; the message was printed.
var ErrUsage = errors.New("usage")

// env holds the process's streams, so commands can be tested.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{
	"serve":    {"run the platform", runServe},
	"deploy":   {"create or update a function from a zip, a directory or a Go package", runDeploy},
	"invoke":   {"invoke a function and print its result", runInvoke},
	"ls":       {"list functions", runList},
	"rm":       {"delete a function", runRemove},
	"logs":     {"show or follow a function's logs", runLogs},
	"publish":  {"publish a function's current state as a version", runPublish},
	"versions": {"list a function's versions", runVersions},
	"alias":    {"create, move, list or delete aliases (canaries with --weight)", runAlias},
	"url":      {"give a function an HTTP URL, or delete it", runURL},
	"route":    {"map HTTP routes (METHOD /path/{param}) to functions", runRoute},
}

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return ErrUsage
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lamina: unknown command %q\n\n", args[0])
		usage(stderr)
		return ErrUsage
	}
	// --help is not a failure: the command printed its usage and stopped.
	if err := cmd.run(ctx, e, args[1:]); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "lamina runs AWS Lambda functions on your own machines.")
	fmt.Fprintln(w, "\nUsage: lamina <command> [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'lamina <command> --help' for a command's flags.")
}

// newFlags returns a flag set whose usage names the command.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: lamina %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags anywhere on the line and returns the positional
// arguments, so `lamina invoke fn --tail` works like `lamina invoke --tail fn`.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, ErrUsage
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// endpointFlag adds --endpoint, defaulting to $LAMINA_ENDPOINT.
func endpointFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("LAMINA_ENDPOINT")
	if def == "" {
		def = "http://127.0.0.1:9000"
	}
	return fs.String("endpoint", def, "lamina's URL (env LAMINA_ENDPOINT)")
}

// parseExact parses like parse and checks that there are n positional
// arguments.
func parseExact(fs *flag.FlagSet, args []string, n int) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, exactArgs(fs, pos, n)
}

// exactArgs checks the count of positional arguments.
func exactArgs(fs *flag.FlagSet, pos []string, n int) error {
	if len(pos) != n {
		fmt.Fprintf(fs.Output(), "lamina %s: expected %d argument(s), got %d\n", fs.Name(), n, len(pos))
		fs.Usage()
		return ErrUsage
	}
	return nil
}

// kvFlag collects repeated K=V flags.
type kvFlag map[string]string

func (k kvFlag) String() string { return "" }

func (k kvFlag) Set(s string) error {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	k[key] = val
	return nil
}
