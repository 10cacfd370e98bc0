package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

func runList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ls", "", "List the deployed functions.")
	endpoint := endpointFlag(fs)
	if _, err := parseExact(fs, args, 0); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRUNTIME\tMEMORY\tTIMEOUT\tCODE SIZE\tLAST MODIFIED")
	p := lambda.NewListFunctionsPaginator(newClient(*endpoint), &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return explain(err)
		}
		for _, f := range page.Functions {
			fmt.Fprintf(tw, "%s\t%s\t%d MB\t%d s\t%d\t%s\n", aws.ToString(f.FunctionName), f.Runtime,
				aws.ToInt32(f.MemorySize), aws.ToInt32(f.Timeout), f.CodeSize, aws.ToString(f.LastModified))
		}
	}
	return tw.Flush()
}

func runRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rm", "NAME", "Delete the function NAME.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	if _, err := newClient(*endpoint).DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &pos[0]}); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "deleted %s\n", pos[0])
	return nil
}
