package eval

import "github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"

// Source provides the tables a query reads (the facade adapts
// kql.DataSource to it).
type Source interface {
	Table(name string) (*data.Table, bool) // case-sensitive like Kusto
	TableNames() []string
	Workspace(ref string) (Source, bool) // workspace("x") / cross-workspace queries
}

// FunctionSource is optionally implemented by sources that expose stored
// functions (saved searches, workspace functions such as ASIM parsers or
// _GetWatchlist): the body is KQL, params its declared parameters.
type FunctionSource interface {
	Function(name string) (body string, params []FuncParam, ok bool)
}

// FuncParam is a declared parameter of a stored function.
type FuncParam struct {
	Name    string
	Type    data.Type // Invalid for a tabular parameter
	Default string    // KQL literal, empty when required
}
