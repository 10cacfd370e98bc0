package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPrometheusScrapes runs a real Prometheus server (Debian package
// prometheus) against lamina and checks with PromQL that what it scraped
// matches what the test did.
func TestPrometheusScrapes(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("LAMINA_REQUIRE_PROMETHEUS") != "" {
			t.Fatal("prometheus is required (LAMINA_REQUIRE_PROMETHEUS is set) but not installed")
		}
		t.Skip("prometheus is not installed (Debian package prometheus)")
	}
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "good", "echo")
	deploy(t, c, "fails", "error")
	for range 4 {
		invoke(t, c, "good", `{}`)
	}
	for range 2 {
		invoke(t, c, "fails", `{}`)
	}

	dir := t.TempDir()
	target := strings.TrimPrefix(in.endpoint, "http://")
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: lamina\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(t.Context(), bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// Wait (bounded) until Prometheus has scraped the counts; then check.
	query := func(q string) (float64, bool) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&out) != nil || len(out.Data.Result) != 1 {
			return 0, false
		}
		s, _ := out.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	checks := []struct {
		promql string
		want   float64
	}{
		{`sum(lamina_invocations_total{function="good",outcome="success"})`, 4},
		{`sum(lamina_invocations_total{function="fails",outcome="function_error"})`, 2},
		{`sum(lamina_cold_starts_total{function=~"good|fails"})`, 2},
		{`sum(lamina_environments{function="good"})`, 1},
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, ck := range checks {
		for {
			v, ok := query(ck.promql)
			if ok && v == ck.want {
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logFile.Name())
				t.Fatalf("%s = %v (found %v); want %v\nprometheus log:\n%s", ck.promql, v, ok, ck.want, log)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// The shipped dashboard's queries run on this server, and the shipped
	// alerting rules pass promtool.
	raw, err := os.ReadFile("../../deploy/grafana/lamina-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			expr := strings.NewReplacer(`$function`, `.*`, `$__rate_interval`, `1m`).Replace(tg.Expr)
			resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(expr))
			if err != nil {
				t.Fatal(err)
			}
			var out struct{ Status, Error string }
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if out.Status != "success" {
				t.Errorf("dashboard panel %q: %s: %s", p.Title, expr, out.Error)
			}
			n++
		}
	}
	if n < 8 {
		t.Errorf("dashboard has %d queries; want every panel's", n)
	}
	if out, err := exec.Command(filepath.Join(filepath.Dir(bin), "promtool"), "check", "rules", "../../deploy/prometheus/lamina-alerts.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}
