package eval

import "sync"

// lru is a tiny thread-safe cache with least-recently-used eviction.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	tick  uint64
	items map[K]*lruItem[V]
}

type lruItem[V any] struct {
	v    V
	used uint64
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, items: make(map[K]*lruItem[V])}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.tick++
	it.used = c.tick
	return it.v, true
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.max {
		var oldest K
		min := ^uint64(0)
		for key, it := range c.items {
			if it.used < min {
				min, oldest = it.used, key
			}
		}
		delete(c.items, oldest)
	}
	c.tick++
	c.items[k] = &lruItem[V]{v: v, used: c.tick}
}
