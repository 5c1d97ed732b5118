package world

import "testing"

// BenchmarkSeededFacts is the cost of the facts, which every world build pays.
func BenchmarkSeededFacts(b *testing.B) {
	for i := 0; i < b.N; i++ {
		SeededFacts()
	}
}
