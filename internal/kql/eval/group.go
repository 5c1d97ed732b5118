package eval

import (
	"encoding/binary"
	"math"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// keyEncoder maps the values of one grouping key to dense codes and keeps a
// representative value per code for the output.
type keyEncoder struct {
	t        data.Type
	ints     *u64map
	strs     map[string]uint32
	others   map[string]uint32
	nullCode uint32
	hasNull  bool
	reps     []data.Value
	// dictionary caches: codes of the entries of the last dictionary seen
	lastDict  *string
	dictCodes []uint32
	lastInt   int64
	lastCode  uint32
	haveLast  bool
}

func newKeyEncoder(t data.Type) *keyEncoder {
	return &keyEncoder{t: t, ints: newU64Map(64), strs: map[string]uint32{}, others: map[string]uint32{}}
}

func (k *keyEncoder) newCode(v data.Value) uint32 {
	c := uint32(len(k.reps))
	k.reps = append(k.reps, v)
	return c
}

func (k *keyEncoder) null() uint32 {
	if !k.hasNull {
		k.nullCode, k.hasNull = k.newCode(data.NullValue(k.t)), true
	}
	return k.nullCode
}

func (k *keyEncoder) str(s string) uint32 {
	c, ok := k.strs[s]
	if !ok {
		c = k.newCode(data.StringValue(s))
		k.strs[s] = c
	}
	return c
}

func (k *keyEncoder) int(t data.Type, x int64) uint32 {
	if k.haveLast && x == k.lastInt {
		return k.lastCode
	}
	c := k.ints.getOrPut(uint64(x), func() uint32 { return k.newCode(data.Value{Type: t, I: x}) })
	k.lastInt, k.lastCode, k.haveLast = x, c, true
	return c
}

func (k *keyEncoder) other(v data.Value) uint32 {
	if v.Null {
		return k.null()
	}
	var key string
	switch v.Type.Storage() {
	case data.StoreReal:
		f := v.F
		if f == 0 {
			f = 0 // fold -0
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
		key = string(b[:])
	case data.StoreGuid:
		key = string(v.G[:])
	case data.StoreBool:
		key = string(rune('0' + v.I))
	default:
		key = string(data.AppendJSON(nil, v.D))
	}
	c, ok := k.others[key]
	if !ok {
		c = k.newCode(v)
		k.others[key] = c
	}
	return c
}

// encode writes the codes of n rows of x into out.
func (k *keyEncoder) encode(x val, n int, out []uint32) {
	if x.isConst() {
		c := k.encodeValue(x.k)
		for i := range out[:n] {
			out[i] = c
		}
		return
	}
	v := x.v
	switch {
	case v.IsDict():
		// Dictionary entries get a group when a row uses them: a filtered
		// column shares the dictionary of all the rows, most of them gone.
		if len(v.Dict) > 0 && &v.Dict[0] != k.lastDict {
			k.dictCodes = growSlice(k.dictCodes[:0], len(v.Dict))
			for i := range k.dictCodes {
				k.dictCodes[i] = noGroup
			}
			k.lastDict = &v.Dict[0]
		}
		dc := k.dictCodes
		for i, c := range v.Codes[:n] {
			g := dc[c]
			if g == noGroup {
				g = k.str(v.Dict[c])
				dc[c] = g
			}
			out[i] = g
		}
	case v.Type == data.String:
		for i, s := range v.Strs[:n] {
			out[i] = k.str(s)
		}
	case v.Type.Storage() == data.StoreInt:
		t := v.Type
		for i, x := range v.Ints[:n] {
			if v.Nulls != nil && v.Nulls.Get(i) {
				out[i] = k.null()
				continue
			}
			out[i] = k.int(t, x)
		}
	default:
		for i := 0; i < n; i++ {
			out[i] = k.other(v.Value(i))
		}
	}
}

func (k *keyEncoder) encodeValue(v data.Value) uint32 {
	switch {
	case v.Type == data.String:
		return k.str(v.S)
	case v.Null:
		return k.null()
	case v.Type.Storage() == data.StoreInt:
		return k.int(v.Type, v.I)
	}
	return k.other(v)
}

// grouper assigns dense group numbers to combinations of key codes.
type grouper struct {
	encs    []*keyEncoder
	pair    *u64map
	multi   map[string]uint32
	groups  []uint32 // key codes of each group, len(encs) per group (multi-key only)
	ngroups int
	codes   [][]uint32
	buf     []byte
}

func newGrouper(types []data.Type) *grouper {
	g := &grouper{encs: make([]*keyEncoder, len(types)), pair: newU64Map(1024), multi: map[string]uint32{}}
	for i, t := range types {
		g.encs[i] = newKeyEncoder(t)
	}
	if len(types) == 0 {
		g.ngroups = 1 // summarize without by: one group even on empty input
	}
	return g
}

// assign computes the group of each of n rows.
func (g *grouper) assign(keys []val, n int, gids []uint32) {
	switch len(g.encs) {
	case 0:
		for i := range gids[:n] {
			gids[i] = 0
		}
		return
	case 1:
		g.encs[0].encode(keys[0], n, gids)
		g.ngroups = len(g.encs[0].reps)
		return
	}
	for len(g.codes) < len(keys) {
		g.codes = append(g.codes, nil)
	}
	for j, k := range keys {
		g.codes[j] = growSlice(g.codes[j][:0], n)
		g.encs[j].encode(k, n, g.codes[j])
	}
	if len(keys) == 2 {
		a, b := g.codes[0], g.codes[1]
		var ai, bi uint32
		next := func() uint32 {
			gid := uint32(g.ngroups)
			g.ngroups++
			g.groups = append(g.groups, ai, bi)
			return gid
		}
		for i := 0; i < n; i++ {
			ai, bi = a[i], b[i]
			gids[i] = g.pair.getOrPut(uint64(ai)<<32|uint64(bi), next)
		}
		return
	}
	for i := 0; i < n; i++ {
		g.buf = g.buf[:0]
		for j := range keys {
			g.buf = binary.LittleEndian.AppendUint32(g.buf, g.codes[j][i])
		}
		gid, ok := g.multi[string(g.buf)]
		if !ok {
			gid = uint32(g.ngroups)
			g.ngroups++
			g.multi[string(g.buf)] = gid
			for j := range keys {
				g.groups = append(g.groups, g.codes[j][i])
			}
		}
		gids[i] = gid
	}
}

// keyColumns builds the output vectors of the grouping keys.
func (g *grouper) keyColumns(types []data.Type) []*data.Vector {
	out := make([]*data.Vector, len(g.encs))
	for j, enc := range g.encs {
		b := data.NewVectorBuilder(types[j], g.ngroups)
		for gid := 0; gid < g.ngroups; gid++ {
			code := uint32(gid)
			if len(g.encs) > 1 {
				code = g.groups[gid*len(g.encs)+j]
			}
			b.Append(enc.reps[code])
		}
		out[j] = b.Build()
	}
	return out
}
