package invoke

import (
	"testing"

	"github.com/lamina-dev/lamina/internal/catalog"
)

func TestLineLevel(t *testing.T) {
	tests := map[string]string{
		`{"level":"debug","msg":"x"}`:     "DEBUG",
		`  {"Level":"WARNING"}`:           "WARN",
		`{"level":"critical"}`:            "FATAL",
		`{"level":"TRACE","n":1}`:         "TRACE",
		`{"level":"loud"}`:                "INFO",
		`{"msg":"no level"}`:              "INFO",
		`{"level":`:                       "INFO",
		`plain text with "level":"error"`: "INFO",
		``:                                "INFO",
	}
	for line, want := range tests {
		if got := catalog.ApplicationLevels[lineLevel([]byte(line))]; got != want {
			t.Errorf("lineLevel(%q) = %s; want %s", line, got, want)
		}
	}
}
