// Package storetest provides an in-memory stand-in for the JetStream store,
// for unit tests of the packages that consume it. End-to-end tests use the
// real store.
package storetest

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/lamina-dev/lamina/internal/store"
)

// Mem keeps records and blobs in maps.
type Mem struct {
	mu    sync.Mutex // guards recs and blobs
	recs  map[string][]byte
	blobs map[string][]byte
}

// NewMem returns an empty store.
func NewMem() *Mem {
	return &Mem{recs: map[string][]byte{}, blobs: map[string][]byte{}}
}

// PutRecord stores a record.
func (m *Mem) PutRecord(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[k] = v
	return nil
}

// DeleteRecord removes a record.
func (m *Mem) DeleteRecord(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, k)
	return nil
}

// Records returns a copy of every record.
func (m *Mem) Records(context.Context) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.recs), nil
}

// PutBlob stores a blob.
func (m *Mem) PutBlob(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[k] = v
	return nil
}

// Blob returns a blob or store.ErrNotFound.
func (m *Mem) Blob(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.blobs[k]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("blob %s: %w", k, store.ErrNotFound)
}

// DeleteBlob removes a blob.
func (m *Mem) DeleteBlob(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, k)
	return nil
}

// Blobs reports how many blobs are stored.
func (m *Mem) Blobs() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.blobs)
}
