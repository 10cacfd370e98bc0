package catalog

import (
	"fmt"
	"regexp"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Function is one function's configuration, as lamina stores it: the
// mutable $LATEST (Version "") or an immutable published version.
type Function struct {
	Name             string            `json:"name"`
	Version          string            `json:"version,omitempty"`
	Runtime          string            `json:"runtime"`
	Role             string            `json:"role"`
	Handler          string            `json:"handler"`
	Description      string            `json:"description,omitempty"`
	MemorySize       int               `json:"memorySize"`
	Timeout          int               `json:"timeout"`
	Environment      map[string]string `json:"environment,omitempty"`
	Architectures    []string          `json:"architectures"`
	EphemeralStorage int               `json:"ephemeralStorage"`
	Tags             map[string]string `json:"tags,omitempty"`
	Logging          Logging           `json:"logging,omitzero"`

	// CodeSha256 is the base64 SHA-256 of the zip, as Lambda reports it;
	// CodeKey is the same digest in hex, the package's name in the store
	// and on disk.
	CodeSha256 string `json:"codeSha256"`
	CodeKey    string `json:"codeKey"`
	CodeSize   int64  `json:"codeSize"`

	LastModified time.Time `json:"lastModified"`
	RevisionID   string    `json:"revisionId"`

	// ReservedConcurrency is nil when the function uses unreserved
	// concurrency. It belongs to the function, so versions report
	// $LATEST's.
	ReservedConcurrency *int `json:"reservedConcurrency,omitempty"`

	// LastVersion is the number of the newest version ever published;
	// numbers are not reused after a version is deleted. $LATEST only.
	LastVersion int `json:"lastVersion,omitempty"`
}

// Latest is the version name of the mutable configuration.
const Latest = "$LATEST"

// VersionName is fn's version as Lambda names it: "$LATEST" or a number.
func (fn *Function) VersionName() string {
	if fn.Version == "" {
		return Latest
	}
	return fn.Version
}

// Lambda's defaults and limits for function settings.
const (
	DefaultMemoryMB  = 128
	MinMemoryMB      = 128
	MaxMemoryMB      = 10240
	DefaultTimeout   = 3
	MaxTimeout       = 900
	DefaultTmpMB     = 512
	MaxTmpMB         = 10240
	MaxEnvBytes      = 4096
	MaxZipBytes      = 50 << 20
	MaxUnzippedBytes = 250 << 20
)

var (
	nameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	envRE  = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
)

// Runtimes lamina can run today: custom runtimes that start a bootstrap.
var supportedRuntimes = map[string]bool{
	"provided": true, "provided.al2": true, "provided.al2023": true,
}

// ValidName reports whether name is a valid function name (not an ARN).
func ValidName(name string) bool { return nameRE.MatchString(name) }

func validate(fn *Function) error {
	if !ValidName(fn.Name) {
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}", fn.Name)
	}
	if !supportedRuntimes[fn.Runtime] {
		return awserr.InvalidParameter("Value %q at 'runtime' is not supported by lamina: use provided.al2023, provided.al2 or provided", fn.Runtime)
	}
	if fn.MemorySize < MinMemoryMB || fn.MemorySize > MaxMemoryMB {
		return awserr.InvalidParameter("1 validation error detected: Value '%d' at 'memorySize' failed to satisfy constraint: Member must have value between %d and %d", fn.MemorySize, MinMemoryMB, MaxMemoryMB)
	}
	if fn.Timeout < 1 || fn.Timeout > MaxTimeout {
		return awserr.InvalidParameter("1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value between 1 and %d", fn.Timeout, MaxTimeout)
	}
	if fn.EphemeralStorage < DefaultTmpMB || fn.EphemeralStorage > MaxTmpMB {
		return awserr.InvalidParameter("1 validation error detected: Value '%d' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value between %d and %d", fn.EphemeralStorage, DefaultTmpMB, MaxTmpMB)
	}
	for _, a := range fn.Architectures {
		if a != "x86_64" && a != "arm64" {
			return awserr.InvalidParameter("1 validation error detected: Value '[%s]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]", a)
		}
	}
	if len(fn.Architectures) > 1 {
		return awserr.InvalidParameter("1 validation error detected: Value at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1")
	}
	size := 0
	for k, v := range fn.Environment {
		if !envRE.MatchString(k) {
			return awserr.InvalidParameter("Environment variable name %q is invalid: it must start with a letter and contain only letters, digits and underscores", k)
		}
		if reservedEnv[k] {
			return awserr.InvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", k)
		}
		size += len(k) + len(v)
	}
	if size > MaxEnvBytes {
		return awserr.InvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d bytes", size)
	}
	return nil
}

// reservedEnv are the variables Lambda does not let a function set.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// ARN returns the function's ARN, with a qualifier when q is not empty.
func ARN(region, account, name, q string) string {
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name)
	if q != "" {
		arn += ":" + q
	}
	return arn
}
