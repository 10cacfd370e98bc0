package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestTarget(t *testing.T) {
	tests := []struct {
		host, path  string
		id, rawPath string
		ok          bool
	}{
		{"127.0.0.1:9000", "/lambda-url/abc/x/y", "abc", "/x/y", true},
		{"127.0.0.1:9000", "/lambda-url/abc", "abc", "/", true},
		{"127.0.0.1:9000", "/lambda-url//x", "", "", false},
		{"abc.lambda-url.us-east-1.localhost:9000", "/x", "abc", "/x", true},
		{"127.0.0.1:9000", "/2015-03-31/functions", "", "", false},
		{"127.0.0.1:9000", "/lambda-url/abc/caf%C3%A9", "abc", "/caf%C3%A9", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "http://"+tt.host+tt.path, nil)
		id, rawPath, ok := Target(r)
		if id != tt.id || rawPath != tt.rawPath || ok != tt.ok {
			t.Errorf("Target(%s%s) = %q, %q, %v; want %q, %q, %v", tt.host, tt.path, id, rawPath, ok, tt.id, tt.rawPath, tt.ok)
		}
	}
}

func TestDecodeResult(t *testing.T) {
	tests := []struct {
		payload string
		status  int
		body    string
		bad     bool
	}{
		{`{"statusCode":204}`, 204, "", false},
		{`{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, 200, "hi", false},
		{`{"hello":"world"}`, 200, `{"hello":"world"}`, false},
		{`"Hello"`, 200, `"Hello"`, false},
		{`[1,2]`, 200, `[1,2]`, false},
		{`{"statusCode":"200"}`, 0, "", true},
		{`{"statusCode":42}`, 0, "", true},
		{`{"statusCode":200,"body":"!!","isBase64Encoded":true}`, 0, "", true},
		{`not json`, 0, "", true},
	}
	for _, tt := range tests {
		res, body, err := decodeResult([]byte(tt.payload))
		if tt.bad {
			if err == nil {
				t.Errorf("decodeResult(%s) accepted", tt.payload)
			}
			continue
		}
		if err != nil || res.StatusCode != tt.status || string(body) != tt.body {
			t.Errorf("decodeResult(%s) = %v %q %v; want %d %q", tt.payload, res, body, err, tt.status, tt.body)
		}
	}
}

// FuzzDecodeResult: whatever a function returns, the gateway answers with
// a valid status or a clean error.
func FuzzDecodeResult(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"headers":{"a":"b"},"cookies":["c=d"],"body":"x"}`))
	f.Add([]byte(`{"statusCode":200,"multiValueHeaders":{"a":["b","c"]}}`))
	f.Add([]byte(`"text"`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		res, _, err := decodeResult(payload)
		if err == nil && (res.StatusCode < 100 || res.StatusCode > 599) {
			t.Fatalf("status %d accepted", res.StatusCode)
		}
		if err == nil {
			writeResult(httptest.NewRecorder(), res, nil, nil)
		}
	})
}

// FuzzEvent: any request becomes an event that aws-lambda-go decodes, and
// the body survives the trip whether sent as text or base64.
func FuzzEvent(f *testing.F) {
	f.Add("/a/b", "x=1&x=2", "text/plain", "c=1; d=2", []byte("hello"))
	f.Add("/caf%C3%A9", "", "application/octet-stream", "", []byte{0, 255})
	f.Fuzz(func(t *testing.T, path, query, contentType, cookie string, body []byte) {
		u, err := url.Parse("http://h" + path + "?" + query)
		if err != nil || u.Path == "" || path[0] != '/' {
			return
		}
		r := &http.Request{Method: "POST", URL: u, Proto: "HTTP/1.1", Host: "h", RemoteAddr: "1.2.3.4:5",
			Header: http.Header{"Content-Type": {contentType}, "Cookie": {cookie}}}
		raw, err := json.Marshal(newEvent(r, body, u.EscapedPath(), "id", "req", "Root=1-a-b", time.Unix(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.LambdaFunctionURLRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("aws-lambda-go cannot decode %s: %v", raw, err)
		}
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			got, _ = base64.StdEncoding.DecodeString(ev.Body)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("body %q came through as %q", body, got)
		}
	})
}
