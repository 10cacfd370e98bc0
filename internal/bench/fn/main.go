// Command fn is the benchmark's function: work.Do behind aws-lambda-go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lamina-dev/lamina/internal/bench/work"
)

func handle(req work.Request) (work.Response, error) { return work.Do(req), nil }

func main() { lambda.Start(handle) }
