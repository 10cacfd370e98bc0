package runtimeapi

import (
	"encoding/json"
	"errors"
	"io"
	"time"
)

// Invocation is one event handed to the runtime.
type Invocation struct {
	RequestID       string
	Payload         []byte
	ContentType     string
	Deadline        time.Time
	FunctionARN     string // as invoked, with qualifier
	TraceID         string // X-Ray format
	ClientContext   string // decoded JSON
	CognitoIdentity string

	// Stream, when set, receives the response body as the runtime sends
	// it instead of buffering it: it is called once, when the response
	// starts, with its content type, and returns where the bytes go.
	Stream func(contentType string) io.Writer

	done chan Outcome
}

// Outcome is what the runtime answered for an invocation.
type Outcome struct {
	Payload     []byte
	ContentType string
	// Streamed is set when the body went to Invocation.Stream; Err then
	// reports a failure in the middle of the stream.
	Streamed bool
	// Err is set when the function failed; Payload is then empty.
	Err *FunctionError
}

// FunctionError is a function failure as the Invoke API reports it: the
// body goes to the caller with X-Amz-Function-Error: Unhandled.
type FunctionError struct {
	Type    string
	Message string
	// Body, when set, is the error JSON exactly as the runtime posted it.
	Body []byte
}

// JSON returns the error body for the caller.
func (e *FunctionError) JSON() []byte {
	if len(e.Body) > 0 {
		return e.Body
	}
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{e.Message, e.Type})
	return b
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Errors Run and WaitReady return when the environment, not the function,
// is at fault.
var (
	// ErrClosed: the environment was shut down.
	ErrClosed = errors.New("runtime api closed")
	// ErrNotDelivered: the runtime never took the invocation, so it is safe
	// to run it elsewhere.
	ErrNotDelivered = errors.New("invocation not delivered")
)

// Limits on what a runtime may post.
const (
	MaxResponseBytes = 6 << 20
	// MaxStreamBytes bounds a streamed response, as Lambda does.
	MaxStreamBytes = 200 << 20
	// RIE accepts 6 MiB + 100 bytes; Lambda's message uses the same figure.
	responseSlack  = 100
	maxErrorBytes  = 1 << 20
	maxEventBuffer = 16
)

// Header names of the Runtime and Extensions APIs.
const (
	hRequestID       = "Lambda-Runtime-Aws-Request-Id"
	hDeadline        = "Lambda-Runtime-Deadline-Ms"
	hFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	hTraceID         = "Lambda-Runtime-Trace-Id"
	hClientContext   = "Lambda-Runtime-Client-Context"
	hCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	hErrorType       = "Lambda-Runtime-Function-Error-Type"
	hErrorBody       = "Lambda-Runtime-Function-Error-Body"
	hResponseMode    = "Lambda-Runtime-Function-Response-Mode"
	hExtensionName   = "Lambda-Extension-Name"
	hExtensionID     = "Lambda-Extension-Identifier"
)
