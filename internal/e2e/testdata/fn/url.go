package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// urlHandler serves function URL tests: it answers with what
// aws-lambda-go decoded from the request, and the query string picks the
// kind of answer.
func urlHandler(ctx context.Context, req events.LambdaFunctionURLRequest) (any, error) {
	q := req.QueryStringParameters
	if ms, err := strconv.Atoi(q["sleep"]); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	switch {
	case q["fail"] != "":
		return nil, errors.New("url handler failed")
	case q["shortcut"] == "object":
		return map[string]string{"shortcut": "yes"}, nil
	case q["shortcut"] == "string":
		return "Hello", nil
	case q["binary"] != "":
		// Echo the body's bytes back, reversed, as binary.
		raw := []byte(req.Body)
		if req.IsBase64Encoded {
			raw, _ = base64.StdEncoding.DecodeString(req.Body)
		}
		slices.Reverse(raw)
		return events.LambdaFunctionURLResponse{
			StatusCode: 200, Headers: map[string]string{"Content-Type": "application/octet-stream"},
			Body: base64.StdEncoding.EncodeToString(raw), IsBase64Encoded: true,
		}, nil
	}
	status := 201
	if s, err := strconv.Atoi(q["status"]); err == nil {
		status = s
	}
	echo, _ := json.Marshal(req)
	return events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Handler": "url", "Access-Control-Allow-Origin": "https://evil.example"},
		Body:       string(echo),
		Cookies:    []string{"session=abc; Path=/; HttpOnly", "theme=dark"},
	}, nil
}

// apiHandler serves HTTP route tests: it answers with what aws-lambda-go
// decoded from the API Gateway HTTP API request.
func apiHandler(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	echo, _ := json.Marshal(req)
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers: map[string]string{"Content-Type": "application/json", "X-Route": req.RouteKey, "X-Function": os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
			"X-Function-Version": os.Getenv("AWS_LAMBDA_FUNCTION_VERSION")},
		Body: string(echo),
	}, nil
}
