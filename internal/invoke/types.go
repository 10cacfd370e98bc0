package invoke

import (
	"io"
	"time"
)

// Invocation types of the Invoke API (X-Amz-Invocation-Type).
const (
	TypeRequestResponse = "RequestResponse"
	TypeEvent           = "Event"
	TypeDryRun          = "DryRun"
)

// Payload limits of the Invoke API.
const (
	MaxSyncPayload  = 6 << 20
	MaxAsyncPayload = 1 << 20
	tailBytes       = 4096
)

// Request is one call of the Invoke API, already parsed.
type Request struct {
	Function      string // plain name
	Qualifier     string // "", $LATEST, a version number or an alias
	Type          string
	Payload       []byte
	ContentType   string
	LogTail       bool
	ClientContext string // decoded JSON
	TraceID       string // X-Amzn-Trace-Id as received, if any
	// RequestID, when set, is the invocation's id (a gateway puts it in
	// the event before invoking); otherwise one is made.
	RequestID string
	// Stream, when set, makes a synchronous invocation stream its
	// response: it is called once when the function starts answering and
	// returns where the body goes. Response.Streamed then reports that it
	// was used; a FunctionError after that is a mid-stream failure.
	Stream func(StreamStart) io.Writer
}

// StreamStart describes a streamed response as it begins.
type StreamStart struct {
	RequestID       string
	ExecutedVersion string
	ContentType     string
}

// Response is what the Invoke API answers.
type Response struct {
	Status          int
	RequestID       string
	Payload         []byte
	ContentType     string
	FunctionError   string // "Unhandled" when the function failed
	ExecutedVersion string
	LogResult       string // base64 of the log tail, when asked for
	Streamed        bool   // the body went to Request.Stream
	// Timing says where a synchronous invocation's time went.
	Timing Timing

	errorType string // the error body's errorType, read once, when FunctionError is set
}

// Timing splits a synchronous invocation's time inside lamina.
type Timing struct {
	Wait time.Duration // from admission to having an environment (init included)
	Init time.Duration // starting the environment, when this invocation did
	Run  time.Duration // from handing the event to the runtime to its answer
}
