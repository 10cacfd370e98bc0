package bench

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/lamina-dev/lamina/internal/runtimeapi"
	"github.com/lamina-dev/lamina/internal/sandbox"
)

// functionAlone is the benchmark function driven straight through one
// environment's Runtime API: no caller connection, Invoke API, pool or
// logs. It is the floor for any platform that runs an unmodified
// aws-lambda-go function behind the Runtime API on this machine, so the
// report can tell the function's own turnaround from lamina's share.
func functionAlone(ctx context.Context, codeDir string) (target, func(), error) {
	host := sandbox.NewHost(true)
	env, err := host.Start(sandbox.Spec{
		ID: "bench-floor", FunctionName: "floor", FunctionVersion: "$LATEST", Handler: "bootstrap",
		MemoryMB: 128, CodeDir: codeDir, Env: []string{"PATH=/usr/bin:/bin"}, Log: func(string, []byte) {},
	})
	if err != nil {
		host.Close()
		return target{}, nil, err
	}
	stop := func() {
		env.Stop("spindown", 0)
		host.Close()
	}
	if err := env.WaitReady(ctx); err != nil {
		stop()
		return target{}, nil, err
	}
	n := 0
	do := func(ctx context.Context, payload []byte) error {
		n++
		inv := &runtimeapi.Invocation{
			RequestID: "floor-" + strconv.Itoa(n), Payload: payload, Deadline: time.Now().Add(time.Minute),
			FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:floor",
		}
		res, err := env.Invoke(ctx, inv)
		env.Finish()
		if err != nil {
			return err
		}
		if res.Err != nil {
			return errors.New("benchmark function failed: " + res.Err.Error())
		}
		return nil
	}
	return target{name: "function alone", do: do}, stop, nil
}
