package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// ErrFunction reports that the function ran and failed; the error body
// was printed.
var ErrFunction = errors.New("function error")

func runInvoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invoke", "NAME [PAYLOAD | -]",
		"Invoke NAME with PAYLOAD (JSON; '-' reads standard input; default {})\nand print the result. A function error is printed on stderr and exits 1.")
	endpoint := endpointFlag(fs)
	showLog := fs.Bool("log", false, "print the invocation's log tail on stderr")
	async := fs.Bool("async", false, "queue the event (InvocationType Event) and return")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(err)
	}
	if len(pos) == 0 || len(pos) > 2 {
		return exactArgs(fs, pos, 1)
	}
	payload := []byte("{}")
	if len(pos) == 2 {
		payload = []byte(pos[1])
		if pos[1] == "-" {
			if payload, err = io.ReadAll(e.stdin); err != nil {
				return fmt.Errorf("read payload: %w", err)
			}
		}
	}
	in := &lambda.InvokeInput{FunctionName: &pos[0], Payload: payload}
	if *showLog {
		in.LogType = types.LogTypeTail
	}
	if *async {
		in.InvocationType = types.InvocationTypeEvent
	}
	out, err := newClient(*endpoint).Invoke(ctx, in)
	if err != nil {
		return explain(err)
	}
	if *showLog && out.LogResult != nil {
		if tail, err := base64.StdEncoding.DecodeString(*out.LogResult); err == nil {
			e.stderr.Write(tail)
		}
	}
	if *async {
		fmt.Fprintf(e.stdout, "queued (status %d)\n", out.StatusCode)
		return nil
	}
	if out.FunctionError != nil {
		fmt.Fprintf(e.stderr, "%s function error: %s\n", *out.FunctionError, out.Payload)
		return ErrFunction
	}
	e.stdout.Write(out.Payload)
	fmt.Fprintln(e.stdout)
	return nil
}
