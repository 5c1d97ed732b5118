package eval

// u64map is an open-addressing hash map from uint64 keys to uint32 values
// (linear probing, power-of-two size). Grouping spends most of its time in
// this lookup; it is about twice as fast as a Go map for this shape.
type u64map struct {
	keys  []uint64
	vals  []uint32
	used  []bool
	count int
	mask  uint64
}

func newU64Map(hint int) *u64map {
	size := 16
	for size < hint*2 {
		size <<= 1
	}
	return &u64map{keys: make([]uint64, size), vals: make([]uint32, size), used: make([]bool, size), mask: uint64(size - 1)}
}

// getOrPut returns the value of k, inserting next() when absent.
func (m *u64map) getOrPut(k uint64, next func() uint32) uint32 {
	i := mix64(k) & m.mask
	for {
		if !m.used[i] {
			v := next()
			m.keys[i], m.vals[i], m.used[i] = k, v, true
			m.count++
			if m.count*2 > len(m.keys) {
				m.grow()
			}
			return v
		}
		if m.keys[i] == k {
			return m.vals[i]
		}
		i = (i + 1) & m.mask
	}
}

func (m *u64map) get(k uint64) (uint32, bool) {
	i := mix64(k) & m.mask
	for {
		if !m.used[i] {
			return 0, false
		}
		if m.keys[i] == k {
			return m.vals[i], true
		}
		i = (i + 1) & m.mask
	}
}

func (m *u64map) grow() {
	old := *m
	size := len(old.keys) * 2
	m.keys, m.vals, m.used = make([]uint64, size), make([]uint32, size), make([]bool, size)
	m.mask = uint64(size - 1)
	for i, u := range old.used {
		if !u {
			continue
		}
		j := mix64(old.keys[i]) & m.mask
		for m.used[j] {
			j = (j + 1) & m.mask
		}
		m.keys[j], m.vals[j], m.used[j] = old.keys[i], old.vals[i], true
	}
}

// insert adds k and reports whether it was absent (set semantics).
func (m *u64map) insert(k uint64) bool {
	i := mix64(k) & m.mask
	for {
		if !m.used[i] {
			m.keys[i], m.used[i] = k, true
			m.count++
			if m.count*2 > len(m.keys) {
				m.grow()
			}
			return true
		}
		if m.keys[i] == k {
			return false
		}
		i = (i + 1) & m.mask
	}
}
