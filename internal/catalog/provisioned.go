package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// Provisioned is a provisioned concurrency config: Requested environments
// of a version (or of the version an alias points to) kept initialised.
type Provisioned struct {
	Function  string    `json:"function"`
	Qualifier string    `json:"qualifier"` // a version number or an alias
	Requested int       `json:"requested"`
	Modified  time.Time `json:"modified"`
}

const provisionedPrefix = "pc."

func provisionedKey(fn, q string) string { return provisionedPrefix + fn + "." + q }

// ProvisionedConfigs returns the function's provisioned concurrency
// configs, by qualifier.
func (c *Catalog) ProvisionedConfigs(fn string) []Provisioned {
	c.mu.RLock()
	var out []Provisioned
	for _, p := range c.provisioned {
		if p.Function == fn {
			out = append(out, *p)
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Provisioned) int { return strings.Compare(a.Qualifier, b.Qualifier) })
	return out
}

// PutProvisioned sets a version's or alias's provisioned concurrency;
// maxTotal bounds the function's provisioned concurrency over all its
// qualifiers.
func (c *Catalog) PutProvisioned(ctx context.Context, p Provisioned, maxTotal int) (Provisioned, error) {
	if p.Requested < 1 {
		return Provisioned{}, awserr.InvalidParameter("1 validation error detected: Value '%d' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1", p.Requested)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if p.Qualifier == "" || p.Qualifier == Latest {
		return Provisioned{}, awserr.InvalidParameter("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
	}
	if _, _, ok := c.Resolve(p.Function, p.Qualifier); !ok {
		return Provisioned{}, awserr.NotFound("Function not found: %s", qualified(p.Function, p.Qualifier))
	}
	total := p.Requested
	for _, other := range c.ProvisionedConfigs(p.Function) {
		if other.Qualifier != p.Qualifier {
			total += other.Requested
		}
	}
	if total > maxTotal {
		return Provisioned{}, awserr.InvalidParameter("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function (or the account's unreserved concurrency): %d > %d", total, maxTotal)
	}
	p.Modified = c.now().UTC()
	if err := c.putLocked(ctx, provisionedKey(p.Function, p.Qualifier), &p); err != nil {
		return Provisioned{}, err
	}
	stored := p
	c.mu.Lock()
	c.provisioned[provisionedKey(p.Function, p.Qualifier)] = &stored
	c.mu.Unlock()
	c.changed(p.Function)
	return p, nil
}

// DeleteProvisioned removes a provisioned concurrency config.
func (c *Catalog) DeleteProvisioned(ctx context.Context, fn, q string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.deleteProvisionedLocked(ctx, fn, q)
}

func (c *Catalog) deleteProvisionedLocked(ctx context.Context, fn, q string) error {
	key := provisionedKey(fn, q)
	c.mu.RLock()
	_, ok := c.provisioned[key]
	c.mu.RUnlock()
	if !ok {
		return ErrNoProvisioned(fn, q)
	}
	if err := c.store.DeleteRecord(ctx, key); err != nil {
		return fmt.Errorf("delete provisioned concurrency %s:%s: %w", fn, q, err)
	}
	c.mu.Lock()
	delete(c.provisioned, key)
	c.mu.Unlock()
	c.changed(fn)
	return nil
}

func isNotFound(err error) bool {
	var ae *awserr.Error
	return errors.As(err, &ae) && ae.Status == 404
}

// ErrNoProvisioned is Lambda's answer for a missing config.
func ErrNoProvisioned(fn, q string) error {
	return &awserr.Error{Status: 404, Type: "ProvisionedConcurrencyConfigNotFoundException",
		Message: fmt.Sprintf("No Provisioned Concurrency Config found for this function: %s:%s", fn, q)}
}
