// Command fn is the benchmark's function: work.Do behind aws-lambda-go,
// invoked directly (Handler "bootstrap"), through a function URL (Handler
// "url", the work arrives as the HTTP request's body), or after 50 ms of
// waiting (Handler "sleep", for bursts).
package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lamina-dev/lamina/internal/bench/work"
)

func handle(req work.Request) (work.Response, error) { return work.Do(req), nil }

func handleURL(ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		body, _ = base64.StdEncoding.DecodeString(ev.Body)
	}
	var req work.Request
	if err := json.Unmarshal(body, &req); err != nil {
		return events.LambdaFunctionURLResponse{StatusCode: 400, Body: err.Error()}, nil
	}
	out, _ := json.Marshal(work.Do(req))
	return events.LambdaFunctionURLResponse{
		StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(out),
	}, nil
}

// handleSleep is the burst benchmark's function: 50 ms of waiting, then
// the work.
func handleSleep(req work.Request) (work.Response, error) {
	time.Sleep(50 * time.Millisecond)
	return work.Do(req), nil
}

func main() {
	switch os.Getenv("_HANDLER") {
	case "url":
		lambda.Start(handleURL)
	case "sleep":
		lambda.Start(handleSleep)
	default:
		lambda.Start(handle)
	}
}
