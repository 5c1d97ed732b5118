package eval

import (
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// unionRels concatenates relations. Columns are ordered by first appearance;
// a name used with different types becomes one column per type
// (name_type), as Kusto does. withSource, when set, names a first column
// holding each row's source name.
func unionRels(rc *runCtx, rels []*rel, sources []string, withSource string) (*rel, error) {
	return unionRelsKeep(rc, rels, sources, withSource, nil)
}

// unionRelsKeep is unionRels producing only the output columns keep names
// (all of them when keep is nil): `union *` over a workspace has hundreds
// of columns, most of them null in most tables, and the rest of a query
// usually reads a few.
func unionRelsKeep(rc *runCtx, rels []*rel, sources []string, withSource string, keep map[string]bool) (*rel, error) {
	types := map[string][]data.Type{}
	var order []string
	for _, r := range rels {
		for _, c := range r.schema.Columns {
			ts, seen := types[c.Name]
			if !seen {
				order = append(order, c.Name)
			}
			found := false
			for _, t := range ts {
				if t == c.Type {
					found = true
				}
			}
			if !found {
				types[c.Name] = append(ts, c.Type)
			}
		}
	}
	type outCol struct {
		name string
		src  string
		t    data.Type
	}
	var outs []outCol
	for _, n := range order {
		ts := types[n]
		if keep != nil && !keep[n] {
			continue
		}
		if len(ts) == 1 {
			outs = append(outs, outCol{name: n, src: n, t: ts[0]})
			continue
		}
		for _, t := range ts {
			outs = append(outs, outCol{name: n + "_" + t.String(), src: n, t: t})
		}
	}
	total := 0
	for _, r := range rels {
		total += r.n
	}
	if err := rc.charge(int64(total)*int64(8*len(outs)), "union"); err != nil {
		return nil, err
	}
	var cols []data.Column
	var lc []lazyCol
	if withSource != "" {
		b := data.NewDictBuilder(total)
		for i, r := range rels {
			for k := 0; k < r.n; k++ {
				b.AppendString(sources[i])
			}
		}
		cols = append(cols, data.Column{Name: withSource, Type: data.String})
		lc = append(lc, lazyCol{base: b.Build()})
	}
	for _, o := range outs {
		parts := make([]*data.Vector, 0, len(rels))
		for _, r := range rels {
			i := r.schema.Index(o.src)
			if i >= 0 && r.schema.Columns[i].Type == o.t {
				parts = append(parts, r.dense(i))
			} else {
				parts = append(parts, data.ConstVector(data.NullValue(o.t), r.n))
			}
		}
		var v *data.Vector
		if len(parts) == 0 {
			v = data.NewVectorBuilder(o.t, 0).Build()
		} else {
			v = data.Concat(o.t, parts)
		}
		cols = append(cols, data.Column{Name: o.name, Type: o.t})
		lc = append(lc, lazyCol{base: v})
	}
	name := "union"
	if len(rels) == 1 {
		name = rels[0].schema.Name
	}
	out := newRel(name, cols, lc, total)
	return out, nil
}

// countRel is the count operator.
func countRel(r *rel, name string) *rel {
	v := intVec(data.Long, []int64{int64(r.n)}, nil)
	return newRel(r.schema.Name, []data.Column{{Name: name, Type: data.Long}}, []lazyCol{{base: v}}, 1)
}

// getschemaRel describes the columns of r.
func getschemaRel(r *rel) *rel {
	n := len(r.schema.Columns)
	names := data.NewVectorBuilder(data.String, n)
	ords := data.NewVectorBuilder(data.Int, n)
	dtypes := data.NewVectorBuilder(data.String, n)
	ctypes := data.NewVectorBuilder(data.String, n)
	for i, c := range r.schema.Columns {
		names.AppendString(c.Name)
		ords.AppendInt(int64(i))
		dtypes.AppendString(clrTypeName(c.Type))
		ctypes.AppendString(c.Type.String())
	}
	cols := []data.Column{{Name: "ColumnName", Type: data.String}, {Name: "ColumnOrdinal", Type: data.Int}, {Name: "DataType", Type: data.String}, {Name: "ColumnType", Type: data.String}}
	return newRel("getschema", cols, []lazyCol{{base: names.Build()}, {base: ords.Build()}, {base: dtypes.Build()}, {base: ctypes.Build()}}, n)
}

func clrTypeName(t data.Type) string {
	switch t {
	case data.Bool:
		return "System.Boolean"
	case data.Int:
		return "System.Int32"
	case data.Long:
		return "System.Int64"
	case data.Real:
		return "System.Double"
	case data.Decimal:
		return "System.Data.SqlTypes.SqlDecimal"
	case data.String:
		return "System.String"
	case data.DateTime:
		return "System.DateTime"
	case data.TimeSpan:
		return "System.TimeSpan"
	case data.Guid:
		return "System.Guid"
	}
	return "System.Object"
}

// mvExpandCol is one column expanded by mv-expand.
type mvExpandCol struct {
	name string
	e    expr
	to   data.Type // Dynamic unless "to typeof(T)"
}

// mvExpandRel expands arrays (and bags) into rows; several columns expand
// in parallel. Empty arrays drop the row, non-array values stay as is.
func mvExpandRel(rc *runCtx, sc *scope, r *rel, cols []mvExpandCol, bagAsArray bool, indexCol string, limit int64) (*rel, error) {
	vals := make([]*data.Vector, len(cols))
	for i, c := range cols {
		v, err := evalColumn(rc, sc, r, c.e, false)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	elems := func(v *data.Vector, i int) []any {
		val := v.Value(i)
		if val.Null {
			return []any{nil}
		}
		d := val.Dynamic()
		switch x := d.(type) {
		case []any:
			return x
		case map[string]any:
			out := make([]any, 0, len(x))
			for _, k := range sortedKeys(x) {
				if bagAsArray {
					out = append(out, []any{k, x[k]})
				} else {
					out = append(out, map[string]any{k: x[k]})
				}
			}
			return out
		}
		return []any{d}
	}
	var rowsOut []int32
	outVals := make([][]any, len(cols))
	var idx []int64
	for i := 0; i < r.n; i++ {
		if i&1023 == 0 {
			if err := rc.check(); err != nil {
				return nil, err
			}
		}
		per := make([][]any, len(cols))
		m := 0
		for j := range cols {
			per[j] = elems(vals[j], i)
			m = max(m, len(per[j]))
		}
		if limit >= 0 && int64(m) > limit {
			m = int(limit)
		}
		for k := 0; k < m; k++ {
			rowsOut = append(rowsOut, int32(i))
			for j := range cols {
				var e any
				if k < len(per[j]) {
					e = per[j][k]
				}
				outVals[j] = append(outVals[j], e)
			}
			if indexCol != "" {
				idx = append(idx, int64(k))
			}
		}
		if len(rowsOut) > 0 && len(rowsOut)%65536 == 0 {
			if err := rc.charge(65536*int64(16*len(r.cols)+48*len(cols)), "mv-expand"); err != nil {
				return nil, err
			}
		}
	}
	out := r.keep(nonNil(rowsOut))
	for j, c := range cols {
		b := data.NewVectorBuilder(c.to, len(rowsOut))
		for _, e := range outVals[j] {
			if c.to == data.Dynamic {
				b.AppendDynamic(e)
			} else {
				b.Append(data.Convert(data.FromDynamic(e), c.to))
			}
		}
		out = out.withColumn(c.name, b.Build())
	}
	if indexCol != "" {
		out = out.withColumn(indexCol, intVec(data.Long, nonNilI(idx), nil))
	}
	return out, nil
}

func nonNilI(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

// bagUnpackRel implements evaluate bag_unpack(col [, prefix]): one column
// per bag key, typed by the values seen, and the bag column removed.
func bagUnpackRel(rc *runCtx, r *rel, col int, prefix string) (*rel, error) {
	v := r.dense(col)
	keyTypes := map[string]data.Type{}
	var keys []string
	for i := 0; i < r.n; i++ {
		m, ok := v.Value(i).Dynamic().(map[string]any)
		if !ok {
			continue
		}
		for k, e := range m {
			t := dynScalarType(e)
			have, seen := keyTypes[k]
			switch {
			case !seen:
				keys = append(keys, k)
				keyTypes[k] = t
			case t == data.Invalid || have == data.Invalid:
				if t != data.Invalid && have == data.Invalid {
					keyTypes[k] = t
				}
			case have != t:
				keyTypes[k] = data.Dynamic
			}
		}
	}
	sort.Strings(keys)
	var idx []int
	for i := range r.schema.Columns {
		if i != col {
			idx = append(idx, i)
		}
	}
	out := r.projectCols(idx, nil)
	taken := map[string]bool{}
	for _, c := range out.schema.Columns {
		taken[c.Name] = true
	}
	for _, k := range keys {
		t := keyTypes[k]
		if t == data.Invalid {
			t = data.Dynamic
		}
		b := data.NewVectorBuilder(t, r.n)
		for i := 0; i < r.n; i++ {
			m, _ := v.Value(i).Dynamic().(map[string]any)
			e := m[k]
			if t == data.Dynamic {
				b.AppendDynamic(e)
			} else {
				b.Append(data.Convert(data.FromDynamic(e), t))
			}
		}
		name := uniqueName(prefix+k, taken)
		taken[name] = true
		out = out.withColumn(name, b.Build())
	}
	if err := rc.charge(int64(r.n*len(keys)*16), "bag_unpack"); err != nil {
		return nil, err
	}
	return out, nil
}

// dynScalarType is the column type bag_unpack gives a bag value.
func dynScalarType(e any) data.Type {
	switch e.(type) {
	case nil:
		return data.Invalid
	case bool:
		return data.Bool
	case int64:
		return data.Long
	case float64:
		return data.Real
	case string:
		return data.String
	}
	return data.Dynamic
}
