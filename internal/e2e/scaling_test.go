package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestBurstFromZero: 100 concurrent invocations of a cold function all
// succeed, on environments started in parallel.
func TestBurstFromZero(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "burst", "counter")
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	pids := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("burst")})
			if err == nil && out.FunctionError != nil {
				err = fmt.Errorf("function error: %s", out.Payload)
			}
			if err != nil {
				errs <- err
				return
			}
			var got struct{ Pid int }
			json.Unmarshal(out.Payload, &got)
			pids <- got.Pid
		}()
	}
	wg.Wait()
	close(errs)
	close(pids)
	for err := range errs {
		t.Errorf("burst invoke: %v", err)
	}
	distinct := map[int]bool{}
	for pid := range pids {
		distinct[pid] = true
	}
	if len(distinct) < 2 {
		t.Errorf("100 concurrent invokes ran on %d environment(s); want them spread over many", len(distinct))
	}
}

// TestScaleRateThrottles: beyond the scaling rate, requests wait for it
// and get 429 FunctionInvocationRateLimitExceeded when they run out of
// time.
func TestScaleRateThrottles(t *testing.T) {
	in := start(t, t.TempDir(), "--scale-rate", "2", "--queue-timeout", "200ms")
	c := in.client()
	deploy(t, c, "slow", "sleep")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, throttled int
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("slow"), Payload: []byte(`{"ms":1000}`)})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			var tmr *types.TooManyRequestsException
			if code, status := apiError(t, err); code == "TooManyRequestsException" && status == 429 && errors.As(err, &tmr) && tmr.Reason == types.ThrottleReasonFunctionInvocationRateLimitExceeded {
				throttled++
				return
			}
			t.Errorf("invoke: %v", err)
		}()
	}
	wg.Wait()
	if ok != 2 || throttled != 2 {
		t.Errorf("%d succeeded, %d throttled for the rate; want 2 and 2", ok, throttled)
	}
}

// TestProvisionedConcurrency: environments are initialised before the
// first invocation, as provisioned concurrency.
func TestProvisionedConcurrency(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "prov", "env")
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("prov")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("prov"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{
		FunctionName: aws.String("prov"), Qualifier: aws.String("$LATEST"), ProvisionedConcurrentExecutions: aws.Int32(2),
	})
	if code, _ := apiError(t, err); code != "InvalidParameterValueException" {
		t.Errorf("provisioned concurrency on $LATEST: %s", code)
	}
	put, err := c.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{
		FunctionName: aws.String("prov"), Qualifier: aws.String("live"), ProvisionedConcurrentExecutions: aws.Int32(2),
	})
	if err != nil || aws.ToInt32(put.RequestedProvisionedConcurrentExecutions) != 2 {
		t.Fatalf("PutProvisionedConcurrencyConfig = %+v, %v", put, err)
	}
	// Wait for READY: the environments start in the background.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := c.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("prov"), Qualifier: aws.String("live")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == types.ProvisionedConcurrencyStatusEnumReady {
			if aws.ToInt32(got.AllocatedProvisionedConcurrentExecutions) != 2 {
				t.Errorf("READY with %d allocated", aws.ToInt32(got.AllocatedProvisionedConcurrentExecutions))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("provisioned concurrency not READY: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("prov:live"), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := envOf(t, out)
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if env["AWS_LAMBDA_INITIALIZATION_TYPE"] != "provisioned-concurrency" || strings.Contains(string(tail), "Init Duration") {
		t.Errorf("first invoke: initialization type %q, log %s", env["AWS_LAMBDA_INITIALIZATION_TYPE"], tail)
	}
	list, err := c.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("prov")})
	if err != nil || len(list.ProvisionedConcurrencyConfigs) != 1 || !strings.HasSuffix(aws.ToString(list.ProvisionedConcurrencyConfigs[0].FunctionArn), ":prov:live") {
		t.Errorf("ListProvisionedConcurrencyConfigs = %+v, %v", list, err)
	}
	if _, err := c.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("prov"), Qualifier: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("prov"), Qualifier: aws.String("live")})
	if code, status := apiError(t, err); code != "ProvisionedConcurrencyConfigNotFoundException" || status != 404 {
		t.Errorf("deleted config: %s %d", code, status)
	}
}

// TestMemoryBudget: the node refuses environments past its memory budget
// with 429 ConcurrentInvocationLimitExceeded, and evicts idle ones to make
// room for others.
func TestMemoryBudget(t *testing.T) {
	in := start(t, t.TempDir(), "--memory-budget", "256")
	c := in.client()
	deploy(t, c, "big", "sleep")
	deploy(t, c, "other", "echo")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, full int
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("big"), Payload: []byte(`{"ms":1000}`)})
			mu.Lock()
			defer mu.Unlock()
			var tmr *types.TooManyRequestsException
			switch {
			case err == nil:
				ok++
			case errors.As(err, &tmr) && tmr.Reason == types.ThrottleReasonConcurrentInvocationLimitExceeded:
				full++
			default:
				t.Errorf("invoke: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 2 || full != 1 {
		t.Errorf("%d ran, %d refused for memory; want 2 and 1 (256 MB for 128 MB environments)", ok, full)
	}
	// Both environments are idle now; another function evicts one.
	if out := invoke(t, c, "other", `{"x":1}`); out.FunctionError != nil {
		t.Errorf("other function after eviction: %s", out.Payload)
	}
}
