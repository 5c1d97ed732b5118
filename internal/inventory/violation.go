package inventory

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
)

// The validator's own messages print the offending value in full (a megabyte string, a 100,000-item
// list) and the schemas involved. A model needs the argument, the rule and a glimpse of the value, so
// argument errors are worded here from the schema, quoting at most maxQuote characters of any value.

// maxQuote bounds how much of a value an argument error quotes.
const maxQuote = 100

// maxFallback bounds a validator message used as is (a rule this file does not word).
const maxFallback = 300

// Limits of any argument value, whatever the tool's schema says (a tool may allow a longer string
// with MaxLength): they keep a megabyte of hostile input from reaching the handlers, the tenancy
// layer and the audit log, and answer it with a short error.
const (
	MaxStringChars = 1 << 20 // characters of one string value
	MaxListItems   = 10_000  // items of one list
	MaxDepth       = 32      // nesting of lists and objects
)

// overLimit reports the first value of args beyond the limits above.
func overLimit(s *jsonschema.Schema, args map[string]any) string {
	for _, name := range sortedKeys(args) {
		maxLen := MaxStringChars
		if p := s.Properties[name]; p != nil && p.MaxLength != nil {
			maxLen = *p.MaxLength // the tool's own bound, worded the same way
		}
		if msg := limitValue(name, args[name], maxLen, 1); msg != "" {
			return msg
		}
	}
	return ""
}

func limitValue(path string, v any, maxLen, depth int) string {
	switch x := v.(type) {
	case string:
		if len(x) > maxLen { // bytes >= characters: count only when it may matter
			if n := utf8.RuneCountInString(x); n > maxLen {
				if maxLen != MaxStringChars {
					return fmt.Sprintf("argument %q is %d characters long; at most %d are allowed (it begins %s)", path, n, maxLen, quote(x))
				}
				return fmt.Sprintf("argument %q is %d characters long; this server accepts at most %d in one value (it begins %s)", path, n, maxLen, quote(x))
			}
		}
	case []any:
		if depth > MaxDepth {
			return fmt.Sprintf("argument %q is nested more than %d levels deep", strings.SplitN(path, "[", 2)[0], MaxDepth)
		}
		if len(x) > MaxListItems {
			return fmt.Sprintf("argument %q has %d items; this server accepts at most %d in one list", path, len(x), MaxListItems)
		}
		for i, item := range x {
			if msg := limitValue(fmt.Sprintf("%s[%d]", path, i), item, MaxStringChars, depth+1); msg != "" {
				return msg
			}
		}
	case map[string]any:
		if depth > MaxDepth {
			return fmt.Sprintf("argument %q is nested more than %d levels deep", strings.SplitN(path, ".", 2)[0], MaxDepth)
		}
		if len(x) > MaxListItems {
			return fmt.Sprintf("argument %q has %d members; this server accepts at most %d in one object", path, len(x), MaxListItems)
		}
		for _, k := range sortedKeys(x) {
			if msg := limitValue(path+"."+clip(k, 40), x[k], MaxStringChars, depth+1); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// violation explains why args violate the input schema, or returns "" when it finds nothing (the
// validator then has the last word, shortened).
func violation(s *jsonschema.Schema, args map[string]any) string {
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range s.Required {
		if _, ok := args[name]; !ok {
			return fmt.Sprintf("missing required argument %q", name)
		}
	}
	for _, name := range names {
		if v, ok := args[name]; ok {
			if msg := describe(name, s.Properties[name], v, 0); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func describe(path string, s *jsonschema.Schema, v any, depth int) string {
	if s == nil || depth > 32 {
		return ""
	}
	if len(s.AnyOf) > 0 || len(s.OneOf) > 0 || len(s.AllOf) > 0 || s.Not != nil || s.Ref != "" {
		return "" // combinations: the validator words them
	}
	arg := fmt.Sprintf("argument %q", path)
	if types := schemaTypes(s); len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
		return fmt.Sprintf("%s must be %s, not %s", arg, typeList(types), describeValue(v))
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return equalJSON(e, v) }) {
		return fmt.Sprintf("%s: %s is not one of %s", arg, quote(v), enumList(s.Enum))
	}
	if s.Const != nil && !equalJSON(*s.Const, v) {
		return fmt.Sprintf("%s must be %s, not %s", arg, quote(*s.Const), quote(v))
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if s.MaxLength != nil && n > *s.MaxLength {
			return fmt.Sprintf("%s is %d characters long; at most %d are allowed (it begins %s)", arg, n, *s.MaxLength, quote(x))
		}
		if s.MinLength != nil && n < *s.MinLength {
			return fmt.Sprintf("%s is %d characters long; at least %d are needed", arg, n, *s.MinLength)
		}
		if s.Pattern != "" {
			if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(x) {
				return fmt.Sprintf("%s: %s does not match the pattern %s", arg, quote(x), clip(strconv.Quote(s.Pattern), maxQuote))
			}
		}
	case float64:
		switch {
		case s.Minimum != nil && x < *s.Minimum:
			return fmt.Sprintf("%s: %v is below the minimum, %v", arg, x, *s.Minimum)
		case s.Maximum != nil && x > *s.Maximum:
			return fmt.Sprintf("%s: %v is above the maximum, %v", arg, x, *s.Maximum)
		case s.ExclusiveMinimum != nil && x <= *s.ExclusiveMinimum:
			return fmt.Sprintf("%s: %v must be greater than %v", arg, x, *s.ExclusiveMinimum)
		case s.ExclusiveMaximum != nil && x >= *s.ExclusiveMaximum:
			return fmt.Sprintf("%s: %v must be less than %v", arg, x, *s.ExclusiveMaximum)
		}
	case []any:
		if s.MaxItems != nil && len(x) > *s.MaxItems {
			return fmt.Sprintf("%s has %d items; at most %d are allowed", arg, len(x), *s.MaxItems)
		}
		if s.MinItems != nil && len(x) < *s.MinItems {
			return fmt.Sprintf("%s has %d items; at least %d are needed", arg, len(x), *s.MinItems)
		}
		for i, item := range x {
			if msg := describe(fmt.Sprintf("%s[%d]", path, i), s.Items, item, depth+1); msg != "" {
				return msg
			}
		}
		if s.UniqueItems {
			for i := 0; i < len(x) && i < 1000; i++ {
				for j := i + 1; j < len(x) && j < 1000; j++ {
					if equalJSON(x[i], x[j]) {
						return fmt.Sprintf("%s: items %d and %d are the same (%s)", arg, i, j, quote(x[i]))
					}
				}
			}
		}
	case map[string]any:
		for _, name := range s.Required {
			if _, ok := x[name]; !ok {
				return fmt.Sprintf("%s: missing member %q", arg, name)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if s.MaxProperties != nil && len(x) > *s.MaxProperties {
			return fmt.Sprintf("%s has %d members; at most %d are allowed", arg, len(x), *s.MaxProperties)
		}
		for _, k := range keys {
			sub, known := s.Properties[k]
			if !known {
				sub = s.AdditionalProperties
				if sub != nil && sub.Not != nil && len(s.Properties) > 0 {
					return fmt.Sprintf("%s: unknown member %s; valid members: %s", arg, quote(k), strings.Join(sortedKeys(s.Properties), ", "))
				}
			}
			if msg := describe(path+"."+k, sub, x[k], depth+1); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func schemaTypes(s *jsonschema.Schema) []string {
	if s.Type != "" {
		return []string{s.Type}
	}
	return s.Types
}

func hasType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

func typeList(types []string) string {
	var out []string
	for _, t := range types {
		switch t {
		case "null":
			continue
		case "integer":
			out = append(out, "an integer")
		case "array", "object":
			out = append(out, "an "+t)
		default:
			out = append(out, "a "+t)
		}
	}
	return strings.Join(out, " or ")
}

// describeValue names a value's kind and size without printing it whole.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return "the number " + strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return fmt.Sprintf("a string of %d characters (%s)", utf8.RuneCountInString(x), quote(x))
	case []any:
		return fmt.Sprintf("a list of %d items", len(x))
	case map[string]any:
		return fmt.Sprintf("an object of %d members", len(x))
	}
	return fmt.Sprintf("%T", v)
}

// quote shows at most maxQuote characters of a value, Go-quoted (control, BiDi and zero-width
// characters appear as escapes), with the length of what was left out.
func quote(v any) string {
	s, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprintf("%T", v)
		}
		return clip(string(b), maxQuote)
	}
	n := utf8.RuneCountInString(s)
	if n <= maxQuote {
		return strconv.Quote(s)
	}
	i := 0
	for k := 0; k < maxQuote; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return fmt.Sprintf("%s… (%d more characters)", strconv.Quote(s[:i]), n-maxQuote)
}

// clip cuts s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

func enumList(values []any) string {
	var out []string
	for i, e := range values {
		if i == 20 {
			out = append(out, fmt.Sprintf("… (%d more)", len(values)-20))
			break
		}
		out = append(out, quote(e))
	}
	return strings.Join(out, ", ")
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func sortedKeys[V any](m map[string]V) []string {
	out := mapsKeys(m)
	slices.Sort(out)
	return out
}
