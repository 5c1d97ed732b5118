package syntax

import "strings"

var binaryOpNames = [...]string{
	OpInvalid: "?", OpOr: "or", OpAnd: "and", OpEq: "==", OpNe: "!=", OpLt: "<", OpLe: "<=",
	OpGt: ">", OpGe: ">=", OpEqCI: "=~", OpNeCI: "!~", OpAdd: "+", OpSub: "-", OpMul: "*",
	OpDiv: "/", OpMod: "%",
	OpHas: "has", OpNotHas: "!has", OpHasCs: "has_cs", OpNotHasCs: "!has_cs",
	OpHasPrefix: "hasprefix", OpNotHasPrefix: "!hasprefix", OpHasPrefixCs: "hasprefix_cs", OpNotHasPrefixCs: "!hasprefix_cs",
	OpHasSuffix: "hassuffix", OpNotHasSuffix: "!hassuffix", OpHasSuffixCs: "hassuffix_cs", OpNotHasSuffixCs: "!hassuffix_cs",
	OpContains: "contains", OpNotContains: "!contains", OpContainsCs: "contains_cs", OpNotContainsCs: "!contains_cs",
	OpStartsWith: "startswith", OpNotStartsWith: "!startswith", OpStartsWithCs: "startswith_cs", OpNotStartsWithCs: "!startswith_cs",
	OpEndsWith: "endswith", OpNotEndsWith: "!endswith", OpEndsWithCs: "endswith_cs", OpNotEndsWithCs: "!endswith_cs",
	OpMatchesRegex: "matches regex", OpIn: "in", OpNotIn: "!in", OpInCI: "in~", OpNotInCI: "!in~",
	OpHasAny: "has_any", OpHasAll: "has_all",
}

// String returns the operator's KQL spelling ("==", "!has_cs", "matches regex").
func (op BinaryOp) String() string {
	if int(op) < len(binaryOpNames) {
		return binaryOpNames[op]
	}
	return "?"
}

// Negated reports whether op is a negated string or list operator (!has,
// !in ...), and returns its positive form.
func (op BinaryOp) Negated() (BinaryOp, bool) {
	s := op.String()
	if len(s) > 1 && s[0] == '!' && s != "!=" && s != "!~" {
		return stringOps[s[1:]], true
	}
	return op, false
}

// stringOps maps the spelling of every word and bang operator to its op.
var stringOps = func() map[string]BinaryOp {
	m := map[string]BinaryOp{}
	for op := OpHas; op < opCount; op++ {
		m[op.String()] = op
	}
	delete(m, "matches regex")
	m["notcontains"] = OpNotContains
	m["containscs"] = OpContainsCs
	m["notcontainscs"] = OpNotContainsCs
	m["notstartswith"] = OpNotStartsWith
	return m
}()

// typeNames maps every accepted scalar type name (lower case) to its
// canonical name.
var typeNames = map[string]string{
	"bool": "bool", "boolean": "bool",
	"int": "int", "int32": "int",
	"long": "long", "int64": "long",
	"real": "real", "double": "real",
	"decimal":  "decimal",
	"string":   "string",
	"datetime": "datetime", "date": "datetime",
	"timespan": "timespan", "time": "timespan",
	"guid": "guid", "uuid": "guid", "uniqueid": "guid",
	"dynamic": "dynamic",
}

// Canonical returns the canonical KQL name of the type (bool, int, long,
// real, decimal, string, datetime, timespan, guid, dynamic), or "" when the
// name is not a known type.
func (t *TypeRef) Canonical() string { return typeNames[strings.ToLower(t.Name)] }

// JoinKinds lists the join kinds the parser accepts (kind=...), with the
// synonyms Kusto documents.
var JoinKinds = []string{
	"innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti",
	"leftsemi", "rightsemi", "anti", "leftantisemi", "rightantisemi", "semi", "left", "right", "outer", "full",
}

// Go returns the value of a dynamic literal as plain Go values: nil, bool,
// int64 (int and long), float64 (real and decimal), string, time.Time
// (datetime), time.Duration (timespan), [16]byte (guid), []any and
// map[string]any. A typed null is nil.
func (d *DynamicLit) Go() any { return dynGo(d.Value) }

func dynGo(v DynValue) any {
	switch v := v.(type) {
	case *DynArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = dynGo(e)
		}
		return out
	case *DynObject:
		out := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			out[f.Key] = dynGo(f.Value)
		}
		return out
	case *Literal:
		if v.Null {
			return nil
		}
		switch v.Kind {
		case LitBool:
			return v.Bool
		case LitInt, LitLong:
			return v.Int
		case LitReal, LitDecimal:
			return v.Real
		case LitString:
			return v.Str
		case LitDateTime:
			return v.Time
		case LitTimeSpan:
			return v.Duration()
		case LitGuid:
			return v.Guid
		}
	}
	return nil
}
