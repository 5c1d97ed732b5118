package eval

import (
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// Column naming: an unnamed output column takes a name derived from its
// expression, following Kusto's rules: a column reference keeps its name,
// d.a and d['a'] become d_a, and some functions pass the name of their
// first argument through (tostring(x) is x, bin(TimeGenerated, 1h) is
// TimeGenerated) or prefix it (strlen(x) is strlen_x). Aggregations prefix
// it with their own prefix (count_, dcount_x, sum_x, set_x ...).

// nameKind is how a function names its result.
type nameKind uint8

const (
	nameNone     nameKind = iota
	nameFirstArg          // the first argument's name
	namePrefix            // prefix_ + the first argument's name
	nameOnlyArg           // the argument's name when there is exactly one
)

type nameRule struct {
	kind   nameKind
	prefix string
}

var scalarNameRules = func() map[string]nameRule {
	m := map[string]nameRule{}
	for _, f := range []string{"tostring", "tohex", "todynamic", "toobject", "tolong", "toint", "toreal", "todouble",
		"todatetime", "totimespan", "totime", "tobool", "toboolean", "todecimal", "toguid", "parse_csv", "parse_json",
		"parsejson", "parse_xml", "format_datetime", "format_timespan", "startofday", "bin", "floor", "bin_at",
		"bin_auto", "binary_and", "binary_or", "binary_xor", "binary_not", "binary_shift_left", "binary_shift_right",
		"bitset_count_ones"} {
		m[f] = nameRule{kind: nameFirstArg}
	}
	for _, f := range []string{"strlen", "string_size", "percentile_tdigest"} {
		m[f] = nameRule{kind: namePrefix, prefix: f}
	}
	m["gettype"] = nameRule{kind: namePrefix, prefix: "type"}
	m["treepath"] = nameRule{kind: namePrefix, prefix: "tree"}
	m["repeat"] = nameRule{kind: namePrefix, prefix: "repeat"}
	m["make_datetime"] = nameRule{kind: nameOnlyArg}
	m["make_timespan"] = nameRule{kind: nameOnlyArg}
	return m
}()

// exprName returns the column name Kusto derives from an expression, or ""
// when there is none (the caller then numbers the column).
func exprName(x syntax.Expr) string {
	switch x := x.(type) {
	case *syntax.ParenExpr:
		return exprName(x.X)
	case *syntax.Ident:
		return x.Name
	case *syntax.MemberExpr:
		left := exprName(x.X)
		if left == "" {
			return x.Name.Name
		}
		return left + "_" + x.Name.Name
	case *syntax.IndexExpr:
		var right string
		if l, ok := x.Index.(*syntax.Literal); ok && (l.Kind == syntax.LitString || l.Kind == syntax.LitLong || l.Kind == syntax.LitInt) {
			right = literalValue(l).String()
		}
		if right == "" {
			return ""
		}
		left := exprName(x.X)
		if left == "" {
			return right
		}
		return left + "_" + right
	case *syntax.CallExpr:
		return callName(x)
	case *syntax.NamedArg:
		return x.Name.Name
	}
	return ""
}

// callName names a function call's result.
func callName(x *syntax.CallExpr) string {
	name := x.Name.Name
	if a, ok := lookupAgg(name); ok {
		if _, scalar := lookupFunc(name); !scalar {
			return aggName(a, x)
		}
	}
	if name == "column_ifexists" || name == "columnifexists" {
		if len(x.Args) > 0 {
			if l, ok := x.Args[0].(*syntax.Literal); ok && l.Kind == syntax.LitString {
				return l.Str
			}
		}
		return ""
	}
	rule, ok := scalarNameRules[name]
	if !ok || len(x.Args) == 0 {
		return ""
	}
	switch rule.kind {
	case nameFirstArg:
		return exprName(x.Args[0])
	case namePrefix:
		return rule.prefix + "_" + exprName(x.Args[0])
	case nameOnlyArg:
		if len(x.Args) == 1 {
			return exprName(x.Args[0])
		}
	}
	return ""
}

// aggName names a single-column aggregation: prefix_ + the first
// argument's name (count() is count_, countif(x > 1) is countif_).
func aggName(a *aggDef, x *syntax.CallExpr) string {
	switch a.name {
	case "take_anyif", "anyif":
		// take_anyif(s, p) is s, its older alias anyif(s, p) anyif_s
		if len(x.Args) > 0 {
			if x.Name.Name == "anyif" {
				return "anyif_" + exprName(x.Args[0])
			}
			return exprName(x.Args[0])
		}
	case "percentile", "percentiles":
		return percentileName(x, 1)
	case "percentiles_array":
		if len(x.Args) > 0 {
			return "percentiles_" + exprName(x.Args[0])
		}
	}
	if len(x.Args) == 0 {
		return a.prefix + "_"
	}
	return a.prefix + "_" + exprName(x.Args[0])
}

// percentileName is percentile_x_95 for the i-th percentile argument.
func percentileName(x *syntax.CallExpr, i int) string {
	if len(x.Args) <= i {
		return "percentile_"
	}
	return "percentile_" + exprName(x.Args[0]) + "_" + nameFragment(x.Args[i])
}

// nameFragment renders a constant as part of a column name (99.5 is 99_5).
func nameFragment(x syntax.Expr) string {
	l, ok := x.(*syntax.Literal)
	if !ok {
		return ""
	}
	s := literalValue(l).String()
	if l.Kind == syntax.LitReal || l.Kind == syntax.LitDecimal {
		s = strconv.FormatFloat(l.Real, 'f', -1, 64)
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}
