package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/lamina-dev/lamina/internal/catalog"
)

// Routes finds the HTTP routes.
type Routes interface {
	Routes() ([]catalog.Route, uint64)
}

// Router serves HTTP routes in the style of an API Gateway HTTP API.
type Router struct {
	h      *Handler
	routes Routes

	mu    sync.Mutex // guards table
	table *routeTable
}

// NewRouter returns a router over the catalog's routes.
func NewRouter(h *Handler, routes Routes) *Router {
	return &Router{h: h, routes: routes}
}

type routeTable struct {
	gen    uint64
	routes []compiledRoute
	def    *catalog.Route
}

type compiledRoute struct {
	route catalog.Route
	key   catalog.RouteKey
}

// current returns the routing table, rebuilt when the routes changed.
func (rt *Router) current() *routeTable {
	routes, gen := rt.routes.Routes()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.table != nil && rt.table.gen == gen {
		return rt.table
	}
	t := &routeTable{gen: gen}
	for _, r := range routes {
		if r.Key == catalog.DefaultRoute {
			def := r
			t.def = &def
			continue
		}
		key, err := catalog.ParseRouteKey(r.Key)
		if err != nil {
			continue // validated when stored
		}
		t.routes = append(t.routes, compiledRoute{route: r, key: key})
	}
	rt.table = t
	return t
}

// Active reports whether any route exists, so that unknown paths get the
// routes' 404 rather than the Lambda API's.
func (rt *Router) Active() bool {
	t := rt.current()
	return len(t.routes) > 0 || t.def != nil
}

// ServeHTTP routes r to a function, or answers 404 or 405.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := rt.current()
	rawPath := r.URL.EscapedPath()
	best, bestParams, allowed := t.match(r.Method, splitPath(rawPath))
	var route catalog.Route
	switch {
	case best != nil:
		route = best.route
	case t.def != nil:
		route = *t.def
	case len(allowed) > 0:
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(slices.Compact(allowed), ", "))
		apiMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	default:
		apiMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	rt.h.forward(w, r, rawPath, target{
		function: route.Function, qualifier: route.Qualifier, apiID: "lamina", routeKey: route.Key,
		pathParameters: bestParams, fail: apiErrors,
	})
}

// match finds the most specific route for method and path segments, with
// its path parameters; when none matches, allowed lists the methods of the
// routes whose path matched.
func (t *routeTable) match(method string, segs []string) (best *compiledRoute, params map[string]string, allowed []string) {
	for i := range t.routes {
		c := &t.routes[i]
		p, ok := matchPath(c.key.Segments, segs)
		if !ok {
			continue
		}
		if c.key.Method != "ANY" && c.key.Method != method {
			allowed = append(allowed, c.key.Method)
			continue
		}
		if best == nil || moreSpecific(c.key, best.key) {
			best, params = c, p
		}
	}
	return best, params, allowed
}

// splitPath splits an escaped path into decoded segments.
func splitPath(rawPath string) []string {
	if rawPath == "/" || rawPath == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	for i, p := range parts {
		if d, err := url.PathUnescape(p); err == nil {
			parts[i] = d
		}
	}
	return parts
}

// matchPath matches path segments against a route's, returning the path
// parameters.
func matchPath(pattern, segs []string) (map[string]string, bool) {
	var params map[string]string
	set := func(k, v string) {
		if params == nil {
			params = map[string]string{}
		}
		params[k] = v
	}
	for i, p := range pattern {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(p, "{"), "+}"); ok && strings.HasPrefix(p, "{") {
			if i >= len(segs) {
				return nil, false
			}
			set(name, strings.Join(segs[i:], "/"))
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			set(p[1:len(p)-1], segs[i])
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, len(pattern) == len(segs)
}

// moreSpecific orders routes matching the same path: literal segments
// before parameters before a greedy parameter, left to right; then a
// method before ANY.
func moreSpecific(a, b catalog.RouteKey) bool {
	for i := 0; i < max(len(a.Segments), len(b.Segments)); i++ {
		ra, rb := segmentRank(a.Segments, i), segmentRank(b.Segments, i)
		if ra != rb {
			return ra > rb
		}
	}
	return a.Method != "ANY" && b.Method == "ANY"
}

func segmentRank(segs []string, i int) int {
	switch {
	case i >= len(segs):
		return 0
	case strings.HasSuffix(segs[i], "+}"):
		return 1
	case strings.HasPrefix(segs[i], "{"):
		return 2
	}
	return 3
}

// apiErrors answers failures as API Gateway HTTP APIs do.
func apiErrors(w http.ResponseWriter, f failure) {
	switch f {
	case failTooLarge:
		apiMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	case failThrottled:
		apiMessage(w, http.StatusTooManyRequests, "Too Many Requests")
	case failFunction:
		apiMessage(w, http.StatusBadGateway, "Internal Server Error")
	case failTimeout:
		apiMessage(w, http.StatusGatewayTimeout, "Endpoint request timed out")
	default:
		apiMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

// apiMessage writes API Gateway's error body.
func apiMessage(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
