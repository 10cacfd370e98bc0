// Package codecache unpacks function packages onto local disk, once per
// package digest, and refuses archives that would write outside their
// directory or exceed Lambda's size limits.
package codecache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Cache keeps unpacked packages under a directory, one subdirectory per
// package key (the hex SHA-256 of the zip).
type Cache struct {
	dir string
	lim Limits

	mu       sync.Mutex // guards inflight
	inflight map[string]*unpackCall
}

type unpackCall struct {
	done chan struct{}
	err  error
}

// New returns a cache rooted at dir.
func New(dir string, lim Limits) *Cache {
	return &Cache{dir: dir, lim: lim, inflight: map[string]*unpackCall{}}
}

// Dir returns the directory holding the unpacked package key, unpacking it
// with fetch on first use. Concurrent callers for the same key share one
// unpack.
func (c *Cache) Dir(ctx context.Context, key string, fetch func(context.Context) ([]byte, error)) (string, error) {
	dir := filepath.Join(c.dir, key)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	c.mu.Lock()
	call, ok := c.inflight[key]
	if !ok {
		call = &unpackCall{done: make(chan struct{})}
		c.inflight[key] = call
		go func() {
			// Detached from ctx: other callers may be waiting on it.
			call.err = c.unpack(context.WithoutCancel(ctx), key, dir, fetch)
			c.mu.Lock()
			delete(c.inflight, key)
			c.mu.Unlock()
			close(call.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		if call.err != nil {
			return "", call.err
		}
		return dir, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Cache) unpack(ctx context.Context, key, dir string, fetch func(context.Context) ([]byte, error)) error {
	if key == "" || filepath.Base(key) != key {
		return fmt.Errorf("unpack: bad package key %q", key)
	}
	data, err := fetch(ctx)
	if err != nil {
		return fmt.Errorf("fetch package %s: %w", key, err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("create code dir: %w", err)
	}
	tmp, err := os.MkdirTemp(c.dir, ".unpack-")
	if err != nil {
		return fmt.Errorf("create unpack dir: %w", err)
	}
	if err := Unpack(data, tmp, c.lim); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("unpack package %s: %w", key, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dir); statErr == nil {
			return nil // another process won the race with the same content
		}
		return fmt.Errorf("install package %s: %w", key, err)
	}
	return nil
}
