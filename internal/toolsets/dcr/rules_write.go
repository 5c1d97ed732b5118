package dcr

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

var (
	resourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	columnNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

type columnIn struct {
	Name string `json:"name"`
	Type string `json:"type" jsonschema:"string, int, long, real, boolean, datetime or dynamic."`
}

type streamIn struct {
	Stream  string     `json:"stream" jsonschema:"Custom-<name>, e.g. Custom-FirewallAudit."`
	Columns []columnIn `json:"columns"`
}

type flowIn struct {
	Streams      []string `json:"streams"`
	OutputStream string   `json:"output_stream,omitempty" jsonschema:"Custom-<table>_CL or Microsoft-<table> (default: the input stream)."`
	TransformKql string   `json:"transform_kql,omitempty" jsonschema:"KQL over the virtual table source."`
}

type createIn struct {
	toolkit.WorkspaceArg
	Name          string     `json:"name"`
	ResourceGroup string     `json:"resource_group,omitempty" jsonschema:"Default: the workspace's."`
	Location      string     `json:"location,omitempty" jsonschema:"Default: the workspace's."`
	Description   string     `json:"description,omitempty"`
	Kind          string     `json:"kind,omitempty" jsonschema:"Linux, Windows or Direct (Logs Ingestion API without an endpoint); default none."`
	Endpoint      string     `json:"endpoint,omitempty" jsonschema:"Data collection endpoint (name or id), needed for the Logs Ingestion API and custom text logs."`
	Streams       []streamIn `json:"streams,omitempty" jsonschema:"Declarations of the custom input streams."`
	DataSources   string     `json:"data_sources,omitempty" jsonschema:"Data sources as JSON, e.g. {\"syslog\":[{\"name\":\"s\",\"streams\":[\"Microsoft-Syslog\"],\"facilityNames\":[\"auth\"],\"logLevels\":[\"*\"]}]}."`
	Flows         []flowIn   `json:"flows" jsonschema:"Data flows to the workspace."`
}

type writeOut struct {
	Target
	RuleInfo
	Warnings []string `json:"warnings,omitempty"`
	Etag     string   `json:"etag,omitempty"`
}

// destinationName names the workspace destination in rules this server writes.
func destinationName(ws string) string {
	var b strings.Builder
	for _, r := range ws {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	n := "la-" + b.String()
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// workspaceDestination returns the name of the rule's destination for the workspace, adding one
// when it has none.
func workspaceDestination(r *sentinel.DataCollectionRule, ws *sentinel.Client) string {
	for _, la := range r.Properties.Destinations.LogAnalytics {
		if strings.EqualFold(la.WorkspaceResourceID, ws.Workspace().ResourceID) {
			return la.Name
		}
	}
	name := destinationName(ws.Workspace().Name)
	r.Properties.Destinations.LogAnalytics = append(r.Properties.Destinations.LogAnalytics,
		sentinel.LogAnalyticsDestination{Name: name, WorkspaceResourceID: ws.Workspace().ResourceID})
	return name
}

// checkFlows validates a rule's data flows: streams declared or built in, output streams, and each
// transformation against its input stream. It returns errors and warnings.
func checkFlows(ctx context.Context, c *sentinel.Client, r *sentinel.DataCollectionRule, onlyFlow int) (errs, warns []string) {
	p := r.Properties
	tables := map[string]bool{}
	for i, f := range p.DataFlows {
		if onlyFlow >= 0 && i != onlyFlow {
			continue
		}
		where := fmt.Sprintf("flow %d", i)
		if len(f.Streams) == 0 {
			errs = append(errs, where+": no streams")
		}
		for _, s := range f.Streams {
			_, declared := p.StreamDeclarations[s]
			if !declared && !strings.HasPrefix(s, "Microsoft-") {
				errs = append(errs, fmt.Sprintf("%s: stream %s is neither declared in the rule nor a Microsoft- stream", where, s))
			}
		}
		out := firstNonEmpty(f.OutputStream, firstOf(f.Streams))
		switch {
		case strings.HasPrefix(out, "Custom-") && !strings.HasSuffix(out, "_CL"):
			errs = append(errs, fmt.Sprintf("%s: output stream %s must name a custom table (Custom-<table>_CL): set output_stream", where, out))
		case !strings.HasPrefix(out, "Custom-") && !strings.HasPrefix(out, "Microsoft-"):
			errs = append(errs, fmt.Sprintf("%s: output stream %q must be Custom-<table>_CL or Microsoft-<table>", where, out))
		case strings.HasPrefix(out, "Custom-"):
			tables[tableOfStream(out)] = true
		}
		if q := strings.TrimSpace(f.TransformKql); q != "" {
			for _, s := range f.Streams {
				decl, ok := declarationOf(r, s)
				if !ok {
					warns = append(warns, fmt.Sprintf("%s: the columns of %s are not known here, so only the syntax of the transformation was checked", where, s))
					if _, diags := kql.Parse(q); len(diags) > 0 {
						for _, dg := range diags {
							errs = append(errs, fmt.Sprintf("%s transformation: %s", where, dg))
						}
					}
					continue
				}
				e, w := checkTransform(q, decl)
				for _, x := range e {
					errs = append(errs, fmt.Sprintf("%s transformation (%s): %s", where, s, x))
				}
				for _, x := range w {
					warns = append(warns, fmt.Sprintf("%s transformation (%s): %s", where, s, x))
				}
			}
		}
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		if _, err := c.Table(ctx, t); azure.IsNotFound(err) {
			errs = append(errs, fmt.Sprintf("the destination table %s does not exist in %s: create it first with create_custom_table", t, c.Workspace().Alias))
		}
	}
	return errs, warns
}

// declarationOf returns the columns of an input stream: its declaration, or for a built-in stream the
// schema of its table when it is known.
func declarationOf(r *sentinel.DataCollectionRule, stream string) (sentinel.StreamDeclaration, bool) {
	if d, ok := r.Properties.StreamDeclarations[stream]; ok {
		return d, true
	}
	if st, ok := schema.Lookup(tableOfStream(stream)); ok && strings.HasPrefix(stream, "Microsoft-") {
		var d sentinel.StreamDeclaration
		for _, c := range st.VisibleColumns() {
			t := c.Type.String()
			switch t {
			case "bool":
				t = "boolean"
			case "guid", "timespan":
				t = "string"
			case "decimal":
				t = "real"
			}
			d.Columns = append(d.Columns, sentinel.StreamColumn{Name: c.Name, Type: t})
		}
		return d, true
	}
	return sentinel.StreamDeclaration{}, false
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func createRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_data_collection_rule",
		Description: "Create a data collection rule sending to the workspace: custom stream declarations, data sources, data flows with transformations (checked first).",
		Annotations: inventory.Annotations("Create a data collection rule", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, writeOut, error) {
		if !resourceNameRE.MatchString(in.Name) {
			return nil, writeOut{}, toolkit.ArgError("name", "%q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", in.Name)
		}
		if len(in.Flows) == 0 {
			return nil, writeOut{}, toolkit.ArgError("flows", "a rule needs at least one data flow (streams, and optionally output_stream and transform_kql)")
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		r := &sentinel.DataCollectionRule{Location: firstNonEmpty(in.Location, c.Workspace().Location), Kind: in.Kind,
			Properties: sentinel.DCRProperties{Description: in.Description, StreamDeclarations: map[string]sentinel.StreamDeclaration{}}}
		for i, s := range in.Streams {
			decl, err := checkDeclaration(s)
			if err != nil {
				return nil, writeOut{}, toolkit.ArgError(fmt.Sprintf("streams[%d]", i), "%v", err)
			}
			if _, dup := r.Properties.StreamDeclarations[s.Stream]; dup {
				return nil, writeOut{}, toolkit.ArgError(fmt.Sprintf("streams[%d]", i), "stream %s is declared twice", s.Stream)
			}
			r.Properties.StreamDeclarations[s.Stream] = decl
		}
		if in.DataSources != "" {
			srcs, err := parseSources(in.DataSources)
			if err != nil {
				return nil, writeOut{}, toolkit.ArgError("data_sources", "%v", err)
			}
			r.Properties.DataSources = srcs
		}
		if in.Endpoint != "" {
			id, err := c.InsightsRef(ctx, sentinel.KindDCE, in.Endpoint)
			if err != nil {
				return nil, writeOut{}, toolkit.ArgError("endpoint", "%v", err)
			}
			path, _ := c.InsightsPath(id.ResourceGroup, sentinel.KindDCE, id.Name)
			r.Properties.DataCollectionEndpointID = path
		}
		dest := workspaceDestination(r, c)
		for _, f := range in.Flows {
			r.Properties.DataFlows = append(r.Properties.DataFlows, sentinel.DataFlow{Streams: f.Streams, Destinations: []string{dest},
				OutputStream: f.OutputStream, TransformKql: f.TransformKql})
		}
		if err := checkSourcesRouted(r); err != nil {
			return nil, writeOut{}, toolkit.ArgError("flows", "%v", err)
		}
		errs, warns := checkFlows(ctx, c, r, -1)
		if len(errs) > 0 {
			return nil, writeOut{}, fmt.Errorf("the rule is not valid, so nothing was created: %s", strings.Join(errs, "; "))
		}
		id := sentinel.InsightsID{ResourceGroup: firstNonEmpty(in.ResourceGroup, c.Workspace().ResourceGroup), Kind: sentinel.KindDCR, Name: in.Name}
		if err := sentinel.ValidName(id.ResourceGroup); err != nil {
			return nil, writeOut{}, toolkit.ArgError("resource_group", "%v", err)
		}
		created, err := c.PutDataCollectionRule(ctx, id, r, true)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, writeOut{}, fmt.Errorf("a data collection rule %s already exists in resource group %s, so nothing was created: get_data_collection_rule shows it", in.Name, id.ResourceGroup)
			}
			return nil, writeOut{}, refused("creating data collection rule "+in.Name, err)
		}
		audit.RecordChange(ctx, nil, created)
		out := writeOut{Target: targetOf(c.Workspace()), RuleInfo: infoOf(created, c.Workspace().ResourceID), Warnings: warns, Etag: created.Etag}
		res := toolkit.Text(fmt.Sprintf("Created data collection rule %s (immutable id %s) in resource group %s, sending to %s.",
			created.Name, created.Properties.ImmutableID, out.ResourceGroup, c.Workspace().Alias))
		addWarnings(res, warns)
		return res, out, nil
	}, inventory.Enum("kind", "Linux", "Windows", "Direct"), inventory.MaxLength("data_sources", 256<<10))
}

func checkDeclaration(s streamIn) (sentinel.StreamDeclaration, error) {
	var decl sentinel.StreamDeclaration
	if !strings.HasPrefix(s.Stream, "Custom-") || len(s.Stream) <= len("Custom-") {
		return decl, fmt.Errorf("declared streams are named Custom-<name> (got %q)", s.Stream)
	}
	if len(s.Columns) == 0 {
		return decl, fmt.Errorf("stream %s declares no columns", s.Stream)
	}
	seen := map[string]bool{}
	for _, col := range s.Columns {
		t := strings.ToLower(col.Type)
		if _, ok := streamTypes[t]; !ok {
			return decl, fmt.Errorf("column %s: %q is not a stream column type (%s)", col.Name, col.Type, strings.Join(sentinel.StreamColumnTypes, ", "))
		}
		if !columnNameRE.MatchString(col.Name) {
			return decl, fmt.Errorf("column name %q: use letters, digits and _", col.Name)
		}
		if seen[strings.ToLower(col.Name)] {
			return decl, fmt.Errorf("column %s is declared twice", col.Name)
		}
		seen[strings.ToLower(col.Name)] = true
		decl.Columns = append(decl.Columns, sentinel.StreamColumn{Name: col.Name, Type: t})
	}
	return decl, nil
}

// refused wraps Azure's answer to a write: a refusal (400) keeps Azure's reason.
func refused(what string, err error) error {
	if e, ok := azure.AsError(err); ok && e.Status == 400 {
		return fmt.Errorf("Azure refused %s: %s. Nothing was changed", what, e.Message)
	}
	return toolkit.Unavailable(what, err, "")
}

func addWarnings(res *mcp.CallToolResult, warns []string) {
	if len(warns) > 0 {
		res.Content = append(res.Content, &mcp.TextContent{Text: "Warnings: " + strings.Join(warns, "; ")})
	}
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
}

type deleteOut struct {
	Target
	Deleted string `json:"deleted"`
}

func deleteRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_data_collection_rule",
		Description: "Delete a data collection rule: the data it collects stops flowing.",
		Annotations: inventory.Annotations("Delete a data collection rule", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		id, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, deleteOut{}, err
		}
		if err := c.DeleteInsights(ctx, id, sentinel.KindDCR, r.Etag); err != nil {
			return nil, deleteOut{}, refused("deleting "+r.Name, sentinel.ConflictError("data collection rule "+r.Name, err, "Call get_data_collection_rule"))
		}
		audit.RecordChange(ctx, r, nil)
		return toolkit.Text(fmt.Sprintf("Deleted data collection rule %s (resource group %s).", r.Name, id.ResourceGroup)),
			deleteOut{Target: targetOf(c.Workspace()), Deleted: r.Name}, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		id, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return "", err
		}
		ri := infoOf(r, c.Workspace().ResourceID)
		as, _, err := c.Associations(ctx, id, sentinel.KindDCR, maxListed)
		n := fmt.Sprint(len(as))
		if err != nil {
			n = "an unknown number of"
		}
		var tables []string
		for _, f := range r.Properties.DataFlows {
			tables = append(tables, tableOfStream(firstNonEmpty(f.OutputStream, firstOf(f.Streams))))
		}
		return fmt.Sprintf("Deletes data collection rule %s (resource group %s): %d data flow(s) into %s stop; %s associated resource(s) stop sending data through it. Data already ingested stays.",
			r.Name, id.ResourceGroup, ri.Flows, strings.Join(dedupe(tables), ", "), n), nil
	}))
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

type transformIn struct {
	toolkit.WorkspaceArg
	Rule         string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
	TransformKql string `json:"transform_kql" jsonschema:"KQL over the virtual table source (\"source\" passes records unchanged)."`
	Flow         *int   `json:"flow,omitempty" jsonschema:"Index of the data flow (see get_data_collection_rule); needed when the rule has several."`
	Etag         string `json:"etag,omitempty" jsonschema:"The etag read earlier: the update is refused if the rule changed since."`
}

func updateTransformation(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "update_dcr_transformation",
		Description: "Replace the transformation KQL of a data flow of a data collection rule, after checking it against the input stream. Try it first with test_dcr_ingestion.",
		Annotations: inventory.Annotations("Update a DCR transformation", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in transformIn) (*mcp.CallToolResult, writeOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		id, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, writeOut{}, err
		}
		if strings.TrimSpace(in.TransformKql) == "" {
			return nil, writeOut{}, toolkit.ArgError("transform_kql", "the transformation is empty, so nothing was changed: use \"source\" to pass records unchanged")
		}
		before := *r
		flows := r.Properties.DataFlows
		idx := 0
		if in.Flow != nil {
			idx = *in.Flow
		}
		switch {
		case len(flows) == 0:
			return nil, writeOut{}, fmt.Errorf("%s has no data flow", r.Name)
		case in.Flow == nil && len(flows) > 1:
			return nil, writeOut{}, toolkit.ArgError("flow", "%s has %d data flows: give flow (0 to %d, see get_data_collection_rule)", r.Name, len(flows), len(flows)-1)
		case idx < 0 || idx >= len(flows):
			return nil, writeOut{}, toolkit.ArgError("flow", "%d: %s has data flows 0 to %d", idx, r.Name, len(flows)-1)
		}
		// Work on a copy of the flows: before must keep the old ones for the audit log.
		r.Properties.DataFlows = append([]sentinel.DataFlow(nil), flows...)
		old := r.Properties.DataFlows[idx].TransformKql
		r.Properties.DataFlows[idx].TransformKql = in.TransformKql
		errs, warns := checkFlows(ctx, c, r, idx)
		if len(errs) > 0 {
			return nil, writeOut{}, fmt.Errorf("the transformation is not valid, so nothing was changed: %s", strings.Join(errs, "; "))
		}
		if strings.TrimSpace(old) == strings.TrimSpace(in.TransformKql) {
			return toolkit.Text("Flow " + fmt.Sprint(idx) + " of " + r.Name + " already has this transformation: nothing to change."),
				writeOut{Target: targetOf(c.Workspace()), RuleInfo: infoOf(r, c.Workspace().ResourceID), Etag: r.Etag}, nil
		}
		if in.Etag != "" {
			r.Etag = in.Etag
		}
		after, err := c.PutDataCollectionRule(ctx, id, r, false)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, writeOut{}, sentinel.ConflictError("data collection rule "+r.Name, err, "Read it again with get_data_collection_rule")
			}
			return nil, writeOut{}, refused("updating "+r.Name, err)
		}
		audit.RecordChange(ctx, &before, after)
		out := writeOut{Target: targetOf(c.Workspace()), RuleInfo: infoOf(after, c.Workspace().ResourceID), Warnings: warns, Etag: after.Etag}
		res := toolkit.Text(fmt.Sprintf("Updated the transformation of flow %d of %s. New records are transformed within minutes.", idx, r.Name))
		addWarnings(res, warns)
		return res, out, nil
	}, inventory.MaxLength("transform_kql", 32<<10), inventory.Range("flow", 0, 100))
}
