package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/lamina-dev/lamina/internal/awserr"
)

const versionPrefix = "ver."

func versionKey(name, version string) string { return versionPrefix + name + "." + version }

// Version returns one version of the named function: "" or "$LATEST" for
// the mutable configuration, else a published version number.
func (c *Catalog) Version(name, version string) (Function, bool) {
	if version == "" || version == Latest {
		return c.Get(name)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	latest, ok := c.funcs[name]
	v, found := c.versions[name][version]
	if !ok || !found {
		return Function{}, false
	}
	out := *v
	out.ReservedConcurrency = latest.ReservedConcurrency
	return out, true
}

// Versions returns $LATEST and then every published version, oldest first.
func (c *Catalog) Versions(name string) ([]Function, bool) {
	latest, ok := c.Get(name)
	if !ok {
		return nil, false
	}
	c.mu.RLock()
	out := []Function{latest}
	for _, v := range c.versions[name] {
		f := *v
		f.ReservedConcurrency = latest.ReservedConcurrency
		out = append(out, f)
	}
	c.mu.RUnlock()
	slices.SortFunc(out[1:], func(a, b Function) int { return versionNumber(a.Version) - versionNumber(b.Version) })
	return out, true
}

func versionNumber(v string) int {
	n, _ := strconv.Atoi(v)
	return n
}

// Publish snapshots $LATEST as a new version. When $LATEST has not
// changed since the newest version, that version is returned instead, as
// in Lambda. codeSha256 and revisionID, when set, must match $LATEST.
func (c *Catalog) Publish(ctx context.Context, name, codeSha256, description, revisionID string) (Function, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	fn, err := c.current(name, revisionID)
	if err != nil {
		return Function{}, err
	}
	if codeSha256 != "" && codeSha256 != fn.CodeSha256 {
		return Function{}, awserr.InvalidParameter("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", codeSha256, fn.CodeSha256)
	}
	if newest, ok := c.Version(name, strconv.Itoa(fn.LastVersion)); ok && sameConfig(&newest, &fn) {
		return newest, nil
	}
	v := fn
	v.LastVersion = 0
	v.ReservedConcurrency = nil
	v.Version = strconv.Itoa(fn.LastVersion + 1)
	if description != "" {
		v.Description = description
	}
	v.LastModified = c.now().UTC()
	v.RevisionID = uuid.NewString()
	if err := c.putLocked(ctx, versionKey(name, v.Version), &v); err != nil {
		return Function{}, err
	}
	// $LATEST keeps its revision: publishing does not change it.
	fn.LastVersion++
	if err := c.putLocked(ctx, recordPrefix+name, &fn); err != nil {
		return Function{}, err
	}
	c.mu.Lock()
	latest := fn
	c.funcs[name] = &latest
	if c.versions[name] == nil {
		c.versions[name] = map[string]*Function{}
	}
	stored := v
	c.versions[name][v.Version] = &stored
	c.mu.Unlock()
	c.changed(name)
	v.ReservedConcurrency = fn.ReservedConcurrency
	return v, nil
}

// sameConfig reports whether a version still matches $LATEST in what a
// version freezes.
func sameConfig(v, latest *Function) bool {
	return v.CodeSha256 == latest.CodeSha256 && v.Runtime == latest.Runtime && v.Handler == latest.Handler &&
		v.Role == latest.Role && v.MemorySize == latest.MemorySize && v.Timeout == latest.Timeout &&
		v.EphemeralStorage == latest.EphemeralStorage && maps.Equal(v.Environment, latest.Environment) &&
		slices.Equal(v.Architectures, latest.Architectures)
}

// DeleteVersion removes a published version that no alias refers to.
func (c *Catalog) DeleteVersion(ctx context.Context, name, version string) error {
	if version == Latest {
		return awserr.InvalidParameter("$LATEST version cannot be deleted without deleting the function.")
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	v, ok := c.Version(name, version)
	if !ok {
		return awserr.NotFound("Function not found: %s:%s", name, version)
	}
	var users []string
	for _, a := range c.Aliases(name) {
		if a.FunctionVersion == version || hasKey(a.Weights, version) {
			users = append(users, a.Name)
		}
	}
	if len(users) > 0 {
		return awserr.Conflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
	}
	if err := c.deleteProvisionedLocked(ctx, name, version); err != nil && !isNotFound(err) {
		return err
	}
	if err := c.store.DeleteRecord(ctx, versionKey(name, version)); err != nil {
		return fmt.Errorf("delete version %s:%s: %w", name, version, err)
	}
	c.mu.Lock()
	delete(c.versions[name], version)
	c.mu.Unlock()
	c.dropCodeIfUnusedLocked(ctx, v.CodeKey)
	c.changed(name)
	return nil
}

func hasKey(m map[string]float64, k string) bool {
	_, ok := m[k]
	return ok
}

// putLocked writes one record as it is, without touching its revision.
func (c *Catalog) putLocked(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := c.store.PutRecord(ctx, key, data); err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}
