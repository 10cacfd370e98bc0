// Package api serves the Lambda HTTP APIs on lamina's listener: the
// management API (functions, configuration, concurrency, account), the
// Invoke API, and lamina's own endpoints for logs and health. It turns
// requests into calls on the catalog and the invoke service and their
// errors into Lambda-shaped responses.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/invoke"
	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/tracing"
)

// Catalog is the function store the API manages.
type Catalog interface {
	Create(ctx context.Context, fn catalog.Function, zipFile []byte) (catalog.Function, error)
	Get(name string) (catalog.Function, bool)
	List() []catalog.Function
	Code(ctx context.Context, key string) ([]byte, error)
	UpdateCode(ctx context.Context, name string, zipFile []byte, revisionID string, dryRun bool) (catalog.Function, error)
	UpdateConfig(ctx context.Context, name, revisionID string, change func(*catalog.Function)) (catalog.Function, error)
	Delete(ctx context.Context, name string) error

	Version(name, version string) (catalog.Function, bool)
	Versions(name string) ([]catalog.Function, bool)
	Resolve(name, qualifier string) (catalog.Function, *catalog.Alias, bool)
	Publish(ctx context.Context, name, codeSha256, description, revisionID string) (catalog.Function, error)
	DeleteVersion(ctx context.Context, name, version string) error
	Alias(fn, name string) (catalog.Alias, bool)
	Aliases(fn string) []catalog.Alias
	CreateAlias(ctx context.Context, a catalog.Alias) (catalog.Alias, error)
	UpdateAlias(ctx context.Context, fn, name, revisionID string, change func(*catalog.Alias)) (catalog.Alias, error)
	DeleteAlias(ctx context.Context, fn, name string) error
	URL(fn, qualifier string) (catalog.URLConfig, bool)
	URLs(fn string) []catalog.URLConfig
	CreateURL(ctx context.Context, u catalog.URLConfig) (catalog.URLConfig, error)
	UpdateURL(ctx context.Context, fn, qualifier string, change func(*catalog.URLConfig)) (catalog.URLConfig, error)
	DeleteURL(ctx context.Context, fn, qualifier string) error
	Routes() ([]catalog.Route, uint64)
	PutRoute(ctx context.Context, r catalog.Route) (catalog.Route, error)
	DeleteRoute(ctx context.Context, key string) error
	ProvisionedConfigs(fn string) []catalog.Provisioned
	PutProvisioned(ctx context.Context, p catalog.Provisioned, maxTotal int) (catalog.Provisioned, error)
	DeleteProvisioned(ctx context.Context, fn, q string) error
}

// Invoker runs invocations and reports on environments.
type Invoker interface {
	Invoke(ctx context.Context, req invoke.Request) (*invoke.Response, error)
	// ProvisionedReady is how many environments of a version are ready.
	ProvisionedReady(name, version string) int
}

// Logs is where function log lines are read.
type Logs interface {
	Query(fn string, f logs.Filter) []logs.Line
	Follow(ctx context.Context, fn string, f logs.Filter) ([]logs.Line, <-chan logs.Line)
}

// Config holds what the API reports about the account.
type Config struct {
	Region             string
	AccountID          string
	AccountConcurrency int
	// Tracing starts invocation spans; nil records none.
	Tracing *tracing.Provider
}

// Handler is the HTTP handler for all of lamina's APIs.
type Handler struct {
	cfg     Config
	catalog Catalog
	invoker Invoker
	logs    Logs
	log     *slog.Logger
	mux     *http.ServeMux
}

// New returns the handler.
func New(cfg Config, cat Catalog, inv Invoker, lg Logs, log *slog.Logger) *Handler {
	h := &Handler{cfg: cfg, catalog: cat, invoker: inv, logs: lg, log: log, mux: http.NewServeMux()}
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("POST /2015-03-31/functions/{name}/invocations", h.serve(h.invoke))
	m.HandleFunc("POST /2021-11-15/functions/{name}/response-streaming-invocations", h.serve(h.invokeStream))
	m.HandleFunc("POST /2015-03-31/functions", h.serve(h.createFunction))
	m.HandleFunc("POST /2015-03-31/functions/{$}", h.serve(h.createFunction))
	m.HandleFunc("GET /2015-03-31/functions", h.serve(h.listFunctions))
	m.HandleFunc("GET /2015-03-31/functions/{$}", h.serve(h.listFunctions))
	m.HandleFunc("GET /2015-03-31/functions/{name}", h.serve(h.getFunction))
	m.HandleFunc("DELETE /2015-03-31/functions/{name}", h.serve(h.deleteFunction))
	m.HandleFunc("GET /2015-03-31/functions/{name}/configuration", h.serve(h.getConfiguration))
	m.HandleFunc("PUT /2015-03-31/functions/{name}/configuration", h.serve(h.updateConfiguration))
	m.HandleFunc("PUT /2015-03-31/functions/{name}/code", h.serve(h.updateCode))
	m.HandleFunc("POST /2015-03-31/functions/{name}/versions", h.serve(h.publishVersion))
	m.HandleFunc("GET /2015-03-31/functions/{name}/versions", h.serve(h.listVersions))
	m.HandleFunc("POST /2015-03-31/functions/{name}/aliases", h.serve(h.createAlias))
	m.HandleFunc("GET /2015-03-31/functions/{name}/aliases", h.serve(h.listAliases))
	m.HandleFunc("GET /2015-03-31/functions/{name}/aliases/{alias}", h.serve(h.getAlias))
	m.HandleFunc("PUT /2015-03-31/functions/{name}/aliases/{alias}", h.serve(h.updateAlias))
	m.HandleFunc("DELETE /2015-03-31/functions/{name}/aliases/{alias}", h.serve(h.deleteAlias))
	m.HandleFunc("POST /2021-10-31/functions/{name}/url", h.serve(h.createURL))
	m.HandleFunc("GET /2021-10-31/functions/{name}/url", h.serve(h.getURL))
	m.HandleFunc("PUT /2021-10-31/functions/{name}/url", h.serve(h.updateURL))
	m.HandleFunc("DELETE /2021-10-31/functions/{name}/url", h.serve(h.deleteURL))
	m.HandleFunc("GET /2021-10-31/functions/{name}/urls", h.serve(h.listURLs))
	m.HandleFunc("PUT /2017-10-31/functions/{name}/concurrency", h.serve(h.putConcurrency))
	m.HandleFunc("DELETE /2017-10-31/functions/{name}/concurrency", h.serve(h.deleteConcurrency))
	m.HandleFunc("GET /2019-09-30/functions/{name}/concurrency", h.serve(h.getConcurrency))
	m.HandleFunc("PUT /2019-09-30/functions/{name}/provisioned-concurrency", h.serve(h.putProvisioned))
	m.HandleFunc("GET /2019-09-30/functions/{name}/provisioned-concurrency", h.serve(h.getProvisioned))
	m.HandleFunc("DELETE /2019-09-30/functions/{name}/provisioned-concurrency", h.serve(h.deleteProvisioned))
	m.HandleFunc("GET /2016-08-19/account-settings", h.serve(h.accountSettings))
	m.HandleFunc("GET /2016-08-19/account-settings/{$}", h.serve(h.accountSettings))
	m.HandleFunc("GET /lamina/v1/routes", h.serve(h.listRoutes))
	m.HandleFunc("PUT /lamina/v1/routes", h.serve(h.putRoute))
	m.HandleFunc("DELETE /lamina/v1/routes", h.serve(h.deleteRoute))
	m.HandleFunc("GET /lamina/v1/functions/{name}/logs", h.serve(h.functionLogs))
	m.HandleFunc("GET /lamina/v1/functions/{name}/code", h.serve(h.functionCode))
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, &awserr.Error{Status: http.StatusNotFound, Type: "UnknownOperationException", Message: fmt.Sprintf("Unknown operation %s %s", r.Method, r.URL.Path)})
	})
}

// ServeHTTP recovers from panics in handlers, so that a bug answers one
// request with a ServiceException instead of ending the platform.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			h.fail(w, r, awserr.Service("internal error"))
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// handlerFunc is an API handler that returns its failure instead of
// writing it: serve turns it into the Lambda-shaped error response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// serve adapts an API handler: a returned error becomes a Lambda error.
func (h *Handler) serve(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			h.fail(w, r, err)
		}
	}
}

// fail writes err as a Lambda error, logging what is not the caller's fault.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Status >= 500 {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if w.Header().Get("X-Amzn-Requestid") == "" {
		w.Header().Set("X-Amzn-Requestid", uuid.NewString())
	}
	awserr.Write(w, err)
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", uuid.NewString())
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		h.log.Debug("write response", "err", err)
	}
}

// maxManagementBody allows a 50 MB zip in base64 with its JSON around it.
const maxManagementBody = 70 << 20

// decode reads a JSON request body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxManagementBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return awserr.TooLarge("Request must be smaller than %d bytes", maxManagementBody)
	}
	if err != nil {
		return awserr.InvalidContent("read request body: %v", err)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return awserr.InvalidContent("Could not parse request body into json: %v", err)
	}
	return nil
}

// functionFrom resolves the {name} path value and the Qualifier query
// parameter to the configuration they name: $LATEST, a version, or the
// version an alias points to. It also returns the qualifier as given.
func (h *Handler) functionFrom(r *http.Request) (catalog.Function, string, error) {
	name, q, err := parseName(r.PathValue("name"))
	if err != nil {
		return catalog.Function{}, "", err
	}
	q, err = qualifierOf(q, r.URL.Query().Get("Qualifier"))
	if err != nil {
		return catalog.Function{}, "", err
	}
	fn, _, ok := h.catalog.Resolve(name, q)
	if !ok {
		return catalog.Function{}, "", awserr.NotFound("Function not found: %s", catalog.ARN(h.cfg.Region, h.cfg.AccountID, name, q))
	}
	return fn, q, nil
}

// latestFrom is functionFrom for operations on the function itself (its
// $LATEST), which take no other qualifier.
func (h *Handler) latestFrom(r *http.Request) (catalog.Function, error) {
	fn, q, err := h.functionFrom(r)
	if err != nil {
		return fn, err
	}
	if q != "" && q != catalog.Latest {
		return catalog.Function{}, awserr.InvalidParameter("This operation does not accept a qualifier (%s): name the function without a version or alias.", q)
	}
	return fn, nil
}
