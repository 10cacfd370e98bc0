// Command fn is the function the end-to-end tests deploy: one aws-lambda-go
// program whose behaviour is chosen by its Handler setting (_HANDLER).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
)

type event struct {
	Millis int    `json:"ms"`
	Size   int    `json:"size"`
	MB     int    `json:"mb"`
	Lines  int    `json:"lines"`
	Text   string `json:"text"`
	Next   string `json:"next"`
}

var (
	count   int
	started = time.Now()
	ballast [][]byte
)

func main() {
	switch os.Getenv("_HANDLER") {
	case "initexit":
		fmt.Println("init failing with exit 3")
		os.Exit(3)
	case "initerror":
		// What runtimes other than aws-lambda-go do: report, then exit.
		body := `{"errorType":"InitFailed","errorMessage":"cannot load config"}`
		http.Post("http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error", "application/json", strings.NewReader(body))
		os.Exit(1)
	case "slowinit":
		time.Sleep(300 * time.Millisecond)
	case "url":
		lambda.Start(urlHandler)
		return
	case "httpapi":
		lambda.Start(apiHandler)
		return
	case "stream":
		startStream()
		return
	case "streamfail":
		startStreamFail()
		return
	case "sigterm":
		marker := os.Getenv("MARKER_FILE")
		lambda.StartWithOptions(echo, lambda.WithEnableSIGTERM(func() {
			os.WriteFile(marker, []byte("sigterm"), 0o644)
		}))
		return
	}
	lambda.Start(handle)
}

func echo(ctx context.Context, ev json.RawMessage) (json.RawMessage, error) { return ev, nil }

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev event
	json.Unmarshal(raw, &ev)
	switch h := os.Getenv("_HANDLER"); h {
	case "echo", "slowinit":
		return raw, nil
	case "error":
		return nil, errors.New("something went wrong")
	case "panic":
		panic("handler panicked")
	case "crash":
		fmt.Println("about to crash")
		os.Exit(42)
	case "sleep":
		time.Sleep(time.Duration(ev.Millis) * time.Millisecond)
		return map[string]int{"slept": ev.Millis}, nil
	case "big":
		return strings.Repeat("x", ev.Size), nil
	case "env":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		cwd, _ := os.Getwd()
		vars := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		return map[string]any{
			"env": vars, "requestId": lc.AwsRequestID, "functionArn": lc.InvokedFunctionArn,
			"deadlineMs": deadline.UnixMilli(), "cwd": cwd, "clientContext": lc.ClientContext.Custom,
			"traceId": os.Getenv("_X_AMZN_TRACE_ID"),
		}, nil
	case "counter":
		count++
		return map[string]any{"count": count, "pid": os.Getpid(), "started": started.UnixNano()}, nil
	case "log":
		for i := range ev.Lines {
			fmt.Printf("line %d %s\n", i, ev.Text)
		}
		fmt.Fprint(os.Stderr, "no newline at the end")
		return "logged", nil
	case "orphan":
		// A child in its own session, holding stdout open, outlives the
		// runtime's process group.
		child := exec.Command("setsid", "sleep", "30")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		child.Start()
		time.Sleep(time.Duration(ev.Millis) * time.Millisecond)
		return "orphaned", nil
	case "levels":
		// Application log lines as a JSON logger writes them, and one plain.
		for _, l := range []string{"trace", "debug", "info", "WARN", "warning", "error", "fatal"} {
			fmt.Printf(`{"level":%q,"msg":"at %s"}`+"\n", l, strings.ToLower(l))
		}
		fmt.Println("plain text")
		return map[string]string{"format": os.Getenv("AWS_LAMBDA_LOG_FORMAT"), "level": os.Getenv("AWS_LAMBDA_LOG_LEVEL")}, nil
	case "chain":
		// Calls the next function through lamina with the AWS SDK, as any
		// function calling another does; the SDK passes _X_AMZN_TRACE_ID
		// on as X-Amzn-Trace-Id by itself.
		if ev.Next == "" {
			return map[string]string{"traceId": os.Getenv("_X_AMZN_TRACE_ID")}, nil
		}
		fmt.Println("calling", ev.Next)
		c := lambdasdk.New(lambdasdk.Options{
			BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL_LAMBDA")),
			Region:       os.Getenv("AWS_REGION"),
			Credentials:  credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		})
		out, err := c.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: aws.String(ev.Next), Payload: []byte(`{}`)})
		if err != nil {
			return nil, err
		}
		return map[string]any{"traceId": os.Getenv("_X_AMZN_TRACE_ID"), "next": json.RawMessage(out.Payload)}, nil
	case "memory":
		for range ev.MB {
			b := bytes.Repeat([]byte{1}, 1<<20)
			ballast = append(ballast, b)
		}
		return map[string]int{"allocated": ev.MB}, nil
	default:
		return nil, fmt.Errorf("unknown handler %q", h)
	}
	return nil, nil
}
