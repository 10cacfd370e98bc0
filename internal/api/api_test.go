package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/invoke"
	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/store/storetest"
)

// recordingInvoker answers every invocation with its own payload.
type recordingInvoker struct{ last invoke.Request }

func (r *recordingInvoker) ProvisionedReady(string, string) int { return 0 }

func (r *recordingInvoker) Invoke(_ context.Context, req invoke.Request) (*invoke.Response, error) {
	r.last = req
	return &invoke.Response{Status: http.StatusOK, RequestID: "id", Payload: req.Payload, ExecutedVersion: "$LATEST"}, nil
}

func newTestHandler(t testing.TB) (*Handler, *recordingInvoker) {
	t.Helper()
	cat := catalog.New(storetest.NewMem(), nil)
	inv := &recordingInvoker{}
	h := New(Config{Region: "us-east-1", AccountID: "000000000000", AccountConcurrency: 1000},
		cat, inv, logs.New(logs.Options{MaxLines: 100}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return h, inv
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in, name, q string
		ok          bool
	}{
		{"fn", "fn", "", true},
		{"fn:$LATEST", "fn", "$LATEST", true},
		{"fn:prod", "fn", "prod", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn", "fn", "", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn:7", "fn", "7", true},
		{"123456789012:function:fn:live", "fn", "live", true},
		{"arn:aws:s3:::bucket", "", "", false},
		{"fn:a:b", "", "", false},
		{"", "", "", false},
		{"with space", "", "", false},
		{strings.Repeat("a", 65), "", "", false},
	}
	for _, tt := range tests {
		name, q, err := parseName(tt.in)
		if (err == nil) != tt.ok || name != tt.name || q != tt.q {
			t.Errorf("parseName(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.in, name, q, err, tt.name, tt.q, tt.ok)
		}
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"fn", "fn:1", "arn:aws:lambda:us-east-1:1:function:fn:q", "1:function:x", "arn:", ":::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, q, err := parseName(s)
		if err != nil {
			return
		}
		if !catalog.ValidName(name) || strings.Contains(q, ":") {
			t.Fatalf("parseName(%q) accepted name %q qualifier %q", s, name, q)
		}
	})
}

// FuzzInvokeRequest sends arbitrary headers and bodies to the Invoke API:
// every answer must be a 200 or a Lambda-shaped error, never a panic or a
// 5xx.
func FuzzInvokeRequest(f *testing.F) {
	f.Add("fn", "RequestResponse", "Tail", base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)), []byte(`{"x":1}`))
	f.Add("fn:1", "Event", "None", "", []byte(`not json`))
	f.Add("arn:aws:lambda:r:1:function:fn", "DryRun", "", "@@", []byte{})
	f.Add("fn", "Bogus", "Bogus", "e30=", []byte(`[]`))
	h, _ := newTestHandler(f)
	f.Fuzz(func(t *testing.T, name, typ, logType, clientContext string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/2015-03-31/functions/x/invocations", bytes.NewReader(body))
		req.SetPathValue("name", name)
		req.Header.Set("X-Amz-Invocation-Type", typ)
		req.Header.Set("X-Amz-Log-Type", logType)
		req.Header.Set("X-Amz-Client-Context", clientContext)
		w := httptest.NewRecorder()
		h.serve(h.invoke)(w, req)
		checkAnswer(t, w)
	})
}

// FuzzCreateFunction sends arbitrary bodies to CreateFunction.
func FuzzCreateFunction(f *testing.F) {
	f.Add([]byte(`{"FunctionName":"a","Runtime":"provided.al2023","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`))
	f.Add([]byte(`{"FunctionName":"b","MemorySize":-1,"Timeout":1e99}`))
	f.Add([]byte(`{"Environment":{"Variables":{"A":"1"}}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, _ := newTestHandler(t)
		req := httptest.NewRequest(http.MethodPost, "/2015-03-31/functions", bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		checkAnswer(t, w)
	})
}

// checkAnswer accepts a success or a Lambda-shaped client error, never a
// server error.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if w.Code >= 400 {
		checkLambdaError(t, w)
	}
}

func checkLambdaError(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Header().Get("X-Amzn-ErrorType") == "" {
		t.Fatalf("status %d without X-Amzn-ErrorType", w.Code)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q is not JSON", w.Body)
	}
}

func TestInvokeRequestDecoding(t *testing.T) {
	h, inv := newTestHandler(t)
	req := httptest.NewRequest(http.MethodPost, "/2015-03-31/functions/x/invocations?Qualifier=%24LATEST", strings.NewReader(`{"k":"v"}`))
	req.SetPathValue("name", "arn:aws:lambda:us-east-1:000000000000:function:fn")
	req.Header.Set("X-Amz-Log-Type", "Tail")
	req.Header.Set("X-Amz-Client-Context", base64.StdEncoding.EncodeToString([]byte(`{"custom":{"a":"b"}}`)))
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")
	w := httptest.NewRecorder()
	h.serve(h.invoke)(w, req)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := inv.last
	if got.Function != "fn" || got.Qualifier != "$LATEST" || got.Type != invoke.TypeRequestResponse || !got.LogTail ||
		got.ClientContext != `{"custom":{"a":"b"}}` || got.TraceID == "" || string(got.Payload) != `{"k":"v"}` {
		t.Errorf("decoded request = %+v", got)
	}
	// A qualifier in the name that disagrees with ?Qualifier is refused.
	req = httptest.NewRequest(http.MethodPost, "/x?Qualifier=2", nil)
	req.SetPathValue("name", "fn:1")
	w = httptest.NewRecorder()
	h.serve(h.invoke)(w, req)
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "InvalidParameterValueException" {
		t.Errorf("mismatched qualifiers: %d %s", w.Code, w.Header().Get("X-Amzn-ErrorType"))
	}
}

func TestUnknownRouteIsLambdaShaped(t *testing.T) {
	h, _ := newTestHandler(t)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/2099-01-01/nothing", nil))
	if w.Code != 404 {
		t.Errorf("status %d", w.Code)
	}
	checkLambdaError(t, w)
}
