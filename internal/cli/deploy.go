package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

type deployOptions struct {
	memory  int
	timeout int
	env     map[string]string
	arch    string
	handler string
}

func runDeploy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "deploy", "NAME [SOURCE]",
		"Create the function NAME, or update its code and settings.\n"+
			"SOURCE is a .zip, a directory holding a bootstrap, or a Go package\n"+
			"(directory or import path) built for Linux with -tags lambda.norpc.\n"+
			"It defaults to the current directory.")
	endpoint := endpointFlag(fs)
	opts := deployOptions{env: map[string]string{}}
	fs.IntVar(&opts.memory, "memory", 0, "memory size in MB (128-10240; default 128 on create)")
	fs.IntVar(&opts.timeout, "timeout", 0, "timeout in seconds (1-900; default 3 on create)")
	fs.StringVar(&opts.arch, "arch", "x86_64", "architecture: x86_64 or arm64")
	fs.StringVar(&opts.handler, "handler", "", "handler name (default bootstrap)")
	fs.Var(kvFlag(opts.env), "env", "KEY=VALUE environment variable (repeatable; replaces all variables)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || len(pos) > 2 {
		return exactArgs(fs, pos, 1)
	}
	src := "."
	if len(pos) == 2 {
		src = pos[1]
	}
	if err := deploy(ctx, e, *endpoint, pos[0], src, opts); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deployed %s\n", pos[0])
	return nil
}

// deploy packages src and creates or updates the function name.
func deploy(ctx context.Context, e *env, endpoint, name, src string, opts deployOptions) error {
	if opts.arch == "" {
		opts.arch = "x86_64"
	}
	zipFile, err := packageSource(ctx, e, src, opts.arch)
	if err != nil {
		return err
	}
	c := newClient(endpoint)
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		in := &lambda.CreateFunctionInput{
			FunctionName:  &name,
			Runtime:       types.RuntimeProvidedal2023,
			Handler:       aws.String(or(opts.handler, "bootstrap")),
			Role:          aws.String("arn:aws:iam::000000000000:role/lamina"),
			Code:          &types.FunctionCode{ZipFile: zipFile},
			Architectures: []types.Architecture{types.Architecture(opts.arch)},
		}
		if opts.memory > 0 {
			in.MemorySize = aws.Int32(int32(opts.memory))
		}
		if opts.timeout > 0 {
			in.Timeout = aws.Int32(int32(opts.timeout))
		}
		if len(opts.env) > 0 {
			in.Environment = &types.Environment{Variables: opts.env}
		}
		_, err = c.CreateFunction(ctx, in)
		return explain(err)
	case err != nil:
		return explain(err)
	}
	if _, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: &name, ZipFile: zipFile}); err != nil {
		return explain(err)
	}
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &name}
	changed := false
	if opts.memory > 0 {
		in.MemorySize, changed = aws.Int32(int32(opts.memory)), true
	}
	if opts.timeout > 0 {
		in.Timeout, changed = aws.Int32(int32(opts.timeout)), true
	}
	if opts.handler != "" {
		in.Handler, changed = aws.String(opts.handler), true
	}
	if len(opts.env) > 0 {
		in.Environment, changed = &types.Environment{Variables: opts.env}, true
	}
	if changed {
		_, err = c.UpdateFunctionConfiguration(ctx, in)
	}
	return explain(err)
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// packageSource returns the zip for src: a zip as is, a directory with a
// bootstrap zipped up, anything else built as a Go package.
func packageSource(ctx context.Context, e *env, src, arch string) ([]byte, error) {
	fi, statErr := os.Stat(src)
	switch {
	case statErr == nil && !fi.IsDir() && strings.HasSuffix(src, ".zip"):
		return os.ReadFile(src)
	case statErr == nil && !fi.IsDir():
		return nil, fmt.Errorf("%s: want a .zip, a directory or a Go package", src)
	case statErr == nil && hasFile(src, "bootstrap"):
		return zipDir(src)
	}
	if statErr == nil && !hasGoFiles(src) {
		return nil, fmt.Errorf("%s: no bootstrap and no Go files to build", src)
	}
	return buildGo(ctx, e, src, arch)
}

func hasFile(dir, name string) bool {
	fi, err := os.Stat(filepath.Join(dir, name))
	return err == nil && fi.Mode().IsRegular()
}

func hasGoFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(m) > 0
}
