package eval

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// XXH64 (seed 0), the hash behind Kusto's hash() and hash_xxhash64():
// hash_xxhash64("World") is 1846988464401551951 in Kusto's documentation.

const (
	xxP1 uint64 = 11400714785074694791
	xxP2 uint64 = 14029467366897019727
	xxP3 uint64 = 1609587929392839161
	xxP4 uint64 = 9650029242287828579
	xxP5 uint64 = 2870177450012600261
)

// dotnetEpochTicks is 1970-01-01 in .NET ticks (100 ns since 0001-01-01).
const dotnetEpochTicks = 621355968000000000

func xxRound(acc, in uint64) uint64 {
	acc += in * xxP2
	return bits.RotateLeft64(acc, 31) * xxP1
}

func xxMerge(acc, v uint64) uint64 {
	acc ^= xxRound(0, v)
	return acc*xxP1 + xxP4
}

func xxhash64(b []byte) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		p1, p2 := xxP1, xxP2 // wrap around at run time
		v1, v2, v3, v4 := p1+p2, p2, uint64(0), -p1
		for len(b) >= 32 {
			v1 = xxRound(v1, binary.LittleEndian.Uint64(b[0:]))
			v2 = xxRound(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint64(b[24:]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxMerge(xxMerge(xxMerge(xxMerge(h, v1), v2), v3), v4)
	} else {
		h = xxP5
	}
	h += uint64(n)
	for len(b) >= 8 {
		h ^= xxRound(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*xxP1 + xxP4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * xxP1
		h = bits.RotateLeft64(h, 23)*xxP2 + xxP3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * xxP5
		h = bits.RotateLeft64(h, 11) * xxP1
	}
	h ^= h >> 33
	h *= xxP2
	h ^= h >> 29
	h *= xxP3
	h ^= h >> 32
	return h
}

// hashBytes is the input of hash() for a value: the UTF-8 text of a
// string, the 8 little-endian bytes of a datetime's ticks (documented:
// hash_xxhash64(datetime("2015-01-01")) is 1380966698541616202), of a
// timespan's ticks and of a number; other values hash their text.
func hashBytes(v data.Value) []byte {
	v = unwrap(v)
	var b [8]byte
	switch {
	case v.Null:
		return nil
	case v.Type == data.String:
		return []byte(v.S)
	case v.Type == data.DateTime:
		// .NET ticks count from year 1, ours from the Unix epoch
		binary.LittleEndian.PutUint64(b[:], uint64(v.I+dotnetEpochTicks))
		return b[:]
	case v.Type.Storage() == data.StoreInt && v.Type != data.Bool:
		binary.LittleEndian.PutUint64(b[:], uint64(v.I))
		return b[:]
	case v.Type.Storage() == data.StoreReal:
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v.F))
		return b[:]
	}
	return []byte(v.String())
}
