package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
)

type routeInfo struct {
	RouteKey     string `json:"RouteKey"`
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier,omitempty"`
}

func runRoute(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "set":
		return runRouteSet(ctx, e, args)
	case "ls":
		return runRouteList(ctx, e, args)
	case "rm":
		return runRouteRemove(ctx, e, args)
	}
	fmt.Fprintln(e.stderr, `Usage: lamina route set "METHOD /path/{param}" NAME[:ALIAS]
       lamina route set '$default' NAME[:ALIAS]
       lamina route ls
       lamina route rm "METHOD /path/{param}"

Routes serve functions on lamina's address in the style of an API Gateway
HTTP API: METHOD is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY;
{name} matches one path segment, a last {name+} the rest of the path.`)
	if sub == "-h" || sub == "--help" {
		return nil
	}
	return ErrUsage
}

func runRouteSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "route set", `"METHOD /path" NAME[:ALIAS]`, "Send requests matching the route to the function, creating or replacing the route.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 2)
	if err != nil {
		return err
	}
	var out routeInfo
	if err := laminaAPI(ctx, *endpoint, http.MethodPut, "/lamina/v1/routes", routeInfo{RouteKey: pos[0], FunctionName: pos[1]}, &out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s -> %s\n", out.RouteKey, routeTarget(out))
	return nil
}

func routeTarget(r routeInfo) string {
	if r.Qualifier == "" {
		return r.FunctionName
	}
	return r.FunctionName + ":" + r.Qualifier
}

func runRouteList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "route ls", "", "List the HTTP routes.")
	endpoint := endpointFlag(fs)
	if _, err := parseExact(fs, args, 0); err != nil {
		return err
	}
	var out struct{ Routes []routeInfo }
	if err := laminaAPI(ctx, *endpoint, http.MethodGet, "/lamina/v1/routes", nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tFUNCTION")
	for _, r := range out.Routes {
		fmt.Fprintf(tw, "%s\t%s\n", r.RouteKey, routeTarget(r))
	}
	return tw.Flush()
}

func runRouteRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "route rm", `"METHOD /path"`, "Delete a route.")
	endpoint := endpointFlag(fs)
	pos, err := parseExact(fs, args, 1)
	if err != nil {
		return err
	}
	if err := laminaAPI(ctx, *endpoint, http.MethodDelete, "/lamina/v1/routes?RouteKey="+url.QueryEscape(pos[0]), nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted route %s\n", pos[0])
	return nil
}

// laminaAPI calls one of lamina's own JSON endpoints.
func laminaAPI(ctx context.Context, endpoint, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(endpoint, "/")+path, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is lamina running? start it with 'lamina serve')", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s: %s", resp.Header.Get("X-Amzn-ErrorType"), e.Message)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
