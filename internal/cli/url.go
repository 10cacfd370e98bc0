package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// listFlag collects a repeated flag's values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runURL(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "rm" {
		return runURLRemove(ctx, e, args[1:])
	}
	fs := newFlags(e, "url", "NAME[:ALIAS]",
		"Give the function (or its alias) an HTTP URL, or change its settings, and print it.\n"+
			"'lamina url rm NAME[:ALIAS]' deletes it.")
	endpoint := endpointFlag(fs)
	auth := fs.String("auth", "", "NONE, or AWS_IAM (refuses every request until request signing exists); default NONE on create")
	mode := fs.String("mode", "", "BUFFERED or RESPONSE_STREAM; default BUFFERED on create")
	var origins, methods, headers listFlag
	fs.Var(&origins, "cors-origin", "allowed origin, or * (repeatable; sets a CORS policy)")
	fs.Var(&methods, "cors-method", "allowed method, or * (repeatable)")
	fs.Var(&headers, "cors-header", "allowed request header (repeatable)")
	maxAge := fs.Int("cors-max-age", 0, "seconds browsers may cache a preflight answer")
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	var cors *types.Cors
	if len(origins)+len(methods)+len(headers) > 0 || *maxAge > 0 {
		cors = &types.Cors{AllowOrigins: origins, AllowMethods: methods, AllowHeaders: headers, MaxAge: aws.Int32(int32(*maxAge))}
	}
	c := newClient(*endpoint)
	name := pos[0]
	cur, err := c.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: &name})
	var rnf *types.ResourceNotFoundException
	var url string
	switch {
	case errors.As(err, &rnf):
		out, err := c.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
			FunctionName: &name, AuthType: types.FunctionUrlAuthType(or(*auth, "NONE")), InvokeMode: types.InvokeMode(*mode), Cors: cors,
		})
		if err != nil {
			return explain(err)
		}
		url = aws.ToString(out.FunctionUrl)
	case err != nil:
		return explain(err)
	case *auth == "" && *mode == "" && cors == nil:
		url = aws.ToString(cur.FunctionUrl)
	default:
		out, err := c.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{
			FunctionName: &name, AuthType: types.FunctionUrlAuthType(*auth), InvokeMode: types.InvokeMode(*mode), Cors: cors,
		})
		if err != nil {
			return explain(err)
		}
		url = aws.ToString(out.FunctionUrl)
	}
	fmt.Fprintln(e.stdout, url)
	return nil
}

func runURLRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "url rm", "NAME[:ALIAS]", "Delete the function's (or alias's) URL.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	if _, err := newClient(*endpoint).DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: &pos[0]}); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "deleted the URL of %s\n", pos[0])
	return nil
}

var _ flag.Value = (*listFlag)(nil)
