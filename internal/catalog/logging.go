package catalog

import (
	"slices"
	"strings"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Logging is a function's LoggingConfig: the format of its log (Lambda's
// plain text or JSON records) and, with JSON, the levels below which
// application and platform lines are dropped.
type Logging struct {
	Format           string `json:"format,omitempty"`      // LogFormatText ("" too) or LogFormatJSON
	ApplicationLevel string `json:"appLevel,omitempty"`    // JSON only; TRACE … FATAL
	SystemLevel      string `json:"systemLevel,omitempty"` // JSON only; DEBUG, INFO or WARN
	LogGroup         string `json:"logGroup,omitempty"`    // "" is /aws/lambda/<name>
}

// Log formats.
const (
	LogFormatText = "Text"
	LogFormatJSON = "JSON"
)

// Log levels in increasing severity; index order is filtering order.
var (
	ApplicationLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	SystemLevels      = []string{"DEBUG", "INFO", "WARN"}
)

// JSON reports whether the function logs JSON records.
func (l Logging) JSON() bool { return l.Format == LogFormatJSON }

// Group is the log group the function reports (AWS_LAMBDA_LOG_GROUP_NAME).
func (l Logging) Group(fn string) string {
	if l.LogGroup != "" {
		return l.LogGroup
	}
	return "/aws/lambda/" + fn
}

// Levels are the application and system levels in effect: INFO for JSON
// functions that set none, "" for text ones, which are not filtered.
func (l Logging) Levels() (app, system string) {
	if !l.JSON() {
		return "", ""
	}
	app, system = l.ApplicationLevel, l.SystemLevel
	if app == "" {
		app = "INFO"
	}
	if system == "" {
		system = "INFO"
	}
	return app, system
}

// ApplyLogging merges a LoggingConfig from the API into cur: fields not
// given keep their value, and back to Text the levels are cleared.
func ApplyLogging(cur Logging, format, app, system, group *string) (Logging, error) {
	next := cur
	if format != nil {
		next.Format = *format
	}
	if app != nil {
		next.ApplicationLevel = strings.ToUpper(*app)
	}
	if system != nil {
		next.SystemLevel = strings.ToUpper(*system)
	}
	if group != nil {
		next.LogGroup = *group
	}
	switch next.Format {
	case "", LogFormatText:
		if app != nil || system != nil {
			return cur, awserr.InvalidParameter("ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.")
		}
		next.Format, next.ApplicationLevel, next.SystemLevel = LogFormatText, "", ""
	case LogFormatJSON:
	default:
		return cur, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]", next.Format)
	}
	if next.ApplicationLevel != "" && !slices.Contains(ApplicationLevels, next.ApplicationLevel) {
		return cur, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'loggingConfig.applicationLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]", *app)
	}
	if next.SystemLevel != "" && !slices.Contains(SystemLevels, next.SystemLevel) {
		return cur, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]", *system)
	}
	if len(next.LogGroup) > 512 {
		return cur, awserr.InvalidParameter("1 validation error detected: Value at 'loggingConfig.logGroup' failed to satisfy constraint: Member must have length less than or equal to 512")
	}
	return next, nil
}
