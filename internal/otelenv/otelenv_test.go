package otelenv

import "testing"

func TestExporterPerSignal(t *testing.T) {
	tests := []struct {
		env          map[string]string
		traces, logs string
	}{
		{map[string]string{}, "", ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, HTTPProtobuf, HTTPProtobuf},
		{map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://c:4318/v1/logs"}, "", HTTPProtobuf},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf"}, GRPC, HTTPProtobuf},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_LOGS_EXPORTER": "none"}, HTTPProtobuf, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "TRUE"}, "", ""},
	}
	keys := []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
		"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}
	for _, tt := range tests {
		for _, k := range keys {
			t.Setenv(k, tt.env[k])
		}
		traces, err1 := Exporter("traces")
		logs, err2 := Exporter("logs")
		if err1 != nil || err2 != nil || traces != tt.traces || logs != tt.logs {
			t.Errorf("%v: traces %q (%v), logs %q (%v); want %q, %q", tt.env, traces, err1, logs, err2, tt.traces, tt.logs)
		}
	}
}
