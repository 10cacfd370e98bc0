package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsCLI runs the aws CLI against in, with throwaway credentials.
func (in *instance) awsCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	all := append([]string{"--endpoint-url", in.endpoint, "--region", "us-east-1", "--output", "json"}, args...)
	cmd := exec.CommandContext(within(t, 2*time.Minute), awsPath, all...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	return run(t, cmd)
}

// awsPath is the aws CLI the test drives: Debian's (version 2) where it is
// installed, else the first on PATH.
var awsPath string

func findAWSCLI(t *testing.T) {
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		awsPath = "/usr/bin/aws"
	} else if p, err := exec.LookPath("aws"); err == nil {
		awsPath = p
	} else if os.Getenv("LAMINA_REQUIRE_AWSCLI") != "" {
		t.Fatal("the aws CLI is required (LAMINA_REQUIRE_AWSCLI is set) but not installed")
	} else {
		t.Skip("the aws CLI is not installed (Debian package awscli)")
	}
}

func TestAWSCLI(t *testing.T) {
	findAWSCLI(t)
	in := start(t, t.TempDir())
	version, versionErr, _ := in.awsCLI(t, "--version")
	v1 := strings.HasPrefix(version+versionErr, "aws-cli/1.")
	out, errOut, code := in.awsCLI(t, "lambda", "create-function", "--function-name", "clifn",
		"--runtime", "provided.al2023", "--handler", "echo", "--role", "arn:aws:iam::123456789012:role/x",
		"--zip-file", "fileb://"+fnZipPath, "--environment", "Variables={FROM=cli}")
	if code != 0 {
		t.Fatalf("create-function: exit %d\n%s%s", code, out, errOut)
	}
	var cfg struct {
		FunctionName, State string
		Environment         struct{ Variables map[string]string }
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || cfg.FunctionName != "clifn" || cfg.State != "Active" || cfg.Environment.Variables["FROM"] != "cli" {
		t.Errorf("create-function output %s (%v)", out, err)
	}
	if _, errOut, code := in.awsCLI(t, "lambda", "wait", "function-active-v2", "--function-name", "clifn"); code != 0 {
		t.Errorf("wait function-active-v2: exit %d %s", code, errOut)
	}

	result := filepath.Join(t.TempDir(), "out.json")
	args := []string{"lambda", "invoke", "--function-name", "clifn", "--payload", `{"via":"aws cli"}`, "--log-type", "Tail", result}
	if !v1 { // version 2 reads --payload as base64 unless told otherwise
		args = append(args, "--cli-binary-format", "raw-in-base64-out")
	}
	out, errOut, code = in.awsCLI(t, args...)
	if code != 0 {
		t.Fatalf("invoke: exit %d\n%s%s", code, out, errOut)
	}
	var meta struct {
		StatusCode      int
		ExecutedVersion string
		LogResult       string
	}
	json.Unmarshal([]byte(out), &meta)
	if meta.StatusCode != 200 || meta.ExecutedVersion != "$LATEST" || meta.LogResult == "" {
		t.Errorf("invoke output %s", out)
	}
	if got, _ := os.ReadFile(result); string(got) != `{"via":"aws cli"}` {
		t.Errorf("invoke result = %s", got)
	}

	out, _, code = in.awsCLI(t, "lambda", "list-functions")
	if code != 0 || !strings.Contains(out, `"FunctionName": "clifn"`) {
		t.Errorf("list-functions: exit %d\n%s", code, out)
	}
	out, _, code = in.awsCLI(t, "lambda", "update-function-configuration", "--function-name", "clifn", "--timeout", "30")
	if code != 0 || !strings.Contains(out, `"Timeout": 30`) {
		t.Errorf("update-function-configuration: exit %d\n%s", code, out)
	}
	_, errOut, code = in.awsCLI(t, "lambda", "get-function", "--function-name", "missing")
	if code == 0 || !strings.Contains(errOut, "ResourceNotFoundException") {
		t.Errorf("get-function of a missing function: exit %d\n%s", code, errOut)
	}
	if _, errOut, code = in.awsCLI(t, "lambda", "delete-function", "--function-name", "clifn"); code != 0 {
		t.Errorf("delete-function: exit %d %s", code, errOut)
	}
}
