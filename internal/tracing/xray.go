package tracing

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// XRayHeader is the header Lambda and the AWS SDKs carry trace context in.
const XRayHeader = "X-Amzn-Trace-Id"

// XRay propagates trace context in the X-Ray format Lambda hands to
// functions (Lambda-Runtime-Trace-Id, then _X_AMZN_TRACE_ID) and that the
// AWS SDKs send on from inside a function:
//
//	Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1
//
// The root's two parts are the 128-bit trace id; Parent is the span id.
type XRay struct{}

// Inject writes the span context in ctx, if any, as an X-Ray header.
func (XRay) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		c.Set(XRayHeader, FormatXRay(sc))
	}
}

// Extract returns ctx with the remote span context of an X-Ray header; a
// malformed header, or one without a Parent, is ignored.
func (XRay) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	if sc, ok := ParseXRay(c.Get(XRayHeader)); ok {
		return trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	return ctx
}

// Fields lists the header the propagator uses.
func (XRay) Fields() []string { return []string{XRayHeader} }

// FormatXRay writes sc as an X-Ray trace header.
func FormatXRay(sc trace.SpanContext) string {
	tid := sc.TraceID().String()
	sampled := "0"
	if sc.IsSampled() {
		sampled = "1"
	}
	return "Root=1-" + tid[:8] + "-" + tid[8:] + ";Parent=" + sc.SpanID().String() + ";Sampled=" + sampled
}

// ParseXRay reads an X-Ray trace header. Fields other than Root, Parent and
// Sampled (Lineage, Self, …) are ignored; Sampled=? counts as not sampled.
func ParseXRay(h string) (trace.SpanContext, bool) {
	var cfg trace.SpanContextConfig
	for part := range strings.SplitSeq(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			if len(v) != 35 || v[:2] != "1-" || v[10] != '-' {
				return trace.SpanContext{}, false
			}
			tid, err := trace.TraceIDFromHex(v[2:10] + v[11:])
			if err != nil {
				return trace.SpanContext{}, false
			}
			cfg.TraceID = tid
		case "Parent":
			sid, err := trace.SpanIDFromHex(v)
			if err != nil {
				return trace.SpanContext{}, false
			}
			cfg.SpanID = sid
		case "Sampled":
			if v == "1" {
				cfg.TraceFlags = trace.FlagsSampled
			}
		}
	}
	cfg.Remote = true
	sc := trace.NewSpanContext(cfg)
	return sc, sc.IsValid()
}

// FunctionHeader is the X-Ray header a function gets for an invocation:
// the span context in ctx if there is one, else the caller's header as
// received, else a new unsampled trace.
func FunctionHeader(ctx context.Context, received string) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return FormatXRay(sc)
	}
	if received != "" {
		return received
	}
	return "Root=1-" + hex(uint64(time.Now().Unix()), 8) + "-" + hex(rand.Uint64()>>32, 8) + hex(rand.Uint64(), 16) +
		";Parent=" + hex(rand.Uint64(), 16) + ";Sampled=0"
}

func hex(v uint64, width int) string {
	s := strconv.FormatUint(v, 16)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
