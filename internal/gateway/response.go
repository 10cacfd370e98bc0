package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// result is the function's answer in payload format 2.0, as aws-lambda-go's
// events.LambdaFunctionURLResponse and events.APIGatewayV2HTTPResponse
// encode it.
type result struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	Cookies           []string            `json:"cookies"`
}

var errBadResponse = errors.New("the function's response is not a valid HTTP response")

// decodeResult reads what the function returned. JSON without a
// statusCode is the shortcut: 200, application/json, the JSON as body.
func decodeResult(payload []byte) (*result, []byte, error) {
	trimmed := bytes.TrimSpace(payload)
	if !json.Valid(trimmed) {
		return nil, nil, errBadResponse
	}
	if trimmed[0] == '{' {
		var probe map[string]json.RawMessage
		if json.Unmarshal(trimmed, &probe) == nil {
			if _, ok := probe["statusCode"]; ok {
				var res result
				if err := json.Unmarshal(trimmed, &res); err != nil {
					return nil, nil, errBadResponse
				}
				if res.StatusCode < 100 || res.StatusCode > 599 {
					return nil, nil, errBadResponse
				}
				body := []byte(res.Body)
				if res.IsBase64Encoded {
					decoded, err := base64.StdEncoding.DecodeString(res.Body)
					if err != nil {
						return nil, nil, errBadResponse
					}
					body = decoded
				}
				return &res, body, nil
			}
		}
	}
	return &result{StatusCode: http.StatusOK, Headers: map[string]string{"content-type": "application/json"}}, payload, nil
}

// hopHeaders are the platform's to set, whatever the function says.
var hopHeaders = map[string]bool{
	"content-length": true, "transfer-encoding": true, "connection": true, "keep-alive": true, "upgrade": true, "trailer": true,
}

// writeResult writes res onto w; finish, when set, has the last word on
// the headers (the URL's CORS policy overrides the function's).
func writeResult(w http.ResponseWriter, res *result, body []byte, finish func(http.Header)) {
	h := w.Header()
	for k, v := range res.Headers {
		if !hopHeaders[strings.ToLower(k)] {
			h.Set(k, v)
		}
	}
	for k, vs := range res.MultiValueHeaders {
		if hopHeaders[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range res.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	if finish != nil {
		finish(h)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.StatusCode)
	w.Write(body)
}
