package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

type lambdaError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// TestFunctionOutcomes checks each way a function can end against what
// Lambda answers: status 200 always, X-Amz-Function-Error and the error
// body when the function failed.
func TestFunctionOutcomes(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	tests := []struct {
		handler   string
		timeout   int32
		payload   string
		wantBody  string // exact body on success
		wantType  string // errorType on failure
		wantInMsg string
	}{
		{handler: "echo", payload: `{"hello":"wörld","n":[1,2]}`, wantBody: `{"hello":"wörld","n":[1,2]}`},
		{handler: "error", wantType: "errorString", wantInMsg: "something went wrong"},
		{handler: "panic", wantType: "string", wantInMsg: "handler panicked"},
		{handler: "crash", wantType: "Runtime.ExitError", wantInMsg: "Runtime exited with error: exit status 42"},
		{handler: "initexit", wantType: "Runtime.ExitError", wantInMsg: "exit status 3"},
		{handler: "initerror", wantType: "InitFailed", wantInMsg: "cannot load config"},
		{handler: "sleep", timeout: 1, payload: `{"ms":3000}`, wantType: "Sandbox.Timedout", wantInMsg: "Task timed out after 1.00 seconds"},
		{handler: "big", payload: `{"size":7000000}`, wantType: "Function.ResponseSizeTooLarge", wantInMsg: "Response payload size exceeded maximum allowed payload size"},
		{handler: "nosuchhandler", wantType: "errorString", wantInMsg: `unknown handler "nosuchhandler"`},
	}
	for _, tt := range tests {
		t.Run(tt.handler, func(t *testing.T) {
			t.Parallel()
			var opts []func(*lambda.CreateFunctionInput)
			if tt.timeout > 0 {
				opts = append(opts, withTimeout(tt.timeout))
			}
			deploy(t, c, "outcome-"+tt.handler, tt.handler, opts...)
			payload := tt.payload
			if payload == "" {
				payload = "{}"
			}
			out := invoke(t, c, "outcome-"+tt.handler, payload)
			if out.StatusCode != 200 {
				t.Errorf("StatusCode = %d; want 200", out.StatusCode)
			}
			if aws.ToString(out.ExecutedVersion) != "$LATEST" {
				t.Errorf("ExecutedVersion = %q; want $LATEST", aws.ToString(out.ExecutedVersion))
			}
			if tt.wantType == "" {
				if out.FunctionError != nil || string(out.Payload) != tt.wantBody {
					t.Errorf("got error %v body %s; want body %s", aws.ToString(out.FunctionError), out.Payload, tt.wantBody)
				}
				return
			}
			if aws.ToString(out.FunctionError) != "Unhandled" {
				t.Errorf("FunctionError = %q; want Unhandled", aws.ToString(out.FunctionError))
			}
			var le lambdaError
			if err := json.Unmarshal(out.Payload, &le); err != nil {
				t.Fatalf("error body %q is not JSON: %v", out.Payload, err)
			}
			if le.Type != tt.wantType || !strings.Contains(le.Message, tt.wantInMsg) {
				t.Errorf("error = %+v; want type %s with %q", le, tt.wantType, tt.wantInMsg)
			}
		})
	}
}

// TestEnvironmentRecovers checks that a crash or a timeout replaces the
// environment and the next invocation runs normally.
func TestEnvironmentRecovers(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "recover", "sleep", withTimeout(1))
	if out := invoke(t, c, "recover", `{"ms":2500}`); aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("first invoke did not time out: %s", out.Payload)
	}
	if out := invoke(t, c, "recover", `{"ms":1}`); out.FunctionError != nil || string(out.Payload) != `{"slept":1}` {
		t.Errorf("invoke after timeout = %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
	deploy(t, c, "recover-crash", "crash")
	for i := range 3 {
		out := invoke(t, c, "recover-crash", `{}`)
		if !contains(out.Payload, "Runtime.ExitError") {
			t.Errorf("crash %d: %s", i, out.Payload)
		}
	}
}

func TestEnvironmentVariablesAndContext(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "envdump", "env", withEnv(map[string]string{"GREETING": "hi"}), withMemory(256), withTimeout(7))
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	out, err := c.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName: aws.String("envdump"), Payload: []byte(`{}`), ClientContext: aws.String(cc),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Env           map[string]string `json:"env"`
		RequestID     string            `json:"requestId"`
		FunctionArn   string            `json:"functionArn"`
		DeadlineMs    int64             `json:"deadlineMs"`
		Cwd           string            `json:"cwd"`
		ClientContext map[string]string `json:"clientContext"`
		TraceID       string            `json:"traceId"`
	}
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	want := map[string]string{
		"GREETING":                        "hi",
		"_HANDLER":                        "env",
		"AWS_LAMBDA_FUNCTION_NAME":        "envdump",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/envdump",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"TZ":                              ":UTC",
		"AWS_ENDPOINT_URL_LAMBDA":         in.endpoint,
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s = %q; want %q", k, got.Env[k], v)
		}
	}
	for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_TASK_ROOT", "AWS_ACCESS_KEY_ID"} {
		if got.Env[k] == "" {
			t.Errorf("env %s is not set", k)
		}
	}
	if got.Env["LAMBDA_TASK_ROOT"] != got.Cwd {
		t.Errorf("LAMBDA_TASK_ROOT = %q, cwd = %q; want the same", got.Env["LAMBDA_TASK_ROOT"], got.Cwd)
	}
	if !strings.HasPrefix(got.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "20") || !strings.Contains(got.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
		t.Errorf("log stream = %q", got.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if got.RequestID == "" || got.RequestID != requestIDOf(out) {
		t.Errorf("request id in function %q, in response %q", got.RequestID, requestIDOf(out))
	}
	if got.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:envdump" {
		t.Errorf("invoked function ARN = %q", got.FunctionArn)
	}
	if got.DeadlineMs == 0 || got.ClientContext["k"] != "v" || !strings.HasPrefix(got.TraceID, "Root=1-") {
		t.Errorf("deadline %d, client context %v, trace %q", got.DeadlineMs, got.ClientContext, got.TraceID)
	}
}

// requestIDOf reads x-amzn-RequestId from the SDK's result metadata.
func requestIDOf(out *lambda.InvokeOutput) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return id
}

func TestWarmReuseAndScaleOut(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "counter", "counter")
	type reply struct {
		Count int `json:"count"`
		Pid   int `json:"pid"`
	}
	var first reply
	for i := 1; i <= 3; i++ {
		var r reply
		json.Unmarshal(invoke(t, c, "counter", `{}`).Payload, &r)
		if i == 1 {
			first = r
		}
		if r.Count != i || r.Pid != first.Pid {
			t.Errorf("serial invoke %d = %+v; want count %d in pid %d", i, r, i, first.Pid)
		}
	}

	// Parallel invocations of a slow function get environments of their own.
	deploy(t, c, "parallel", "sleep")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("parallel"), Payload: []byte(`{"ms":300}`)})
			if err == nil && out.FunctionError != nil {
				err = fmt.Errorf("function error %s", out.Payload)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	logs := queryLogs(t, in, "parallel", "")
	if got := strings.Count(logs, "Init Duration"); got < 2 {
		t.Errorf("%d cold starts for %d parallel invocations; want several environments", got, n)
	}
}

func TestInvokeBadRequests(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "target", "echo")
	tests := []struct {
		name   string
		input  *lambda.InvokeInput
		code   string
		status int
	}{
		{"missing function", &lambda.InvokeInput{FunctionName: aws.String("nope")}, "ResourceNotFoundException", 404},
		{"unknown qualifier", &lambda.InvokeInput{FunctionName: aws.String("target"), Qualifier: aws.String("3")}, "ResourceNotFoundException", 404},
		{"not json", &lambda.InvokeInput{FunctionName: aws.String("target"), Payload: []byte("not json")}, "InvalidRequestContentException", 400},
		{"too large", &lambda.InvokeInput{FunctionName: aws.String("target"), Payload: []byte(`"` + strings.Repeat("a", 6<<20) + `"`)}, "RequestTooLargeException", 413},
		{"async too large", &lambda.InvokeInput{FunctionName: aws.String("target"), InvocationType: types.InvocationTypeEvent,
			Payload: []byte(`"` + strings.Repeat("a", 1<<20) + `"`)}, "RequestTooLargeException", 413},
		{"bad client context", &lambda.InvokeInput{FunctionName: aws.String("target"), ClientContext: aws.String("%%%")}, "InvalidParameterValueException", 400},
		{"bad name", &lambda.InvokeInput{FunctionName: aws.String("arn:aws:s3:::bucket")}, "InvalidParameterValueException", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Invoke(ctx, tt.input)
			if code, status := apiError(t, err); code != tt.code || status != tt.status {
				t.Errorf("Invoke = %s %d; want %s %d", code, status, tt.code, tt.status)
			}
		})
	}
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("target"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("DryRun = %v, %v; want 204", out, err)
	}
}

func TestReservedConcurrencyThrottles(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "zero", "echo")
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("zero"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("zero")})
	checkThrottle(t, err, "ReservedFunctionConcurrentInvocationLimitExceeded")

	// With one reserved environment busy, a second invocation is throttled.
	deploy(t, c, "one", "sleep")
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("one"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("one"), Payload: []byte(`{"ms":2000}`)})
		done <- err
	}()
	<-started
	waitLog(t, in, "one", "START")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("one"), Payload: []byte(`{"ms":1}`)})
	checkThrottle(t, err, "ReservedFunctionConcurrentInvocationLimitExceeded")
	if err := <-done; err != nil {
		t.Errorf("the running invocation failed: %v", err)
	}
}

func checkThrottle(t *testing.T, err error, reason string) {
	t.Helper()
	var tm *types.TooManyRequestsException
	if !errors.As(err, &tm) {
		t.Fatalf("got %v; want TooManyRequestsException", err)
	}
	if string(tm.Reason) != reason {
		t.Errorf("Reason = %q; want %q", tm.Reason, reason)
	}
	if code, status := apiError(t, err); status != 429 {
		t.Errorf("status = %d (%s); want 429", status, code)
	}
}
