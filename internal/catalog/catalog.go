// Package catalog owns the set of deployed functions: it validates changes,
// writes them through to a durable store and serves reads from memory, so
// that the invocation path never waits on storage.
package catalog

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Store is the durable state the catalog writes through to: records for
// metadata and blobs for code packages.
type Store interface {
	PutRecord(ctx context.Context, key string, value []byte) error
	DeleteRecord(ctx context.Context, key string) error
	Records(ctx context.Context) (map[string][]byte, error)
	PutBlob(ctx context.Context, key string, data []byte) error
	Blob(ctx context.Context, key string) ([]byte, error)
	DeleteBlob(ctx context.Context, key string) error
}

const recordPrefix = "fn."

// Catalog holds every function's configuration in memory.
type Catalog struct {
	store Store
	now   func() time.Time

	// writeMu serialises changes, so that a change and its write-through
	// are one step; reads do not take it.
	writeMu sync.Mutex

	mu          sync.RWMutex                    // guards the maps below and routeGen
	funcs       map[string]*Function            // $LATEST by name
	versions    map[string]map[string]*Function // by name, then version
	aliases     map[string]map[string]*Alias    // by function, then alias
	urls        map[string]*URLConfig           // function URLs by id
	routes      map[string]*Route               // HTTP routes by key
	provisioned map[string]*Provisioned         // by record key
	routeGen    uint64                          // changes with routes

	// onChange, when set, hears the name of each function that changed or
	// went away, after the change is visible.
	onChange func(name string)
}

// New returns a catalog over store. Call Load before use.
func New(store Store, now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{
		store: store, now: now,
		funcs: map[string]*Function{}, versions: map[string]map[string]*Function{}, aliases: map[string]map[string]*Alias{},
		urls: map[string]*URLConfig{}, routes: map[string]*Route{}, provisioned: map[string]*Provisioned{},
	}
}

// OnChange registers f to hear about changed or deleted functions.
func (c *Catalog) OnChange(f func(name string)) { c.onChange = f }

// Load reads every function from the store.
func (c *Catalog) Load(ctx context.Context) error {
	recs, err := c.store.Records(ctx)
	if err != nil {
		return fmt.Errorf("load functions: %w", err)
	}
	funcs := map[string]*Function{}
	versions := map[string]map[string]*Function{}
	aliases := map[string]map[string]*Alias{}
	urls := map[string]*URLConfig{}
	routes := map[string]*Route{}
	provisioned := map[string]*Provisioned{}
	for key, data := range recs {
		switch {
		case strings.HasPrefix(key, recordPrefix):
			fn := &Function{}
			if err := json.Unmarshal(data, fn); err != nil {
				return fmt.Errorf("load function %s: %w", key, err)
			}
			funcs[fn.Name] = fn
		case strings.HasPrefix(key, versionPrefix):
			fn := &Function{}
			if err := json.Unmarshal(data, fn); err != nil {
				return fmt.Errorf("load version %s: %w", key, err)
			}
			if versions[fn.Name] == nil {
				versions[fn.Name] = map[string]*Function{}
			}
			versions[fn.Name][fn.Version] = fn
		case strings.HasPrefix(key, aliasPrefix):
			a := &Alias{}
			if err := json.Unmarshal(data, a); err != nil {
				return fmt.Errorf("load alias %s: %w", key, err)
			}
			if aliases[a.Function] == nil {
				aliases[a.Function] = map[string]*Alias{}
			}
			aliases[a.Function][a.Name] = a
		case strings.HasPrefix(key, urlPrefix):
			u := &URLConfig{}
			if err := json.Unmarshal(data, u); err != nil {
				return fmt.Errorf("load url %s: %w", key, err)
			}
			urls[u.ID] = u
		case strings.HasPrefix(key, routePrefix):
			r := &Route{}
			if err := json.Unmarshal(data, r); err != nil {
				return fmt.Errorf("load route %s: %w", key, err)
			}
			routes[r.Key] = r
		case strings.HasPrefix(key, provisionedPrefix):
			p := &Provisioned{}
			if err := json.Unmarshal(data, p); err != nil {
				return fmt.Errorf("load provisioned concurrency %s: %w", key, err)
			}
			provisioned[key] = p
		}
	}
	c.mu.Lock()
	c.funcs, c.versions, c.aliases, c.urls, c.routes, c.provisioned = funcs, versions, aliases, urls, routes, provisioned
	c.routeGen++
	c.mu.Unlock()
	return nil
}

// Get returns a copy of the named function's configuration.
func (c *Catalog) Get(name string) (Function, bool) {
	c.mu.RLock()
	fn, ok := c.funcs[name]
	c.mu.RUnlock()
	if !ok {
		return Function{}, false
	}
	return *fn, true
}

// List returns every function, sorted by name.
func (c *Catalog) List() []Function {
	c.mu.RLock()
	out := make([]Function, 0, len(c.funcs))
	for _, fn := range c.funcs {
		out = append(out, *fn)
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Code returns the zip package stored under key (Function.CodeKey).
func (c *Catalog) Code(ctx context.Context, key string) ([]byte, error) {
	return c.store.Blob(ctx, key)
}

// Create adds fn with the given zip package. Unset settings take Lambda's
// defaults.
func (c *Catalog) Create(ctx context.Context, fn Function, zipFile []byte) (Function, error) {
	applyDefaults(&fn)
	if err := validate(&fn); err != nil {
		return Function{}, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, exists := c.Get(fn.Name); exists {
		return Function{}, awserr.Conflict("Function already exist: %s", fn.Name)
	}
	if err := c.putCode(ctx, &fn, zipFile); err != nil {
		return Function{}, err
	}
	if err := c.saveLocked(ctx, &fn); err != nil {
		return Function{}, err
	}
	return fn, nil
}

// UpdateCode replaces the function's package. With dryRun it only checks.
func (c *Catalog) UpdateCode(ctx context.Context, name string, zipFile []byte, revisionID string, dryRun bool) (Function, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	fn, err := c.current(name, revisionID)
	if err != nil {
		return Function{}, err
	}
	if dryRun {
		if err := checkZip(zipFile); err != nil {
			return Function{}, err
		}
		return fn, nil
	}
	old := fn.CodeKey
	if err := c.putCode(ctx, &fn, zipFile); err != nil {
		return Function{}, err
	}
	if err := c.saveLocked(ctx, &fn); err != nil {
		return Function{}, err
	}
	c.dropCodeIfUnusedLocked(ctx, old)
	return fn, nil
}

// UpdateConfig applies change to the function's configuration.
func (c *Catalog) UpdateConfig(ctx context.Context, name, revisionID string, change func(*Function)) (Function, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	fn, err := c.current(name, revisionID)
	if err != nil {
		return Function{}, err
	}
	change(&fn)
	fn.Name = name
	if err := validate(&fn); err != nil {
		return Function{}, err
	}
	if err := c.saveLocked(ctx, &fn); err != nil {
		return Function{}, err
	}
	return fn, nil
}

// Delete removes the function with its versions and aliases and, when
// nothing else shares them, their packages.
func (c *Catalog) Delete(ctx context.Context, name string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	versions, ok := c.Versions(name)
	if !ok {
		return notFound(name)
	}
	// URLs, aliases and versions go first: a failure half-way leaves a
	// function that can still be deleted, never versions without one.
	if err := c.deleteURLsLocked(ctx, name, "*"); err != nil {
		return err
	}
	for _, p := range c.ProvisionedConfigs(name) {
		if err := c.deleteProvisionedLocked(ctx, name, p.Qualifier); err != nil {
			return err
		}
	}
	for _, a := range c.Aliases(name) {
		if err := c.store.DeleteRecord(ctx, aliasKey(name, a.Name)); err != nil {
			return fmt.Errorf("delete alias %s:%s: %w", name, a.Name, err)
		}
	}
	for _, v := range versions[1:] {
		if err := c.store.DeleteRecord(ctx, versionKey(name, v.Version)); err != nil {
			return fmt.Errorf("delete version %s:%s: %w", name, v.Version, err)
		}
	}
	if err := c.store.DeleteRecord(ctx, recordPrefix+name); err != nil {
		return fmt.Errorf("delete function %s: %w", name, err)
	}
	c.mu.Lock()
	delete(c.funcs, name)
	delete(c.versions, name)
	delete(c.aliases, name)
	c.mu.Unlock()
	for _, v := range versions {
		c.dropCodeIfUnusedLocked(ctx, v.CodeKey)
	}
	c.changed(name)
	return nil
}

func (c *Catalog) current(name, revisionID string) (Function, error) {
	fn, ok := c.Get(name)
	if !ok {
		return Function{}, notFound(name)
	}
	if revisionID != "" && revisionID != fn.RevisionID {
		return Function{}, awserr.PreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return fn, nil
}

func notFound(name string) error {
	return awserr.NotFound("Function not found: %s", name)
}

func (c *Catalog) putCode(ctx context.Context, fn *Function, zipFile []byte) error {
	if err := checkZip(zipFile); err != nil {
		return err
	}
	sum := sha256.Sum256(zipFile)
	fn.CodeKey = hex.EncodeToString(sum[:])
	fn.CodeSha256 = base64.StdEncoding.EncodeToString(sum[:])
	fn.CodeSize = int64(len(zipFile))
	if err := c.store.PutBlob(ctx, fn.CodeKey, zipFile); err != nil {
		return fmt.Errorf("store code: %w", err)
	}
	return nil
}

func (c *Catalog) saveLocked(ctx context.Context, fn *Function) error {
	fn.LastModified = c.now().UTC()
	fn.RevisionID = uuid.NewString()
	data, err := json.Marshal(fn)
	if err != nil {
		return fmt.Errorf("encode function: %w", err)
	}
	if err := c.store.PutRecord(ctx, recordPrefix+fn.Name, data); err != nil {
		return fmt.Errorf("save function %s: %w", fn.Name, err)
	}
	stored := *fn
	c.mu.Lock()
	c.funcs[fn.Name] = &stored
	c.mu.Unlock()
	c.changed(fn.Name)
	return nil
}

func (c *Catalog) changed(name string) {
	if c.onChange != nil {
		c.onChange(name)
	}
}

// dropCodeIfUnusedLocked deletes a package no function or version refers
// to. A failure only leaves an orphan blob behind, so it is not reported.
func (c *Catalog) dropCodeIfUnusedLocked(ctx context.Context, key string) {
	c.mu.RLock()
	used := false
	for _, fn := range c.funcs {
		used = used || fn.CodeKey == key
	}
	for _, vs := range c.versions {
		for _, v := range vs {
			used = used || v.CodeKey == key
		}
	}
	c.mu.RUnlock()
	if !used {
		_ = c.store.DeleteBlob(ctx, key)
	}
}

func applyDefaults(fn *Function) {
	if fn.MemorySize == 0 {
		fn.MemorySize = DefaultMemoryMB
	}
	if fn.Timeout == 0 {
		fn.Timeout = DefaultTimeout
	}
	if fn.EphemeralStorage == 0 {
		fn.EphemeralStorage = DefaultTmpMB
	}
	if len(fn.Architectures) == 0 {
		fn.Architectures = []string{"x86_64"}
	}
	if fn.Handler == "" {
		fn.Handler = "bootstrap"
	}
}

// checkZip makes sure a package is a readable zip within Lambda's limits.
func checkZip(data []byte) error {
	if len(data) == 0 {
		return awserr.InvalidParameter("Uploaded file must be a non-empty zip")
	}
	if len(data) > MaxZipBytes {
		return awserr.TooLarge("Request must be smaller than %d bytes for the CreateFunction operation", MaxZipBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return awserr.InvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > MaxUnzippedBytes {
		return awserr.InvalidParameter("Unzipped size must be smaller than %d bytes", MaxUnzippedBytes)
	}
	return nil
}
