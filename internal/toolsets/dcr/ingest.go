package dcr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// maxSampleRecords bounds a dry run.
const maxSampleRecords = 100

type testIn struct {
	toolkit.WorkspaceArg
	Rule         string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
	Records      string `json:"records" jsonschema:"Sample record(s) as JSON text: an object, or an array of up to 100 objects, as sent to the Logs Ingestion API."`
	Stream       string `json:"stream,omitempty" jsonschema:"Input stream (default: the rule's only declared stream)."`
	TransformKql string `json:"transform_kql,omitempty" jsonschema:"Try this transformation instead of the rule's (nothing is written)."`
}

// FlowResult is what one data flow makes of the sample.
type FlowResult struct {
	Index        int            `json:"index"`
	OutputStream string         `json:"output_stream"`
	Table        string         `json:"table" jsonschema:"destination table"`
	Transform    string         `json:"transform"`
	Rows         int            `json:"rows" jsonschema:"rows the transformation outputs (filtered records are not ingested)"`
	Columns      []string       `json:"columns,omitempty" jsonschema:"output columns as name:type"`
	Errors       []string       `json:"errors,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
	Output       *render.Result `json:"output,omitempty"`
}

type testOut struct {
	Target
	Rule    string        `json:"rule"`
	Stream  string        `json:"stream"`
	Records int           `json:"records"`
	Issues  []recordIssue `json:"issues,omitempty" jsonschema:"problems of the records against the stream declaration"`
	Flows   []FlowResult  `json:"flows"`
	OK      bool          `json:"ok" jsonschema:"no record problem or flow error that would lose data"`
}

func testIngestion(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name: "test_dcr_ingestion",
		Description: "Dry-run sample records through a data collection rule: check them against the stream declaration, run the transformation, " +
			"and compare the output with the destination table. Writes nothing.",
		Annotations: inventory.Annotations("Test DCR ingestion", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in testIn) (*mcp.CallToolResult, testOut, error) {
		records, err := parseRecords(in.Records)
		if err != nil {
			return nil, testOut{}, toolkit.ArgError("records", "%v", err)
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, testOut{}, err
		}
		_, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, testOut{}, err
		}
		stream, decl, err := pickStream(r, in.Stream)
		if err != nil {
			return nil, testOut{}, err
		}
		s, err := streamSchema(decl)
		if err != nil {
			return nil, testOut{}, fmt.Errorf("the declaration of %s in %s is invalid: %v", stream, r.Name, err)
		}
		src, issues := buildSource(records, s)
		out := testOut{Target: targetOf(c.Workspace()), Rule: r.Name, Stream: stream, Records: len(records), Issues: issues, Flows: []FlowResult{}, OK: true}
		for _, is := range issues {
			if is.Fatal {
				out.OK = false
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Dry run of %d record(s) through %s, stream %s:", len(records), r.Name, stream)
		if len(issues) == 0 {
			b.WriteString("\nThe records match the stream declaration.")
		}
		for _, is := range issues {
			fmt.Fprintf(&b, "\nrecord %d", is.Record)
			if is.Column != "" {
				fmt.Fprintf(&b, ", column %s", is.Column)
			}
			fmt.Fprintf(&b, ": %s", is.Problem)
		}
		res := &mcp.CallToolResult{}
		for i, f := range r.Properties.DataFlows {
			if !contains(f.Streams, stream) {
				continue
			}
			fr := FlowResult{Index: i, OutputStream: firstNonEmpty(f.OutputStream, stream), Transform: firstNonEmpty(f.TransformKql, "source")}
			if in.TransformKql != "" {
				fr.Transform = in.TransformKql
			}
			fr.Table = tableOfStream(fr.OutputStream)
			dest := destinationColumns(ctx, c, fr.Table, &fr)
			errs, warns := checkTransform(fr.Transform, decl)
			fr.Errors, fr.Warnings = append(fr.Errors, errs...), append(fr.Warnings, warns...)
			if len(errs) == 0 {
				runFlow(ctx, d, &fr, src, dest, res)
			}
			if len(fr.Errors) > 0 {
				out.OK = false
			}
			fmt.Fprintf(&b, "\nFlow %d -> %s (table %s): %d row(s) out", i, fr.OutputStream, fr.Table, fr.Rows)
			if len(fr.Errors) == 0 && fr.Rows < len(records) {
				fmt.Fprintf(&b, " (the transformation drops %d of the %d records)", len(records)-fr.Rows, len(records))
			}
			for _, e := range fr.Errors {
				b.WriteString("\n  error: " + e)
			}
			for _, w := range fr.Warnings {
				b.WriteString("\n  warning: " + w)
			}
			out.Flows = append(out.Flows, fr)
		}
		if len(out.Flows) == 0 {
			out.OK = false
			fmt.Fprintf(&b, "\nNo data flow of %s takes %s: its records would not be sent anywhere.", r.Name, stream)
		}
		b.WriteString("\n" + verdict(out))
		res.Content = append([]mcp.Content{&mcp.TextContent{Text: b.String()}}, res.Content...)
		return res, out, nil
	}, inventory.MaxLength("transform_kql", 32<<10))
}

// verdict is the last line of a dry run: what would happen to the records, in one sentence.
func verdict(out testOut) string {
	if !out.OK {
		return "Verdict: these records would not be ingested as they are: fix the errors above (test again with transform_kql to try a fix)."
	}
	var parts []string
	rows := 0
	for _, f := range out.Flows {
		rows += f.Rows
		parts = append(parts, fmt.Sprintf("%d of %d into %s", f.Rows, out.Records, f.Table))
	}
	if rows == 0 {
		return "Verdict: nothing would be ingested: the transformation drops every record (check its where clauses against the records)."
	}
	return "Verdict: the records would be ingested: " + strings.Join(parts, ", ") + "."
}

// parseRecords reads one JSON object or an array of them, keeping numbers exact.
func parseRecords(text string) ([]map[string]any, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("give at least one record as a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("several JSON values: wrap the records in an array")
	}
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		out = append(out, x)
	case []any:
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("record %d is not a JSON object", i)
			}
			out = append(out, m)
		}
	default:
		return nil, fmt.Errorf("a record is a JSON object (or an array of objects)")
	}
	if len(out) == 0 || len(out) > maxSampleRecords {
		return nil, fmt.Errorf("give 1 to %d records (got %d)", maxSampleRecords, len(out))
	}
	return out, nil
}

// pickStream chooses the input stream of a dry run and returns its declaration.
func pickStream(r *sentinel.DataCollectionRule, want string) (string, sentinel.StreamDeclaration, error) {
	decls := r.Properties.StreamDeclarations
	names := make([]string, 0, len(decls))
	for n := range decls {
		names = append(names, n)
	}
	sort.Strings(names)
	if want == "" {
		if len(names) != 1 {
			if len(names) == 0 {
				return "", sentinel.StreamDeclaration{}, fmt.Errorf("%s declares no custom stream: a dry run needs a stream declaration (Custom-...) to read the records against", r.Name)
			}
			return "", sentinel.StreamDeclaration{}, toolkit.ArgError("stream", "%s declares %d streams: name one of %s", r.Name, len(names), strings.Join(names, ", "))
		}
		want = names[0]
	}
	decl, ok := decls[want]
	if !ok {
		return "", sentinel.StreamDeclaration{}, toolkit.ArgError("stream", "%s declares no stream %q (streams: %s)", r.Name, want, strings.Join(names, ", "))
	}
	return want, decl, nil
}

// microsoftStreamTables are the tables of the built-in streams whose name is not the table's.
var microsoftStreamTables = map[string]string{"Microsoft-WindowsEvent": "Event", "Microsoft-Event": "Event"}

// tableOfStream is the destination table of an output stream: Custom-X_CL goes to X_CL,
// Microsoft-T to T.
func tableOfStream(s string) string {
	if t, ok := microsoftStreamTables[s]; ok {
		return t
	}
	if t, ok := strings.CutPrefix(s, "Custom-"); ok {
		return t
	}
	t, _ := strings.CutPrefix(s, "Microsoft-")
	return t
}

// destinationColumns returns the destination table's columns by name (type as the query API names
// it), or nil when the table cannot be read (then noted in fr).
func destinationColumns(ctx context.Context, c *sentinel.Client, table string, fr *FlowResult) map[string]string {
	cols := map[string]string{}
	t, err := c.Table(ctx, table)
	switch {
	case err == nil:
		for _, col := range t.AllColumns() {
			if typ, ok := schema.ParseARMColumnType(col.Type); ok {
				cols[col.Name] = typ.String()
			}
		}
		return cols
	case azure.IsNotFound(err):
		if st, ok := schema.Lookup(table); ok && !st.IsCustom() {
			for _, col := range st.Columns {
				cols[col.Name] = col.Type.String()
			}
			return cols
		}
		fr.Errors = append(fr.Errors, fmt.Sprintf("the destination table %s does not exist in %s: create it with create_custom_table, or Azure rejects the data", table, c.Workspace().Alias))
	default:
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("the destination table %s could not be read (%v): its columns were not compared", table, err))
	}
	return nil
}

// runFlow runs the transformation over the sample and compares its output with the destination.
func runFlow(ctx context.Context, d *toolkit.Deps, fr *FlowResult, src *data.Table, dest map[string]string, res *mcp.CallToolResult) {
	out, err := runTransform(ctx, fr.Transform, src, d.Clock())
	if err != nil {
		msg := err.Error()
		if ke, ok := err.(*kql.Error); ok && ke.Hint != "" {
			msg += " (" + ke.Hint + ")"
		}
		fr.Errors = append(fr.Errors, "the transformation fails: "+msg)
		return
	}
	if len(out.Tables) == 0 {
		return
	}
	t := out.Tables[0]
	fr.Rows = len(t.Rows)
	hasTime := false
	tbl := &render.Table{}
	for _, col := range t.Columns {
		fr.Columns = append(fr.Columns, col.Name+":"+col.Type)
		tbl.Columns = append(tbl.Columns, render.Column{Name: col.Name, Type: col.Type})
		if col.Name == "TimeGenerated" && col.Type == "datetime" {
			hasTime = true
		}
		if dest == nil {
			continue
		}
		switch want, ok := dest[col.Name]; {
		case !ok:
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("output column %s is not a column of %s: Azure drops it", col.Name, fr.Table))
		case want != col.Type && !(want == "int" && col.Type == "long"):
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("output column %s is %s but %s.%s is %s: convert it (e.g. to%s())", col.Name, col.Type, fr.Table, col.Name, want, want))
		}
	}
	if !hasTime && fr.Rows > 0 {
		fr.Errors = append(fr.Errors, "the output has no TimeGenerated column of type datetime: every record needs one (e.g. extend TimeGenerated = todatetime(...))")
	}
	tbl.Rows = t.Rows
	r, rep := d.Table(tbl, render.FormatTable, 20)
	fr.Output = &rep
	res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("Output of flow %d (%s):", fr.Index, fr.Table)})
	res.Content = append(res.Content, r.Content...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
