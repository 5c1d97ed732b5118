// Package schema holds the schemas of the Microsoft Sentinel and Log Analytics tables the product knows: their
// columns and types, time column, description, solutions and categories.
//
// The emulator generates its log data against these schemas, serves them through the query API's metadata
// endpoint and the ARM tables API, and the KQL checker validates queries against them offline (Catalog).
//
// Schemas are embedded data, one small text file per table under tables/ (see parseTable for the format), so
// adding a table is adding a file. Column sets follow Microsoft's Azure Monitor table reference; every table
// also gets the standard columns Log Analytics adds (TenantId, Type) and the hidden ones (_ResourceId,
// _SubscriptionId, _BilledSize, _IsBillable, _ItemId), which queries may use but which are not part of the visible
// schema (metadata, getschema, ARM).
package schema

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

//go:embed tables/*.tbl
var tableFiles embed.FS

// Column is one column of a table.
type Column struct {
	Name        string
	Type        data.Type
	Description string
	// Hidden columns (_ResourceId, _SubscriptionId, _BilledSize, _IsBillable, _ItemId) can be queried but are not
	// listed by the metadata API, getschema or ARM, and `take`/`project *` do not show them in Log Analytics.
	Hidden bool
}

// Table types as ARM reports them in properties.schema.tableType.
const (
	TypeMicrosoft = "Microsoft"
	TypeCustomLog = "CustomLog"
)

// Table is the schema of one table.
type Table struct {
	Name        string
	Description string
	Solutions   []string
	Categories  []string
	// TimeColumn is the column the query API's timespan applies to (TimeGenerated unless stated).
	TimeColumn string
	// Connector is the Sentinel data connector kind that feeds the table, when there is one (for data
	// freshness checks): AzureActiveDirectory, Office365, MicrosoftThreatProtection, ThreatIntelligence...
	Connector string
	TableType string // TypeMicrosoft or TypeCustomLog
	Columns   []Column

	once   sync.Once
	schema *data.Schema
}

// IsCustom reports whether the table is a custom log table (name ending in _CL).
func (t *Table) IsCustom() bool { return t.TableType == TypeCustomLog }

// Column returns a column by name (case-sensitive, as in Kusto).
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// VisibleColumns returns the columns without the hidden standard ones.
func (t *Table) VisibleColumns() []Column {
	out := make([]Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// Schema returns the table as a KQL engine schema: every column, hidden ones last. The result is shared;
// callers must not modify it (Clone it first).
func (t *Table) Schema() *data.Schema {
	t.once.Do(func() {
		cols := make([]data.Column, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = data.Column{Name: c.Name, Type: c.Type}
		}
		t.schema = &data.Schema{Name: t.Name, Columns: cols, TimeColumn: t.TimeColumn}
	})
	return t.schema
}

// hiddenColumns are added to every table that does not declare them.
var hiddenColumns = []Column{
	{Name: "_ResourceId", Type: data.String, Description: "Azure resource the record is associated with.", Hidden: true},
	{Name: "_SubscriptionId", Type: data.String, Description: "Subscription the record is associated with.", Hidden: true},
	{Name: "_BilledSize", Type: data.Real, Description: "Billed size of the record in bytes.", Hidden: true},
	{Name: "_IsBillable", Type: data.String, Description: "Whether the record is billed (\"true\"/\"false\").", Hidden: true},
	{Name: "_ItemId", Type: data.String, Description: "Unique identifier of the record.", Hidden: true},
}

var (
	loadOnce sync.Once
	byName   map[string]*Table
	byFold   map[string]*Table
	ordered  []*Table
	loadErr  error
)

func load() {
	byName = map[string]*Table{}
	byFold = map[string]*Table{}
	loadErr = fs.WalkDir(tableFiles, "tables", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := tableFiles.ReadFile(path)
		if err != nil {
			return err
		}
		t, err := parseTable(string(raw))
		if err != nil {
			return fmt.Errorf("schema: %s: %w", path, err)
		}
		if _, dup := byName[t.Name]; dup {
			return fmt.Errorf("schema: %s: table %s declared twice", path, t.Name)
		}
		byName[t.Name] = t
		byFold[strings.ToLower(t.Name)] = t
		ordered = append(ordered, t)
		return nil
	})
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Name < ordered[j].Name })
	if loadErr != nil {
		panic(loadErr) // embedded data is validated by the package tests; a failure here is a build defect
	}
}

// Lookup returns the schema of a table by its exact name.
func Lookup(name string) (*Table, bool) {
	loadOnce.Do(load)
	t, ok := byName[name]
	return t, ok
}

// LookupFold returns the schema of a table ignoring case (for suggestions: Kusto names are case-sensitive).
func LookupFold(name string) (*Table, bool) {
	loadOnce.Do(load)
	t, ok := byFold[strings.ToLower(name)]
	return t, ok
}

// All returns every known table, sorted by name. The slice is fresh; the tables are shared.
func All() []*Table {
	loadOnce.Do(load)
	return append([]*Table(nil), ordered...)
}

// Names returns the names of every known table, sorted.
func Names() []string {
	loadOnce.Do(load)
	out := make([]string, len(ordered))
	for i, t := range ordered {
		out[i] = t.Name
	}
	return out
}

// parseTable parses one table file:
//
//	name: SigninLogs
//	description: one line
//	solutions: LogManagement, SecurityInsights
//	categories: Security, Audit
//	time: TimeGenerated          (optional; default TimeGenerated)
//	connector: AzureActiveDirectory (optional)
//	type: CustomLog              (optional; default Microsoft, or CustomLog for *_CL)
//	---
//	ColumnName type optional description words
//
// Blank lines and lines starting with # are ignored.
func parseTable(src string) (*Table, error) {
	t := &Table{TimeColumn: "TimeGenerated"}
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	inCols, line := false, 0
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if !inCols {
			if s == "---" {
				inCols = true
				continue
			}
			key, val, ok := strings.Cut(s, ":")
			if !ok {
				return nil, fmt.Errorf("line %d: expected \"key: value\" before ---", line)
			}
			val = strings.TrimSpace(val)
			switch strings.TrimSpace(key) {
			case "name":
				t.Name = val
			case "description":
				t.Description = val
			case "solutions":
				t.Solutions = splitList(val)
			case "categories":
				t.Categories = splitList(val)
			case "time":
				t.TimeColumn = val
			case "connector":
				t.Connector = val
			case "type":
				t.TableType = val
			default:
				return nil, fmt.Errorf("line %d: unknown key %q", line, key)
			}
			continue
		}
		fields := strings.SplitN(s, " ", 3)
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: expected \"Name type [description]\"", line)
		}
		typ, ok := data.ParseType(fields[1])
		if !ok {
			return nil, fmt.Errorf("line %d: column %s: unknown type %q", line, fields[0], fields[1])
		}
		if seen[fields[0]] {
			return nil, fmt.Errorf("line %d: duplicate column %s", line, fields[0])
		}
		seen[fields[0]] = true
		c := Column{Name: fields[0], Type: typ}
		if len(fields) == 3 {
			c.Description = strings.TrimSpace(fields[2])
		}
		t.Columns = append(t.Columns, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if t.Name == "" || !inCols || len(t.Columns) == 0 {
		return nil, fmt.Errorf("missing name, --- separator or columns")
	}
	if t.TableType == "" {
		t.TableType = TypeMicrosoft
		if strings.HasSuffix(t.Name, "_CL") {
			t.TableType = TypeCustomLog
		}
	}
	for _, std := range []Column{{Name: "TenantId", Type: data.String}, {Name: "Type", Type: data.String}} {
		if !seen[std.Name] {
			t.Columns = append(t.Columns, std)
			seen[std.Name] = true
		}
	}
	for _, h := range hiddenColumns {
		if !seen[h.Name] {
			t.Columns = append(t.Columns, h)
		}
	}
	if tc, ok := t.Column(t.TimeColumn); !ok || tc.Type != data.DateTime {
		return nil, fmt.Errorf("table %s: time column %s is not a datetime column", t.Name, t.TimeColumn)
	}
	return t, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
