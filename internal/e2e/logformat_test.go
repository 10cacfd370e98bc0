package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestLoggingConfigJSON sets Lambda's LoggingConfig through the SDK: JSON
// platform records instead of START/END/REPORT, application lines filtered
// by their "level" (plain lines count as INFO), the variables runtimes read,
// and back to Text.
func TestLoggingConfigJSON(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "structured", "levels", func(in *lambda.CreateFunctionInput) {
		in.LoggingConfig = &types.LoggingConfig{LogFormat: types.LogFormatJson, ApplicationLogLevel: types.ApplicationLogLevelWarn}
	})
	got, err := c.GetFunctionConfiguration(t.Context(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("structured")})
	if err != nil {
		t.Fatal(err)
	}
	if lc := got.LoggingConfig; lc == nil || lc.LogFormat != types.LogFormatJson || lc.ApplicationLogLevel != types.ApplicationLogLevelWarn ||
		lc.SystemLogLevel != types.SystemLogLevelInfo || aws.ToString(lc.LogGroup) != "/aws/lambda/structured" {
		t.Errorf("LoggingConfig = %+v; want JSON, WARN, INFO, /aws/lambda/structured", lc)
	}

	out := invoke(t, c, "structured", `{}`)
	if string(out.Payload) != `{"format":"JSON","level":"WARN"}` {
		t.Errorf("the function saw %s; want AWS_LAMBDA_LOG_FORMAT=JSON, AWS_LAMBDA_LOG_LEVEL=WARN", out.Payload)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	var app []string
	var platform []string
	for _, l := range getLogs(t, in, "structured", url.Values{"requestId": {id}}) {
		var rec struct {
			Type   string          `json:"type"`
			Time   string          `json:"time"`
			Msg    string          `json:"msg"`
			Record json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal([]byte(l.Message), &rec); err != nil {
			t.Errorf("line %q is not JSON", l.Message)
			continue
		}
		if rec.Type == "" {
			app = append(app, rec.Msg)
			continue
		}
		platform = append(platform, rec.Type)
		if _, err := time.Parse(time.RFC3339Nano, rec.Time); err != nil || !strings.Contains(string(rec.Record), id) {
			t.Errorf("platform record %s: time %q, record %s; want an RFC 3339 time and the request id", rec.Type, rec.Time, rec.Record)
		}
		if rec.Type == "platform.report" && (!strings.Contains(string(rec.Record), `"initDurationMs"`) || !strings.Contains(string(rec.Record), `"status":"success"`)) {
			t.Errorf("platform.report of a cold start = %s; want initDurationMs and status success", rec.Record)
		}
	}
	if want := []string{"at warn", "at warning", "at error", "at fatal"}; !slices.Equal(app, want) {
		t.Errorf("application lines at WARN = %q; want %q (below WARN and the plain line dropped)", app, want)
	}
	if want := []string{"platform.start", "platform.runtimeDone", "platform.report"}; !slices.Equal(platform, want) {
		t.Errorf("platform records = %q; want %q", platform, want)
	}

	// SystemLogLevel WARN drops the platform records; back to Text brings
	// START/END/REPORT and every line back, and clears the levels.
	update := func(lc *types.LoggingConfig) *lambda.UpdateFunctionConfigurationOutput {
		t.Helper()
		out, err := c.UpdateFunctionConfiguration(t.Context(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("structured"), LoggingConfig: lc})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	update(&types.LoggingConfig{SystemLogLevel: types.SystemLogLevelWarn})
	out = invoke(t, c, "structured", `{}`)
	id, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if logs := queryLogs(t, in, "structured", id); strings.Contains(logs, "platform.") || !strings.Contains(logs, "at fatal") {
		t.Errorf("with SystemLogLevel WARN the log is:\n%s\nwant no platform records, the WARN+ lines", logs)
	}
	back := update(&types.LoggingConfig{LogFormat: types.LogFormatText})
	if lc := back.LoggingConfig; lc.LogFormat != types.LogFormatText || lc.ApplicationLogLevel != "" || lc.SystemLogLevel != "" {
		t.Errorf("after Text: LoggingConfig = %+v; want Text without levels", lc)
	}
	out = invoke(t, c, "structured", `{}`)
	if string(out.Payload) != `{"format":"","level":""}` {
		t.Errorf("a Text function saw %s; want neither variable", out.Payload)
	}
	id, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	logs := queryLogs(t, in, "structured", id)
	for _, want := range []string{"START RequestId: " + id, `"at trace"`, "plain text", "END RequestId: " + id, "REPORT RequestId: " + id} {
		if !strings.Contains(logs, want) {
			t.Errorf("Text log lacks %q:\n%s", want, logs)
		}
	}

	// Bad settings get Lambda's validation errors.
	for _, lc := range []*types.LoggingConfig{
		{LogFormat: types.LogFormatText, ApplicationLogLevel: types.ApplicationLogLevelDebug},
		{LogFormat: "XML"},
		{LogFormat: types.LogFormatJson, SystemLogLevel: "TRACE"},
	} {
		_, err := c.UpdateFunctionConfiguration(t.Context(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("structured"), LoggingConfig: lc})
		if code, status := apiError(t, err); code != "InvalidParameterValueException" || status != http.StatusBadRequest {
			t.Errorf("LoggingConfig %+v: %s %d; want InvalidParameterValueException 400", lc, code, status)
		}
	}
}
