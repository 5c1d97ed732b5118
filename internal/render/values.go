package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatValue renders one value as cell text (table, CSV) and as JSON (JSON format), compactly and
// without losing information. typ is the column's Kusto type, used to recognise wire-format strings
// that carry datetimes and dynamic values.
func formatValue(v any, typ string) (string, []byte) {
	switch x := v.(type) {
	case nil:
		return "", []byte("null")
	case string:
		switch strings.ToLower(typ) {
		case "datetime", "date":
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				s := FormatTime(t)
				return s, quote(s)
			}
		case "dynamic", "object", "array":
			// The Log Analytics wire format carries dynamic values as JSON text: embed it as JSON.
			if js := compactJSON([]byte(x)); js != nil {
				if js[0] == '"' {
					var s string
					_ = json.Unmarshal(js, &s)
					return s, js
				}
				return string(js), js
			}
		}
		return x, quote(x)
	case bool:
		if x {
			return "true", []byte("true")
		}
		return "false", []byte("false")
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case int:
		s := strconv.Itoa(x)
		return s, []byte(s)
	case int32:
		s := strconv.FormatInt(int64(x), 10)
		return s, []byte(s)
	case int64:
		s := strconv.FormatInt(x, 10)
		return s, []byte(s)
	case uint64:
		s := strconv.FormatUint(x, 10)
		return s, []byte(s)
	case json.Number:
		return x.String(), []byte(x.String())
	case time.Time:
		s := FormatTime(x)
		return s, quote(s)
	case time.Duration:
		s := FormatTimespan(x)
		return s, quote(s)
	case json.RawMessage:
		if js := compactJSON(x); js != nil {
			return string(js), js
		}
		return string(x), quote(string(x))
	case fmt.Stringer:
		s := x.String()
		return s, quote(s)
	}
	// Maps, slices and other structures (decoded dynamic values): compact JSON.
	js, err := marshalCompact(v)
	if err != nil {
		s := fmt.Sprint(v)
		return s, quote(s)
	}
	return string(js), js
}

func formatFloat(f float64) (string, []byte) {
	switch {
	case math.IsNaN(f):
		return "NaN", []byte(`"NaN"`)
	case math.IsInf(f, 1):
		return "Infinity", []byte(`"Infinity"`)
	case math.IsInf(f, -1):
		return "-Infinity", []byte(`"-Infinity"`)
	}
	// Shortest representation that parses back to the same float64.
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.Contains(s, "e+") {
		// Prefer plain digits for integral values that JSON readers handle as integers.
		if f == math.Trunc(f) && math.Abs(f) < 1e21 {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return s, []byte(s)
}

// FormatTime renders a time in RFC 3339 UTC without a zero fraction: 2024-05-01T10:00:00Z,
// 2024-05-01T10:00:00.123Z.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// FormatTimespan renders a duration as a Kusto timespan: [-][d.]hh:mm:ss[.fffffff].
func FormatTimespan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	sec := d / time.Second
	d -= sec * time.Second
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	fmt.Fprintf(&b, "%02d:%02d:%02d", h, m, sec)
	if d > 0 {
		frac := fmt.Sprintf("%07d", d/100) // Kusto ticks are 100 ns
		b.WriteString("." + strings.TrimRight(frac, "0"))
	}
	return b.String()
}

func quote(s string) []byte {
	b, _ := marshalCompact(s)
	return b
}

// compactJSON returns data as compact JSON, or nil when it is not a JSON document.
func compactJSON(data []byte) []byte {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || !json.Valid(data) {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return nil
	}
	return b.Bytes()
}

func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
