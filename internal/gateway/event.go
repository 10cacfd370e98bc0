package gateway

import (
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// event is the HTTP API payload format 2.0, as aws-lambda-go's
// events.LambdaFunctionURLRequest and events.APIGatewayV2HTTPRequest
// decode it.
type event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         httpContext `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// requestTime is the form of requestContext.time.
const requestTime = "02/Jan/2006:15:04:05 -0700"

// newEvent builds the event for r, whose path as the function sees it is
// rawPath (escaped, without lamina's URL prefix).
func newEvent(r *http.Request, body []byte, rawPath, apiID, requestID, traceID string, now time.Time) *event {
	ev := &event{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        rawPath,
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		RequestContext: requestContext{
			APIID:        apiID,
			DomainName:   r.Host,
			DomainPrefix: apiID,
			HTTP: httpContext{
				Method: r.Method, Path: rawPath, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
			RequestID: requestID,
			RouteKey:  "$default",
			Stage:     "$default",
			Time:      now.UTC().Format(requestTime),
			TimeEpoch: now.UnixMilli(),
		},
	}
	for name, values := range r.Header {
		key := strings.ToLower(name)
		if key == "cookie" {
			ev.Cookies = append(ev.Cookies, splitCookies(values)...)
			continue
		}
		ev.Headers[key] = strings.Join(values, ",")
	}
	ev.Headers["host"] = r.Host
	ev.Headers["x-forwarded-for"] = joinForwarded(ev.Headers["x-forwarded-for"], ev.RequestContext.HTTP.SourceIP)
	ev.Headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		ev.Headers["x-forwarded-port"] = port
	}
	ev.Headers["x-amzn-trace-id"] = traceID
	if q := queryParameters(r.URL.RawQuery); len(q) > 0 {
		ev.QueryStringParameters = q
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func joinForwarded(prev, ip string) string {
	if prev == "" {
		return ip
	}
	return prev + ", " + ip
}

// splitCookies turns Cookie headers into one entry per cookie, as the
// cookies field carries them.
func splitCookies(values []string) []string {
	var out []string
	for _, v := range values {
		for _, c := range strings.Split(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// queryParameters decodes the query string; repeated keys are joined with
// commas, as API Gateway does in payload 2.0.
func queryParameters(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' }) {
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			key, val = k, v
		}
		if prev, ok := out[key]; ok {
			val = prev + "," + val
		}
		out[key] = val
	}
	return out
}

// isText reports whether a body of this content type reaches the function
// as text; anything else is base64-encoded.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded",
		mt == "application/yaml", mt == "application/graphql":
		return true
	}
	return false
}
