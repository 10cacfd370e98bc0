package e2e

import (
	"bufio"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// streamURL gives fn a RESPONSE_STREAM function URL.
func streamURL(t *testing.T, c *lambda.Client, fn string) string {
	t.Helper()
	out, err := c.CreateFunctionUrlConfig(t.Context(), &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String(fn), AuthType: types.FunctionUrlAuthTypeNone, InvokeMode: types.InvokeModeResponseStream,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.FunctionUrl)
}

// TestStreamingURL proves streaming: the function sends its second chunk
// only after the client, having read the first, creates a marker file.
// Without streaming the first chunk would arrive only after the function
// gave up waiting, and its last line would say so.
func TestStreamingURL(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "streamer", "stream", withTimeout(30))
	u := streamURL(t, c, "streamer")
	marker := filepath.Join(t.TempDir(), "go-on")

	req, _ := http.NewRequestWithContext(t.Context(), "GET", u+"?marker="+url.QueryEscape(marker), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Stream") != "yes" || resp.Header.Get("Content-Type") != "text/plain" ||
		!strings.HasPrefix(resp.Header.Get("Set-Cookie"), "s=1") {
		t.Errorf("streamed response head: %d %v", resp.StatusCode, resp.Header)
	}
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "first chunk\n" {
		t.Fatalf("first chunk = %q, %v", first, err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second chunk\n" {
		t.Errorf("rest of the stream = %q, %v", rest, err)
	}

	// A stream that fails half-way ends abnormally after what was sent.
	deploy(t, c, "breaks", "streamfail")
	resp, err = http.Get(streamURL(t, c, "breaks"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || string(body) != "partial " || resp.StatusCode != 200 {
		t.Errorf("broken stream: %d %q, err %v; want the partial body and a read error", resp.StatusCode, body, err)
	}
}

// streamEvents collects an InvokeWithResponseStream answer; onChunk sees
// the payload so far after each chunk.
func streamEvents(t *testing.T, out *lambda.InvokeWithResponseStreamOutput, onChunk func(sofar string)) (string, *types.InvokeWithResponseStreamCompleteEvent) {
	t.Helper()
	stream := out.GetStream()
	defer stream.Close()
	var sofar strings.Builder
	var done *types.InvokeWithResponseStreamCompleteEvent
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			sofar.Write(v.Value.Payload)
			if onChunk != nil {
				onChunk(sofar.String())
			}
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			done = &v.Value
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("event stream: %v", err)
	}
	return sofar.String(), done
}

func TestInvokeWithResponseStream(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "streamer", "stream", withTimeout(30))
	deploy(t, c, "breaks", "streamfail")
	deploy(t, c, "plain", "echo")
	deploy(t, c, "fails", "error")

	// The first chunk arrives while the function waits for the marker.
	marker := filepath.Join(t.TempDir(), "go-on")
	event := `{"rawPath":"/","rawQueryString":"marker=` + url.QueryEscape(marker) + `","requestContext":{"domainName":"x","http":{"method":"GET"}}}`
	out, err := c.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{
		FunctionName: aws.String("streamer"), Payload: []byte(event), LogType: types.LogTypeTail,
	})
	if err != nil {
		t.Fatalf("InvokeWithResponseStream: %v", err)
	}
	if aws.ToString(out.ExecutedVersion) != "$LATEST" || aws.ToString(out.ResponseStreamContentType) != "application/vnd.awslambda.http-integration-response" {
		t.Errorf("version %q, content type %q", aws.ToString(out.ExecutedVersion), aws.ToString(out.ResponseStreamContentType))
	}
	body, done := streamEvents(t, out, func(sofar string) {
		if strings.HasSuffix(sofar, "first chunk\n") {
			os.WriteFile(marker, nil, 0o644)
		}
	})
	if !strings.HasSuffix(body, "\x00\x00\x00\x00\x00\x00\x00\x00first chunk\nsecond chunk\n") || !strings.HasPrefix(body, `{"statusCode":202`) {
		t.Errorf("streamed body = %q", body)
	}
	if done == nil || done.ErrorCode != nil || aws.ToString(done.LogResult) == "" {
		t.Errorf("InvokeComplete = %+v", done)
	}

	// Errors: mid-stream in the trailers, and before any byte.
	cases := []struct {
		fn, body, code, details string
	}{
		{"breaks", "partial ", "errorString", "stream broke"},
		{"fails", "", "errorString", "something went wrong"},
		{"plain", `{"a":1}`, "", ""},
	}
	for _, tt := range cases {
		out, err := c.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String(tt.fn), Payload: []byte(`{"a":1}`)})
		if err != nil {
			t.Fatalf("%s: %v", tt.fn, err)
		}
		body, done := streamEvents(t, out, nil)
		if body != tt.body || done == nil || aws.ToString(done.ErrorCode) != tt.code || !strings.Contains(aws.ToString(done.ErrorDetails), tt.details) {
			t.Errorf("%s: body %q, complete %+v; want %q, code %q", tt.fn, body, done, tt.body, tt.code)
		}
	}

	// Bad input is an ordinary error response.
	_, err = c.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("nosuch")})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Errorf("unknown function: %s %d", code, status)
	}
}
