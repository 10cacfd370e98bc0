package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func startServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := New(Config{FunctionName: "fn", FunctionVersion: "$LATEST", Handler: "bootstrap"})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, "http://" + s.Addr() + "/2018-06-01"
}

// runAsync starts Run in the background and returns where its result lands.
func runAsync(s *Server, inv *Invocation) chan Outcome {
	ch := make(chan Outcome, 1)
	go func() {
		out, err := s.Run(context.Background(), inv)
		if err != nil {
			out.Err = &FunctionError{Type: "test", Message: err.Error()}
		}
		ch <- out
	}()
	return ch
}

func post(t *testing.T, url, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestNextDeliversInvocation(t *testing.T) {
	s, base := startServer(t)
	deadline := time.Now().Add(3 * time.Second)
	result := runAsync(s, &Invocation{
		RequestID: "req-1", Payload: []byte(`{"a":1}`), Deadline: deadline,
		FunctionARN: "arn:aws:lambda:us-east-1:0:function:fn", TraceID: "Root=1-a-b", ClientContext: `{"c":1}`,
	})
	resp, err := http.Get(base + "/runtime/invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case <-s.Ready():
	default:
		t.Error("Ready not closed after the first /next")
	}
	want := map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       "req-1",
		"Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:0:function:fn",
		"Lambda-Runtime-Trace-Id":             "Root=1-a-b",
		"Lambda-Runtime-Client-Context":       `{"c":1}`,
		"Content-Type":                        "application/json",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
	if resp.Header.Get("Lambda-Runtime-Deadline-Ms") != strconvMs(deadline) || string(body) != `{"a":1}` {
		t.Errorf("deadline %q body %q", resp.Header.Get("Lambda-Runtime-Deadline-Ms"), body)
	}
	if resp.Header.Get("Lambda-Runtime-Cognito-Identity") != "" {
		t.Error("empty Cognito identity header sent")
	}

	// Errors for wrong ids and double answers.
	if r := post(t, base+"/runtime/invocation/other/response", "{}", nil); r.StatusCode != 400 {
		t.Errorf("unknown id: %d; want 400", r.StatusCode)
	}
	if r := post(t, base+"/runtime/invocation/req-1/response", `"ok"`, nil); r.StatusCode != 202 {
		t.Errorf("response: %d; want 202", r.StatusCode)
	}
	if out := <-result; string(out.Payload) != `"ok"` || out.Err != nil {
		t.Errorf("outcome = %+v", out)
	}
	if r := post(t, base+"/runtime/invocation/req-1/response", `"again"`, nil); r.StatusCode != 403 {
		t.Errorf("second answer: %d; want 403", r.StatusCode)
	}
	if r := post(t, base+"/runtime/init/error", `{}`, nil); r.StatusCode != 403 {
		t.Errorf("init/error after init: %d; want 403", r.StatusCode)
	}
}

func strconvMs(t time.Time) string {
	b, _ := json.Marshal(t.UnixMilli())
	return string(b)
}

func TestResponseLimitsAndModes(t *testing.T) {
	s, base := startServer(t)
	tests := []struct {
		name     string
		body     string
		hdr      map[string]string
		status   int
		wantType string
	}{
		{"too large", strings.Repeat("x", MaxResponseBytes+responseSlack+1), nil, 413, "Function.ResponseSizeTooLarge"},
		{"bad mode", "{}", map[string]string{hResponseMode: "bogus"}, 400, ""},
		{"error", `{"errorType":"MyError","errorMessage":"bad","stackTrace":[{"path":"x","line":1}]}`, nil, 202, "MyError"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := string(rune('a' + i))
			result := runAsync(s, &Invocation{RequestID: id, Deadline: time.Now().Add(time.Minute)})
			resp, err := http.Get(base + "/runtime/invocation/next")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			path := "/response"
			if tt.name == "error" {
				path = "/error"
			}
			if r := post(t, base+"/runtime/invocation/"+id+path, tt.body, tt.hdr); r.StatusCode != tt.status {
				t.Errorf("status %d; want %d", r.StatusCode, tt.status)
			}
			if tt.wantType == "" {
				// The invocation is still open: answer it properly.
				post(t, base+"/runtime/invocation/"+id+"/response", "{}", nil)
				<-result
				return
			}
			out := <-result
			if out.Err == nil || out.Err.Type != tt.wantType {
				t.Errorf("outcome %+v; want %s", out.Err, tt.wantType)
			}
		})
	}
}

// TestTrailerError covers aws-lambda-go's way of reporting a response it
// could not finish: a chunked body with error trailers.
func TestTrailerError(t *testing.T) {
	s, base := startServer(t)
	result := runAsync(s, &Invocation{RequestID: "t1", Deadline: time.Now().Add(time.Minute)})
	resp, _ := http.Get(base + "/runtime/invocation/next")
	resp.Body.Close()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/runtime/invocation/t1/response", pr)
	req.Trailer = http.Header{hErrorType: nil, hErrorBody: nil}
	go func() {
		pw.Write([]byte("partial"))
		req.Trailer.Set(hErrorType, "Runtime.TruncatedResponse")
		req.Trailer.Set(hErrorBody, "eyJlcnJvck1lc3NhZ2UiOiJjdXQiLCJlcnJvclR5cGUiOiJSdW50aW1lLlRydW5jYXRlZFJlc3BvbnNlIn0=")
		pw.Close()
	}()
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	out := <-result
	if out.Err == nil || out.Err.Type != "Runtime.TruncatedResponse" || !bytes.Contains(out.Err.JSON(), []byte(`"cut"`)) {
		t.Errorf("outcome = %+v", out.Err)
	}
}

func TestInitErrorAndAbort(t *testing.T) {
	s, base := startServer(t)
	if r := post(t, base+"/runtime/init/error", `{"errorType":"Init","errorMessage":"no config"}`, nil); r.StatusCode != 202 {
		t.Fatalf("init/error: %d", r.StatusCode)
	}
	if fe := s.InitError(); fe == nil || fe.Type != "Init" || fe.Message != "no config" {
		t.Errorf("InitError = %+v", fe)
	}
	s.Abort()
	if _, err := s.Run(context.Background(), &Invocation{RequestID: "x"}); !errors.Is(err, ErrNotDelivered) {
		t.Errorf("Run after Abort = %v; want ErrNotDelivered", err)
	}
}

func TestExtensions(t *testing.T) {
	s, _ := startServer(t)
	ext := "http://" + s.Addr() + "/2020-01-01/extension"
	req, _ := http.NewRequest(http.MethodPost, ext+"/register", strings.NewReader(`{"events":["INVOKE","SHUTDOWN"]}`))
	req.Header.Set(hExtensionName, "test-ext")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reg map[string]string
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	id := resp.Header.Get(hExtensionID)
	if resp.StatusCode != 200 || id == "" || reg["functionName"] != "fn" || reg["handler"] != "bootstrap" {
		t.Fatalf("register: %d id %q body %v", resp.StatusCode, id, reg)
	}
	if !s.HasExtensions() {
		t.Error("HasExtensions = false after register")
	}
	s.Shutdown("spindown", time.Now().Add(time.Second))
	req, _ = http.NewRequest(http.MethodGet, ext+"/event/next", nil)
	req.Header.Set(hExtensionID, id)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	json.NewDecoder(resp.Body).Decode(&ev)
	resp.Body.Close()
	if ev["eventType"] != "SHUTDOWN" || ev["shutdownReason"] != "spindown" {
		t.Errorf("event = %v", ev)
	}
	req, _ = http.NewRequest(http.MethodGet, ext+"/event/next", nil)
	req.Header.Set(hExtensionID, "bogus")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 403 {
		t.Errorf("unknown extension id: %d; want 403", resp.StatusCode)
	}
}

func FuzzReadFunctionError(f *testing.F) {
	f.Add([]byte(`{"errorType":"E","errorMessage":"m","stackTrace":[{"path":"p"}]}`), "Runtime.Unknown")
	f.Add([]byte(`not json`), "")
	f.Add([]byte(`{"errorType":7}`), "T")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set(hErrorType, header)
		fe := readFunctionError(req)
		if fe.Type == "" {
			t.Fatal("empty error type")
		}
		if !json.Valid(fe.JSON()) {
			t.Fatalf("error body %q is not JSON", fe.JSON())
		}
	})
}

// TestReplyOnOtherConnection covers runtimes that do not reuse the
// connection of their GET /next for the reply: one that closes it after
// each request, and one that keeps it open while replying on another (Run
// is then blocked reading the first and must be interrupted).
func TestReplyOnOtherConnection(t *testing.T) {
	s, base := startServer(t)
	oneShot := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	nextClient := &http.Client{Transport: &http.Transport{}}
	replyClient := &http.Client{Transport: &http.Transport{}}
	tests := []struct {
		name        string
		next, reply *http.Client
	}{
		{"connection per request", oneShot, oneShot},
		{"next connection kept open", nextClient, replyClient},
		{"next connection reused", nextClient, replyClient},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "other-" + string(rune('a'+i))
			result := runAsync(s, &Invocation{RequestID: id, Payload: []byte(`{}`), Deadline: time.Now().Add(time.Minute)})
			resp, err := tt.next.Get(base + "/runtime/invocation/next")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get(hRequestID); got != id {
				t.Fatalf("next delivered %q; want %q", got, id)
			}
			req, _ := http.NewRequest(http.MethodPost, base+"/runtime/invocation/"+id+"/response", strings.NewReader(`"done"`))
			r, err := tt.reply.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusAccepted {
				t.Fatalf("reply: %d; want 202", r.StatusCode)
			}
			select {
			case out := <-result:
				if string(out.Payload) != `"done"` || out.Err != nil {
					t.Errorf("outcome = %+v", out)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after the reply came over another connection")
			}
		})
	}
}
