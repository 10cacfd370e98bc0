package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// target is one URL the benchmark posts the payload to, or, when do is
// set, a call that is not made over HTTP.
type target struct {
	name   string
	url    string
	client *http.Client
	do     func(ctx context.Context, payload []byte) error
	base   string // the lamina serving url, when the benchmark started it
}

func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
	}}
}

// call posts payload and checks for a 200 without a function error.
func (t target) call(ctx context.Context, payload []byte) error {
	if t.do != nil {
		return t.do(ctx, payload)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		return fmt.Errorf("%s: status %d %s", t.name, resp.StatusCode, body)
	}
	return nil
}

// serial times n calls to each target, one after another, alternating
// between the targets so that both see the same machine conditions.
func serial(ctx context.Context, targets []target, payload []byte, n int) ([][]time.Duration, error) {
	out := make([][]time.Duration, len(targets))
	for range n {
		for i, t := range targets {
			start := time.Now()
			if err := t.call(ctx, payload); err != nil {
				return nil, err
			}
			out[i] = append(out[i], time.Since(start))
		}
	}
	return out, nil
}

// throughput runs clients callers for d and returns completed calls per
// second and the latencies seen.
func throughput(ctx context.Context, t target, payload []byte, clients int, d time.Duration) (float64, []time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		done   atomic.Int64
		mu     sync.Mutex // guards lat and firstErr
		lat    []time.Duration
		first  error
		wg     sync.WaitGroup
		starts = time.Now()
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				s := time.Now()
				if err := t.call(ctx, payload); err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						first = err
						mu.Unlock()
					}
					break
				}
				mine = append(mine, time.Since(s))
				done.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(starts).Seconds(), lat, first
}

// burst fires n requests at once at t and returns each one's latency, the
// errors, and how long until the last answer.
func burst(ctx context.Context, t target, payload []byte, n int) ([]time.Duration, []error, time.Duration) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // guards lat and errs
		lat  []time.Duration
		errs []error
		fire = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-fire
			s := time.Now()
			err := t.call(ctx, payload)
			d := time.Since(s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			lat = append(lat, d)
		}()
	}
	start := time.Now()
	close(fire)
	wg.Wait()
	return lat, errs, time.Since(start)
}

// throughputPhase runs clients callers against the raw server and then
// lamina, prints both and returns lamina's share of the raw throughput.
func throughputPhase(ctx context.Context, w io.Writer, rawT, lamT target, payload []byte, clients int, d time.Duration) (float64, error) {
	rawRPS, rawTL, err := throughput(ctx, rawT, payload, clients, d)
	if err != nil {
		return 0, err
	}
	lamRPS, lamTL, err := throughput(ctx, lamT, payload, clients, d)
	if err != nil {
		return 0, err
	}
	rt, lt := summarize(rawTL), summarize(lamTL)
	fmt.Fprintf(w, "Warm throughput, %d clients, %s each\n", clients, d)
	fmt.Fprintf(w, "  %-22s %9.0f req/s  p50 %6.0fµs  p99 %6.0fµs  p99.9 %6.0fµs\n", "raw Go HTTP server", rawRPS, us(rt.P50), us(rt.P99), us(rt.P999))
	fmt.Fprintf(w, "  %-22s %9.0f req/s  p50 %6.0fµs  p99 %6.0fµs  p99.9 %6.0fµs\n", "lamina Invoke API", lamRPS, us(lt.P50), us(lt.P99), us(lt.P999))
	fmt.Fprintf(w, "  %-22s %9.1f%%\n\n", "lamina / raw", 100*lamRPS/rawRPS)
	return lamRPS / rawRPS, nil
}
