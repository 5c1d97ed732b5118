// Package data is the data model of the KQL engine: scalar types, values,
// dynamic values, typed columnar vectors and immutable tables.
//
// Representation choices (why):
//   - datetime and timespan are int64 counts of 100 ns ticks (Kusto's own
//     resolution); datetimes count from the Unix epoch so the full Kusto range
//     (years 0001-9999) fits without overflow.
//   - int and long share an int64 vector; decimal shares the float64 vector
//     (an approximation of Kusto's 128-bit decimal, good enough for logs).
//   - strings are never null in Kusto: an absent string is the empty string.
//   - string columns built by TableBuilder are dictionary-encoded while their
//     cardinality is low, so predicates can run once per distinct value.
package data

import "strings"

// Type is a KQL scalar type. The zero value Invalid means "no type" (for
// example an expression that failed to type-check).
type Type uint8

// The KQL scalar types.
const (
	Invalid Type = iota
	Bool
	Int
	Long
	Real
	Decimal
	String
	DateTime
	TimeSpan
	Guid
	Dynamic
)

var typeNames = [...]string{
	Invalid:  "invalid",
	Bool:     "bool",
	Int:      "int",
	Long:     "long",
	Real:     "real",
	Decimal:  "decimal",
	String:   "string",
	DateTime: "datetime",
	TimeSpan: "timespan",
	Guid:     "guid",
	Dynamic:  "dynamic",
}

// String returns the Log Analytics wire name of the type (bool, int, long,
// real, decimal, string, datetime, timespan, guid, dynamic).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "invalid"
}

// IsNumeric reports whether t is int, long, real or decimal.
func (t Type) IsNumeric() bool {
	return t == Int || t == Long || t == Real || t == Decimal
}

// IsInteger reports whether t is int or long.
func (t Type) IsInteger() bool { return t == Int || t == Long }

// IsFloat reports whether t is real or decimal.
func (t Type) IsFloat() bool { return t == Real || t == Decimal }

// Storage reports which vector of a Vector holds values of type t.
func (t Type) Storage() Storage {
	switch t {
	case Bool:
		return StoreBool
	case Int, Long, DateTime, TimeSpan:
		return StoreInt
	case Real, Decimal:
		return StoreReal
	case String:
		return StoreString
	case Guid:
		return StoreGuid
	case Dynamic:
		return StoreDynamic
	}
	return StoreNone
}

// Storage identifies the physical representation of a vector.
type Storage uint8

// Physical representations.
const (
	StoreNone Storage = iota
	StoreBool
	StoreInt
	StoreReal
	StoreString
	StoreGuid
	StoreDynamic
)

var typeAliases = map[string]Type{
	"bool": Bool, "boolean": Bool,
	"int": Int, "int32": Int, "int8": Int, "int16": Int, "uint": Int, "uint8": Int, "uint16": Int, "byte": Int,
	"long": Long, "int64": Long, "uint32": Long, "uint64": Long,
	"real": Real, "double": Real, "float": Real, "single": Real,
	"decimal":  Decimal,
	"string":   String,
	"datetime": DateTime, "date": DateTime,
	"timespan": TimeSpan, "time": TimeSpan,
	"guid": Guid, "uuid": Guid, "uniqueid": Guid,
	"dynamic": Dynamic, "object": Dynamic,
}

// ParseType parses a KQL type name (case-insensitive), accepting the wire
// names and the documented aliases (boolean, double, date, time, uuid,
// uniqueid, int64, int32, ...). System.* CLR names (System.String,
// System.Int64, SByte ...) seen in Log Analytics metadata are accepted too.
func ParseType(name string) (Type, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if t, ok := typeAliases[n]; ok {
		return t, true
	}
	if rest, ok := strings.CutPrefix(n, "system."); ok {
		switch rest {
		case "boolean", "sbyte":
			return Bool, true
		case "int32", "int16", "byte":
			return Int, true
		case "int64":
			return Long, true
		case "double", "single":
			return Real, true
		case "decimal", "data.sqltypes.sqldecimal":
			return Decimal, true
		case "string":
			return String, true
		case "datetime":
			return DateTime, true
		case "timespan":
			return TimeSpan, true
		case "guid":
			return Guid, true
		case "object":
			return Dynamic, true
		}
	}
	return Invalid, false
}
