// Command hello is a minimal AWS Lambda function in Go: deploy it to lamina
// (or to Lambda) unchanged.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Name string `json:"name"`
}

type response struct {
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

func handle(ctx context.Context, req request) (response, error) {
	name := req.Name
	if name == "" {
		name = "world"
	}
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Printf("greeting %s\n", name)
	return response{Message: "Hello, " + name + "!", RequestID: lc.AwsRequestID}, nil
}

func main() { lambda.Start(handle) }
