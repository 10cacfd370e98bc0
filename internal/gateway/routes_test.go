package gateway

import (
	"net/http/httptest"
	"testing"

	"github.com/lamina-dev/lamina/internal/catalog"
)

type fakeRoutes []catalog.Route

func (f fakeRoutes) Routes() ([]catalog.Route, uint64) { return f, 1 }

func TestRouteMatching(t *testing.T) {
	routes := fakeRoutes{
		{Key: "GET /items/{id}", Function: "param"},
		{Key: "GET /items/new", Function: "literal"},
		{Key: "ANY /items/{id}", Function: "any"},
		{Key: "ANY /{proxy+}", Function: "greedy"},
		{Key: "GET /", Function: "root"},
		{Key: "POST /only", Function: "post"},
	}
	rt := NewRouter(nil, routes)
	table := rt.current()
	tests := []struct {
		method, path string
		want         string
		params       map[string]string
	}{
		{"GET", "/items/7", "param", map[string]string{"id": "7"}},
		{"GET", "/items/new", "literal", nil},
		{"PUT", "/items/7", "any", map[string]string{"id": "7"}},
		{"GET", "/a/b/c", "greedy", map[string]string{"proxy": "a/b/c"}},
		{"GET", "/", "root", nil},
		{"GET", "/only", "greedy", map[string]string{"proxy": "only"}},
		{"GET", "/items/caf%C3%A9", "param", map[string]string{"id": "café"}},
	}
	if _, _, allowed := table.match("DELETE", []string{"only"}); len(allowed) != 1 || allowed[0] != "POST" {
		t.Errorf("allowed methods for /only = %v; want [POST]", allowed)
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		best, params, _ := table.match(tt.method, splitPath(r.URL.EscapedPath()))
		if best == nil || best.route.Function != tt.want || len(params) != len(tt.params) {
			t.Errorf("%s %s -> %v %v; want %s %v", tt.method, tt.path, best, params, tt.want, tt.params)
			continue
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("%s %s: param %s = %q; want %q", tt.method, tt.path, k, params[k], v)
			}
		}
	}
}

func TestParseRouteKey(t *testing.T) {
	good := []string{"$default", "GET /", "ANY /a/{b}/c", "POST /x/{rest+}", "DELETE /a-b_c/{id}"}
	bad := []string{"", "GET", "get /x", "GET x", "GET /a//b", "GET /{a+}/b", "GET /{a}/{a}", "GET /a{b}", "GET /lamina/x", "GET /2015-03-31/functions", "GET /a b", "GET /{}"}
	for _, k := range good {
		if _, err := catalog.ParseRouteKey(k); err != nil {
			t.Errorf("ParseRouteKey(%q) = %v", k, err)
		}
	}
	for _, k := range bad {
		if _, err := catalog.ParseRouteKey(k); err == nil {
			t.Errorf("ParseRouteKey(%q) accepted", k)
		}
	}
}
