package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

func TestHTTPRoutes(t *testing.T) {
	dir := t.TempDir()
	in := start(t, dir)
	c := in.client()
	for _, name := range []string{"items", "files", "fallback"} {
		deploy(t, c, name, "httpapi")
	}
	route := func(args ...string) {
		t.Helper()
		out, errOut, code := in.lamina(t, "", append([]string{"route"}, args...)...)
		if code != 0 {
			t.Fatalf("lamina route %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	route("set", "GET /items/{id}", "items")
	route("set", "POST /items", "items")
	route("set", "GET /items/special", "fallback")
	if _, err := c.PublishVersion(t.Context(), &lambda.PublishVersionInput{FunctionName: aws.String("files")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(t.Context(), &lambda.CreateAliasInput{FunctionName: aws.String("files"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	route("set", "ANY /files/{path+}", "files:live")

	get := func(method, path string) (*http.Response, events.APIGatewayV2HTTPRequest) {
		t.Helper()
		resp, body := httpDo(t, method, in.endpoint+path, nil, nil)
		var req events.APIGatewayV2HTTPRequest
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &req); err != nil {
				t.Fatalf("%s %s: %s: %v", method, path, body, err)
			}
		}
		return resp, req
	}
	resp, req := get("GET", "/items/42?x=1")
	if resp.StatusCode != 200 || req.RouteKey != "GET /items/{id}" || req.PathParameters["id"] != "42" ||
		req.RawPath != "/items/42" || req.RequestContext.RouteKey != "GET /items/{id}" || req.QueryStringParameters["x"] != "1" ||
		resp.Header.Get("X-Function") != "items" {
		t.Errorf("GET /items/42: %d %+v", resp.StatusCode, req)
	}
	if resp, _ := get("GET", "/items/special"); resp.Header.Get("X-Function") != "fallback" {
		t.Errorf("a literal route must win over a parameter: went to %s", resp.Header.Get("X-Function"))
	}
	if resp, req := get("PUT", "/files/a/b%20c.txt"); resp.StatusCode != 200 || req.PathParameters["path"] != "a/b c.txt" || req.RouteKey != "ANY /files/{path+}" ||
		resp.Header.Get("X-Function-Version") != "1" {
		t.Errorf("greedy route to an alias: %d %+v version %q", resp.StatusCode, req.PathParameters, resp.Header.Get("X-Function-Version"))
	}
	resp, body := httpDo(t, "DELETE", in.endpoint+"/items/42", nil, nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" || !strings.Contains(string(body), "Method Not Allowed") {
		t.Errorf("DELETE /items/42: %d %s Allow %q", resp.StatusCode, body, resp.Header.Get("Allow"))
	}
	resp, body = httpDo(t, "GET", in.endpoint+"/nothing", nil, nil)
	if resp.StatusCode != 404 || string(body) != `{"message":"Not Found"}` {
		t.Errorf("GET /nothing: %d %s", resp.StatusCode, body)
	}
	// The Lambda API keeps its paths.
	if _, err := c.ListFunctions(t.Context(), &lambda.ListFunctionsInput{}); err != nil {
		t.Errorf("ListFunctions with routes set: %v", err)
	}

	// Bad routes are refused with a reason.
	for _, bad := range [][]string{
		{"FETCH /x", "items"}, {"GET /2015-03-31/functions", "items"}, {"GET /a/{p+}/b", "items"},
		{"GET /x", "nosuch"}, {"GET x", "items"},
	} {
		if _, errOut, code := in.lamina(t, "", "route", "set", bad[0], bad[1]); code == 0 || errOut == "" {
			t.Errorf("route set %q %s: exit %d", bad[0], bad[1], code)
		}
	}

	// $default catches the rest; routes survive a restart.
	route("set", "$default", "fallback")
	in.stop()
	in = start(t, dir)
	if resp, req := get("GET", "/nothing"); resp.StatusCode != 200 || req.RouteKey != "$default" {
		t.Errorf("$default after restart: %d %q", resp.StatusCode, req.RouteKey)
	}
	out, _, _ := in.lamina(t, "", "route", "ls")
	if !strings.Contains(out, "GET /items/{id}") || !strings.Contains(out, "ANY /files/{path+}") {
		t.Errorf("route ls:\n%s", out)
	}
	route("rm", "$default")
	route("rm", "GET /items/special")
	if resp, _ := get("GET", "/items/special"); resp.Header.Get("X-Function") != "items" {
		t.Errorf("after rm, /items/special went to %s", resp.Header.Get("X-Function"))
	}
}
