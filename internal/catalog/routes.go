package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Route sends HTTP requests matching its key to a function, in the style
// of an API Gateway HTTP API: "GET /items/{id}", "ANY /files/{path+}" or
// "$default".
type Route struct {
	Key       string    `json:"key"`
	Function  string    `json:"function"`
	Qualifier string    `json:"qualifier,omitempty"`
	Created   time.Time `json:"created"`
}

// DefaultRoute catches requests no other route matches.
const DefaultRoute = "$default"

// RouteKey is a parsed route key.
type RouteKey struct {
	Method   string   // upper case, or ANY
	Segments []string // path segments; "{name}" and a last "{name+}" are parameters
}

var routeMethods = map[string]bool{
	"ANY": true, "GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true,
}

// reservedSegments are first path segments lamina's own APIs use; routes
// cannot take them.
var reservedSegments = map[string]bool{
	"2015-03-31": true, "2016-08-19": true, "2017-03-31": true, "2017-10-31": true, "2018-10-31": true,
	"2019-09-25": true, "2019-09-30": true, "2020-04-22": true, "2021-10-31": true, "2021-11-15": true,
	"lamina": true, "lambda-url": true, "healthz": true, "metrics": true,
}

// IsReservedPath reports whether a request path belongs to lamina's own
// APIs rather than to routes.
func IsReservedPath(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return reservedSegments[first]
}

// ParseRouteKey checks a route key and splits it.
func ParseRouteKey(key string) (RouteKey, error) {
	if key == DefaultRoute {
		return RouteKey{Method: "ANY"}, nil
	}
	method, path, ok := strings.Cut(key, " ")
	bad := func(why string) (RouteKey, error) {
		return RouteKey{}, awserr.InvalidParameter("Invalid route key %q: %s. Use \"METHOD /path\" with METHOD one of ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or $default", key, why)
	}
	if !ok || !routeMethods[method] {
		return bad("unknown method")
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#") {
		return bad("the path must start with / and hold no spaces, ? or #")
	}
	rk := RouteKey{Method: method}
	if path == "/" {
		return rk, nil
	}
	rk.Segments = strings.Split(path[1:], "/")
	seen := map[string]bool{}
	for i, seg := range rk.Segments {
		if seg == "" {
			return bad("empty path segment")
		}
		if i == 0 && reservedSegments[seg] {
			return bad("/" + seg + " belongs to lamina's own APIs")
		}
		if !strings.HasPrefix(seg, "{") && !strings.HasSuffix(seg, "}") {
			if strings.ContainsAny(seg, "{}") {
				return bad("a parameter must be a whole segment")
			}
			continue
		}
		name, greedy := strings.CutSuffix(seg[1:len(seg)-1], "+")
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") || name == "" || strings.ContainsAny(name, "{}+") {
			return bad("malformed parameter " + seg)
		}
		if greedy && i != len(rk.Segments)-1 {
			return bad("a greedy parameter must be the last segment")
		}
		if seen[name] {
			return bad("parameter " + name + " appears twice")
		}
		seen[name] = true
	}
	return rk, nil
}

const routePrefix = "route."

func routeRecordKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return routePrefix + hex.EncodeToString(sum[:12])
}

// Routes returns every route, by key, and a number that changes whenever
// they do.
func (c *Catalog) Routes() ([]Route, uint64) {
	c.mu.RLock()
	out := make([]Route, 0, len(c.routes))
	for _, r := range c.routes {
		out = append(out, *r)
	}
	gen := c.routeGen
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(a.Key, b.Key) })
	return out, gen
}

// PutRoute creates a route or points an existing one elsewhere.
func (c *Catalog) PutRoute(ctx context.Context, r Route) (Route, error) {
	if _, err := ParseRouteKey(r.Key); err != nil {
		return Route{}, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, _, ok := c.Resolve(r.Function, r.Qualifier); !ok {
		return Route{}, awserr.NotFound("Function not found: %s", qualified(r.Function, r.Qualifier))
	}
	c.mu.RLock()
	old, exists := c.routes[r.Key]
	c.mu.RUnlock()
	r.Created = c.now().UTC()
	if exists {
		r.Created = old.Created
	}
	if err := c.putLocked(ctx, routeRecordKey(r.Key), &r); err != nil {
		return Route{}, err
	}
	stored := r
	c.mu.Lock()
	c.routes[r.Key] = &stored
	c.routeGen++
	c.mu.Unlock()
	return r, nil
}

// DeleteRoute removes a route.
func (c *Catalog) DeleteRoute(ctx context.Context, key string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.RLock()
	_, ok := c.routes[key]
	c.mu.RUnlock()
	if !ok {
		return awserr.NotFound("Route not found: %s", key)
	}
	if err := c.store.DeleteRecord(ctx, routeRecordKey(key)); err != nil {
		return fmt.Errorf("delete route %s: %w", key, err)
	}
	c.mu.Lock()
	delete(c.routes, key)
	c.routeGen++
	c.mu.Unlock()
	return nil
}
