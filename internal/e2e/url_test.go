package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// httpDo sends a request and returns the response with its body read.
func httpDo(t *testing.T, method, url string, body []byte, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if h := hdr.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func TestFunctionURL(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "web", "url", withTimeout(1))
	created, err := c.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("web"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{
			AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"x-custom"}, ExposeHeaders: []string{"x-handler"},
			MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true),
		},
	})
	if err != nil {
		t.Fatalf("CreateFunctionUrlConfig: %v", err)
	}
	url := aws.ToString(created.FunctionUrl)
	if !strings.HasPrefix(url, in.endpoint+"/lambda-url/") || !strings.HasSuffix(url, "/") || created.InvokeMode != types.InvokeModeBuffered {
		t.Fatalf("FunctionUrl = %s, InvokeMode %s", url, created.InvokeMode)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(created.CreationTime)); err != nil {
		t.Errorf("CreationTime %q: %v", aws.ToString(created.CreationTime), err)
	}
	urlID := strings.TrimSuffix(strings.TrimPrefix(url, in.endpoint+"/lambda-url/"), "/")

	// A request with everything the payload must carry.
	hdr := http.Header{
		"Cookie": {"c1=v1; c2=v2"}, "X-Multi": {"one", "two"}, "Content-Type": {"application/json"},
		"Origin": {"https://app.example"}, "User-Agent": {"test-agent"},
	}
	resp, body := httpDo(t, "POST", url+"caf%C3%A9/x?b=2&a=1&a=3", []byte(`{"k":"v"}`), hdr)
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got events.LambdaFunctionURLRequest
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decode echoed request %s: %v", body, err)
	}
	rc := got.RequestContext
	checks := []struct {
		what      string
		got, want any
	}{
		{"version", got.Version, "2.0"},
		{"rawPath", got.RawPath, "/caf%C3%A9/x"},
		{"rawQueryString", got.RawQueryString, "b=2&a=1&a=3"},
		{"cookies", strings.Join(got.Cookies, "|"), "c1=v1|c2=v2"},
		{"cookie header removed", got.Headers["cookie"], ""},
		{"repeated header", got.Headers["x-multi"], "one,two"},
		{"content-type header", got.Headers["content-type"], "application/json"},
		{"repeated query key", got.QueryStringParameters["a"], "1,3"},
		{"query key", got.QueryStringParameters["b"], "2"},
		{"body", got.Body, `{"k":"v"}`},
		{"isBase64Encoded", got.IsBase64Encoded, false},
		{"http.method", rc.HTTP.Method, "POST"},
		{"http.path", rc.HTTP.Path, "/caf%C3%A9/x"},
		{"http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", rc.HTTP.UserAgent, "test-agent"},
		{"requestId", rc.RequestID, resp.Header.Get("X-Amzn-Requestid")},
		{"apiId", rc.APIID, urlID},
		{"accountId", rc.AccountID, ""},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v; want %v", ck.what, ck.got, ck.want)
		}
	}
	if ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil || time.Since(ts) > time.Minute || time.Since(time.UnixMilli(rc.TimeEpoch)) > time.Minute {
		t.Errorf("time %q, timeEpoch %d", rc.Time, rc.TimeEpoch)
	}
	// The response: cookies, headers, and CORS from the URL's policy over the function's.
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 2 || sc[0] != "session=abc; Path=/; HttpOnly" || sc[1] != "theme=dark" {
		t.Errorf("Set-Cookie = %q", sc)
	}
	if resp.Header.Get("X-Handler") != "url" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "x-handler" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("response headers = %v", resp.Header)
	}

	// Binary bodies travel base64-encoded both ways.
	raw := []byte{0, 1, 2, 255, 254, 'a'}
	resp, body = httpDo(t, "POST", url+"?binary=1", raw, http.Header{"Content-Type": {"application/octet-stream"}})
	if resp.StatusCode != 200 || !bytes.Equal(body, []byte{'a', 254, 255, 2, 1, 0}) || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("binary: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// JSON without a statusCode is the body as is.
	for q, want := range map[string]string{"object": `{"shortcut":"yes"}`, "string": `"Hello"`} {
		resp, body = httpDo(t, "GET", url+"?shortcut="+q, nil, nil)
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("shortcut %s: %d %s %s", q, resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	}

	// Preflights are answered from the policy without the function.
	resp, _ = httpDo(t, "OPTIONS", url+"x", nil, http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET,POST" || resp.Header.Get("Access-Control-Allow-Headers") != "x-custom" ||
		resp.Header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = httpDo(t, "OPTIONS", url+"x", nil, http.Header{"Origin": {"https://other.example"}, "Access-Control-Request-Method": {"POST"}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from a foreign origin allowed: %v", resp.Header)
	}

	// The host form reaches the same URL, with the whole path.
	resp, body = httpDo(t, "GET", in.endpoint+"/p?x=1", nil, http.Header{"Host": {urlID + ".lambda-url.us-east-1.localhost"}})
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 201 || got.RawPath != "/p" {
		t.Errorf("host form: %d rawPath %q (%v)", resp.StatusCode, got.RawPath, err)
	}

	// Failures answer as Lambda URLs do, never hang.
	errorCases := []struct {
		name   string
		method string
		url    string
		body   []byte
		status int
		msg    string
	}{
		{"function error", "GET", url + "?fail=1", nil, 502, "Internal Server Error"},
		{"timeout", "GET", url + "?sleep=1500", nil, 504, "Endpoint request timed out"},
		{"body over 6 MB", "POST", url, bytes.Repeat([]byte("x"), 6<<20+1), 413, "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
		{"unknown url", "GET", in.endpoint + "/lambda-url/nosuchurl0000000000000000000000/", nil, 403, "Forbidden"},
	}
	for _, tt := range errorCases {
		resp, body := httpDo(t, tt.method, tt.url, tt.body, http.Header{"Content-Type": {"text/plain"}})
		var m struct{ Message string }
		json.Unmarshal(body, &m)
		if resp.StatusCode != tt.status || m.Message != tt.msg {
			t.Errorf("%s: %d %s; want %d %q", tt.name, resp.StatusCode, body, tt.status, tt.msg)
		}
	}
}

func TestFunctionURLConfigs(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	ctx := t.Context()
	deploy(t, c, "cfg", "url")
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("cfg")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("cfg"), Name: aws.String("prod"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	create := func(q string, auth types.FunctionUrlAuthType, cors *types.Cors) (*lambda.CreateFunctionUrlConfigOutput, error) {
		in := &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("cfg"), AuthType: auth, Cors: cors}
		if q != "" {
			in.Qualifier = aws.String(q)
		}
		return c.CreateFunctionUrlConfig(ctx, in)
	}
	prod, err := create("prod", types.FunctionUrlAuthTypeNone, nil)
	if err != nil {
		t.Fatalf("URL for an alias: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(prod.FunctionArn), ":cfg:prod") {
		t.Errorf("FunctionArn = %s", aws.ToString(prod.FunctionArn))
	}
	if resp, body := httpDo(t, "GET", aws.ToString(prod.FunctionUrl), nil, nil); resp.StatusCode != 201 {
		t.Errorf("alias URL: %d %s", resp.StatusCode, body)
	}
	signed, err := create("", types.FunctionUrlAuthTypeAwsIam, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpDo(t, "GET", aws.ToString(signed.FunctionUrl), nil, nil); resp.StatusCode != 403 {
		t.Errorf("AWS_IAM URL without signing: %d; want 403", resp.StatusCode)
	}
	list, err := c.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("cfg")})
	if err != nil || len(list.FunctionUrlConfigs) != 2 {
		t.Errorf("ListFunctionUrlConfigs = %+v, %v", list, err)
	}
	upd, err := c.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{
		FunctionName: aws.String("cfg"), AuthType: types.FunctionUrlAuthTypeNone, Cors: &types.Cors{AllowOrigins: []string{"*"}, MaxAge: aws.Int32(60)},
	})
	if err != nil || upd.AuthType != types.FunctionUrlAuthTypeNone || aws.ToInt32(upd.Cors.MaxAge) != 60 {
		t.Fatalf("UpdateFunctionUrlConfig = %+v, %v", upd, err)
	}
	if resp, _ := httpDo(t, "GET", aws.ToString(signed.FunctionUrl), nil, http.Header{"Origin": {"https://x.example"}}); resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("after update: %d %v", resp.StatusCode, resp.Header)
	}

	// Bad input gets Lambda's errors.
	badCases := []struct {
		name string
		q    string
		auth types.FunctionUrlAuthType
		cors *types.Cors
		code string
	}{
		{"exists", "", types.FunctionUrlAuthTypeNone, nil, "ResourceConflictException"},
		{"auth type", "", "BOGUS", nil, "InvalidParameterValueException"},
		{"max age", "other", types.FunctionUrlAuthTypeNone, &types.Cors{MaxAge: aws.Int32(90000)}, "InvalidParameterValueException"},
		{"method", "other", types.FunctionUrlAuthTypeNone, &types.Cors{AllowMethods: []string{"FETCH"}}, "InvalidParameterValueException"},
		{"version qualifier", "1", types.FunctionUrlAuthTypeNone, nil, "InvalidParameterValueException"},
		{"missing alias", "nosuch", types.FunctionUrlAuthTypeNone, nil, "ResourceNotFoundException"},
	}
	for _, tt := range badCases {
		if tt.q == "other" {
			c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("cfg"), Name: aws.String("other"), FunctionVersion: aws.String("1")})
		}
		_, err := create(tt.q, tt.auth, tt.cors)
		if code, _ := apiError(t, err); code != tt.code {
			t.Errorf("%s: %s; want %s", tt.name, code, tt.code)
		}
	}
	_, err = c.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("cfg"), Qualifier: aws.String("other")})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Errorf("get missing URL: %s %d", code, status)
	}

	// Deleting the alias deletes its URL; DeleteFunctionUrlConfig the other.
	if _, err := c.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("cfg"), Name: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpDo(t, "GET", aws.ToString(prod.FunctionUrl), nil, nil); resp.StatusCode != 403 {
		t.Errorf("URL of a deleted alias: %d; want 403", resp.StatusCode)
	}
	if _, err := c.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("cfg")}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpDo(t, "GET", aws.ToString(signed.FunctionUrl), nil, nil); resp.StatusCode != 403 {
		t.Errorf("deleted URL: %d; want 403", resp.StatusCode)
	}
}
