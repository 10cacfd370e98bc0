package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// TestTracesAcrossFunctions exports lamina's spans over OTLP (HTTP and
// gRPC) to a receiver in the test while an aws-lambda-go function calls a
// second function through lamina with the AWS SDK. The caller's W3C
// traceparent is continued, the second invocation joins the same trace
// under the first one's run span, and only the first call is a cold start.
func TestTracesAcrossFunctions(t *testing.T) {
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			col := startCollector(t, protocol)
			in := startEnv(t, t.TempDir(), []string{
				"OTEL_EXPORTER_OTLP_ENDPOINT=" + col.endpoint,
				"OTEL_EXPORTER_OTLP_PROTOCOL=" + protocol,
				"OTEL_SERVICE_NAME=lamina-e2e",
				"OTEL_BSP_SCHEDULE_DELAY=50",
				"OTEL_BLRP_SCHEDULE_DELAY=50",
			})
			if !in.stderr.waitFor("tracing=\"otlp "+protocol+"\"", within(t, 0)) {
				t.Errorf("startup log does not say where traces go:\n%s", in.stderr)
			}
			c := in.client()
			deploy(t, c, "front", "chain")
			deploy(t, c, "back", "chain")
			url, err := c.CreateFunctionUrlConfig(t.Context(), &lambda.CreateFunctionUrlConfigInput{
				FunctionName: aws.String("back"), AuthType: types.FunctionUrlAuthTypeNone,
			})
			if err != nil {
				t.Fatal(err)
			}

			type call struct {
				traceID, parent string
				requestID       string
				result          struct {
					TraceID string `json:"traceId"`
					Next    struct {
						TraceID string `json:"traceId"`
					} `json:"next"`
				}
			}
			calls := []*call{
				{traceID: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7"},
				{traceID: "5bf92f3577b34da6a3ce929d0e0e4737", parent: "10f067aa0ba902b8"},
			}
			for _, cl := range calls {
				tp := "00-" + cl.traceID + "-" + cl.parent + "-01"
				out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("front"), Payload: []byte(`{"next":"back"}`)},
					lambda.WithAPIOptions(smithyhttp.AddHeaderValue("traceparent", tp)))
				if err != nil {
					t.Fatal(err)
				}
				if out.FunctionError != nil {
					t.Fatalf("front failed: %s", out.Payload)
				}
				cl.requestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
				if raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); !ok || raw.Header.Get("X-Lamina-Trace-Id") != cl.traceID {
					t.Errorf("X-Lamina-Trace-Id does not name the caller's trace %s", cl.traceID)
				}
				if err := json.Unmarshal(out.Payload, &cl.result); err != nil {
					t.Fatalf("front answered %s: %v", out.Payload, err)
				}
			}
			urlTrace, urlParent := "6bf92f3577b34da6a3ce929d0e0e4738", "20f067aa0ba902b9"
			resp, body := httpDo(t, "GET", *url.FunctionUrl+"hello", nil, http.Header{"Traceparent": {"00-" + urlTrace + "-" + urlParent + "-01"}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET function URL = %d %s", resp.StatusCode, body)
			}
			if out, errOut, code := in.lamina(t, "", "route", "set", "GET /chain/{id}", "back"); code != 0 {
				t.Fatalf("lamina route set: exit %d\n%s%s", code, out, errOut)
			}
			routeTrace, routeParent := "8bf92f3577b34da6a3ce929d0e0e473a", "40f067aa0ba902bb"
			resp, body = httpDo(t, "GET", in.endpoint+"/chain/7", nil, http.Header{"Traceparent": {"00-" + routeTrace + "-" + routeParent + "-01"}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET route = %d %s", resp.StatusCode, body)
			}
			if _, errOut, code := in.lamina(t, "", "invoke", "back", "--trace"); code != 0 || !regexp.MustCompile(`trace id +[0-9a-f]{32}\n`).MatchString(errOut) {
				t.Errorf("lamina invoke --trace: exit %d, no trace id:\n%s", code, errOut)
			}
			asyncTrace, asyncParent := "7bf92f3577b34da6a3ce929d0e0e4739", "30f067aa0ba902ba"
			out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("back"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)},
				lambda.WithAPIOptions(smithyhttp.AddHeaderValue("traceparent", "00-"+asyncTrace+"-"+asyncParent+"-01")))
			if err != nil {
				t.Fatal(err)
			}
			asyncID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
			waitLog(t, in, "back", "END RequestId: "+asyncID)
			in.stop() // flushes the spans still buffered

			for i, cl := range calls {
				t.Run(fmt.Sprintf("call%d", i+1), func(t *testing.T) {
					frontRun := checkChain(t, col.trace(cl.traceID), cl.parent, cl.requestID, i == 0, cl.result.TraceID, cl.result.Next.TraceID)
					checkLogsLinked(t, col.logsOf(cl.requestID), frontRun)
				})
			}
			t.Run("async", func(t *testing.T) {
				// The Invoke call's span, then the queued run as its child.
				spans := col.trace(asyncTrace)
				accept := only(t, spans, func(s span) bool { return s.Name == "back" && s.Kind == tracepb.Span_SPAN_KIND_SERVER })
				run := only(t, spans, func(s span) bool { return s.Name == "back" && s.Kind == tracepb.Span_SPAN_KIND_CONSUMER })
				if accept.Parent != asyncParent || run.Parent != accept.SpanID {
					t.Errorf("async spans: accept parent %s, run parent %s; want %s, %s", accept.Parent, run.Parent, asyncParent, accept.SpanID)
				}
				if accept.Attrs["faas.invocation_id"] != asyncID || run.Attrs["faas.invocation_id"] != asyncID || accept.Attrs["lamina.invocation_type"] != "Event" {
					t.Errorf("async span attributes: accept %v, run %v; want invocation id %s", accept.Attrs, run.Attrs, asyncID)
				}
				var children []string
				for _, s := range spans {
					if s.Parent == run.SpanID {
						children = append(children, s.Name)
					}
				}
				if !slices.Contains(children, "queue") || !slices.Contains(children, "run") {
					t.Errorf("the queued run's children = %v; want queue and run among them", children)
				}
			})
			t.Run("route", func(t *testing.T) {
				server := only(t, col.trace(routeTrace), func(s span) bool { return s.Name == "back" })
				if server.Parent != routeParent || server.Attrs["http.route"] != "GET /chain/{id}" || server.Attrs["url.path"] != "/chain/7" {
					t.Errorf("route server span parent %s attributes %v; want parent %s, http.route and url.path", server.Parent, server.Attrs, routeParent)
				}
			})
			t.Run("function URL", func(t *testing.T) {
				spans := col.trace(urlTrace)
				server := only(t, spans, func(s span) bool { return s.Name == "back" })
				if server.Parent != urlParent || server.Kind != tracepb.Span_SPAN_KIND_SERVER {
					t.Errorf("URL server span parent %s kind %v; want %s, server", server.Parent, server.Kind, urlParent)
				}
				for k, want := range map[string]any{"faas.trigger": "http", "http.request.method": "GET", "url.path": "/hello", "http.response.status_code": int64(200)} {
					if got := server.Attrs[k]; got != want {
						t.Errorf("URL server span %s = %v; want %v", k, got, want)
					}
				}
			})
		})
	}
}

// checkChain checks the spans of one call of front, which called back:
//
//	front (server, the caller's parent)
//	├── queue
//	├── init (cold only)
//	└── run
//	    └── back (server)
//	        ├── queue
//	        ├── init (cold only)
//	        └── run
//
// and that each function saw its run span in its X-Ray trace header.
func checkChain(t *testing.T, spans []span, parent, requestID string, cold bool, frontHeader, backHeader string) span {
	t.Helper()
	want := 6
	if cold {
		want = 8
	}
	if len(spans) != want {
		t.Errorf("%d spans in the trace, want %d: %+v", len(spans), want, spans)
	}
	front := only(t, spans, func(s span) bool { return s.Name == "front" })
	back := only(t, spans, func(s span) bool { return s.Name == "back" })
	if front.Parent != parent {
		t.Errorf("front's parent = %q; want the caller's span %q", front.Parent, parent)
	}
	if got := front.Attrs["faas.invocation_id"]; got != requestID {
		t.Errorf("front faas.invocation_id = %v; want the request id %q", got, requestID)
	}
	for _, srv := range []span{front, back} {
		if srv.Kind != tracepb.Span_SPAN_KIND_SERVER || srv.Service != "lamina-e2e" || srv.Error {
			t.Errorf("%s: kind %v service %q error %v; want server, lamina-e2e, ok", srv.Name, srv.Kind, srv.Service, srv.Error)
		}
		for k, want := range map[string]any{"faas.coldstart": cold, "faas.trigger": "other", "faas.name": srv.Name, "faas.version": "$LATEST"} {
			if got := srv.Attrs[k]; got != want {
				t.Errorf("%s %s = %v; want %v", srv.Name, k, got, want)
			}
		}
	}
	frontRun := checkChildren(t, spans, front, cold)
	backRun := checkChildren(t, spans, back, cold)
	if back.Parent != frontRun.SpanID {
		t.Errorf("back's parent = %q; want front's run span %q", back.Parent, frontRun.SpanID)
	}
	xray := func(s span) string {
		return "Root=1-" + s.TraceID[:8] + "-" + s.TraceID[8:] + ";Parent=" + s.SpanID + ";Sampled=1"
	}
	if frontHeader != xray(frontRun) {
		t.Errorf("front saw _X_AMZN_TRACE_ID %q; want %q", frontHeader, xray(frontRun))
	}
	if backHeader != xray(backRun) {
		t.Errorf("back saw _X_AMZN_TRACE_ID %q; want %q", backHeader, xray(backRun))
	}
	return frontRun
}

// checkLogsLinked checks that an invocation's shipped log lines, its own
// and lamina's START/END/REPORT, carry its run span's context.
func checkLogsLinked(t *testing.T, records []record, run span) {
	t.Helper()
	var bodies []string
	for _, r := range records {
		bodies = append(bodies, r.Body)
		if r.TraceID != run.TraceID || r.SpanID != run.SpanID || r.Attrs["faas.name"] != "front" {
			t.Errorf("log record %q: trace %s span %s name %v; want the run span %s/%s of front", r.Body, r.TraceID, r.SpanID, r.Attrs["faas.name"], run.TraceID, run.SpanID)
		}
	}
	if len(bodies) != 4 || !strings.HasPrefix(bodies[0], "START ") || bodies[1] != "calling back" || !strings.HasPrefix(bodies[3], "REPORT ") {
		t.Errorf("front's shipped log = %q; want START, its line, END, REPORT", bodies)
	}
}

// checkChildren checks a server span's children and returns its run span.
func checkChildren(t *testing.T, spans []span, server span, cold bool) span {
	t.Helper()
	var names []string
	var run span
	for _, s := range spans {
		if s.Parent != server.SpanID {
			continue
		}
		names = append(names, s.Name)
		if s.StartNano < server.StartNano || s.EndNano > server.EndNano {
			t.Errorf("%s's %s span [%d, %d] is outside it [%d, %d]", server.Name, s.Name, s.StartNano, s.EndNano, server.StartNano, server.EndNano)
		}
		if s.Name == "run" {
			run = s
		}
	}
	slices.Sort(names)
	want := []string{"queue", "run"}
	if cold {
		want = []string{"init", "queue", "run"}
	}
	if !slices.Equal(names, want) {
		t.Errorf("%s's children = %v; want %v", server.Name, names, want)
	}
	if run.Attrs["faas.coldstart"] != cold {
		t.Errorf("%s's run faas.coldstart = %v; want %v", server.Name, run.Attrs["faas.coldstart"], cold)
	}
	return run
}

func only(t *testing.T, spans []span, match func(span) bool) span {
	t.Helper()
	var found []span
	for _, s := range spans {
		if match(s) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("found %d matching spans, want 1: %+v", len(found), spans)
	}
	return found[0]
}
