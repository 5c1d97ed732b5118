package savedsearches

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
)

// Queries are checked offline with the KQL engine (kql.Validate) before anything is written: against
// the known table schemas, the workspace's own tables and its saved functions.

// catalog is the validation catalog of a workspace: known and workspace tables, and its functions.
type catalog struct {
	*schema.Catalog
	functions map[string]sentinel.SavedSearch
}

func newCatalog(tables []sentinel.Table, searches []sentinel.SavedSearch) *catalog {
	var extra []*data.Schema
	for i := range tables {
		t := &tables[i]
		if _, known := schema.Lookup(t.Name); known {
			continue
		}
		s := &data.Schema{Name: t.Name}
		for _, c := range t.AllColumns() {
			if typ, ok := schema.ParseARMColumnType(c.Type); ok {
				s.Columns = append(s.Columns, data.Column{Name: c.Name, Type: typ})
			}
		}
		extra = append(extra, s)
	}
	cat := &catalog{Catalog: schema.NewCatalog(extra...), functions: map[string]sentinel.SavedSearch{}}
	for _, s := range searches {
		if s.IsFunction() {
			cat.functions[s.Properties.FunctionAlias] = s
		}
	}
	return cat
}

// Function makes the workspace's functions known to the checker (kql.FunctionSource).
func (c *catalog) Function(name string) (string, []kql.FuncParam, bool) {
	s, ok := c.functions[name]
	if !ok {
		return "", nil, false
	}
	ps, err := parseParams(s.Properties.FunctionParameters)
	if err != nil {
		return s.Properties.Query, nil, true
	}
	out := make([]kql.FuncParam, len(ps))
	for i, p := range ps {
		out[i] = kql.FuncParam{Name: p.Name, Type: p.typ, Default: p.Default}
	}
	return s.Properties.Query, out, true
}

// param is a declared function parameter: "name:type" or "name:type=default" (scalar), or
// "name:(col:type, ...)" / "name:(*)" (tabular).
type param struct {
	Name    string
	Type    string
	Default string
	Tabular bool
	typ     data.Type
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseParams parses a function's parameter list ("a:string, b:int=5, T:(x:string)").
func parseParams(s string) ([]param, error) {
	var out []param
	seen := map[string]bool{}
	for _, part := range splitTop(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("empty parameter in %q", s)
		}
		name, rest, ok := strings.Cut(part, ":")
		name = strings.TrimSpace(name)
		if !ok || !identRE.MatchString(name) {
			return nil, fmt.Errorf("parameter %q: write name:type, e.g. threshold:int=5", part)
		}
		if seen[name] {
			return nil, fmt.Errorf("parameter %s is declared twice", name)
		}
		seen[name] = true
		p := param{Name: name}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") {
			if !strings.HasSuffix(rest, ")") {
				return nil, fmt.Errorf("parameter %s: a tabular type is (col:type, ...) or (*)", name)
			}
			p.Tabular, p.Type = true, rest
			if inner := strings.TrimSpace(rest[1 : len(rest)-1]); inner != "*" {
				cols, err := parseParams(inner)
				if err != nil {
					return nil, fmt.Errorf("parameter %s: %v", name, err)
				}
				for _, c := range cols {
					if c.Tabular || c.Default != "" {
						return nil, fmt.Errorf("parameter %s: columns of a tabular parameter are name:scalar_type", name)
					}
				}
			}
		} else {
			typ, def, hasDef := strings.Cut(rest, "=")
			typ = strings.TrimSpace(typ)
			t, ok := data.ParseType(typ)
			if !ok || typ == "" {
				return nil, fmt.Errorf("parameter %s: %q is not a scalar type (string, int, long, real, bool, datetime, timespan, guid, dynamic)", name, typ)
			}
			p.Type, p.typ = typ, t
			if hasDef {
				p.Default = strings.TrimSpace(def)
				if p.Default == "" {
					return nil, fmt.Errorf("parameter %s: the default after '=' is empty", name)
				}
			} else if len(out) > 0 && out[len(out)-1].Default != "" {
				return nil, fmt.Errorf("parameter %s: parameters without a default come before those with one", name)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// splitTop splits s at the commas outside parentheses and quotes.
func splitTop(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case ch == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// checkQuery validates a saved search's query (a function body, with its parameters declared as
// let statements). It returns the errors (the query must not be saved) and the warnings.
func checkQuery(query string, params []param, cat kql.Catalog) (errs, warns []string) {
	var prefix strings.Builder
	for _, p := range params {
		if p.Tabular {
			cols := strings.TrimSpace(p.Type[1 : len(p.Type)-1])
			if cols == "*" {
				cols = "_any:string"
			}
			fmt.Fprintf(&prefix, "let %s = datatable(%s)[]; ", p.Name, cols)
		} else if p.typ == data.String {
			fmt.Fprintf(&prefix, "let %s = ''; ", p.Name) // strings have no null literal
		} else {
			fmt.Fprintf(&prefix, "let %s = %s(null); ", p.Name, p.typ)
		}
	}
	src := query
	shift := 0
	if prefix.Len() > 0 {
		src = prefix.String() + "\n" + query
		shift = 1
	}
	for _, d := range kql.Validate(src, cat) {
		line := d.Line - shift
		msg := d.Message
		if d.Hint != "" && !strings.Contains(msg, d.Hint) {
			msg += " (" + d.Hint + ")"
		}
		if line < 1 {
			msg = "in the parameters: " + msg
		} else {
			msg = fmt.Sprintf("line %d, column %d: %s", line, d.Col, msg)
		}
		if d.Severity == kql.SeverityWarning {
			warns = append(warns, msg)
		} else {
			errs = append(errs, msg)
		}
	}
	return errs, warns
}
