package invoke

import (
	"errors"
	"fmt"
	"time"

	"github.com/lamina-dev/lamina/internal/scale"
)

// errNodeFull: the node's memory budget has no room for another
// environment, even after evicting idle ones.
var errNodeFull = errors.New("node memory budget exhausted")

// reserveMemory books mb of the node's memory budget for a new
// environment, evicting idle environments least valuable first when it
// is short.
func (s *Service) reserveMemory(mb int) error {
	if s.cfg.MemoryBudgetMB <= 0 {
		return nil
	}
	for range 2 {
		if s.memUsed.Add(int64(mb)) <= int64(s.cfg.MemoryBudgetMB) {
			return nil
		}
		s.memUsed.Add(-int64(mb))
		if !s.evict(int(s.memUsed.Load()) + mb - s.cfg.MemoryBudgetMB) {
			break
		}
	}
	return fmt.Errorf("%w: %d MB in use of %d MB", errNodeFull, s.memUsed.Load(), s.cfg.MemoryBudgetMB)
}

// releaseMemory gives back what reserveMemory booked.
func (s *Service) releaseMemory(mb int) {
	if s.cfg.MemoryBudgetMB > 0 {
		s.memUsed.Add(-int64(mb))
	}
}

// evict stops idle environments to free needMB, choosing with
// scale.Victims; it reports whether it freed enough.
func (s *Service) evict(needMB int) bool {
	now := time.Now()
	type owned struct {
		p *fnPool
		e *env
	}
	byID := map[string]owned{}
	var cands []scale.Candidate
	s.mu.RLock()
	for _, p := range s.pools {
		st := p.pool.Stats()
		protected := st.Provisioned >= st.Total
		for _, ie := range p.pool.Idle() {
			id := ie.Env.ID()
			byID[id] = owned{p, ie.Env}
			cands = append(cands, scale.Candidate{
				ID: id, MemoryMB: p.fn.Load().MemorySize, IdleFor: now.Sub(ie.Since), KeepAlive: st.KeepAlive, Protected: protected,
			})
		}
	}
	s.mu.RUnlock()
	victims, ok := scale.Victims(cands, needMB)
	if !ok {
		return false
	}
	for _, v := range victims {
		o := byID[v.ID]
		o.p.pool.Evict(o.e)
	}
	return true
}
