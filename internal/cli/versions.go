package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func runPublish(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "publish", "NAME", "Publish the function's current code and configuration as a new immutable version.")
	endpoint := endpointFlag(fs)
	desc := fs.String("description", "", "the version's description")
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	v, err := newClient(*endpoint).PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: &pos[0], Description: desc})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "published %s version %s\n", pos[0], aws.ToString(v.Version))
	return nil
}

func runVersions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "versions", "NAME", "List the function's versions.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCODE SHA256\tMEMORY\tTIMEOUT\tDESCRIPTION")
	p := lambda.NewListVersionsByFunctionPaginator(newClient(*endpoint), &lambda.ListVersionsByFunctionInput{FunctionName: &pos[0]})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return explain(err)
		}
		for _, v := range page.Versions {
			fmt.Fprintf(tw, "%s\t%s\t%d MB\t%d s\t%s\n", aws.ToString(v.Version), aws.ToString(v.CodeSha256),
				aws.ToInt32(v.MemorySize), aws.ToInt32(v.Timeout), aws.ToString(v.Description))
		}
	}
	return tw.Flush()
}

func runAlias(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "set":
		return runAliasSet(ctx, e, args)
	case "ls":
		return runAliasList(ctx, e, args)
	case "rm":
		return runAliasRemove(ctx, e, args)
	}
	fmt.Fprintln(e.stderr, "Usage: lamina alias set NAME ALIAS VERSION [--weight VERSION=SHARE]\n       lamina alias ls NAME\n       lamina alias rm NAME ALIAS")
	if sub == "-h" || sub == "--help" {
		return nil
	}
	return ErrUsage
}

func runAliasSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "alias set", "NAME ALIAS VERSION",
		"Point ALIAS of function NAME at VERSION, creating the alias if needed. With --weight,\n"+
			"a share of the alias's invocations goes to another version (a canary).")
	endpoint := endpointFlag(fs)
	desc := fs.String("description", "", "the alias's description")
	weights := kvFlag{}
	fs.Var(weights, "weight", "VERSION=SHARE: send SHARE (0 to 1) of invocations to VERSION; VERSION=0 ends a canary")
	pos, err := parseExact(fs, args, 3)
	if err != nil {
		return err
	}
	routing := &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}
	for v, s := range weights {
		w, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("--weight %s=%s: the share must be a number from 0 to 1", v, s)
		}
		if w > 0 {
			routing.AdditionalVersionWeights[v] = w
		}
	}
	c := newClient(*endpoint)
	name, alias, version := pos[0], pos[1], pos[2]
	_, err = c.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: &name, Name: &alias})
	var rnf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &rnf):
		in := &lambda.CreateAliasInput{FunctionName: &name, Name: &alias, FunctionVersion: &version, RoutingConfig: routing}
		if *desc != "" {
			in.Description = desc
		}
		_, err = c.CreateAlias(ctx, in)
	case err == nil:
		in := &lambda.UpdateAliasInput{FunctionName: &name, Name: &alias, FunctionVersion: &version, RoutingConfig: routing}
		if *desc != "" {
			in.Description = desc
		}
		_, err = c.UpdateAlias(ctx, in)
	}
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "%s:%s -> version %s%s\n", name, alias, version, describeWeights(routing.AdditionalVersionWeights))
	return nil
}

func describeWeights(w map[string]float64) string {
	out := ""
	for v, share := range w {
		out += fmt.Sprintf(", %.0f%% to version %s", share*100, v)
	}
	return out
}

func runAliasList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "alias ls", "NAME", "List the function's aliases.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ALIAS\tVERSION\tROUTING\tDESCRIPTION")
	p := lambda.NewListAliasesPaginator(newClient(*endpoint), &lambda.ListAliasesInput{FunctionName: &pos[0]})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return explain(err)
		}
		for _, a := range page.Aliases {
			routing := "-"
			if a.RoutingConfig != nil && len(a.RoutingConfig.AdditionalVersionWeights) > 0 {
				routing = describeWeights(a.RoutingConfig.AdditionalVersionWeights)[2:]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", aws.ToString(a.Name), aws.ToString(a.FunctionVersion), routing, aws.ToString(a.Description))
		}
	}
	return tw.Flush()
}

func runAliasRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "alias rm", "NAME ALIAS", "Delete an alias.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 2)
	if err != nil {
		return err
	}
	if _, err := newClient(*endpoint).DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: &pos[0], Name: &pos[1]}); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "deleted alias %s:%s\n", pos[0], pos[1])
	return nil
}
