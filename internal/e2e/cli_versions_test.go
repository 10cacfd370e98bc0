package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestCLIVersionsAndAliases(t *testing.T) {
	in := start(t, t.TempDir())
	deploy(t, in.client(), "cv", "env", withEnv(map[string]string{"STAGE": "one"}))
	must := func(want string, args ...string) string {
		t.Helper()
		out, errOut, code := in.lamina(t, "", args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("lamina %v: exit %d, want %q in\n%s%s", args, code, want, out, errOut)
		}
		return out
	}
	must("published cv version 1", "publish", "cv", "--description", "first")
	if _, err := in.client().UpdateFunctionConfiguration(t.Context(), &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("cv"), Environment: &types.Environment{Variables: map[string]string{"STAGE": "two"}},
	}); err != nil {
		t.Fatal(err)
	}
	must("published cv version 2", "publish", "cv")
	out := must("$LATEST", "versions", "cv")
	if !strings.Contains(out, "first") || strings.Count(out, "\n") != 4 {
		t.Errorf("versions output:\n%s", out)
	}
	must("cv:live -> version 1, 10% to version 2", "alias", "set", "cv", "live", "1", "--weight", "2=0.1")
	must("10% to version 2", "alias", "ls", "cv")
	must(`"STAGE":"`, "invoke", "cv:live")
	must("cv:live -> version 2", "alias", "set", "cv", "live", "2", "--weight", "1=0")
	if out := must(`"STAGE":"two"`, "invoke", "cv:live"); !strings.Contains(out, `"AWS_LAMBDA_FUNCTION_VERSION":"2"`) {
		t.Errorf("invoke through moved alias:\n%s", out)
	}
	// Bad input is explained and fails.
	if _, errOut, code := in.lamina(t, "", "alias", "set", "cv", "bad", "1", "--weight", "2=2"); code == 0 || !strings.Contains(errOut, "InvalidParameterValueException") {
		t.Errorf("weight 2: exit %d, %s", code, errOut)
	}
	must("deleted alias cv:live", "alias", "rm", "cv", "live")
	if _, errOut, code := in.lamina(t, "", "invoke", "cv:live"); code == 0 || !strings.Contains(errOut, "ResourceNotFoundException") {
		t.Errorf("invoke deleted alias: exit %d, %s", code, errOut)
	}
}

func TestCLIURL(t *testing.T) {
	in := start(t, t.TempDir())
	deploy(t, in.client(), "cu", "url")
	out, errOut, code := in.lamina(t, "", "url", "cu")
	url := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(url, in.endpoint+"/lambda-url/") {
		t.Fatalf("lamina url: exit %d\n%s%s", code, out, errOut)
	}
	if resp, body := httpDo(t, "GET", url+"hello", nil, nil); resp.StatusCode != 201 || !strings.Contains(string(body), `"rawPath":"/hello"`) {
		t.Errorf("GET %shello: %d %s", url, resp.StatusCode, body)
	}
	out, errOut, code = in.lamina(t, "", "url", "cu", "--cors-origin", "*")
	if code != 0 || strings.TrimSpace(out) != url {
		t.Fatalf("lamina url --cors-origin: exit %d\n%s%s", code, out, errOut)
	}
	if resp, _ := httpDo(t, "GET", url, nil, http.Header{"Origin": {"https://a.example"}}); resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CORS after update: %v", resp.Header)
	}
	if _, errOut, code := in.lamina(t, "", "url", "cu", "--auth", "BASIC"); code == 0 || !strings.Contains(errOut, "InvalidParameterValueException") {
		t.Errorf("bad auth type: exit %d %s", code, errOut)
	}
	if out, errOut, code := in.lamina(t, "", "url", "rm", "cu"); code != 0 {
		t.Fatalf("lamina url rm: exit %d\n%s%s", code, out, errOut)
	}
	if resp, _ := httpDo(t, "GET", url, nil, nil); resp.StatusCode != 403 {
		t.Errorf("deleted URL: %d; want 403", resp.StatusCode)
	}
}

func TestCLIInvokeTrace(t *testing.T) {
	in := start(t, t.TempDir())
	deploy(t, in.client(), "traced", "echo")
	for i, wantCold := range []bool{true, false} {
		out, errOut, code := in.lamina(t, "", "invoke", "traced", `{"a":1}`, "--trace")
		if code != 0 || !strings.Contains(out, `{"a":1}`) {
			t.Fatalf("invoke --trace: exit %d\n%s%s", code, out, errOut)
		}
		t.Logf("invoke %d:\n%s", i, errOut)
		for _, row := range []string{"trace: total", "queue wait", "init (cold start)", "function run", "lamina overhead", "client and network"} {
			if !strings.Contains(errOut, row) {
				t.Errorf("invoke %d --trace lacks %q:\n%s", i, row, errOut)
			}
		}
		if cold := !strings.Contains(errOut, "init (cold start)   0s"); cold != wantCold {
			t.Errorf("invoke %d: cold start shown %v; want %v\n%s", i, cold, wantCold, errOut)
		}
	}
}
