package data

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Dynamic values are plain Go values in a normalized form:
//
//	nil, bool, int64, float64, string, time.Time (UTC), time.Duration, UUID,
//	[]any (array) and map[string]any (property bag)
//
// NormalizeDynamic converts any other Go value (int, float32, []string,
// map[string]string, json.Number, structs via JSON ...) to that form.

// NormalizeDynamic returns v in the normalized dynamic representation.
func NormalizeDynamic(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Duration, UUID:
		return v
	case time.Time:
		return x.UTC()
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int64(x)
	case float32:
		return float64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case json.RawMessage:
		d, err := ParseJSON(string(x))
		if err != nil {
			return string(x)
		}
		return d
	case []any:
		out, copied := x, false
		for i, e := range x {
			if n := NormalizeDynamic(e); !sameDyn(n, e) {
				if !copied {
					out, copied = slices.Clone(x), true
				}
				out[i] = n
			}
		}
		return out
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if n := NormalizeDynamic(e); !sameDyn(n, e) {
				if out == nil {
					out = make(map[string]any, len(x))
					for k2, e2 := range x {
						out[k2] = e2
					}
				}
				out[k] = n
			}
		}
		if out == nil {
			return x
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	case Value:
		return x.Dynamic()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = NormalizeDynamic(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			out := make(map[string]any, rv.Len())
			it := rv.MapRange()
			for it.Next() {
				out[it.Key().String()] = NormalizeDynamic(it.Value().Interface())
			}
			return out
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return NormalizeDynamic(rv.Elem().Interface())
	}
	// Structs and anything else: through their JSON form.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	d, err := ParseJSON(string(b))
	if err != nil {
		return string(b)
	}
	return d
}

// sameDyn reports whether normalization left e unchanged; containers are
// compared by identity only (normalization copies changed ones).
func sameDyn(n, e any) bool {
	switch n.(type) {
	case []any, map[string]any:
		return reflect.ValueOf(n).UnsafePointer() == reflect.ValueOf(e).UnsafePointer()
	case float64:
		if f, ok := e.(float64); ok && math.IsNaN(f) {
			return true
		}
	case time.Time:
		return false
	}
	return n == e
}

// DynamicTypeOf returns the Kusto type of a normalized dynamic element, as
// gettype() reports it: bool, long, real, string, datetime, timespan, guid,
// array, dictionary, null.
func DynamicTypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64:
		return "long"
	case float64:
		return "real"
	case string:
		return "string"
	case time.Time:
		return "datetime"
	case time.Duration:
		return "timespan"
	case UUID:
		return "guid"
	case []any:
		return "array"
	case map[string]any:
		return "dictionary"
	}
	return "string"
}

// DynamicToString renders a dynamic value as tostring() does: strings
// unquoted, scalars in their text form, arrays and bags as JSON, null as "".
func DynamicToString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatReal(x)
	case time.Time:
		return FormatDateTime(TimeToTicks(x))
	case time.Duration:
		return FormatTimeSpan(DurationToTicks(x))
	case UUID:
		return x.String()
	}
	return string(AppendJSON(nil, v))
}

// FormatReal renders a real as Kusto does in text: shortest round-trip form,
// NaN, Infinity and -Infinity for the special values.
func FormatReal(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// AppendJSON appends the JSON encoding of a normalized dynamic value. Bag
// keys are written in sorted order so output is deterministic.
func AppendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return AppendJSONString(b, FormatReal(x))
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.AppendFloat(b, x, 'f', -1, 64)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		return AppendJSONString(b, x)
	case time.Time:
		b = append(b, '"')
		b = AppendDateTime(b, TimeToTicks(x))
		return append(b, '"')
	case time.Duration:
		b = append(b, '"')
		b = AppendTimeSpan(b, DurationToTicks(x))
		return append(b, '"')
	case UUID:
		return AppendJSONString(b, x.String())
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, k)
			b = append(b, ':')
			b = AppendJSON(b, x[k])
		}
		return append(b, '}')
	}
	return AppendJSON(b, NormalizeDynamic(v))
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// DynamicEqual reports whether two normalized dynamic values are equal
// (numbers compare by value across long and real; arrays and bags deeply).
func DynamicEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !DynamicEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !DynamicEqual(v, w) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}
