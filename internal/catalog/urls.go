package catalog

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
)

// URLConfig is a function URL: an HTTP endpoint for a function or one of
// its aliases.
type URLConfig struct {
	// ID is the URL's 32-character id, its host label in Lambda's form.
	ID        string `json:"id"`
	Function  string `json:"function"`
	Qualifier string `json:"qualifier,omitempty"` // an alias, or "" for $LATEST
	AuthType  string `json:"authType"`
	// InvokeMode is BUFFERED or RESPONSE_STREAM.
	InvokeMode string    `json:"invokeMode"`
	Cors       *Cors     `json:"cors,omitempty"`
	Created    time.Time `json:"created"`
	Modified   time.Time `json:"modified"`
}

// Cors is a function URL's cross-origin policy.
type Cors struct {
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           int      `json:"maxAge,omitempty"`
}

// Function URL settings.
const (
	AuthNone       = "NONE"
	AuthIAM        = "AWS_IAM"
	InvokeBuffered = "BUFFERED"
	InvokeStream   = "RESPONSE_STREAM"
)

const urlPrefix = "url."

// URL returns the URL config of a function or alias.
func (c *Catalog) URL(fn, qualifier string) (URLConfig, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, u := range c.urls {
		if u.Function == fn && u.Qualifier == qualifier {
			return *u, true
		}
	}
	return URLConfig{}, false
}

// URLByID returns the URL config with the given id: the lookup of every
// request to a function URL.
func (c *Catalog) URLByID(id string) (URLConfig, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	u, ok := c.urls[id]
	if !ok {
		return URLConfig{}, false
	}
	return *u, true
}

// URLs returns the function's URL configs, by qualifier.
func (c *Catalog) URLs(fn string) []URLConfig {
	c.mu.RLock()
	var out []URLConfig
	for _, u := range c.urls {
		if u.Function == fn {
			out = append(out, *u)
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b URLConfig) int { return strings.Compare(a.Qualifier, b.Qualifier) })
	return out
}

// CreateURL gives a function or alias a URL.
func (c *Catalog) CreateURL(ctx context.Context, u URLConfig) (URLConfig, error) {
	if err := validateURL(&u); err != nil {
		return URLConfig{}, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.checkURLTargetLocked(u.Function, u.Qualifier); err != nil {
		return URLConfig{}, err
	}
	if _, exists := c.URL(u.Function, u.Qualifier); exists {
		return URLConfig{}, awserr.Conflict("Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", qualified(u.Function, u.Qualifier))
	}
	u.ID = newURLID()
	u.Created = c.now().UTC()
	u.Modified = u.Created
	return u, c.saveURLLocked(ctx, &u)
}

// UpdateURL changes a URL's settings.
func (c *Catalog) UpdateURL(ctx context.Context, fn, qualifier string, change func(*URLConfig)) (URLConfig, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	u, ok := c.URL(fn, qualifier)
	if !ok {
		return URLConfig{}, urlNotFound()
	}
	change(&u)
	if err := validateURL(&u); err != nil {
		return URLConfig{}, err
	}
	u.Modified = c.now().UTC()
	return u, c.saveURLLocked(ctx, &u)
}

// DeleteURL removes a URL.
func (c *Catalog) DeleteURL(ctx context.Context, fn, qualifier string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	u, ok := c.URL(fn, qualifier)
	if !ok {
		return urlNotFound()
	}
	return c.deleteURLLocked(ctx, u.ID)
}

func (c *Catalog) deleteURLLocked(ctx context.Context, id string) error {
	if err := c.store.DeleteRecord(ctx, urlPrefix+id); err != nil {
		return fmt.Errorf("delete url %s: %w", id, err)
	}
	c.mu.Lock()
	delete(c.urls, id)
	c.mu.Unlock()
	return nil
}

// deleteURLsLocked removes the URLs of a function (qualifier "*") or of
// one alias.
func (c *Catalog) deleteURLsLocked(ctx context.Context, fn, qualifier string) error {
	for _, u := range c.URLs(fn) {
		if qualifier == "*" || u.Qualifier == qualifier {
			if err := c.deleteURLLocked(ctx, u.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Catalog) saveURLLocked(ctx context.Context, u *URLConfig) error {
	if err := c.putLocked(ctx, urlPrefix+u.ID, u); err != nil {
		return err
	}
	stored := *u
	c.mu.Lock()
	c.urls[u.ID] = &stored
	c.mu.Unlock()
	return nil
}

func urlNotFound() error {
	return awserr.NotFound("The resource you requested does not exist.")
}

func qualified(fn, q string) string {
	if q == "" {
		return fn
	}
	return fn + ":" + q
}

// checkURLTargetLocked allows a function's $LATEST or one of its aliases,
// as Lambda does: versions get no URLs.
func (c *Catalog) checkURLTargetLocked(fn, qualifier string) error {
	if _, ok := c.Get(fn); !ok {
		return notFound(fn)
	}
	switch {
	case qualifier == "":
		return nil
	case qualifier == Latest || IsVersionNumber(qualifier):
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)", qualifier)
	}
	if _, ok := c.Alias(fn, qualifier); !ok {
		return aliasNotFound(fn, qualifier)
	}
	return nil
}

var httpMethods = map[string]bool{"*": true, "GET": true, "PUT": true, "HEAD": true, "POST": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

func validateURL(u *URLConfig) error {
	if u.AuthType != AuthNone && u.AuthType != AuthIAM {
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]", u.AuthType)
	}
	switch u.InvokeMode {
	case "":
		u.InvokeMode = InvokeBuffered
	case InvokeBuffered, InvokeStream:
	default:
		return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]", u.InvokeMode)
	}
	if u.Cors == nil {
		return nil
	}
	cors := u.Cors
	if cors.MaxAge < 0 || cors.MaxAge > 86400 {
		return awserr.InvalidParameter("1 validation error detected: Value '%d' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400", cors.MaxAge)
	}
	for field, list := range map[string][]string{
		"allowHeaders": cors.AllowHeaders, "allowMethods": cors.AllowMethods,
		"allowOrigins": cors.AllowOrigins, "exposeHeaders": cors.ExposeHeaders,
	} {
		if len(list) > 100 {
			return awserr.InvalidParameter("1 validation error detected: Value at 'cors.%s' failed to satisfy constraint: Member must have length less than or equal to 100", field)
		}
		for _, v := range list {
			if v == "" || len(v) > 1024 || strings.ContainsAny(v, "\r\n") {
				return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'cors.%s' failed to satisfy constraint: Member must have length between 1 and 1024 without line breaks", v, field)
			}
		}
	}
	for i, m := range cors.AllowMethods {
		m = strings.ToUpper(m)
		if !httpMethods[m] {
			return awserr.InvalidParameter("1 validation error detected: Value '%s' at 'cors.allowMethods' failed to satisfy constraint: Member must be an HTTP method or *", cors.AllowMethods[i])
		}
		cors.AllowMethods[i] = m
	}
	return nil
}

// newURLID returns 32 random characters of [a-z0-9], Lambda's URL id form.
func newURLID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [32]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
