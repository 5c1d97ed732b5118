package eval

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	D, L, B, S := data.Dynamic, data.Long, data.Bool, data.String
	reg(&fnDef{name: "parse_json", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(parseJSONValue(a[0]))
	}}, "todynamic", "parsejson", "toobject")
	reg(&fnDef{name: "dynamic_to_json", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(string(data.AppendJSON(nil, argDyn(a[0]))))
	}})
	reg(&fnDef{name: "gettype", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := a[0]
		if v.Type == data.Dynamic {
			return data.StringValue(data.DynamicTypeOf(v.D))
		}
		if v.Null {
			return data.StringValue("null")
		}
		switch v.Type {
		case data.Long:
			return data.StringValue("long")
		case data.Int:
			return data.StringValue("int")
		case data.Real:
			return data.StringValue("real")
		}
		return data.StringValue(v.Type.String())
	}})
	reg(&fnDef{name: "array_length", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		if arr, ok := argDyn(a[0]).([]any); ok {
			return data.LongValue(int64(len(arr)))
		}
		return data.NullValue(data.Long)
	}}, "arraylength")
	reg(&fnDef{name: "bag_keys", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		m, ok := argDyn(a[0]).(map[string]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		keys := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			keys = append(keys, k)
		}
		return data.DynamicValue(keys)
	}})
	reg(&fnDef{name: "bag_has_key", minArgs: 2, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		m, ok := argDyn(a[0]).(map[string]any)
		if !ok {
			return data.BoolValue(false)
		}
		_, has := m[a[1].String()]
		return data.BoolValue(has)
	}})
	reg(&fnDef{name: "bag_merge", minArgs: 2, maxArgs: 64, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		out := map[string]any{}
		for _, v := range a {
			if m, ok := argDyn(v).(map[string]any); ok {
				for k, e := range m {
					if _, dup := out[k]; !dup {
						out[k] = e
					}
				}
			}
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "bag_remove_keys", minArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		m, ok := argDyn(a[0]).(map[string]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		drop := map[string]bool{}
		if keys, ok := argDyn(a[1]).([]any); ok {
			for _, k := range keys {
				drop[data.DynamicToString(k)] = true
			}
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if !drop[k] {
				out[k] = e
			}
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "bag_set_key", minArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		m, _ := argDyn(a[0]).(map[string]any)
		out := make(map[string]any, len(m)+1)
		for k, e := range m {
			out[k] = e
		}
		out[a[1].String()] = argDyn(a[2])
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "pack", minArgs: 2, maxArgs: -1, retType: D, row: fnPack}, "bag_pack", "pack_dictionary")
	reg(&fnDef{name: "pack_array", minArgs: 1, maxArgs: -1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		out := make([]any, len(a))
		for i, v := range a {
			out[i] = argDyn(v)
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "array_concat", minArgs: 1, maxArgs: -1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		out := []any{}
		for _, v := range a {
			arr, ok := argDyn(v).([]any)
			if !ok {
				return data.NullValue(data.Dynamic)
			}
			out = append(out, arr...)
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "array_slice", minArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		n := int64(len(arr))
		s, ok1 := argInt(a[1])
		e, ok2 := argInt(a[2])
		if !ok1 || !ok2 {
			return data.NullValue(data.Dynamic)
		}
		if s < 0 {
			s += n
		}
		if e < 0 {
			e += n
		}
		s = max(s, 0)
		e = min(e, n-1)
		if s > e {
			return data.DynamicValue([]any{})
		}
		return data.DynamicValue(slices.Clone(arr[s : e+1]))
	}})
	reg(&fnDef{name: "array_index_of", minArgs: 2, maxArgs: 5, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Long)
		}
		want := argDyn(a[1])
		for i, e := range arr {
			if data.DynamicEqual(e, want) {
				return data.LongValue(int64(i))
			}
		}
		return data.LongValue(-1)
	}})
	reg(&fnDef{name: "array_reverse", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		out := slices.Clone(arr)
		slices.Reverse(out)
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "array_sort_asc", minArgs: 1, maxArgs: 2, retType: D, row: arraySort(false)})
	reg(&fnDef{name: "array_sort_desc", minArgs: 1, maxArgs: 2, retType: D, row: arraySort(true)})
	reg(&fnDef{name: "array_sum", minArgs: 1, retType: data.Real, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Real)
		}
		var s float64
		for _, e := range arr {
			f, ok := argFloat(data.FromDynamic(e))
			if !ok {
				return data.NullValue(data.Real)
			}
			s += f
		}
		return data.RealValue(s)
	}})
	reg(&fnDef{name: "array_iff", minArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		conds, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		pick := func(v data.Value, i int) any {
			if arr, ok := argDyn(v).([]any); ok {
				if i < len(arr) {
					return arr[i]
				}
				return nil
			}
			return argDyn(v)
		}
		out := make([]any, len(conds))
		for i, c := range conds {
			b, _ := c.(bool)
			if b {
				out[i] = pick(a[1], i)
			} else {
				out[i] = pick(a[2], i)
			}
		}
		return data.DynamicValue(out)
	}}, "array_iif")
	reg(&fnDef{name: "set_union", minArgs: 1, maxArgs: -1, retType: D, row: setOp("union")})
	reg(&fnDef{name: "set_intersect", minArgs: 2, maxArgs: -1, retType: D, row: setOp("intersect")})
	reg(&fnDef{name: "set_difference", minArgs: 2, maxArgs: -1, retType: D, row: setOp("difference")})
	reg(&fnDef{name: "set_has_element", minArgs: 2, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, _ := argDyn(a[0]).([]any)
		want := argDyn(a[1])
		for _, e := range arr {
			if data.DynamicEqual(e, want) {
				return data.BoolValue(true)
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "zip", minArgs: 2, maxArgs: 16, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		var arrs [][]any
		n := 0
		for _, v := range a {
			arr, ok := argDyn(v).([]any)
			if !ok {
				return data.NullValue(data.Dynamic)
			}
			arrs = append(arrs, arr)
			n = max(n, len(arr))
		}
		out := make([]any, n)
		for i := range out {
			row := make([]any, len(arrs))
			for j, arr := range arrs {
				if i < len(arr) {
					row[j] = arr[i]
				}
			}
			out[i] = row
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "treepath", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		var out []any
		var walk func(prefix string, v any)
		walk = func(prefix string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for _, k := range sortedKeys(x) {
					p := prefix + "['" + k + "']"
					out = append(out, p)
					walk(p, x[k])
				}
			case []any:
				p := prefix + "[0]"
				if len(x) > 0 {
					out = append(out, p)
					walk(p, x[0])
				}
			}
		}
		walk("$", argDyn(a[0]))
		if out == nil {
			out = []any{}
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "repeat", minArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		n, ok := argInt(a[1])
		if !ok || n < 0 {
			return data.NullValue(data.Dynamic)
		}
		n = min(n, 1<<16)
		out := make([]any, n)
		for i := range out {
			out[i] = argDyn(a[0])
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "range", minArgs: 2, maxArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		out := []any{}
		step := data.LongValue(1)
		if len(a) == 3 {
			step = a[2]
		}
		if a[0].Type.Storage() == data.StoreReal || step.Type.Storage() == data.StoreReal {
			s, _ := argFloat(a[0])
			e, _ := argFloat(a[1])
			st, _ := argFloat(step)
			for x := s; st != 0 && (st > 0 && x <= e || st < 0 && x >= e) && len(out) < 1<<20; x += st {
				out = append(out, x)
			}
			return data.DynamicValue(out)
		}
		s, ok1 := argInt(a[0])
		e, ok2 := argInt(a[1])
		st, ok3 := argInt(step)
		if !ok1 || !ok2 || !ok3 || st == 0 {
			return data.NullValue(data.Dynamic)
		}
		for x := s; (st > 0 && x <= e || st < 0 && x >= e) && len(out) < 1<<20; x += st {
			if a[0].Type == data.DateTime || a[0].Type == data.TimeSpan {
				out = append(out, data.Value{Type: a[0].Type, I: x}.Dynamic())
			} else {
				out = append(out, x)
			}
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "extractjson", minArgs: 2, maxArgs: 3, retType: S, constArgs: []int{0}, row: func(_ *fnCtx, a []data.Value) data.Value {
		v, ok := jsonPathGet(parseJSONValue(a[1]), a[0].String())
		if !ok {
			return data.StringValue("")
		}
		return data.StringValue(data.DynamicToString(v))
	}}, "extract_json")
	reg(&fnDef{name: "bag_zip", minArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		ks, _ := argDyn(a[0]).([]any)
		vs, _ := argDyn(a[1]).([]any)
		out := map[string]any{}
		for i, k := range ks {
			var v any
			if i < len(vs) {
				v = vs[i]
			}
			out[data.DynamicToString(k)] = v
		}
		return data.DynamicValue(out)
	}})
}

// parseJSONValue implements parse_json: strings are parsed (kept as a
// dynamic string when not valid JSON), dynamic values pass through.
func parseJSONValue(v data.Value) any {
	if v.Null {
		return nil
	}
	switch v.Type {
	case data.Dynamic:
		return v.D
	case data.String:
		s := v.S
		if s == "" {
			return nil
		}
		d, err := parseJSONCached(s)
		if err != nil {
			return s
		}
		return d
	}
	return v.Dynamic()
}

var jsonCache = newLRU[string, any](512)

// parseJSONCached memoizes small documents: rules parse the same JSON
// constants and low-cardinality columns over and over.
func parseJSONCached(s string) (any, error) {
	if len(s) > 4096 {
		return data.ParseJSON(s)
	}
	if d, ok := jsonCache.get(s); ok {
		return d, nil
	}
	d, err := data.ParseJSON(s)
	if err == nil {
		jsonCache.put(s, d)
	}
	return d, err
}

func fnPack(_ *fnCtx, a []data.Value) data.Value {
	out := make(map[string]any, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		out[a[i].String()] = argDyn(a[i+1])
	}
	return data.DynamicValue(out)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func arraySort(desc bool) func(*fnCtx, []data.Value) data.Value {
	return func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.NullValue(data.Dynamic)
		}
		nullsLast := true
		if len(a) == 2 {
			if b := unwrap(a[1]); b.Type == data.Bool && !b.Null {
				nullsLast = b.I != 0
			}
		}
		out := slices.Clone(arr)
		sort.SliceStable(out, func(i, j int) bool {
			x, y := out[i], out[j]
			if x == nil || y == nil {
				if x == nil && y == nil {
					return false
				}
				return (x == nil) != nullsLast
			}
			c := orderValues(data.FromDynamic(x), data.FromDynamic(y))
			if desc {
				return c > 0
			}
			return c < 0
		})
		return data.DynamicValue(out)
	}
}

func setOp(kind string) func(*fnCtx, []data.Value) data.Value {
	return func(_ *fnCtx, a []data.Value) data.Value {
		var arrs [][]any
		for _, v := range a {
			arr, ok := argDyn(v).([]any)
			if !ok {
				return data.NullValue(data.Dynamic)
			}
			arrs = append(arrs, arr)
		}
		key := func(x any) string { return string(data.AppendJSON(nil, x)) }
		out := []any{}
		seen := map[string]bool{}
		switch kind {
		case "union":
			for _, arr := range arrs {
				for _, e := range arr {
					if k := key(e); !seen[k] {
						seen[k] = true
						out = append(out, e)
					}
				}
			}
		case "intersect", "difference":
			others := make([]map[string]bool, len(arrs)-1)
			for i, arr := range arrs[1:] {
				others[i] = map[string]bool{}
				for _, e := range arr {
					others[i][key(e)] = true
				}
			}
			for _, e := range arrs[0] {
				k := key(e)
				if seen[k] {
					continue
				}
				keep := true
				for _, o := range others {
					if kind == "intersect" && !o[k] || kind == "difference" && o[k] {
						keep = false
						break
					}
				}
				if keep {
					seen[k] = true
					out = append(out, e)
				}
			}
		}
		return data.DynamicValue(out)
	}
}

// dynMember returns v.key (bags) or v[index] (arrays, negative from the
// end); missing members are null.
func dynMember(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		return m[key]
	}
	return nil
}

func dynIndex(v any, i int64) any {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	if i < 0 {
		i += int64(len(arr))
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil
	}
	return arr[i]
}

// jsonPathGet evaluates the subset of JSONPath Kusto supports:
// $, .name, ['name'], ["name"] and [index].
func jsonPathGet(v any, path string) (any, bool) {
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, false
	}
	p = p[1:]
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			v = dynMember(v, p[:end])
			p = p[end:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			inner := strings.TrimSpace(p[1:end])
			p = p[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') {
				v = dynMember(v, inner[1:len(inner)-1])
			} else if i, err := strconv.ParseInt(inner, 10, 64); err == nil {
				v = dynIndex(v, i)
			} else {
				return nil, false
			}
		default:
			return nil, false
		}
		if v == nil {
			return nil, false
		}
	}
	return v, true
}
