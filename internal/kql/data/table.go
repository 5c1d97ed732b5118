package data

import (
	"fmt"
	"time"
)

// Table is an immutable columnar table.
type Table struct {
	schema *Schema
	cols   []*Vector
	n      int
}

// NewTable assembles a table from vectors matching the schema's columns.
func NewTable(schema *Schema, cols []*Vector) (*Table, error) {
	if len(cols) != len(schema.Columns) {
		return nil, fmt.Errorf("table %s: %d vectors for %d columns", schema.Name, len(cols), len(schema.Columns))
	}
	n := -1
	for i, c := range cols {
		if c.Type.Storage() != schema.Columns[i].Type.Storage() {
			return nil, fmt.Errorf("table %s: column %s is %s but its vector is %s", schema.Name, schema.Columns[i].Name, schema.Columns[i].Type, c.Type)
		}
		if n >= 0 && c.N != n {
			return nil, fmt.Errorf("table %s: column %s has %d rows, expected %d", schema.Name, schema.Columns[i].Name, c.N, n)
		}
		n = c.N
	}
	if n < 0 {
		n = 0
	}
	return &Table{schema: schema, cols: cols, n: n}, nil
}

// NewTableRows assembles a table with no columns but n rows (the result of
// projecting away every column still has rows).
func NewTableRows(schema *Schema, cols []*Vector, n int) *Table {
	return &Table{schema: schema, cols: cols, n: n}
}

// EmptyTable returns a table with the schema and no rows.
func EmptyTable(schema *Schema) *Table {
	cols := make([]*Vector, len(schema.Columns))
	for i, c := range schema.Columns {
		cols[i] = NewVectorBuilder(c.Type, 0).Build()
	}
	return &Table{schema: schema, cols: cols}
}

// Schema returns the table schema; callers must not modify it.
func (t *Table) Schema() *Schema { return t.schema }

// Name returns the table name.
func (t *Table) Name() string { return t.schema.Name }

// Len returns the number of rows.
func (t *Table) Len() int { return t.n }

// NumColumns returns the number of columns.
func (t *Table) NumColumns() int { return len(t.cols) }

// Column returns the vector of column i.
func (t *Table) Column(i int) *Vector { return t.cols[i] }

// Columns returns the vectors; callers must not modify the slice.
func (t *Table) Columns() []*Vector { return t.cols }

// ColumnByName returns the vector of the column named name.
func (t *Table) ColumnByName(name string) (*Vector, bool) {
	if i := t.schema.Index(name); i >= 0 {
		return t.cols[i], true
	}
	return nil, false
}

// Cell returns the value at (row, col).
func (t *Table) Cell(row, col int) Value { return t.cols[col].Value(row) }

// Row returns the values of row i.
func (t *Table) Row(i int) []Value {
	out := make([]Value, len(t.cols))
	for c, v := range t.cols {
		out[c] = v.Value(i)
	}
	return out
}

// WithName returns a table sharing t's data under another name (and time
// column), for example to register one generated table in several places.
func (t *Table) WithName(name string) *Table {
	s := t.schema.Clone()
	s.Name = name
	return &Table{schema: s, cols: t.cols, n: t.n}
}

// WireRows returns the rows in the Log Analytics wire form (see Value.Wire).
func (t *Table) WireRows() [][]any {
	return t.WireRowsLimit(t.n)
}

// WireRowsLimit returns at most max rows in wire form.
func (t *Table) WireRowsLimit(max int) [][]any {
	n := min(t.n, max)
	rows := make([][]any, n)
	cells := make([]any, n*len(t.cols))
	for i := 0; i < n; i++ {
		row := cells[i*len(t.cols) : (i+1)*len(t.cols) : (i+1)*len(t.cols)]
		for c, v := range t.cols {
			row[c] = v.Wire(i)
		}
		rows[i] = row
	}
	return rows
}

// MemSize estimates the bytes the table's data occupies.
func (t *Table) MemSize() int64 {
	var s int64
	for _, c := range t.cols {
		s += c.MemSize()
	}
	return s
}

// TableBuilder builds a Table row by row. Append converts Go values without
// allocating for scalar cells: vectors are typed slices with null bitmaps,
// and string columns are dictionary-encoded while their cardinality is low.
type TableBuilder struct {
	schema  *Schema
	vecs    []*VectorBuilder
	scratch []Value
}

// NewTableBuilder returns a builder for a table with the given columns.
// capacity is a hint of the number of rows.
func NewTableBuilder(name string, cols []Column, capacity int) *TableBuilder {
	s := &Schema{Name: name, Columns: append([]Column(nil), cols...)}
	return NewTableBuilderSchema(s, capacity)
}

// NewTableBuilderSchema is NewTableBuilder for a complete schema (it keeps
// the schema's TimeColumn).
func NewTableBuilderSchema(s *Schema, capacity int) *TableBuilder {
	b := &TableBuilder{schema: s.Clone(), vecs: make([]*VectorBuilder, len(s.Columns)), scratch: make([]Value, len(s.Columns))}
	for i, c := range s.Columns {
		if c.Type == String {
			b.vecs[i] = NewDictBuilder(capacity)
		} else {
			b.vecs[i] = NewVectorBuilder(c.Type, capacity)
		}
	}
	return b
}

// Len returns the number of rows appended so far.
func (b *TableBuilder) Len() int {
	if len(b.vecs) == 0 {
		return 0
	}
	return b.vecs[0].Len()
}

// Append appends one row, one value per column, in column order. Accepted
// Go values: nil (null), bool, int/int8/int16/int32/int64 and unsigned
// kinds, float32/float64, string (parsed for non-string columns, JSON text
// for dynamic columns), time.Time, time.Duration, UUID, Value, and for
// dynamic columns map[string]any, []any or anything JSON-marshalable.
// On error nothing is appended.
func (b *TableBuilder) Append(values ...any) error {
	if len(values) != len(b.vecs) {
		return fmt.Errorf("table %s: row has %d values, expected %d", b.schema.Name, len(values), len(b.vecs))
	}
	for i, x := range values {
		t := b.schema.Columns[i].Type
		if !quickValue(&b.scratch[i], t, x) {
			if err := setValue(&b.scratch[i], t, x); err != nil {
				return fmt.Errorf("table %s, column %s: %w", b.schema.Name, b.schema.Columns[i].Name, err)
			}
		}
	}
	for i, vb := range b.vecs {
		vb.Append(b.scratch[i])
		b.scratch[i] = Value{}
	}
	return nil
}

// AppendValues appends one row of typed values (converted when needed).
func (b *TableBuilder) AppendValues(values []Value) error {
	if len(values) != len(b.vecs) {
		return fmt.Errorf("table %s: row has %d values, expected %d", b.schema.Name, len(values), len(b.vecs))
	}
	for i, vb := range b.vecs {
		vb.Append(values[i])
	}
	return nil
}

// quickValue handles the common exact-type cases without conversions.
func quickValue(v *Value, t Type, x any) bool {
	switch t {
	case String:
		if s, ok := x.(string); ok {
			*v = Value{Type: String, S: s}
			return true
		}
	case Long, Int:
		switch y := x.(type) {
		case int64:
			*v = Value{Type: t, I: y}
			return t == Long
		case int:
			*v = Value{Type: t, I: int64(y)}
			return t == Long || int(int32(y)) == y
		case int32:
			*v = Value{Type: t, I: int64(y)}
			return true
		}
	case Real:
		if f, ok := x.(float64); ok {
			*v = Value{Type: Real, F: f}
			return true
		}
	case Bool:
		if f, ok := x.(bool); ok {
			*v = BoolValue(f)
			return true
		}
	case DateTime:
		if y, ok := x.(time.Time); ok {
			*v = Value{Type: DateTime, I: TimeToTicks(y)}
			return true
		}
	case TimeSpan:
		if y, ok := x.(time.Duration); ok {
			*v = Value{Type: TimeSpan, I: DurationToTicks(y)}
			return true
		}
	case Guid:
		if y, ok := x.(UUID); ok {
			*v = GuidValue(y)
			return true
		}
	}
	return false
}

// Build returns the table. The builder must not be used afterwards.
func (b *TableBuilder) Build() *Table {
	cols := make([]*Vector, len(b.vecs))
	n := 0
	for i, vb := range b.vecs {
		cols[i] = vb.Build()
		n = cols[i].N
	}
	t := &Table{schema: b.schema, cols: cols, n: n}
	b.vecs = nil
	return t
}
