// Package otelenv reads the OpenTelemetry SDK environment variables that
// decide whether and how a signal (traces, logs) is exported, the same way
// for every signal lamina exports, and builds lamina's resource.
package otelenv

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// OTLP protocols the Go exporters speak.
const (
	HTTPProtobuf = "http/protobuf"
	GRPC         = "grpc"
)

// Exporter decides how a signal ("traces" or "logs") is exported:
// OTEL_SDK_DISABLED, OTEL_<SIGNAL>_EXPORTER (otlp or none), and an
// endpoint in OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT. It returns "" when the signal is
// off (nothing configured), else the OTLP protocol from
// OTEL_EXPORTER_OTLP_[<SIGNAL>_]PROTOCOL (http/protobuf by default).
func Exporter(signal string) (protocol string, err error) {
	sig := strings.ToUpper(signal)
	exporter := strings.TrimSpace(os.Getenv("OTEL_" + sig + "_EXPORTER"))
	switch {
	case strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true"), exporter == "none":
		return "", nil
	case exporter == "" && os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_"+sig+"_ENDPOINT") == "":
		return "", nil
	case exporter != "" && exporter != "otlp":
		return "", fmt.Errorf("OTEL_%s_EXPORTER=%q: lamina exports %s over otlp only", sig, exporter, signal)
	}
	switch protocol = firstSet("OTEL_EXPORTER_OTLP_"+sig+"_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"); protocol {
	case "":
		return HTTPProtobuf, nil
	case HTTPProtobuf, GRPC:
		return protocol, nil
	}
	return "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q for %s: use http/protobuf or grpc", protocol, signal)
}

func firstSet(keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

// Resource describes lamina: service.name "lamina" and its version, the
// SDK and the host, overridden by OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES.
func Resource(ctx context.Context) (*resource.Resource, error) {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(
			attribute.String("service.name", "lamina"),
			attribute.String("service.version", version),
		),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithFromEnv(), // last, so that it wins
	)
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	return res, nil
}
