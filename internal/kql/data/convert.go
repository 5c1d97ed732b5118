package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Convert converts v to type t with the semantics of Kusto's to* functions
// (tolong, todouble, tobool, todatetime, ...): impossible conversions yield
// null, strings are parsed, reals truncate toward zero into integers.
// Converting to dynamic wraps the scalar (it does not parse JSON).
func Convert(v Value, t Type) Value {
	if v.Type == t {
		return v
	}
	if t == String {
		return StringValue(v.String())
	}
	if v.Null {
		return NullValue(t)
	}
	if v.Type == Dynamic {
		switch v.D.(type) {
		case []any, map[string]any:
			return NullValue(t)
		}
		return Convert(FromDynamic(v.D), t)
	}
	switch t {
	case Bool:
		switch v.Type {
		case Int, Long:
			return BoolValue(v.I != 0)
		case Real, Decimal:
			if math.IsNaN(v.F) {
				return NullValue(Bool)
			}
			return BoolValue(v.F != 0)
		case String:
			if b, ok := ParseBool(v.S); ok {
				return BoolValue(b)
			}
		}
	case Int, Long:
		var i int64
		switch v.Type {
		case Bool, Int, Long, TimeSpan:
			i = v.I
		case DateTime:
			i = v.I - MinDateTimeTicks // .NET ticks, as Kusto does
		case Real, Decimal:
			if math.IsNaN(v.F) || math.IsInf(v.F, 0) || math.Abs(v.F) >= 9.2e18 {
				return NullValue(t)
			}
			i = int64(v.F)
		case String:
			var ok bool
			if i, ok = ParseLong(v.S); !ok {
				return NullValue(t)
			}
		default:
			return NullValue(t)
		}
		if t == Int {
			if i < math.MinInt32 || i > math.MaxInt32 {
				return NullValue(Int)
			}
			return IntValue(i)
		}
		return LongValue(i)
	case Real, Decimal:
		var f float64
		switch v.Type {
		case Bool, Int, Long:
			f = float64(v.I)
		case Real, Decimal:
			f = v.F
		case TimeSpan:
			f = float64(v.I)
		case DateTime:
			f = float64(v.I - MinDateTimeTicks)
		case String:
			var err error
			s := strings.TrimSpace(v.S)
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				switch strings.ToLower(s) {
				case "nan":
					f = math.NaN()
				case "inf", "+inf", "infinity", "+infinity":
					f = math.Inf(1)
				case "-inf", "-infinity":
					f = math.Inf(-1)
				default:
					return NullValue(t)
				}
			}
		default:
			return NullValue(t)
		}
		return Value{Type: t, F: f}
	case DateTime:
		switch v.Type {
		case String:
			if ticks, ok := ParseDateTime(v.S); ok {
				return DateTimeValue(ticks)
			}
		case Int, Long:
			return DateTimeValue(v.I + MinDateTimeTicks)
		}
	case TimeSpan:
		switch v.Type {
		case String:
			if ticks, ok := ParseTimeSpan(v.S); ok {
				return TimeSpanValue(ticks)
			}
		case Int, Long:
			return TimeSpanValue(v.I)
		case Real, Decimal:
			return TimeSpanValue(int64(v.F))
		}
	case Guid:
		if v.Type == String {
			if u, ok := ParseUUID(strings.TrimSpace(v.S)); ok {
				return GuidValue(u)
			}
		}
	case Dynamic:
		return DynamicValue(v.Dynamic())
	}
	return NullValue(t)
}

// ParseBool parses the strings tobool accepts: true/false (any case) and
// integers (non-zero is true).
func ParseBool(s string) (bool, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i != 0, true
	}
	return false, false
}

// ParseLong parses an integer, accepting a decimal form that it truncates
// (tolong("12.7") is 12) and 0x hex.
func ParseLong(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		if u, err := strconv.ParseUint(h, 16, 64); err == nil {
			return int64(u), true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && math.Abs(f) < 9.2e18 {
		return int64(f), true
	}
	return 0, false
}

// setValue converts the Go value x to a Value of type t (TableBuilder rules).
func setValue(v *Value, t Type, x any) error {
	if x == nil {
		*v = NullValue(t)
		return nil
	}
	if val, ok := x.(Value); ok {
		*v = Convert(val, t)
		if !val.Null && v.Null {
			return fmt.Errorf("cannot convert %s value %q to %s", val.Type, val.String(), t)
		}
		return nil
	}
	switch t {
	case Dynamic:
		if s, ok := x.(string); ok {
			// Strings given for dynamic columns are JSON text, as in ingestion.
			d, err := ParseJSON(s)
			if err != nil {
				d = s
			}
			*v = DynamicValue(d)
			return nil
		}
		*v = DynamicValue(x)
		return nil
	case String:
		switch s := x.(type) {
		case string:
			*v = StringValue(s)
		case fmt.Stringer:
			*v = StringValue(s.String())
		default:
			*v = StringValue(DynamicToString(NormalizeDynamic(x)))
		}
		return nil
	}
	var src Value
	switch y := x.(type) {
	case bool:
		src = BoolValue(y)
	case int:
		src = LongValue(int64(y))
	case int8:
		src = LongValue(int64(y))
	case int16:
		src = LongValue(int64(y))
	case int32:
		src = LongValue(int64(y))
	case int64:
		src = LongValue(y)
	case uint:
		src = LongValue(int64(y))
	case uint8:
		src = LongValue(int64(y))
	case uint16:
		src = LongValue(int64(y))
	case uint32:
		src = LongValue(int64(y))
	case uint64:
		src = LongValue(int64(y))
	case float32:
		src = RealValue(float64(y))
	case float64:
		src = RealValue(y)
	case string:
		src = StringValue(y)
	case time.Time:
		src = TimeValue(y)
	case time.Duration:
		src = DurationValue(y)
	case UUID:
		src = GuidValue(y)
	case [16]byte:
		src = GuidValue(UUID(y))
	default:
		src = DynamicValue(x)
	}
	if src.Type == Long && (t == DateTime) {
		return fmt.Errorf("cannot store %T in a datetime column (use time.Time)", x)
	}
	if src.Type == DateTime && t != DateTime || src.Type == TimeSpan && t != TimeSpan && !t.IsInteger() {
		return fmt.Errorf("cannot store %T in a %s column", x, t)
	}
	*v = Convert(src, t)
	if v.Null {
		return fmt.Errorf("cannot convert %T %q to %s", x, src.String(), t)
	}
	return nil
}
