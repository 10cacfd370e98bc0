package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestManagementLifecycle(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()

	created, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("lifecycle"),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String("arn:aws:iam::123456789012:role/test"),
		Handler:      aws.String("echo"),
		Description:  aws.String("first"),
		MemorySize:   aws.Int32(256),
		Timeout:      aws.Int32(5),
		Environment:  &types.Environment{Variables: map[string]string{"AA": "1"}},
		Code:         &types.FunctionCode{ZipFile: fnZip},
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	sum := sha256.Sum256(fnZip)
	if got, want := aws.ToString(created.CodeSha256), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("CodeSha256 = %q; want %q", got, want)
	}
	if created.State != types.StateActive || created.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Errorf("State, LastUpdateStatus = %s, %s; want Active, Successful", created.State, created.LastUpdateStatus)
	}
	if got := aws.ToString(created.FunctionArn); got != "arn:aws:lambda:us-east-1:000000000000:function:lifecycle" {
		t.Errorf("FunctionArn = %q", got)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(created.LastModified)); err != nil {
		t.Errorf("LastModified %q is not in Lambda's form: %v", aws.ToString(created.LastModified), err)
	}
	if created.CodeSize != int64(len(fnZip)) || aws.ToInt32(created.MemorySize) != 256 || aws.ToInt32(created.Timeout) != 5 {
		t.Errorf("CodeSize, MemorySize, Timeout = %d, %d, %d", created.CodeSize, aws.ToInt32(created.MemorySize), aws.ToInt32(created.Timeout))
	}

	// The SDK's waiters must pass at once.
	if err := lambda.NewFunctionActiveV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("lifecycle")}, 5*time.Second); err != nil {
		t.Errorf("FunctionActiveV2 waiter: %v", err)
	}

	got, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("lifecycle")})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if aws.ToString(got.Configuration.Description) != "first" || got.Configuration.Environment.Variables["AA"] != "1" {
		t.Errorf("GetFunction configuration = %+v", got.Configuration)
	}
	if got.Code == nil || aws.ToString(got.Code.Location) == "" {
		t.Errorf("GetFunction Code = %+v; want a Location", got.Code)
	}
	// By ARN, and by name:$LATEST.
	for _, name := range []string{"arn:aws:lambda:us-east-1:000000000000:function:lifecycle", "lifecycle:$LATEST", "000000000000:function:lifecycle"} {
		if _, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}); err != nil {
			t.Errorf("GetFunctionConfiguration(%s): %v", name, err)
		}
	}

	updated, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("lifecycle"),
		Description:  aws.String("second"),
		MemorySize:   aws.Int32(512),
		Timeout:      aws.Int32(9),
		Handler:      aws.String("env"),
		Environment:  &types.Environment{Variables: map[string]string{"BB": "2"}},
		RevisionId:   created.RevisionId,
	})
	if err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if aws.ToString(updated.RevisionId) == aws.ToString(created.RevisionId) {
		t.Error("RevisionId did not change on update")
	}
	if err := lambda.NewFunctionUpdatedV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("lifecycle")}, 5*time.Second); err != nil {
		t.Errorf("FunctionUpdatedV2 waiter: %v", err)
	}
	cfg, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("lifecycle")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cfg.Description) != "second" || aws.ToInt32(cfg.MemorySize) != 512 || aws.ToInt32(cfg.Timeout) != 9 ||
		aws.ToString(cfg.Handler) != "env" || cfg.Environment.Variables["BB"] != "2" || cfg.Environment.Variables["AA"] != "" {
		t.Errorf("after update: %+v %v", cfg, cfg.Environment.Variables)
	}
	// The new settings reach new environments.
	out := invoke(t, c, "lifecycle", `{}`)
	if !contains(out.Payload, `"BB":"2"`) || !contains(out.Payload, `"AWS_LAMBDA_FUNCTION_MEMORY_SIZE":"512"`) {
		t.Errorf("invoke after update = %s", out.Payload)
	}

	// A stale RevisionId is refused.
	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("lifecycle"), Description: aws.String("x"), RevisionId: created.RevisionId,
	})
	if code, status := apiError(t, err); code != "PreconditionFailedException" || status != 412 {
		t.Errorf("stale RevisionId: %s %d; want PreconditionFailedException 412", code, status)
	}

	// New code.
	other := zipOf(map[string][]byte{"bootstrap": fnBootstrap, "extra.txt": []byte("v2")})
	up, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("lifecycle"), ZipFile: other})
	if err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	sum = sha256.Sum256(other)
	if aws.ToString(up.CodeSha256) != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("CodeSha256 after update = %s", aws.ToString(up.CodeSha256))
	}

	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("lifecycle")}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("lifecycle")})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Errorf("GetFunction after delete: %s %d", code, status)
	}
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("lifecycle")})
	if code, _ := apiError(t, err); code != "ResourceNotFoundException" {
		t.Errorf("second DeleteFunction: %s", code)
	}
}

func TestListFunctionsPaginates(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	for i := range 7 {
		deploy(t, c, fmt.Sprintf("fn-%02d", i), "echo")
	}
	var names []string
	pages := 0
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Functions) > 3 {
			t.Errorf("page of %d functions; MaxItems is 3", len(page.Functions))
		}
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	if pages != 3 || len(names) != 7 || names[0] != "fn-00" || names[6] != "fn-06" {
		t.Errorf("pages = %d, names = %v; want 3 pages of fn-00..fn-06", pages, names)
	}
}

func TestManagementBadInput(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "exists", "echo")

	base := func() *lambda.CreateFunctionInput {
		return &lambda.CreateFunctionInput{
			FunctionName: aws.String("new-fn"), Runtime: types.RuntimeProvidedal2023,
			Role: aws.String("arn:aws:iam::123456789012:role/test"), Handler: aws.String("echo"),
			Code: &types.FunctionCode{ZipFile: fnZip},
		}
	}
	tests := []struct {
		name   string
		change func(*lambda.CreateFunctionInput)
		code   string
		status int
	}{
		{"duplicate", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("exists") }, "ResourceConflictException", 409},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("no spaces") }, "InvalidParameterValueException", 400},
		{"memory too small", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, "InvalidParameterValueException", 400},
		{"memory too large", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(20000) }, "InvalidParameterValueException", 400},
		{"timeout too long", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, "InvalidParameterValueException", 400},
		{"unsupported runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimeNodejs20x }, "InvalidParameterValueException", 400},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("not a zip") }, "InvalidParameterValueException", 400},
		{"no code", func(in *lambda.CreateFunctionInput) { in.Code = &types.FunctionCode{} }, "InvalidParameterValueException", 400},
		{"s3 code", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k")}
		}, "InvalidParameterValueException", 400},
		{"reserved env", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", 400},
		{"env over 4KB", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"BIG": string(make([]byte, 5000))}}
		}, "InvalidParameterValueException", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base()
			tt.change(req)
			_, err := c.CreateFunction(ctx, req)
			if code, status := apiError(t, err); code != tt.code || status != tt.status {
				t.Errorf("CreateFunction = %s %d; want %s %d", code, status, tt.code, tt.status)
			}
		})
	}
	_, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("exists"), Timeout: aws.Int32(0)})
	if code, _ := apiError(t, err); code != "InvalidParameterValueException" {
		t.Errorf("UpdateFunctionConfiguration(Timeout 0) = %s", code)
	}
	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("missing"), Timeout: aws.Int32(5)})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Errorf("UpdateFunctionConfiguration(missing) = %s %d", code, status)
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("exists"), Qualifier: aws.String("7")})
	if code, _ := apiError(t, err); code != "ResourceNotFoundException" {
		t.Errorf("GetFunction(exists:7) = %s", code)
	}
}

func TestConcurrencyAndAccountSettings(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "limited", "echo")

	got, err := c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("limited")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Fatalf("GetFunctionConcurrency before = %v, %v; want none", got, err)
	}
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String("limited"), ReservedConcurrentExecutions: aws.Int32(5),
	}); err != nil {
		t.Fatalf("PutFunctionConcurrency: %v", err)
	}
	got, err = c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("limited")})
	if err != nil || aws.ToInt32(got.ReservedConcurrentExecutions) != 5 {
		t.Errorf("GetFunctionConcurrency = %v, %v; want 5", got, err)
	}
	fn, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("limited")})
	if err != nil || fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 5 {
		t.Errorf("GetFunction Concurrency = %+v, %v", fn.Concurrency, err)
	}
	settings, err := c.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatalf("GetAccountSettings: %v", err)
	}
	if settings.AccountLimit.ConcurrentExecutions != 1000 || aws.ToInt32(settings.AccountLimit.UnreservedConcurrentExecutions) != 995 ||
		settings.AccountUsage.FunctionCount != 1 || settings.AccountUsage.TotalCodeSize != int64(len(fnZip)) {
		t.Errorf("account settings = %+v %+v", settings.AccountLimit, settings.AccountUsage)
	}
	// At least 100 must stay unreserved.
	_, err = c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String("limited"), ReservedConcurrentExecutions: aws.Int32(901),
	})
	if code, _ := apiError(t, err); code != "InvalidParameterValueException" {
		t.Errorf("PutFunctionConcurrency(901) = %s", code)
	}
	if _, err := c.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("limited")}); err != nil {
		t.Fatalf("DeleteFunctionConcurrency: %v", err)
	}
	got, err = c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("limited")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Errorf("GetFunctionConcurrency after delete = %v, %v; want none", got.ReservedConcurrentExecutions, err)
	}
}
