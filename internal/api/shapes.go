package api

import "github.com/lamina-dev/lamina/internal/catalog"

// lambdaTime is Lambda's timestamp form for FunctionConfiguration.
const lambdaTime = "2006-01-02T15:04:05.000-0700"

type environment struct {
	Variables map[string]string `json:"Variables"`
}

type ephemeralStorage struct {
	Size int `json:"Size"`
}

// functionConfiguration is Lambda's FunctionConfiguration shape.
type functionConfiguration struct {
	FunctionName     string            `json:"FunctionName"`
	FunctionArn      string            `json:"FunctionArn"`
	Runtime          string            `json:"Runtime"`
	Role             string            `json:"Role"`
	Handler          string            `json:"Handler"`
	CodeSize         int64             `json:"CodeSize"`
	Description      string            `json:"Description"`
	Timeout          int               `json:"Timeout"`
	MemorySize       int               `json:"MemorySize"`
	LastModified     string            `json:"LastModified"`
	CodeSha256       string            `json:"CodeSha256"`
	Version          string            `json:"Version"`
	Environment      *environment      `json:"Environment,omitempty"`
	Architectures    []string          `json:"Architectures"`
	PackageType      string            `json:"PackageType"`
	EphemeralStorage ephemeralStorage  `json:"EphemeralStorage"`
	RevisionId       string            `json:"RevisionId"`
	State            string            `json:"State"`
	LastUpdateStatus string            `json:"LastUpdateStatus"`
	TracingConfig    map[string]string `json:"TracingConfig"`
	LoggingConfig    loggingConfig     `json:"LoggingConfig"`
}

// loggingConfig is Lambda's LoggingConfig, in and out; fields not given
// are nil.
type loggingConfig struct {
	LogFormat           *string `json:"LogFormat,omitempty"`
	ApplicationLogLevel *string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      *string `json:"SystemLogLevel,omitempty"`
	LogGroup            *string `json:"LogGroup,omitempty"`
}

func loggingOf(fn catalog.Function) loggingConfig {
	l := fn.Logging
	format := l.Format
	if format == "" {
		format = catalog.LogFormatText
	}
	group := l.Group(fn.Name)
	out := loggingConfig{LogFormat: &format, LogGroup: &group}
	if app, system := l.Levels(); app != "" {
		out.ApplicationLogLevel, out.SystemLogLevel = &app, &system
	}
	return out
}

// apply merges in into a function's logging settings.
func (in *loggingConfig) apply(cur catalog.Logging) (catalog.Logging, error) {
	if in == nil {
		return cur, nil
	}
	return catalog.ApplyLogging(cur, in.LogFormat, in.ApplicationLogLevel, in.SystemLogLevel, in.LogGroup)
}

// configuration is fn's FunctionConfiguration; its ARN carries the
// qualifier the caller used, else fn's version number.
func (h *Handler) configuration(fn catalog.Function, qualifier string) functionConfiguration {
	if qualifier == "" {
		qualifier = fn.Version
	}
	c := functionConfiguration{
		FunctionName:     fn.Name,
		FunctionArn:      catalog.ARN(h.cfg.Region, h.cfg.AccountID, fn.Name, qualifier),
		Runtime:          fn.Runtime,
		Role:             fn.Role,
		Handler:          fn.Handler,
		CodeSize:         fn.CodeSize,
		Description:      fn.Description,
		Timeout:          fn.Timeout,
		MemorySize:       fn.MemorySize,
		LastModified:     fn.LastModified.Format(lambdaTime),
		CodeSha256:       fn.CodeSha256,
		Version:          fn.VersionName(),
		Architectures:    fn.Architectures,
		PackageType:      "Zip",
		EphemeralStorage: ephemeralStorage{Size: fn.EphemeralStorage},
		RevisionId:       fn.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		TracingConfig:    map[string]string{"Mode": "PassThrough"},
		LoggingConfig:    loggingOf(fn),
	}
	if len(fn.Environment) > 0 {
		c.Environment = &environment{Variables: fn.Environment}
	}
	return c
}

// codeInput is FunctionCode; encoding/json decodes ZipFile from base64.
type codeInput struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageUri        string `json:"ImageUri"`
}

type createFunctionInput struct {
	FunctionName     string            `json:"FunctionName"`
	Runtime          string            `json:"Runtime"`
	Role             string            `json:"Role"`
	Handler          string            `json:"Handler"`
	Description      string            `json:"Description"`
	Timeout          int               `json:"Timeout"`
	MemorySize       int               `json:"MemorySize"`
	Code             codeInput         `json:"Code"`
	Environment      *environment      `json:"Environment"`
	Architectures    []string          `json:"Architectures"`
	PackageType      string            `json:"PackageType"`
	Publish          bool              `json:"Publish"`
	EphemeralStorage *ephemeralStorage `json:"EphemeralStorage"`
	Tags             map[string]string `json:"Tags"`
	LoggingConfig    *loggingConfig    `json:"LoggingConfig"`
}

type updateCodeInput struct {
	codeInput
	Architectures []string `json:"Architectures"`
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionId    string   `json:"RevisionId"`
}

type updateConfigInput struct {
	Role             *string           `json:"Role"`
	Handler          *string           `json:"Handler"`
	Description      *string           `json:"Description"`
	Timeout          *int              `json:"Timeout"`
	MemorySize       *int              `json:"MemorySize"`
	Environment      *environment      `json:"Environment"`
	Runtime          *string           `json:"Runtime"`
	EphemeralStorage *ephemeralStorage `json:"EphemeralStorage"`
	LoggingConfig    *loggingConfig    `json:"LoggingConfig"`
	RevisionId       string            `json:"RevisionId"`
}

type concurrency struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions"`
}
