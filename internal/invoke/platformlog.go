package invoke

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/catalog"
)

// Lambda's platform lines around each invocation, in the function's log
// format: START, END and REPORT as text, or with LoggingConfig JSON the
// platform.start, platform.runtimeDone and platform.report records of the
// Telemetry API schema, which Lambda writes to CloudWatch. JSON platform
// records are INFO, so SystemLogLevel WARN drops them.

// Invocation statuses of the JSON records.
const (
	statusSuccess = "success"
	statusError   = "error"
	statusTimeout = "timeout"
)

// platformJSON reports whether fn logs JSON records, and whether its
// system level lets INFO records through.
func platformJSON(fn *catalog.Function) (json, info bool) {
	_, system := fn.Logging.Levels()
	return fn.Logging.JSON(), system != "WARN"
}

func (s *Service) record(fn *catalog.Function, requestID, typ string, rec any) {
	line, _ := json.Marshal(struct {
		Time   string `json:"time"`
		Type   string `json:"type"`
		Record any    `json:"record"`
	}{time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), typ, rec})
	s.logLine(fn.Name, requestID, line)
}

// logStart writes START or platform.start.
func (s *Service) logStart(fn *catalog.Function, requestID string) {
	switch js, info := platformJSON(fn); {
	case !js:
		s.logLine(fn.Name, requestID, []byte("START RequestId: "+requestID+" Version: "+fn.VersionName()))
	case info:
		s.record(fn, requestID, "platform.start", map[string]string{
			"requestId": requestID, "version": fn.VersionName(),
			"functionArn": catalog.ARN(s.cfg.Region, s.cfg.AccountID, fn.Name, fn.VersionName()),
		})
	}
}

// logTimeout writes Lambda's timeout line; JSON functions report the
// timeout as the status of platform.runtimeDone instead.
func (s *Service) logTimeout(fn *catalog.Function, requestID, secs string) {
	if !fn.Logging.JSON() {
		s.logLine(fn.Name, requestID, []byte(fmt.Sprintf("%s %s Task timed out after %s seconds", time.Now().UTC().Format(time.RFC3339), requestID, secs)))
	}
}

// logInitError writes why the environment failed to start.
func (s *Service) logInitError(fn *catalog.Function, requestID, typ, msg string, initTime time.Duration) {
	switch js, info := platformJSON(fn); {
	case !js:
		s.logLine(fn.Name, requestID, []byte(typ+" "+msg))
	case info:
		s.record(fn, requestID, "platform.initReport", map[string]any{
			"initializationType": "on-demand", "phase": "init", "status": statusError, "errorType": typ,
			"metrics": map[string]float64{"durationMs": millis(initTime)},
		})
	}
}

// logEnd writes END and REPORT, or platform.runtimeDone and
// platform.report. Init time counts toward the billed duration, as for
// custom runtimes.
func (s *Service) logEnd(fn *catalog.Function, requestID, status string, d, initTime time.Duration, memMB, produced int) {
	ms, initMS := millis(d), millis(initTime)
	billed := int64(math.Ceil(ms + initMS))
	js, info := platformJSON(fn)
	if js {
		if !info {
			return
		}
		s.record(fn, requestID, "platform.runtimeDone", map[string]any{
			"requestId": requestID, "status": status,
			"metrics": map[string]float64{"durationMs": ms, "producedBytes": float64(produced)},
		})
		metrics := map[string]float64{"durationMs": ms, "billedDurationMs": float64(billed), "memorySizeMB": float64(fn.MemorySize), "maxMemoryUsedMB": float64(memMB)}
		if initTime > 0 {
			metrics["initDurationMs"] = initMS
		}
		s.record(fn, requestID, "platform.report", map[string]any{"requestId": requestID, "status": status, "metrics": metrics})
		return
	}
	s.logLine(fn.Name, requestID, []byte("END RequestId: "+requestID))
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		requestID, ms, billed, fn.MemorySize, memMB)
	if initTime > 0 {
		line += fmt.Sprintf("Init Duration: %.2f ms\t", initMS)
	}
	s.logLine(fn.Name, requestID, []byte(line))
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// appLog returns where an environment's output lines go. With the JSON
// format and an application level above TRACE, lines below the level are
// dropped, as Lambda filters them: a JSON object's "level" field decides,
// and any other line counts as INFO.
func (s *Service) appLog(fn *catalog.Function) func(requestID string, line []byte) {
	name := fn.Name
	app, _ := fn.Logging.Levels()
	min := slices.Index(catalog.ApplicationLevels, app)
	if min <= 0 {
		return func(requestID string, line []byte) { s.logLine(name, requestID, line) }
	}
	return func(requestID string, line []byte) {
		if lineLevel(line) >= min {
			s.logLine(name, requestID, line)
		}
	}
}

// logLine keeps a line of function fn, with the trace of its invocation
// when it is traced, so shipped lines link to their span.
func (s *Service) logLine(fn, requestID string, text []byte) {
	if requestID != "" && s.cfg.Tracing.Enabled() {
		if v, ok := s.traced.Load(requestID); ok {
			sc := v.(trace.SpanContext)
			s.logs.AppendTraced(fn, requestID, sc.TraceID().String(), sc.SpanID().String(), text)
			return
		}
	}
	s.logs.Append(fn, requestID, text)
}

var levelAliases = map[string]string{"WARNING": "WARN", "CRITICAL": "FATAL", "ERR": "ERROR"}

// lineLevel is the index in catalog.ApplicationLevels of a line's level.
func lineLevel(line []byte) int {
	info := slices.Index(catalog.ApplicationLevels, "INFO")
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return info
	}
	var rec struct {
		Level string `json:"level"`
	}
	if json.Unmarshal(trimmed, &rec) != nil {
		return info
	}
	lvl := bytes.ToUpper([]byte(rec.Level))
	name := string(lvl)
	if a, ok := levelAliases[name]; ok {
		name = a
	}
	if i := slices.Index(catalog.ApplicationLevels, name); i >= 0 {
		return i
	}
	return info
}
