package robustness

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// Minimal valid arguments, built from a tool's input schema: every required property gets the
// simplest value its schema admits (the first enum value, a one-character string, the minimum
// number, one item, an object of its own required members). Addressing arguments are filled in by
// the caller. The result is validated against the schema, so a tool whose schema asks for something
// this builder cannot make (a pattern, a oneOf...) fails with a message naming the override to add.

// argOverrides gives the value of a property when the generic one does not validate, per tool
// ("*" for every tool). Keep it small: most tools need no entry.
var argOverrides = map[string]map[string]any{
	"*": {},
}

// minimalArgs builds the required arguments of a tool, with addressing arguments taken from addr
// (by name; a required addressing argument missing from addr is an error).
func minimalArgs(lt listedTool, addr map[string]any) (map[string]any, error) {
	args := map[string]any{}
	for _, name := range lt.Schema.Required {
		if v, ok := addr[name]; ok {
			args[name] = v
			continue
		}
		if addressingKind(name) != "" {
			return nil, fmt.Errorf("tool %s: required addressing argument %q has no value in this scenario", lt.Name, name)
		}
		if v, ok := override(lt.Name, name); ok {
			args[name] = v
			continue
		}
		p := lt.Schema.Properties[name]
		if p == nil {
			return nil, fmt.Errorf("tool %s: required argument %q has no schema", lt.Name, name)
		}
		v, err := minimalValue(p, 0)
		if err != nil {
			return nil, fmt.Errorf("tool %s: argument %q: %v; add it to argOverrides in test/robustness/args_test.go", lt.Name, name, err)
		}
		args[name] = v
	}
	for name, v := range addr {
		if _, ok := lt.Schema.Properties[name]; ok {
			args[name] = v
		}
	}
	if err := validateArgs(lt.Schema, args); err != nil {
		return nil, fmt.Errorf("tool %s: the arguments built from its input schema do not validate (%v): give the offending property a value in argOverrides (test/robustness/args_test.go)", lt.Name, err)
	}
	return args, nil
}

func override(tool, prop string) (any, bool) {
	if m, ok := argOverrides[tool]; ok {
		if v, ok := m[prop]; ok {
			return v, true
		}
	}
	v, ok := argOverrides["*"][prop]
	return v, ok
}

// minimalValue is the simplest value that s admits.
func minimalValue(s *jsonschema.Schema, depth int) (any, error) {
	if depth > 8 {
		return nil, fmt.Errorf("schema nested too deep")
	}
	if s.Const != nil {
		return *s.Const, nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0], nil
	}
	if s.Default != nil {
		var v any
		if err := json.Unmarshal(s.Default, &v); err == nil {
			return v, nil
		}
	}
	if len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Pattern != "" || s.Format != "" && s.Format != "date-time" {
		return nil, fmt.Errorf("its schema (anyOf/oneOf/pattern/format) is beyond the generic builder")
	}
	typ := s.Type
	if typ == "" {
		for _, t := range s.Types {
			if t != "null" {
				typ = t
				break
			}
		}
	}
	switch typ {
	case "string":
		n := 1
		if s.MinLength != nil && *s.MinLength > n {
			n = *s.MinLength
		}
		return strings.Repeat("x", n), nil
	case "integer", "number":
		v := 1.0
		if s.Minimum != nil {
			v = *s.Minimum
		}
		if s.ExclusiveMinimum != nil {
			v = *s.ExclusiveMinimum + 1
		}
		return v, nil
	case "boolean":
		return false, nil
	case "array":
		if s.Items == nil {
			return []any{}, nil
		}
		n := 1
		if s.MinItems != nil && *s.MinItems > n {
			n = *s.MinItems
		}
		item, err := minimalValue(s.Items, depth+1)
		if err != nil {
			return nil, fmt.Errorf("items: %v", err)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = item
		}
		if s.UniqueItems && n > 1 {
			return nil, fmt.Errorf("unique items")
		}
		return out, nil
	case "object", "":
		obj := map[string]any{}
		req := slices.Clone(s.Required)
		slices.Sort(req)
		for _, name := range req {
			p := s.Properties[name]
			if p == nil {
				return nil, fmt.Errorf("required member %q has no schema", name)
			}
			v, err := minimalValue(p, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			obj[name] = v
		}
		if len(obj) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Not == nil && len(s.Properties) == 0 {
			v, err := minimalValue(s.AdditionalProperties, depth+1)
			if err != nil {
				return nil, err
			}
			obj["x"] = v
		}
		return obj, nil
	}
	return nil, fmt.Errorf("type %q", typ)
}

// validateArgs validates args against the listed input schema, as the server will.
func validateArgs(s *jsonschema.Schema, args map[string]any) error {
	rs, err := s.Resolve(nil)
	if err != nil {
		return fmt.Errorf("resolving the schema: %v", err)
	}
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return rs.Validate(v)
}
