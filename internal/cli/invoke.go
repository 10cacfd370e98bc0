package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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
	trace := fs.Bool("trace", false, "print where the invocation's time went on stderr")
	pos, err := parse(fs, args)
	if err != nil {
		return err
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
	start := time.Now()
	out, err := newClient(*endpoint).Invoke(ctx, in)
	total := time.Since(start)
	if err != nil {
		return explain(err)
	}
	if *trace {
		printTrace(e.stderr, out, total)
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

// printTrace shows where the invocation's time went, from lamina's
// X-Lamina-Timing header and the time this command measured.
func printTrace(w io.Writer, out *lambda.InvokeOutput, total time.Duration) {
	raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	if !ok {
		return
	}
	parts := map[string]time.Duration{}
	for _, kv := range strings.Split(raw.Header.Get("X-Lamina-Timing"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		if us, err := strconv.ParseInt(v, 10, 64); err == nil {
			parts[k] = time.Duration(us) * time.Microsecond
		}
	}
	if len(parts) == 0 {
		fmt.Fprintf(w, "trace: total %s (lamina sent no timing)\n", total.Round(time.Microsecond))
		return
	}
	wait, init := parts["wait"], parts["init"]
	network := total - wait - parts["run"] - parts["platform"]
	fmt.Fprintf(w, "trace: total %s\n", total.Round(time.Microsecond))
	if id := raw.Header.Get("X-Lamina-Trace-Id"); id != "" {
		fmt.Fprintf(w, "  %-19s %s\n", "trace id", id)
	}
	for _, row := range []struct {
		what string
		d    time.Duration
	}{
		{"queue wait", wait - init},
		{"init (cold start)", init},
		{"function run", parts["run"]},
		{"lamina overhead", parts["platform"]},
		{"client and network", max(network, 0)},
	} {
		fmt.Fprintf(w, "  %-19s %s\n", row.what, row.d.Round(time.Microsecond))
	}
}
