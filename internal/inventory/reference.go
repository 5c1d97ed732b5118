package inventory

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Mode is how a tool is gated: "read", "write" (needs writes enabled) or "destructive" (also needs
// confirmation).
func (t *Tool) Mode() string {
	switch {
	case t.Destructive():
		return "destructive"
	case t.Write():
		return "write"
	}
	return "read"
}

// Title is the tool's display title (annotations title, else the name).
func (t *Tool) Title() string {
	if t.Def.Title != "" {
		return t.Def.Title
	}
	if t.Def.Annotations != nil && t.Def.Annotations.Title != "" {
		return t.Def.Annotations.Title
	}
	return t.Def.Name
}

// Arguments lists the tool's input arguments as "name" or "name?" (optional), in schema order.
func (t *Tool) Arguments() []string {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	b, _ := json.Marshal(t.Def.InputSchema)
	_ = json.Unmarshal(b, &s)
	order := propertyOrder(b)
	var out []string
	for _, name := range order {
		if slices.Contains(s.Required, name) {
			out = append(out, name)
		} else {
			out = append(out, name+"?")
		}
	}
	return out
}

// propertyOrder returns the keys of the schema's "properties" object in document order (the
// inferred schemas keep struct field order).
func propertyOrder(schema []byte) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(schema, &top) != nil || top["properties"] == nil {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(top["properties"])))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		key, _ := tok.(string)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
		keys = append(keys, key)
	}
	return keys
}

// Reference renders the tool reference for README.md: one section per toolset with each tool's name,
// mode, arguments and description.
func Reference(toolsets []Toolset, tools []Tool) string {
	var b strings.Builder
	if len(tools) == 0 {
		b.WriteString("_No tools yet._\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%d tools in %d toolsets. Mode: **read** tools are always available; **write** tools need `--enable-writes`; **destructive** tools also ask for confirmation. Optional arguments end with `?`.\n", len(tools), len(toolsets))
	for _, ts := range toolsets {
		var in []Tool
		for _, t := range tools {
			if t.Toolset == ts.Name {
				in = append(in, t)
			}
		}
		if len(in) == 0 {
			continue
		}
		def := ""
		if ts.Default {
			def = " (default)"
		}
		fmt.Fprintf(&b, "\n#### `%s`%s: %s\n\n| Tool | Mode | Arguments | Description |\n|---|---|---|---|\n", ts.Name, def, strings.TrimSuffix(ts.Description, "."))
		for i := range in {
			t := &in[i]
			args := t.Arguments()
			for j, a := range args {
				args[j] = "`" + a + "`"
			}
			desc := strings.NewReplacer("|", `\|`, "\n", " ").Replace(t.Def.Description)
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", t.Name(), t.Mode(), strings.Join(args, ", "), desc)
		}
	}
	return b.String()
}
