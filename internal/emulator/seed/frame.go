package seed

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// frame builds one table column by column without boxing cell values: a generator resolves the columns it
// fills once (f.col("Name")), then per row sets cells and calls f.end(). Cells a row leaves unset are empty
// strings or nulls; constant columns (setConst) are stored once and cost nothing per row. This is what lets
// a million rows generate in a couple of seconds: data.TableBuilder.Append boxes every cell in an any.
//
// The frame also estimates each row's billed size (the bytes of its cells plus a fixed record overhead),
// which becomes the hidden _BilledSize column and, summed per hour, the Usage table.
type frame struct {
	schema     *data.Schema
	cols       []*colBuf
	n          int
	rowBytes   int // size of the current row's cells so far
	constBytes int // size of the constant cells, the same for every row (-1: not computed yet)
	billed     []float64
	sizes      map[unsafe.Pointer]int // sizes of shared dynamic values
}

// recordOverhead approximates the per-record bytes Log Analytics bills besides the cell values (column
// names of the non-empty cells in the ingested JSON).
const recordOverhead = 180

type colBuf struct {
	f        *frame
	name     string
	typ      data.Type
	store    data.Storage
	constant bool
	cval     any

	// strings: dictionary-encoded until the cardinality is too high for it to pay
	dict  map[string]uint32
	vals  []string
	codes []uint32
	strs  []string
	plain bool

	ints  []int64
	reals []float64
	bools []bool
	guids []data.UUID
	dyns  []any
	nulls data.Bitmap

	recent [32]recentCode
}

type recentCode struct {
	p    *byte
	n    int
	code uint32
}

func newFrame(t *schema.Table, capacity int) *frame {
	s := t.Schema()
	f := &frame{schema: s, cols: make([]*colBuf, len(s.Columns)), constBytes: -1,
		billed: make([]float64, 0, capacity), sizes: map[unsafe.Pointer]int{}}
	for i, c := range s.Columns {
		// No capacity up front: most columns of the wide tables are never set, and the set ones grow.
		f.cols[i] = &colBuf{f: f, name: c.Name, typ: c.Type, store: c.Type.Storage()}
	}
	return f
}

// col returns the column named name; a missing column is a generator defect the schema tests catch.
func (f *frame) col(name string) *colBuf {
	if i := f.schema.Index(name); i >= 0 {
		return f.cols[i]
	}
	panic(fmt.Sprintf("seed: table %s has no column %s", f.schema.Name, name))
}

// setConst gives a column the same value in every row. It must be called before the first row.
func (f *frame) setConst(name string, v any) {
	if f.n > 0 {
		panic("seed: setConst " + name + " after rows were added")
	}
	c := f.col(name)
	c.constant, c.cval = true, v
}

// vary makes a column that newTable set constant per-row again, and returns it.
func (f *frame) vary(name string) *colBuf {
	if f.n > 0 {
		panic("seed: vary " + name + " after rows were added")
	}
	c := f.col(name)
	c.constant, c.cval = false, nil
	return c
}

// set prepares a column for the current row's cell: cells of earlier rows that did not set it become
// empty/null (in bulk, so wide tables with mostly empty columns cost nothing per unset cell), and a second
// value for the same row is a generator defect.
func (c *colBuf) set() {
	l := c.len()
	if l == c.f.n {
		return
	}
	if l > c.f.n {
		panic(fmt.Sprintf("seed: table %s column %s set twice in row %d", c.f.schema.Name, c.name, c.f.n+1))
	}
	c.pad(c.f.n)
}

// pad fills the column with empty/null cells up to n.
func (c *colBuf) pad(n int) {
	l := c.len()
	if l >= n {
		return
	}
	switch c.store {
	case data.StoreString:
		if c.plain {
			c.strs = append(c.strs, make([]string, n-l)...)
			return
		}
		code := c.code("")
		for ; l < n; l++ {
			c.codes = append(c.codes, code)
		}
		return
	}
	for ; l < n; l++ {
		c.appendNull()
	}
}

// code returns the dictionary code of a value, adding it.
func (c *colBuf) code(v string) uint32 {
	if c.dict == nil {
		c.dict = map[string]uint32{}
	}
	code, ok := c.dict[v]
	if !ok {
		code = uint32(len(c.vals))
		c.dict[v] = code
		c.vals = append(c.vals, v)
	}
	return code
}

func (c *colBuf) s(v string) {
	c.set()
	c.f.rowBytes += len(v)
	switch c.store {
	case data.StoreGuid:
		u, _ := data.ParseUUID(v)
		c.guids = append(c.guids, u)
		return
	case data.StoreString:
	default:
		panic("seed: string value for " + c.typ.String() + " column " + c.name)
	}
	if c.plain {
		c.strs = append(c.strs, v)
		return
	}
	// Values picked from the generators' fixed lists share their bytes: a small cache keyed by the
	// string's address avoids hashing them again.
	p := unsafe.StringData(v)
	slot := &c.recent[(uintptr(unsafe.Pointer(p))>>3^uintptr(len(v)))&uintptr(len(c.recent)-1)]
	if slot.p == p && slot.n == len(v) && p != nil {
		c.codes = append(c.codes, slot.code)
		return
	}
	if c.dict == nil {
		c.dict = map[string]uint32{}
	}
	code, ok := c.dict[v]
	if !ok {
		if len(c.vals) >= 4096 && len(c.vals)*2 > len(c.codes) { // mostly distinct values: stop encoding
			c.toPlain()
			c.strs = append(c.strs, v)
			return
		}
		code = uint32(len(c.vals))
		c.dict[v] = code
		c.vals = append(c.vals, v)
	}
	*slot = recentCode{p, len(v), code}
	c.codes = append(c.codes, code)
}

func (c *colBuf) toPlain() {
	c.strs = make([]string, len(c.codes), max(cap(c.codes), len(c.codes)+1))
	for i, code := range c.codes {
		c.strs[i] = c.vals[code]
	}
	c.plain, c.codes, c.vals, c.dict = true, nil, nil, nil
}

func (c *colBuf) i(v int64) {
	if c.typ == data.Int && int64(int32(v)) != v {
		panic(fmt.Sprintf("seed: %d overflows int column %s", v, c.name))
	}
	c.set()
	c.f.rowBytes += 8
	c.ints = append(c.ints, v)
}

func (c *colBuf) t(v time.Time) {
	c.set()
	c.f.rowBytes += 28
	c.ints = append(c.ints, data.TimeToTicks(v))
}
func (c *colBuf) r(v float64) { c.set(); c.f.rowBytes += 8; c.reals = append(c.reals, v) }
func (c *colBuf) b(v bool)    { c.set(); c.f.rowBytes += 5; c.bools = append(c.bools, v) }

// d appends a dynamic cell. v must be in the normalized dynamic form (int64, float64, []any,
// map[string]any...; see data.NormalizeDynamic) and never modified afterwards: cells share values.
func (c *colBuf) d(v any) {
	c.set()
	if v == nil {
		c.null()
		return
	}
	c.f.rowBytes += c.f.dynSize(v)
	c.dyns = append(c.dyns, v)
}

// dynSize is the (approximate) JSON size of a dynamic value; shared bags and arrays are measured once.
func (f *frame) dynSize(v any) int {
	switch v.(type) {
	case map[string]any, []any:
		p := reflect.ValueOf(v).UnsafePointer()
		if n, ok := f.sizes[p]; ok {
			return n
		}
		n := jsonSize(v)
		if len(f.sizes) < 1<<12 {
			f.sizes[p] = n
		}
		return n
	}
	return jsonSize(v)
}

// jsonSize estimates the JSON text size of a normalized dynamic value without encoding it.
func jsonSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		return 5
	case int64, float64:
		return 8
	case string:
		return len(x) + 2
	case time.Time:
		return 30
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + jsonSize(e)
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + jsonSize(e)
		}
		return n
	}
	return 16
}

func (c *colBuf) len() int {
	switch c.store {
	case data.StoreString:
		if c.plain {
			return len(c.strs)
		}
		return len(c.codes)
	case data.StoreInt:
		return len(c.ints)
	case data.StoreReal:
		return len(c.reals)
	case data.StoreBool:
		return len(c.bools)
	case data.StoreGuid:
		return len(c.guids)
	case data.StoreDynamic:
		return len(c.dyns)
	}
	return 0
}

// null appends a null cell (an empty string for strings, which Kusto never has null).
func (c *colBuf) null() {
	if c.store == data.StoreString {
		c.s("")
		return
	}
	c.set()
	c.appendNull()
}

func (c *colBuf) appendNull() {
	i := c.len()
	for len(c.nulls) <= i>>6 {
		c.nulls = append(c.nulls, 0)
	}
	c.nulls.Set(i)
	switch c.store {
	case data.StoreInt:
		c.ints = append(c.ints, 0)
	case data.StoreReal:
		c.reals = append(c.reals, 0)
	case data.StoreBool:
		c.bools = append(c.bools, false)
	case data.StoreGuid:
		c.guids = append(c.guids, data.UUID{})
	case data.StoreDynamic:
		c.dyns = append(c.dyns, nil)
	}
}

// end closes a row and records its billed size. Cells the row did not set are filled in later (set, build).
func (f *frame) end() {
	if f.constBytes < 0 {
		f.constBytes = 0
		for _, c := range f.cols {
			if c.constant && c.cval != nil {
				f.constBytes += constSize(c.cval)
			}
		}
	}
	f.n++
	f.billed = append(f.billed, float64(f.rowBytes+f.constBytes+recordOverhead))
	f.rowBytes = 0
}

func constSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case bool:
		return 5
	case time.Time:
		return 28
	case int, int64, float64:
		return 8
	}
	return len(data.AppendJSON(nil, data.NormalizeDynamic(v)))
}

// build returns the table. _BilledSize, unless a generator set it, is the rows' estimated sizes. Columns no
// row set, and constant ones, share zeroed backing arrays (vectors may share storage), so a wide table of
// mostly empty columns costs little memory.
func (f *frame) build() *data.Table {
	if f.rowBytes != 0 {
		panic("seed: table " + f.schema.Name + ": a row was started but not ended")
	}
	n := f.n
	z := &zeros{n: n}
	vecs := make([]*data.Vector, len(f.cols))
	for i, c := range f.cols {
		if c.name == "_BilledSize" && !c.constant && c.len() == 0 {
			c.reals = f.billed
		}
		switch {
		case c.constant:
			vecs[i] = c.constVector(n, z)
		case c.len() == 0:
			c.cval = nil
			vecs[i] = c.constVector(n, z)
		default:
			c.pad(n)
			vecs[i] = c.vector(n)
		}
	}
	t, err := data.NewTable(f.schema, vecs)
	if err != nil {
		panic("seed: " + err.Error()) // set/pad keep column lengths equal; a mismatch is a defect
	}
	return t
}

// zeros lazily allocates the shared backing arrays of one table's constant columns.
type zeros struct {
	n     int
	codes []uint32
	ints  []int64
	reals []float64
	bools []bool
	dyns  []any
	nulls data.Bitmap
}

func (z *zeros) allNulls() data.Bitmap {
	if z.nulls == nil {
		z.nulls = data.NewBitmap(z.n)
		for i := 0; i < z.n; i++ {
			z.nulls.Set(i)
		}
	}
	return z.nulls
}

func (c *colBuf) vector(n int) *data.Vector {
	v := &data.Vector{Type: c.typ, N: n}
	switch c.store {
	case data.StoreString:
		switch {
		case c.plain:
			v.Strs = c.strs
		case len(c.vals) > 64 && len(c.vals)*2 > n:
			c.toPlain()
			v.Strs = c.strs
		default:
			v.Codes, v.Dict = c.codes, c.vals
		}
	case data.StoreInt:
		v.Ints = c.ints
	case data.StoreReal:
		v.Reals = c.reals
	case data.StoreBool:
		v.Bools = c.bools
	case data.StoreGuid:
		v.Guids = c.guids
	case data.StoreDynamic:
		v.Dyns = c.dyns
	}
	if c.nulls.Count() > 0 {
		v.Nulls = c.nulls
		for len(v.Nulls) < (n+63)/64 {
			v.Nulls = append(v.Nulls, 0)
		}
	}
	return v
}

// constVector is a column with one value in every row (nil: empty string or null).
func (c *colBuf) constVector(n int, z *zeros) *data.Vector {
	v := &data.Vector{Type: c.typ, N: n}
	switch c.store {
	case data.StoreString:
		s, _ := c.cval.(string)
		if z.codes == nil {
			z.codes = make([]uint32, n)
		}
		v.Codes, v.Dict = z.codes, []string{s}
		return v
	case data.StoreInt:
		var x int64
		switch y := c.cval.(type) {
		case int:
			x = int64(y)
		case int64:
			x = y
		case time.Time:
			x = data.TimeToTicks(y)
		case time.Duration:
			x = data.DurationToTicks(y)
		}
		if x == 0 {
			if z.ints == nil {
				z.ints = make([]int64, n)
			}
			v.Ints = z.ints
		} else {
			v.Ints = make([]int64, n)
			for i := range v.Ints {
				v.Ints[i] = x
			}
		}
	case data.StoreReal:
		x, _ := c.cval.(float64)
		if x == 0 {
			if z.reals == nil {
				z.reals = make([]float64, n)
			}
			v.Reals = z.reals
		} else {
			v.Reals = make([]float64, n)
			for i := range v.Reals {
				v.Reals[i] = x
			}
		}
	case data.StoreBool:
		x, _ := c.cval.(bool)
		if !x {
			if z.bools == nil {
				z.bools = make([]bool, n)
			}
			v.Bools = z.bools
		} else {
			v.Bools = make([]bool, n)
			for i := range v.Bools {
				v.Bools[i] = true
			}
		}
	case data.StoreGuid:
		s, _ := c.cval.(string)
		u, _ := data.ParseUUID(s)
		v.Guids = make([]data.UUID, n)
		for i := range v.Guids {
			v.Guids[i] = u
		}
	case data.StoreDynamic:
		x := data.NormalizeDynamic(c.cval)
		if x == nil {
			if z.dyns == nil {
				z.dyns = make([]any, n)
			}
			v.Dyns = z.dyns
		} else {
			v.Dyns = make([]any, n)
			for i := range v.Dyns {
				v.Dyns[i] = x
			}
		}
	}
	if c.cval == nil && n > 0 {
		v.Nulls = z.allNulls()
	}
	return v
}
