// Package store keeps lamina's durable state in NATS JetStream: function
// metadata in a key-value bucket and code packages in an object store.
//
// By default it runs an embedded nats-server with file storage under the
// data directory and no network listener; the same code talks to a real NATS
// cluster when a URL is given. Nothing on the invocation path reads the
// store: consumers cache what they need in memory.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound reports a key or object that does not exist.
var ErrNotFound = errors.New("not found")

const (
	functionsBucket = "lamina_functions"
	codeBucket      = "lamina_code"
)

// Options configures Open.
type Options struct {
	// Dir is where the embedded server keeps its JetStream files.
	Dir string
	// URL, when set, connects to an existing NATS server instead of
	// embedding one.
	URL string
}

// Store is a handle on the JetStream buckets lamina uses.
type Store struct {
	ns   *server.Server // nil when connected to an external server
	nc   *nats.Conn
	kv   jetstream.KeyValue
	code jetstream.ObjectStore
}

// Open starts (or connects to) NATS and makes sure the buckets exist.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{}
	var natsOpts []nats.Option
	url := opts.URL
	if url == "" {
		ns, err := server.NewServer(&server.Options{
			ServerName:             "lamina",
			DontListen:             true,
			JetStream:              true,
			StoreDir:               filepath.Join(opts.Dir, "jetstream"),
			NoSigs:                 true,
			NoLog:                  true,
			DisableJetStreamBanner: true,
		})
		if err != nil {
			return nil, fmt.Errorf("create nats server: %w", err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			ns.Shutdown()
			return nil, errors.New("start nats server: not ready after 10s")
		}
		s.ns = ns
		natsOpts = append(natsOpts, nats.InProcessServer(ns))
	}
	nc, err := nats.Connect(url, natsOpts...)
	if err != nil {
		s.shutdown()
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	s.nc = nc
	js, err := jetstream.New(nc)
	if err != nil {
		s.shutdown()
		return nil, fmt.Errorf("open jetstream: %w", err)
	}
	s.kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      functionsBucket,
		Description: "lamina function metadata",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		s.shutdown()
		return nil, fmt.Errorf("open bucket %s: %w", functionsBucket, err)
	}
	s.code, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      codeBucket,
		Description: "lamina code packages by SHA-256",
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		s.shutdown()
		return nil, fmt.Errorf("open object store %s: %w", codeBucket, err)
	}
	return s, nil
}

// Close disconnects and stops the embedded server, if any.
func (s *Store) Close() error {
	s.shutdown()
	return nil
}

func (s *Store) shutdown() {
	if s.nc != nil {
		s.nc.Drain()
		s.nc.Close()
	}
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	}
}

// PutRecord stores value under key in the metadata bucket.
func (s *Store) PutRecord(ctx context.Context, key string, value []byte) error {
	if _, err := s.kv.Put(ctx, key, value); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// DeleteRecord removes key from the metadata bucket.
func (s *Store) DeleteRecord(ctx context.Context, key string) error {
	if err := s.kv.Purge(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Records returns every key and value in the metadata bucket.
func (s *Store) Records(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for key := range lister.Keys() {
		e, err := s.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // deleted since listed
		}
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", key, err)
		}
		out[key] = e.Value()
	}
	return out, nil
}

// PutBlob stores data as the object named key.
func (s *Store) PutBlob(ctx context.Context, key string, data []byte) error {
	if _, err := s.code.Put(ctx, jetstream.ObjectMeta{Name: key}, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("put object %s: %w", key, err)
	}
	return nil
}

// Blob returns the object named key, or ErrNotFound.
func (s *Store) Blob(ctx context.Context, key string) ([]byte, error) {
	r, err := s.code.Get(ctx, key)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("get object %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", key, err)
	}
	return data, nil
}

// DeleteBlob removes the object named key; a missing object is not an error.
func (s *Store) DeleteBlob(ctx context.Context, key string) error {
	if err := s.code.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("delete object %s: %w", key, err)
	}
	return nil
}
