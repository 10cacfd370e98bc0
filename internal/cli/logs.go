package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/lamina-dev/lamina/internal/logs"
)

func runLogs(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "logs", "NAME", "Show the function's recent log lines; -f keeps following them.")
	endpoint := endpointFlag(fs)
	follow := fs.Bool("f", false, "follow: keep printing new lines")
	since := fs.String("since", "", "only lines newer than this duration (10m) or RFC 3339 time")
	reqID := fs.String("request-id", "", "only the lines of this request")
	asJSON := fs.Bool("json", false, "print each line as JSON")
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	q := url.Values{}
	if *follow {
		q.Set("follow", "true")
	}
	if *since != "" {
		q.Set("since", *since)
	}
	if *reqID != "" {
		q.Set("requestId", *reqID)
	}
	u := strings.TrimRight(*endpoint, "/") + "/lamina/v1/functions/" + url.PathEscape(pos[0]) + "/logs?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("get logs: %w (is lamina running?)", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var body struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&body)
		return fmt.Errorf("%s: %s", resp.Header.Get("X-Amzn-ErrorType"), body.Message)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if *asJSON {
			fmt.Fprintln(e.stdout, sc.Text())
			continue
		}
		var l logs.Line
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			fmt.Fprintf(e.stdout, "%s %s\n", l.Time.Format("2006-01-02T15:04:05.000Z"), l.Text)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
