package logexport

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// batcher is the exporter's log processor. Records reach it on the
// exporter's own goroutine, which it holds while a batch is exported, so
// a slow or absent receiver backs lines up in the exporter's queue, where
// Ship counts what it has to drop, rather than in a second queue that
// drops unseen. Lines whose export failed are counted as dropped too.
type batcher struct {
	exp     sdklog.Exporter
	max     int
	batch   []sdklog.Record
	dropped *atomic.Int64
	log     *slog.Logger
	failing bool // the last export failed; logged once until one succeeds
}

var _ sdklog.Processor = (*batcher)(nil)

// Batch bounds from the SDK's variables: OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
// (512) and OTEL_BLRP_SCHEDULE_DELAY (1000 ms).
func batchSize() int { return envInt("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", 512) }

func batchDelay() time.Duration {
	return time.Duration(envInt("OTEL_BLRP_SCHEDULE_DELAY", 1000)) * time.Millisecond
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

func (b *batcher) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (b *batcher) OnEmit(ctx context.Context, r *sdklog.Record) error {
	b.batch = append(b.batch, r.Clone())
	if len(b.batch) >= b.max {
		b.flush(ctx)
	}
	return nil
}

// flush exports what is batched.
func (b *batcher) flush(ctx context.Context) {
	if len(b.batch) == 0 {
		return
	}
	err := b.exp.Export(ctx, b.batch)
	switch {
	case err != nil:
		b.dropped.Add(int64(len(b.batch)))
		if !b.failing {
			b.log.Warn("shipping function logs failed; dropping lines until the receiver takes them", "err", err)
		}
	case b.failing:
		b.log.Info("shipping function logs again")
	}
	b.failing = err != nil
	clear(b.batch)
	b.batch = b.batch[:0]
}

func (b *batcher) ForceFlush(ctx context.Context) error {
	b.flush(ctx)
	return b.exp.ForceFlush(ctx)
}

func (b *batcher) Shutdown(ctx context.Context) error {
	b.flush(ctx)
	return b.exp.Shutdown(ctx)
}
