package data

import (
	"math"
	"strconv"
	"time"
)

// Value is one scalar KQL value. Which field holds the payload depends on
// Type: I for bool (0/1), int, long, datetime and timespan (ticks); F for
// real and decimal; S for string; G for guid; D for dynamic (normalized Go
// value, see NormalizeDynamic). Strings are never null: a null string is "".
type Value struct {
	Type Type
	Null bool
	I    int64
	F    float64
	S    string
	G    UUID
	D    any
}

// Constructors.

func NullValue(t Type) Value {
	if t == String {
		return Value{Type: String}
	}
	return Value{Type: t, Null: true}
}
func BoolValue(b bool) Value {
	if b {
		return Value{Type: Bool, I: 1}
	}
	return Value{Type: Bool}
}
func IntValue(i int64) Value          { return Value{Type: Int, I: int64(int32(i))} }
func LongValue(i int64) Value         { return Value{Type: Long, I: i} }
func RealValue(f float64) Value       { return Value{Type: Real, F: f} }
func DecimalValue(f float64) Value    { return Value{Type: Decimal, F: f} }
func StringValue(s string) Value      { return Value{Type: String, S: s} }
func DateTimeValue(ticks int64) Value { return Value{Type: DateTime, I: ticks} }
func TimeSpanValue(ticks int64) Value { return Value{Type: TimeSpan, I: ticks} }
func GuidValue(u UUID) Value          { return Value{Type: Guid, G: u} }

// DynamicValue wraps a Go value as a dynamic Value (normalizing it).
func DynamicValue(v any) Value {
	v = NormalizeDynamic(v)
	return Value{Type: Dynamic, D: v, Null: v == nil}
}

// TimeValue returns a datetime Value for t.
func TimeValue(t time.Time) Value { return DateTimeValue(TimeToTicks(t)) }

// DurationValue returns a timespan Value for d.
func DurationValue(d time.Duration) Value { return TimeSpanValue(DurationToTicks(d)) }

// Bool returns the payload of a bool value.
func (v Value) Bool() bool { return v.I != 0 }

// IsNull reports whether v is null (never true for strings).
func (v Value) IsNull() bool { return v.Null }

// Time returns the payload of a datetime value.
func (v Value) Time() time.Time { return TicksToTime(v.I) }

// Dynamic returns v as a normalized dynamic element: scalars become their
// dynamic counterparts (datetime → time.Time, timespan → time.Duration).
func (v Value) Dynamic() any {
	if v.Null {
		return nil
	}
	switch v.Type {
	case Bool:
		return v.I != 0
	case Int, Long:
		return v.I
	case Real, Decimal:
		return v.F
	case String:
		return v.S
	case DateTime:
		return TicksToTime(v.I)
	case TimeSpan:
		return TicksToDuration(v.I)
	case Guid:
		return v.G
	case Dynamic:
		return v.D
	}
	return nil
}

// FromDynamic converts a normalized dynamic element to a typed scalar Value
// when it is a scalar; arrays, bags and null stay dynamic.
func FromDynamic(d any) Value {
	switch x := d.(type) {
	case bool:
		return BoolValue(x)
	case int64:
		return LongValue(x)
	case float64:
		return RealValue(x)
	case string:
		return StringValue(x)
	case time.Time:
		return TimeValue(x)
	case time.Duration:
		return DurationValue(x)
	case UUID:
		return GuidValue(x)
	}
	return DynamicValue(d)
}

// String renders v as tostring() does.
func (v Value) String() string {
	if v.Null {
		return ""
	}
	switch v.Type {
	case Bool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	case Int, Long:
		return strconv.FormatInt(v.I, 10)
	case Real, Decimal:
		return FormatReal(v.F)
	case String:
		return v.S
	case DateTime:
		return FormatDateTime(v.I)
	case TimeSpan:
		return FormatTimeSpan(v.I)
	case Guid:
		return v.G.String()
	case Dynamic:
		return DynamicToString(v.D)
	}
	return ""
}

// Go returns v as a plain Go value: nil, bool, int64, float64, string,
// time.Time, time.Duration, UUID or a dynamic value.
func (v Value) Go() any {
	if v.Null {
		return nil
	}
	return v.Dynamic()
}

// Wire returns v in the Log Analytics query API wire form, ready for
// encoding/json: numbers for int/long/real/decimal, booleans, ISO 8601
// strings for datetime, [d.]hh:mm:ss[.fffffff] for timespan, the JSON text of
// dynamic values as a string, null as nil.
func (v Value) Wire() any {
	if v.Null {
		return nil
	}
	switch v.Type {
	case Bool:
		return v.I != 0
	case Int, Long:
		return v.I
	case Real, Decimal:
		return wireReal(v.F)
	case String:
		return v.S
	case DateTime:
		return FormatDateTime(v.I)
	case TimeSpan:
		return FormatTimeSpan(v.I)
	case Guid:
		return v.G.String()
	case Dynamic:
		if s, ok := v.D.(string); ok {
			return s
		}
		return string(AppendJSON(nil, v.D))
	}
	return nil
}

func wireReal(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return FormatReal(f)
	}
	return f
}

// Equal reports whether two values are identical in type and payload
// (nulls of the same type are equal); used by tests and distinct.
func (v Value) Equal(w Value) bool {
	if v.Type != w.Type || v.Null != w.Null {
		return false
	}
	if v.Null {
		return true
	}
	switch v.Type.Storage() {
	case StoreBool, StoreInt:
		return v.I == w.I
	case StoreReal:
		return v.F == w.F || math.IsNaN(v.F) && math.IsNaN(w.F)
	case StoreString:
		return v.S == w.S
	case StoreGuid:
		return v.G == w.G
	case StoreDynamic:
		return DynamicEqual(v.D, w.D)
	}
	return true
}

// ValueOf converts a Go value to a Value of column type t, the conversion
// TableBuilder.Append applies. Strings are parsed for non-string types.
func ValueOf(t Type, x any) (Value, error) {
	var v Value
	err := setValue(&v, t, x)
	return v, err
}
