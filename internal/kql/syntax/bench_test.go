package syntax

import "testing"

// BenchmarkParseCorpus parses the whole Sentinel corpus once per iteration
// (the target is well under a second; it takes a few tens of milliseconds).
func BenchmarkParseCorpus(b *testing.B) {
	qs, _ := loadCorpus(b)
	size := 0
	for _, q := range qs {
		size += len(q.Query)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range qs {
			Parse(q.Query)
		}
	}
}

func BenchmarkLexCorpus(b *testing.B) {
	qs, _ := loadCorpus(b)
	size := 0
	for _, q := range qs {
		size += len(q.Query)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, q := range qs {
			lx := NewLexer(q.Query)
			for lx.Next().Kind != TokEOF {
			}
		}
	}
}
