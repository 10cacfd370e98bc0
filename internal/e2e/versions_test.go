package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// envOf decodes the "env" handler's answer: the process environment.
func envOf(t *testing.T, out *lambda.InvokeOutput) (map[string]string, string) {
	t.Helper()
	var got struct {
		Env         map[string]string `json:"env"`
		FunctionArn string            `json:"functionArn"`
	}
	if err := json.Unmarshal(out.Payload, &got); err != nil || out.FunctionError != nil {
		t.Fatalf("env answer %s (%v): %v", out.Payload, aws.ToString(out.FunctionError), err)
	}
	return got.Env, got.FunctionArn
}

func TestVersionsAndAliases(t *testing.T) {
	dir := t.TempDir()
	in := start(t, dir)
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "ver", "env", withEnv(map[string]string{"STAGE": "one"}))
	setStage := func(stage string) {
		t.Helper()
		if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String("ver"), Environment: &types.Environment{Variables: map[string]string{"STAGE": stage}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	publish := func(want string) {
		t.Helper()
		v, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("ver")})
		if err != nil {
			t.Fatalf("PublishVersion: %v", err)
		}
		if aws.ToString(v.Version) != want || !strings.HasSuffix(aws.ToString(v.FunctionArn), ":ver:"+want) {
			t.Fatalf("PublishVersion = %s %s; want version %s", aws.ToString(v.Version), aws.ToString(v.FunctionArn), want)
		}
	}
	publish("1")
	setStage("two")
	publish("2")
	setStage("three")

	// Each version runs what it was published with, in its own environments.
	for _, tt := range []struct{ name, qualifier, stage, version, arnSuffix string }{
		{"ver:1", "", "one", "1", ":ver:1"},
		{"ver", "2", "two", "2", ":ver:2"},
		{"arn:aws:lambda:us-east-1:000000000000:function:ver:1", "", "one", "1", ":ver:1"},
		{"ver", "", "three", "$LATEST", ":ver"},
	} {
		out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tt.name), Qualifier: aws.String(tt.qualifier)})
		if tt.qualifier == "" {
			out, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tt.name)})
		}
		if err != nil {
			t.Fatalf("Invoke(%s, %q): %v", tt.name, tt.qualifier, err)
		}
		env, arn := envOf(t, out)
		if env["STAGE"] != tt.stage || env["AWS_LAMBDA_FUNCTION_VERSION"] != tt.version || aws.ToString(out.ExecutedVersion) != tt.version {
			t.Errorf("Invoke(%s, %q): STAGE %s, env version %s, executed %s; want %s, %s", tt.name, tt.qualifier,
				env["STAGE"], env["AWS_LAMBDA_FUNCTION_VERSION"], aws.ToString(out.ExecutedVersion), tt.stage, tt.version)
		}
		if !strings.HasSuffix(arn, tt.arnSuffix) {
			t.Errorf("Invoke(%s, %q): invoked ARN %s; want suffix %s", tt.name, tt.qualifier, arn, tt.arnSuffix)
		}
	}

	// ListVersionsByFunction pages through $LATEST, 1, 2.
	var versions []string
	pages := lambda.NewListVersionsByFunctionPaginator(c, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("ver"), MaxItems: aws.Int32(1)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Versions {
			versions = append(versions, aws.ToString(v.Version))
		}
	}
	if strings.Join(versions, ",") != "$LATEST,1,2" {
		t.Errorf("versions = %v; want $LATEST,1,2", versions)
	}

	// A weighted alias: 20 % to version 2.
	alias, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("ver"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.2}},
	})
	if err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	if aws.ToString(alias.AliasArn) != "arn:aws:lambda:us-east-1:000000000000:function:ver:live" || alias.RoutingConfig.AdditionalVersionWeights["2"] != 0.2 {
		t.Errorf("CreateAlias = %+v", alias)
	}
	const n = 1000
	counts := map[string]int{}
	for range n {
		out := invoke(t, c, "ver:live", "{}")
		env, arn := envOf(t, out)
		executed := aws.ToString(out.ExecutedVersion)
		if env["AWS_LAMBDA_FUNCTION_VERSION"] != executed || !strings.HasSuffix(arn, ":ver:live") {
			t.Fatalf("alias invoke ran version %s, reported %s, ARN %s", env["AWS_LAMBDA_FUNCTION_VERSION"], executed, arn)
		}
		counts[executed]++
	}
	if share := float64(counts["2"]) / n; share < 0.15 || share > 0.25 || counts["1"]+counts["2"] != n {
		t.Errorf("versions over %d alias invokes = %v; want version 2's share in [0.15, 0.25]", n, counts)
	}

	// Bad input gets Lambda's errors.
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("2")})
	if code, status := apiError(t, err); code != "ResourceConflictException" || status != http.StatusConflict {
		t.Errorf("delete version used by alias: %s %d", code, status)
	}
	_, err = c.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("ver"), Name: aws.String("live"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 1.5}},
	})
	if code, status := apiError(t, err); code != "InvalidParameterValueException" || status != http.StatusBadRequest {
		t.Errorf("weight 1.5: %s %d", code, status)
	}
	_, err = c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("ver"), Name: aws.String("x"), FunctionVersion: aws.String("7")})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != http.StatusNotFound {
		t.Errorf("alias to a missing version: %s %d", code, status)
	}
	for _, q := range []string{"9", "nosuch"} {
		_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ver"), Qualifier: aws.String(q)})
		if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != http.StatusNotFound {
			t.Errorf("invoke qualifier %s: %s %d", q, code, status)
		}
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ver"), Qualifier: aws.String("a.b")})
	if code, status := apiError(t, err); code != "InvalidParameterValueException" || status != http.StatusBadRequest {
		t.Errorf("invalid qualifier: %s %d", code, status)
	}

	// Moving the alias off version 2 frees it for deletion.
	if _, err := c.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("ver"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("2")}); err != nil {
		t.Fatalf("delete version 2: %v", err)
	}
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ver:2")}); err == nil {
		t.Error("deleted version still invocable")
	}

	// Versions and aliases survive a restart.
	in.stop()
	in = start(t, dir)
	c = in.client()
	env, _ := envOf(t, invoke(t, c, "ver:live", "{}"))
	if env["STAGE"] != "one" {
		t.Errorf("after restart, alias runs STAGE %s; want one", env["STAGE"])
	}
	aliases, err := c.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("ver")})
	if err != nil || len(aliases.Aliases) != 1 || aws.ToString(aliases.Aliases[0].Name) != "live" {
		t.Errorf("ListAliases after restart = %+v, %v", aliases, err)
	}
}
