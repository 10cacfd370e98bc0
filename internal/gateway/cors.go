package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lamina-dev/lamina/internal/catalog"
)

// allowedOrigin returns the Access-Control-Allow-Origin value for origin,
// or "" when the policy does not allow it.
func allowedOrigin(c *catalog.Cors, origin string) string {
	if origin == "" {
		return ""
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*" && !c.AllowCredentials:
			return "*"
		case o == "*", strings.EqualFold(o, origin):
			return origin
		}
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a CORS preflight from the URL's policy without
// invoking the function, as Lambda does. A request the policy does not
// allow gets no CORS headers, which the browser treats as a refusal.
func preflight(w http.ResponseWriter, r *http.Request, c *catalog.Cors) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := allowedOrigin(c, r.Header.Get("Origin"))
	method := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	if origin != "" && (slices.Contains(c.AllowMethods, "*") || slices.Contains(c.AllowMethods, method)) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusOK)
}

// addCORS sets the CORS headers of an actual request's response, over any
// the function set.
func addCORS(h http.Header, r *http.Request, c *catalog.Cors) {
	origin := allowedOrigin(c, r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	if !slices.Contains(h.Values("Vary"), "Origin") {
		h.Add("Vary", "Origin")
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}
