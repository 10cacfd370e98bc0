package e2e

import (
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
