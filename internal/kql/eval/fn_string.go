package eval

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	S, L, B, D := data.String, data.Long, data.Bool, data.Dynamic
	reg(&fnDef{name: "strcat", minArgs: 1, maxArgs: 64, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		var sb strings.Builder
		for _, v := range a {
			sb.WriteString(v.String())
		}
		return data.StringValue(sb.String())
	}})
	reg(&fnDef{name: "strcat_delim", minArgs: 3, maxArgs: 64, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		parts := make([]string, len(a)-1)
		for i, v := range a[1:] {
			parts[i] = v.String()
		}
		return data.StringValue(strings.Join(parts, a[0].String()))
	}})
	reg(&fnDef{name: "strlen", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.LongValue(int64(utf8.RuneCountInString(a[0].String())))
	}})
	reg(&fnDef{name: "string_size", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.LongValue(int64(len(a[0].String())))
	}})
	reg(&fnDef{name: "tolower", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(strings.ToLower(a[0].String()))
	}})
	reg(&fnDef{name: "toupper", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(strings.ToUpper(a[0].String()))
	}})
	reg(&fnDef{name: "substring", minArgs: 2, maxArgs: 3, retType: S, row: fnSubstring})
	reg(&fnDef{name: "reverse", minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		r := []rune(a[0].String())
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return data.StringValue(string(r))
	}})
	reg(&fnDef{name: "strrep", minArgs: 2, maxArgs: 3, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		n, ok := argInt(a[1])
		if !ok || n < 0 || n > 1<<16 {
			return data.StringValue("")
		}
		delim := ""
		if len(a) == 3 {
			delim = a[2].String()
		}
		parts := make([]string, n)
		for i := range parts {
			parts[i] = a[0].String()
		}
		return data.StringValue(strings.Join(parts, delim))
	}})
	reg(&fnDef{name: "indexof", minArgs: 2, maxArgs: 5, retType: L, row: fnIndexOf})
	reg(&fnDef{name: "indexof_regex", minArgs: 2, maxArgs: 5, retType: L, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		re, err := compileRegex(a[1].String())
		if err != nil {
			return data.NullValue(data.Long)
		}
		loc := re.FindStringIndex(a[0].String())
		if loc == nil {
			return data.LongValue(-1)
		}
		return data.LongValue(int64(loc[0]))
	}})
	reg(&fnDef{name: "countof", minArgs: 2, maxArgs: 3, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		s, sub := a[0].String(), a[1].String()
		if len(a) == 3 && lowerName(a[2]) == "regex" {
			re, err := compileRegex(sub)
			if err != nil {
				return data.NullValue(data.Long)
			}
			return data.LongValue(int64(len(re.FindAllStringIndex(s, -1))))
		}
		if sub == "" {
			return data.LongValue(0)
		}
		// Kusto counts overlapping occurrences for plain text.
		n := 0
		for i := 0; ; {
			j := strings.Index(s[i:], sub)
			if j < 0 {
				break
			}
			n++
			i += j + 1
		}
		return data.LongValue(int64(n))
	}})
	reg(&fnDef{name: "trim", minArgs: 2, retType: S, constArgs: []int{0}, row: trimFn(true, true)})
	reg(&fnDef{name: "trim_start", minArgs: 2, retType: S, constArgs: []int{0}, row: trimFn(true, false)})
	reg(&fnDef{name: "trim_end", minArgs: 2, retType: S, constArgs: []int{0}, row: trimFn(false, true)})
	reg(&fnDef{name: "replace_string", minArgs: 3, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(strings.ReplaceAll(a[0].String(), a[1].String(), a[2].String()))
	}})
	reg(&fnDef{name: "replace_strings", minArgs: 3, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		from, _ := argDyn(a[1]).([]any)
		to, _ := argDyn(a[2]).([]any)
		var pairs []string
		for i, f := range from {
			r := ""
			if i < len(to) {
				r = data.DynamicToString(to[i])
			}
			pairs = append(pairs, data.DynamicToString(f), r)
		}
		return data.StringValue(strings.NewReplacer(pairs...).Replace(a[0].String()))
	}})
	reg(&fnDef{name: "replace_regex", minArgs: 3, retType: S, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		return replaceRegex(a[0].String(), a[1].String(), a[2].String())
	}})
	// replace(regex, rewrite, text): the deprecated form with another argument order.
	reg(&fnDef{name: "replace", minArgs: 3, retType: S, constArgs: []int{0}, row: func(_ *fnCtx, a []data.Value) data.Value {
		return replaceRegex(a[2].String(), a[0].String(), a[1].String())
	}})
	reg(&fnDef{name: "translate", minArgs: 3, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		from, to := []rune(a[0].String()), []rune(a[1].String())
		m := map[rune]int{}
		for i, r := range from {
			m[r] = i
		}
		var sb strings.Builder
		for _, r := range a[2].String() {
			i, ok := m[r]
			switch {
			case !ok:
				sb.WriteRune(r)
			case len(to) == 0:
			case i < len(to):
				sb.WriteRune(to[i])
			default:
				sb.WriteRune(to[len(to)-1])
			}
		}
		return data.StringValue(sb.String())
	}})
	reg(&fnDef{name: "split", minArgs: 2, maxArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		s, sep := a[0].String(), a[1].String()
		var parts []string
		if sep == "" {
			parts = []string{s}
		} else {
			parts = strings.Split(s, sep)
		}
		if len(a) == 3 {
			i, ok := argInt(a[2])
			if !ok || i < 0 || int(i) >= len(parts) {
				return data.DynamicValue([]any{})
			}
			return data.DynamicValue([]any{parts[i]})
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return data.DynamicValue(out)
	}})
	reg(&fnDef{name: "strcat_array", minArgs: 2, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.StringValue("")
		}
		parts := make([]string, len(arr))
		for i, e := range arr {
			parts[i] = data.DynamicToString(e)
		}
		return data.StringValue(strings.Join(parts, a[1].String()))
	}}, "array_strcat")
	reg(&fnDef{name: "isempty", minArgs: 1, retType: B, vec: vecIsEmpty(false), row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(isEmptyValue(a[0]))
	}})
	reg(&fnDef{name: "isnotempty", minArgs: 1, retType: B, vec: vecIsEmpty(true), row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(!isEmptyValue(a[0]))
	}}, "notempty")
	reg(&fnDef{name: "isnull", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(a[0].Null)
	}})
	reg(&fnDef{name: "isnotnull", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(!a[0].Null)
	}}, "notnull")
	reg(&fnDef{name: "strcmp", minArgs: 2, retType: data.Long, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.LongValue(int64(strings.Compare(a[0].String(), a[1].String())))
	}})
	reg(&fnDef{name: "isascii", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(isASCII(a[0].String()))
	}})
	reg(&fnDef{name: "isutf8", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.BoolValue(utf8.ValidString(a[0].String()))
	}})
	reg(&fnDef{name: "make_string", minArgs: 1, maxArgs: -1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		var sb strings.Builder
		for _, v := range a {
			if arr, ok := argDyn(v).([]any); ok {
				for _, e := range arr {
					if i, ok := argInt(data.FromDynamic(e)); ok {
						sb.WriteRune(rune(i))
					}
				}
			} else if i, ok := argInt(v); ok {
				sb.WriteRune(rune(i))
			}
		}
		return data.StringValue(sb.String())
	}}, "unicode_codepoints_to_string")
	reg(&fnDef{name: "unicode_codepoints_from_string", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		out := []any{}
		for _, r := range a[0].String() {
			out = append(out, int64(r))
		}
		return data.DynamicValue(out)
	}}, "to_utf8")
	reg(&fnDef{name: "tohex", minArgs: 1, maxArgs: 2, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		i, ok := argInt(a[0])
		if !ok {
			return data.StringValue("")
		}
		s := strconv.FormatUint(uint64(i), 16)
		if i >= 0 {
			s = strconv.FormatInt(i, 16)
		}
		if len(a) == 2 {
			if w, ok := argInt(a[1]); ok && int(w) > len(s) {
				s = strings.Repeat("0", int(w)-len(s)) + s
			}
		}
		return data.StringValue(s)
	}})
}

func isEmptyValue(v data.Value) bool {
	if v.Null {
		return true
	}
	switch v.Type {
	case data.String:
		return v.S == ""
	case data.Dynamic:
		if s, ok := v.D.(string); ok {
			return s == ""
		}
	}
	return false
}

// vecIsEmpty is the fast path of isempty/isnotempty, hot in real rules.
func vecIsEmpty(not bool) func(c *fnCtx, args []val, rt data.Type, n int) val {
	return func(c *fnCtx, args []val, rt data.Type, n int) val {
		a := args[0]
		if a.isConst() {
			return boolConst(isEmptyValue(a.k) != not)
		}
		out := make([]bool, n)
		v := a.v
		switch {
		case v.IsDict():
			mapDict(v, out, func(s string) bool { return (s == "") != not })
		case v.Type == data.String:
			for i, s := range v.Strs[:n] {
				out[i] = (s == "") != not
			}
		default:
			for i := 0; i < n; i++ {
				out[i] = isEmptyValue(v.Value(i)) != not
			}
		}
		return vecVal(boolVec(out, nil))
	}
}

func fnSubstring(_ *fnCtx, a []data.Value) data.Value {
	s := a[0].String()
	start, ok := argInt(a[1])
	if !ok {
		return data.StringValue("")
	}
	runes := []rune(s)
	n := int64(len(runes))
	if start < 0 {
		start = 0
	}
	if start >= n {
		return data.StringValue("")
	}
	end := n
	if len(a) == 3 {
		l, ok := argInt(a[2])
		if ok {
			if l < 0 {
				return data.StringValue("")
			}
			if start+l < end {
				end = start + l
			}
		}
	}
	return data.StringValue(string(runes[start:end]))
}

// indexof(source, lookup [, start_index [, length [, occurrence]]]) in
// characters; -1 when not found.
func fnIndexOf(_ *fnCtx, a []data.Value) data.Value {
	s, sub := []rune(a[0].String()), a[1].String()
	start, length, occ := int64(0), int64(-1), int64(1)
	if len(a) > 2 {
		if v, ok := argInt(a[2]); ok {
			start = v
		}
	}
	if len(a) > 3 {
		if v, ok := argInt(a[3]); ok {
			length = v
		}
	}
	if len(a) > 4 {
		if v, ok := argInt(a[4]); ok {
			occ = v
		}
	}
	n := int64(len(s))
	if start < 0 {
		start += n
		if start < 0 {
			start = 0
		}
	}
	if start > n || occ <= 0 {
		return data.NullValue(data.Long)
	}
	end := n
	if length >= 0 && start+length < n {
		end = start + length
	}
	hay := string(s[start:end])
	off := 0
	for k := int64(0); k < occ; k++ {
		i := strings.Index(hay[off:], sub)
		if i < 0 {
			return data.LongValue(-1)
		}
		if k == occ-1 {
			return data.LongValue(start + int64(utf8.RuneCountInString(hay[:off+i])))
		}
		off += i + max(1, len(sub))
		if off > len(hay) {
			return data.LongValue(-1)
		}
	}
	return data.LongValue(-1)
}

func trimFn(left, right bool) func(*fnCtx, []data.Value) data.Value {
	return func(_ *fnCtx, a []data.Value) data.Value {
		pat := a[0].String()
		s := a[1].String()
		if pat == "" {
			return data.StringValue(s)
		}
		var expr string
		switch {
		case left && right:
			expr = "^(?:" + pat + ")+|(?:" + pat + ")+$"
		case left:
			expr = "^(?:" + pat + ")+"
		default:
			expr = "(?:" + pat + ")+$"
		}
		re, err := compileRegex(expr)
		if err != nil {
			return data.StringValue(s)
		}
		return data.StringValue(re.ReplaceAllString(s, ""))
	}
}

// replaceRegex rewrites matches; Kusto's \1 back-references become $1.
func replaceRegex(s, pat, rewrite string) data.Value {
	re, err := compileRegex(pat)
	if err != nil {
		return data.StringValue(s)
	}
	return data.StringValue(re.ReplaceAllString(s, kustoRewrite(rewrite)))
}

func kustoRewrite(r string) string {
	if !strings.ContainsAny(r, `\$`) {
		return r
	}
	var sb strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9':
			sb.WriteString("${")
			sb.WriteByte(r[i+1])
			sb.WriteString("}")
			i++
		case c == '$' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9':
			sb.WriteString("${")
			sb.WriteByte(r[i+1])
			sb.WriteString("}")
			i++
		case c == '$':
			sb.WriteString("$$")
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
