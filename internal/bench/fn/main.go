// Command fn is the benchmark's function: work.Do behind aws-lambda-go,
// invoked directly (Handler "bootstrap") or through a function URL
// (Handler "url"), where the work arrives as the HTTP request's body.
package main

import (
	"encoding/base64"
	"encoding/json"
	"os"

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

func main() {
	if os.Getenv("_HANDLER") == "url" {
		lambda.Start(handleURL)
		return
	}
	lambda.Start(handle)
}
