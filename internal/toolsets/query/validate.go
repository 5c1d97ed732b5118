package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type validateIn struct {
	Query string `json:"query" jsonschema:"KQL query to check."`
}

// validateOut: Valid means no errors (warnings do not make a query invalid); Truncated that there
// were more findings than listed.
type validateOut struct {
	Valid       bool         `json:"valid"`
	Diagnostics []diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated,omitempty"`
	errors      int
	warnings    int
}

func validateKQL(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "validate_kql",
		Description: "Check KQL offline without running it: syntax, tables and columns, with line, column and a suggested fix.",
		Annotations: inventory.Annotations("Validate KQL", inventory.ReadOnly|inventory.Idempotent),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in validateIn) (*mcp.CallToolResult, validateOut, error) {
		if strings.TrimSpace(in.Query) == "" {
			return nil, validateOut{}, toolkit.ArgError("query", "the query is empty: send the KQL to check")
		}
		out := validateOut{Diagnostics: []diagnostic{}}
		var ds []diagnostic
		if err := checkQuery("query", in.Query); err != nil {
			line := 1
			if _, l, ok := controlCommand(in.Query); ok {
				line = l
			}
			ds = []diagnostic{{Severity: kql.SeverityError, Code: "Refused", Line: line, Column: 1, Message: strings.TrimPrefix(err.Error(), `argument "query": `)}}
		} else {
			ds = offlineCheck(in.Query)
		}
		for _, x := range ds {
			if x.Severity == kql.SeverityError {
				out.errors++
			} else {
				out.warnings++
			}
		}
		out.Valid = out.errors == 0
		if len(ds) > maxDiagnostics {
			ds, out.Truncated = ds[:maxDiagnostics], true
		}
		out.Diagnostics = append(out.Diagnostics, ds...)
		var b strings.Builder
		switch {
		case out.Valid && out.warnings == 0:
			b.WriteString("Valid: no errors found (checked offline against the built-in table schemas).")
		case out.Valid:
			fmt.Fprintf(&b, "Valid, with %s:", plural(out.warnings, "warning", "warnings"))
		default:
			fmt.Fprintf(&b, "Invalid: %s, %s:", plural(out.errors, "error", "errors"), plural(out.warnings, "warning", "warnings"))
		}
		for _, x := range ds {
			fmt.Fprintf(&b, "\n- %s %s", x.Severity, x.describe(in.Query))
		}
		if out.Truncated {
			fmt.Fprintf(&b, "\n(only the first %d findings are listed)", maxDiagnostics)
		}
		return toolkit.Text(b.String()), out, nil
	})
}
