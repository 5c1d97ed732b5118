package data

// VectorBuilder accumulates the cells of one vector.
type VectorBuilder struct {
	v     Vector
	dict  map[string]uint32 // non-nil while a string vector is dictionary-encoded
	nulls bool
}

// Dictionary encoding of string vectors is abandoned once the dictionary
// holds more than dictMinGiveUp values and more than half of the rows
// (high-cardinality columns gain nothing from it).
const dictMinGiveUp = 4096

// NewVectorBuilder returns a builder of a plain vector of type t.
func NewVectorBuilder(t Type, capacity int) *VectorBuilder {
	b := &VectorBuilder{v: Vector{Type: t}}
	if capacity < 0 {
		capacity = 0
	}
	switch t.Storage() {
	case StoreBool:
		b.v.Bools = make([]bool, 0, capacity)
	case StoreInt:
		b.v.Ints = make([]int64, 0, capacity)
	case StoreReal:
		b.v.Reals = make([]float64, 0, capacity)
	case StoreString:
		b.v.Strs = make([]string, 0, capacity)
	case StoreGuid:
		b.v.Guids = make([]UUID, 0, capacity)
	case StoreDynamic:
		b.v.Dyns = make([]any, 0, capacity)
	}
	return b
}

// NewDictBuilder returns a builder of a dictionary-encoded string vector;
// it falls back to plain strings when the cardinality turns out high.
func NewDictBuilder(capacity int) *VectorBuilder {
	if capacity < 0 {
		capacity = 0
	}
	return &VectorBuilder{
		v:    Vector{Type: String, Codes: make([]uint32, 0, capacity)},
		dict: make(map[string]uint32),
	}
}

// Len returns the number of cells appended so far.
func (b *VectorBuilder) Len() int { return b.v.N }

// Type returns the vector type.
func (b *VectorBuilder) Type() Type { return b.v.Type }

// AppendNull appends a null cell (an empty string for string vectors).
func (b *VectorBuilder) AppendNull() {
	if b.v.Type == String {
		b.AppendString("")
		return
	}
	i := b.v.N
	b.v.Nulls = b.v.Nulls.grow(i)
	b.v.Nulls.Set(i)
	b.nulls = true
	switch b.v.Type.Storage() {
	case StoreBool:
		b.v.Bools = append(b.v.Bools, false)
	case StoreInt:
		b.v.Ints = append(b.v.Ints, 0)
	case StoreReal:
		b.v.Reals = append(b.v.Reals, 0)
	case StoreGuid:
		b.v.Guids = append(b.v.Guids, UUID{})
	case StoreDynamic:
		b.v.Dyns = append(b.v.Dyns, nil)
	}
	b.v.N++
}

// AppendBool appends a bool cell.
func (b *VectorBuilder) AppendBool(x bool) {
	b.v.Bools = append(b.v.Bools, x)
	b.v.N++
}

// AppendInt appends a cell of an int, long, datetime or timespan vector.
func (b *VectorBuilder) AppendInt(x int64) {
	b.v.Ints = append(b.v.Ints, x)
	b.v.N++
}

// AppendReal appends a real or decimal cell.
func (b *VectorBuilder) AppendReal(x float64) {
	b.v.Reals = append(b.v.Reals, x)
	b.v.N++
}

// AppendGuid appends a guid cell.
func (b *VectorBuilder) AppendGuid(x UUID) {
	b.v.Guids = append(b.v.Guids, x)
	b.v.N++
}

// AppendDynamic appends a dynamic cell; x must already be normalized.
func (b *VectorBuilder) AppendDynamic(x any) {
	if x == nil {
		b.AppendNull()
		return
	}
	b.v.Dyns = append(b.v.Dyns, x)
	b.v.N++
}

// AppendString appends a string cell.
func (b *VectorBuilder) AppendString(s string) {
	if b.dict != nil {
		code, ok := b.dict[s]
		if !ok {
			if len(b.v.Dict) >= dictMinGiveUp && len(b.v.Dict)*2 > b.v.N {
				b.undict()
				b.v.Strs = append(b.v.Strs, s)
				b.v.N++
				return
			}
			code = uint32(len(b.v.Dict))
			b.dict[s] = code
			b.v.Dict = append(b.v.Dict, s)
		}
		b.v.Codes = append(b.v.Codes, code)
		b.v.N++
		return
	}
	b.v.Strs = append(b.v.Strs, s)
	b.v.N++
}

func (b *VectorBuilder) undict() {
	strs := make([]string, len(b.v.Codes), cap(b.v.Codes))
	for i, c := range b.v.Codes {
		strs[i] = b.v.Dict[c]
	}
	b.v.Strs, b.v.Codes, b.v.Dict, b.dict = strs, nil, nil, nil
}

// Append appends v, which must have the builder's type or share its
// storage (int into long); other types are converted with Convert.
func (b *VectorBuilder) Append(v Value) {
	if v.Type != b.v.Type && v.Type.Storage() != b.v.Type.Storage() {
		v = Convert(v, b.v.Type)
	}
	if v.Null {
		b.AppendNull()
		return
	}
	switch b.v.Type.Storage() {
	case StoreBool:
		b.AppendBool(v.I != 0)
	case StoreInt:
		b.AppendInt(v.I)
	case StoreReal:
		b.AppendReal(v.F)
	case StoreString:
		b.AppendString(v.S)
	case StoreGuid:
		b.AppendGuid(v.G)
	case StoreDynamic:
		b.AppendDynamic(v.D)
	default:
		b.v.N++
	}
}

// AppendFrom appends cell i of src, which must have the same storage.
func (b *VectorBuilder) AppendFrom(src *Vector, i int) {
	if src.Type.Storage() != b.v.Type.Storage() {
		b.Append(src.Value(i))
		return
	}
	if src.Type != String && src.IsNull(i) {
		b.AppendNull()
		return
	}
	switch src.Type.Storage() {
	case StoreBool:
		b.AppendBool(src.Bools[i])
	case StoreInt:
		b.AppendInt(src.Ints[i])
	case StoreReal:
		b.AppendReal(src.Reals[i])
	case StoreString:
		b.AppendString(src.Str(i))
	case StoreGuid:
		b.AppendGuid(src.Guids[i])
	case StoreDynamic:
		b.AppendDynamic(src.Dyns[i])
	}
}

// Build returns the vector. The builder must not be used afterwards.
func (b *VectorBuilder) Build() *Vector {
	v := b.v
	if !b.nulls {
		v.Nulls = nil
	} else {
		v.Nulls = v.Nulls.grow(v.N - 1)
	}
	if b.dict != nil && len(v.Dict) > 64 && len(v.Dict)*2 > v.N {
		b.undict()
		v.Strs, v.Codes, v.Dict = b.v.Strs, nil, nil
	}
	if v.Type == String && v.Codes == nil && v.Strs == nil {
		v.Strs = []string{}
	}
	b.dict = nil
	b.v = Vector{}
	return &v
}
