package schema

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Catalog resolves table names to engine schemas. It implements kql.Catalog (Table, TableNames) over the
// known tables plus optional extra tables (a workspace's own custom tables, for example). Lookups are
// case-sensitive, like Kusto; Suggest offers the nearest name for a "did you mean" hint.
type Catalog struct {
	extra map[string]*data.Schema
	names []string
}

// NewCatalog returns a catalog of every known table plus extra schemas, which take precedence over a known
// table of the same name (a workspace may redefine nothing in practice, but a restored custom table may
// differ from our copy).
func NewCatalog(extra ...*data.Schema) *Catalog {
	c := &Catalog{extra: map[string]*data.Schema{}}
	set := map[string]bool{}
	for _, n := range Names() {
		set[n] = true
	}
	for _, s := range extra {
		if s == nil {
			continue
		}
		c.extra[s.Name] = s
		set[s.Name] = true
	}
	for n := range set {
		c.names = append(c.names, n)
	}
	sort.Strings(c.names)
	return c
}

var defaultCatalog = sync.OnceValue(func() *Catalog { return NewCatalog() })

// DefaultCatalog is the catalog of the known tables only.
func DefaultCatalog() *Catalog { return defaultCatalog() }

// Table returns the schema of a table (shared; do not modify).
func (c *Catalog) Table(name string) (*data.Schema, bool) {
	if s, ok := c.extra[name]; ok {
		return s, true
	}
	if t, ok := Lookup(name); ok {
		return t.Schema(), true
	}
	return nil, false
}

// TableNames returns every table name, sorted.
func (c *Catalog) TableNames() []string { return append([]string(nil), c.names...) }

// Suggest returns the known table name closest to name (case-insensitive match first, then the smallest
// edit distance within a third of the name's length), or "".
func (c *Catalog) Suggest(name string) string {
	best, bestD := "", len(name)/3+1
	for _, n := range c.names {
		if strings.EqualFold(n, name) {
			return n
		}
		if d := editDistance(strings.ToLower(n), strings.ToLower(name)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// NewCustomTable builds the schema of a custom log table from its declared columns (as a PUT of an ARM
// table or a DCR stream declares them). The name must end in _CL; TimeGenerated (datetime) is required;
// TenantId, Type and the hidden standard columns are added.
func NewCustomTable(name, description string, cols []Column) (*Table, error) {
	if !strings.HasSuffix(name, "_CL") || len(name) <= 3 {
		return nil, fmt.Errorf("custom table name %q must end in _CL", name)
	}
	t := &Table{Name: name, Description: description, Solutions: []string{"LogManagement"}, TimeColumn: "TimeGenerated",
		TableType: TypeCustomLog}
	seen := map[string]bool{}
	for _, c := range cols {
		if c.Name == "" || seen[c.Name] {
			return nil, fmt.Errorf("custom table %s: empty or duplicate column %q", name, c.Name)
		}
		if strings.HasPrefix(c.Name, "_") {
			return nil, fmt.Errorf("custom table %s: column %s: names starting with _ are reserved", name, c.Name)
		}
		seen[c.Name] = true
		c.Hidden = false
		t.Columns = append(t.Columns, c)
	}
	if tc, ok := t.Column("TimeGenerated"); !ok || tc.Type != data.DateTime {
		return nil, fmt.Errorf("custom table %s: a TimeGenerated column of type datetime is required", name)
	}
	for _, std := range []Column{{Name: "TenantId", Type: data.String}, {Name: "Type", Type: data.String}} {
		if !seen[std.Name] {
			t.Columns = append(t.Columns, std)
		}
	}
	t.Columns = append(t.Columns, hiddenColumns...)
	return t, nil
}
