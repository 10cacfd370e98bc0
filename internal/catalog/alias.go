package catalog

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Alias names a version of a function and may send a share of its
// invocations to one other version.
type Alias struct {
	Name            string `json:"name"`
	Function        string `json:"function"`
	FunctionVersion string `json:"functionVersion"`
	Description     string `json:"description,omitempty"`
	// Weights maps at most one other version to the share of invocations
	// it gets (0 to 1); the rest go to FunctionVersion.
	Weights    map[string]float64 `json:"weights,omitempty"`
	RevisionID string             `json:"revisionId"`
}

const aliasPrefix = "alias."

func aliasKey(fn, alias string) string { return aliasPrefix + fn + "." + alias }

var (
	aliasRE  = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	digitsRE = regexp.MustCompile(`^[0-9]+$`)
)

// IsVersionNumber reports whether q names a published version rather than
// an alias.
func IsVersionNumber(q string) bool { return digitsRE.MatchString(q) }

// Alias returns one alias of the named function.
func (c *Catalog) Alias(fn, name string) (Alias, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.aliases[fn][name]
	if !ok {
		return Alias{}, false
	}
	return a.clone(), true
}

// Aliases returns the function's aliases sorted by name.
func (c *Catalog) Aliases(fn string) []Alias {
	c.mu.RLock()
	out := make([]Alias, 0, len(c.aliases[fn]))
	for _, a := range c.aliases[fn] {
		out = append(out, a.clone())
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Alias) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (a *Alias) clone() Alias {
	out := *a
	out.Weights = maps.Clone(a.Weights)
	return out
}

// CreateAlias adds an alias.
func (c *Catalog) CreateAlias(ctx context.Context, a Alias) (Alias, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, ok := c.Get(a.Function); !ok {
		return Alias{}, notFound(a.Function)
	}
	if err := c.validateAlias(&a); err != nil {
		return Alias{}, err
	}
	if _, exists := c.Alias(a.Function, a.Name); exists {
		return Alias{}, awserr.Conflict("Alias already exists: %s:%s", a.Function, a.Name)
	}
	return a, c.saveAliasLocked(ctx, &a)
}

// UpdateAlias applies change to an alias; revisionID, when set, must match.
func (c *Catalog) UpdateAlias(ctx context.Context, fn, name, revisionID string, change func(*Alias)) (Alias, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	a, ok := c.Alias(fn, name)
	if !ok {
		return Alias{}, aliasNotFound(fn, name)
	}
	if revisionID != "" && revisionID != a.RevisionID {
		return Alias{}, awserr.PreconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	change(&a)
	a.Function, a.Name = fn, name
	if err := c.validateAlias(&a); err != nil {
		return Alias{}, err
	}
	return a, c.saveAliasLocked(ctx, &a)
}

// DeleteAlias removes an alias. Deleting one that does not exist succeeds,
// as in Lambda.
func (c *Catalog) DeleteAlias(ctx context.Context, fn, name string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, ok := c.Get(fn); !ok {
		return notFound(fn)
	}
	if _, ok := c.Alias(fn, name); !ok {
		return nil
	}
	// The alias's URL and provisioned concurrency go with it.
	if err := c.deleteURLsLocked(ctx, fn, name); err != nil {
		return err
	}
	if err := c.deleteProvisionedLocked(ctx, fn, name); err != nil && !isNotFound(err) {
		return err
	}
	if err := c.store.DeleteRecord(ctx, aliasKey(fn, name)); err != nil {
		return fmt.Errorf("delete alias %s:%s: %w", fn, name, err)
	}
	c.mu.Lock()
	delete(c.aliases[fn], name)
	c.mu.Unlock()
	c.changed(fn)
	return nil
}

func aliasNotFound(fn, name string) error {
	return awserr.NotFound("Alias not found: %s:%s", fn, name)
}

func (c *Catalog) saveAliasLocked(ctx context.Context, a *Alias) error {
	a.RevisionID = uuid.NewString()
	if err := c.putLocked(ctx, aliasKey(a.Function, a.Name), a); err != nil {
		return err
	}
	stored := a.clone()
	c.mu.Lock()
	if c.aliases[a.Function] == nil {
		c.aliases[a.Function] = map[string]*Alias{}
	}
	c.aliases[a.Function][a.Name] = &stored
	c.mu.Unlock()
	c.changed(a.Function)
	return nil
}

// validateAlias applies Lambda's rules: a name that is not a number, an
// existing version, and at most one extra version with a weight in [0, 1]
// that is neither the primary one nor $LATEST-based.
func (c *Catalog) validateAlias(a *Alias) error {
	if !aliasRE.MatchString(a.Name) || IsVersionNumber(a.Name) || a.Name == Latest {
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)", a.Name)
	}
	if len(a.Description) > 256 {
		return awserr.InvalidParameter("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if a.FunctionVersion != Latest && !IsVersionNumber(a.FunctionVersion) {
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)", a.FunctionVersion)
	}
	if _, ok := c.Version(a.Function, a.FunctionVersion); !ok {
		return awserr.NotFound("Function not found: %s:%s", a.Function, a.FunctionVersion)
	}
	if len(a.Weights) > 1 {
		return awserr.InvalidParameter("Alias routing supports only one additional version, got %d.", len(a.Weights))
	}
	for v, w := range a.Weights {
		if w < 0 || w > 1 || w != w {
			return awserr.InvalidParameter("1 validation error detected: Value '%v' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]", w)
		}
		if !IsVersionNumber(v) {
			return awserr.InvalidParameter("Invalid function version %s. Function version %s is not a published version.", v, v)
		}
		if v == a.FunctionVersion {
			return awserr.InvalidParameter("Invalid function version %s. An additional version can't be the same as the alias's primary version.", v)
		}
		if a.FunctionVersion == Latest {
			return awserr.InvalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if _, ok := c.Version(a.Function, v); !ok {
			return awserr.NotFound("Function not found: %s:%s", a.Function, v)
		}
	}
	if len(a.Weights) == 0 {
		a.Weights = nil
	}
	return nil
}

// Resolve finds what an invocation of name with qualifier q runs: $LATEST
// for "" and "$LATEST", a version for a number, an alias's primary
// version (and the alias, for its weights) for a name.
func (c *Catalog) Resolve(name, q string) (Function, *Alias, bool) {
	if q == "" || q == Latest || IsVersionNumber(q) {
		fn, ok := c.Version(name, q)
		return fn, nil, ok
	}
	a, ok := c.Alias(name, q)
	if !ok {
		return Function{}, nil, false
	}
	fn, ok := c.Version(name, a.FunctionVersion)
	return fn, &a, ok
}
