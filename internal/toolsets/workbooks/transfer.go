package workbooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// maxContentBytes bounds the content of an imported workbook.
const maxContentBytes = 2 << 20

// Export is the JSON document export_workbook produces and import_workbook reads.
type Export struct {
	DisplayName    string          `json:"displayName"`
	Category       string          `json:"category"`
	Description    string          `json:"description,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
	Version        string          `json:"version"`
	SerializedData json.RawMessage `json:"serializedData"`
}

type exportIn struct {
	toolkit.WorkspaceArg
	Workbook string `json:"workbook" jsonschema:"Workbook id (GUID), resource id or display name."`
	Part     int    `json:"part,omitempty" jsonschema:"Part to return when the export is larger than one answer (default 1)."`
}

type exportOut struct {
	Target
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Part        int    `json:"part"`
	Parts       int    `json:"parts" jsonschema:"the export is the concatenation of parts 1..parts"`
	Bytes       int    `json:"bytes"`
}

func exportWorkbook(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "export_workbook",
		Description: "Export a workbook as JSON (name, category, content) for git or import_workbook; large ones come in parts.",
		Annotations: inventory.Annotations("Export a workbook", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in exportIn) (*mcp.CallToolResult, exportOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, exportOut{}, err
		}
		w, err := findWorkbook(ctx, c, in.Workbook)
		if err != nil {
			return nil, exportOut{}, err
		}
		doc, err := exportOf(w)
		if err != nil {
			return nil, exportOut{}, err
		}
		size := max(d.Budget().Limit(0).MaxBytes-512, 1024)
		parts := splitUTF8(doc, size)
		part := max(in.Part, 1)
		if part > len(parts) {
			return nil, exportOut{}, toolkit.ArgError("part", "the export of %s has %d part(s)", w.Name, len(parts))
		}
		out := exportOut{Target: targetOf(c.Workspace()), ID: w.Name, DisplayName: w.Properties.DisplayName, Part: part, Parts: len(parts), Bytes: len(doc)}
		res := toolkit.Text(parts[part-1])
		if len(parts) > 1 {
			next := "This is the last part: the export is parts 1 to " + fmt.Sprint(len(parts)) + " concatenated."
			if part < len(parts) {
				next = fmt.Sprintf("Call export_workbook again with part=%d for the rest; the export is the parts concatenated without separators.", part+1)
			}
			res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("[part %d of %d, %d bytes in all. %s]", part, len(parts), len(doc), next)})
		}
		return res, out, nil
	}, inventory.Range("part", 1, 1000))
}

func exportOf(w *sentinel.Workbook) (string, error) {
	var content bytes.Buffer
	if err := json.Compact(&content, []byte(w.Properties.SerializedData)); err != nil {
		return "", fmt.Errorf("the content of workbook %s is not JSON: %v", w.Name, err)
	}
	b, err := json.Marshal(Export{DisplayName: w.Properties.DisplayName, Category: w.Properties.Category, Description: w.Properties.Description,
		Tags: w.Properties.Tags, Version: firstNonEmpty(w.Properties.Version, "Notebook/1.0"), SerializedData: content.Bytes()})
	return string(b), err
}

// splitUTF8 cuts s into pieces of at most n bytes, never inside a UTF-8 sequence.
func splitUTF8(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

type importIn struct {
	toolkit.WorkspaceArg
	Content         string `json:"content,omitempty" jsonschema:"JSON: an export_workbook export, a gallery template (Notebook/1.0) or an ARM template with one workbook."`
	SourceWorkspace string `json:"source_workspace,omitempty" jsonschema:"Or copy from this workspace's workbook (with source_workbook)."`
	SourceWorkbook  string `json:"source_workbook,omitempty" jsonschema:"Workbook id or display name in source_workspace."`
	DisplayName     string `json:"display_name,omitempty" jsonschema:"Name of the new workbook (default: the source's)."`
	Category        string `json:"category,omitempty" jsonschema:"sentinel or workbook (default: the source's, else sentinel)."`
	Description     string `json:"description,omitempty"`
}

type importOut struct {
	Target
	Info
	Notes []string `json:"notes,omitempty"`
}

func importWorkbook(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "import_workbook",
		Description: "Create a workbook in a workspace from exported JSON, a gallery or ARM template, or a workbook of another workspace.",
		Annotations: inventory.Annotations("Import a workbook", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in importIn) (*mcp.CallToolResult, importOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, importOut{}, err
		}
		var src *Export
		var srcWS string
		switch {
		case in.Content != "" && (in.SourceWorkspace != "" || in.SourceWorkbook != ""):
			return nil, importOut{}, toolkit.ArgError("content", "give either content or source_workspace and source_workbook, not both")
		case in.Content != "":
			if len(in.Content) > maxContentBytes {
				return nil, importOut{}, toolkit.ArgError("content", "%d bytes; at most %d are accepted", len(in.Content), maxContentBytes)
			}
			if src, err = parseImport(in.Content); err != nil {
				return nil, importOut{}, toolkit.ArgError("content", "%v. Nothing was created", err)
			}
		case in.SourceWorkspace != "" && in.SourceWorkbook != "":
			sc, err := clientFor(ctx, d, in.SourceWorkspace)
			if err != nil {
				return nil, importOut{}, err
			}
			w, err := findWorkbook(ctx, sc, in.SourceWorkbook)
			if err != nil {
				return nil, importOut{}, err
			}
			doc, err := exportOf(w)
			if err != nil {
				return nil, importOut{}, err
			}
			src, srcWS = &Export{}, sc.Workspace().ResourceID
			_ = json.Unmarshal([]byte(doc), src)
		default:
			return nil, importOut{}, toolkit.ArgError("content", "give the workbook JSON as content, or source_workspace and source_workbook to copy one")
		}
		if in.DisplayName != "" {
			src.DisplayName = in.DisplayName
		}
		if in.Category != "" {
			src.Category = in.Category
		}
		if src.Category == "" {
			src.Category = sentinel.WorkbookCategorySentinel
		}
		if in.Description != "" {
			src.Description = in.Description
		}
		if src.DisplayName == "" || isExpression(src.DisplayName) {
			return nil, importOut{}, toolkit.ArgError("display_name", "the content names no workbook (or names it with an ARM expression): give display_name")
		}
		if src.Category != sentinel.WorkbookCategorySentinel && src.Category != sentinel.WorkbookCategoryWorkbook {
			return nil, importOut{}, toolkit.ArgError("category", "%q: use sentinel or workbook", src.Category)
		}
		content, notes, err := retarget(src.SerializedData, srcWS, c.Workspace().ResourceID)
		if err != nil {
			return nil, importOut{}, toolkit.ArgError("content", "%v. Nothing was created", err)
		}
		existing, _, err := c.Workbooks(ctx, src.Category, false, maxWorkbooks)
		if err != nil {
			return nil, importOut{}, toolkit.Unavailable("listing the workbooks of "+c.Workspace().Alias, err, "")
		}
		for _, w := range existing {
			if strings.EqualFold(w.Properties.DisplayName, src.DisplayName) {
				return nil, importOut{}, fmt.Errorf("%s already has a %s workbook named %q (id %s), so nothing was created: give another display_name, or delete_workbook it first", c.Workspace().Alias, src.Category, src.DisplayName, w.Name)
			}
		}
		w := &sentinel.Workbook{Properties: sentinel.WorkbookProperties{DisplayName: src.DisplayName, Category: src.Category,
			Description: src.Description, Tags: src.Tags, Version: src.Version, SerializedData: content}}
		created, err := c.CreateWorkbook(ctx, w)
		if err != nil {
			return nil, importOut{}, toolkit.Unavailable("creating workbook "+src.DisplayName+" in "+c.Workspace().Alias, err, "")
		}
		audit.RecordChange(ctx, nil, created)
		out := importOut{Target: targetOf(c.Workspace()), Info: infoOf(created), Notes: notes}
		res := toolkit.Text(fmt.Sprintf("Created workbook %q (id %s) in %s: %d steps, %d queries.", out.DisplayName, out.ID, c.Workspace().Alias, out.Summary.Items, out.Summary.Queries))
		if len(notes) > 0 {
			res.Content = append(res.Content, &mcp.TextContent{Text: strings.Join(notes, "\n")})
		}
		return res, out, nil
	}, inventory.Enum("category", categories...), inventory.MaxLength("display_name", 256))
}

func isExpression(s string) bool { return strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") }

// parseImport reads an export document, a gallery template (the Notebook/1.0 content itself) or an
// ARM deployment template with one workbook resource.
func parseImport(text string) (*Export, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("the content is not a JSON object: %v", err)
	}
	str := func(m map[string]json.RawMessage, k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	switch {
	case doc["serializedData"] != nil:
		e := &Export{DisplayName: str(doc, "displayName"), Category: str(doc, "category"), Description: str(doc, "description"), Version: str(doc, "version")}
		_ = json.Unmarshal(doc["tags"], &e.Tags)
		data, err := notebookJSON(doc["serializedData"])
		if err != nil {
			return nil, err
		}
		e.SerializedData = data
		return e, nil
	case doc["resources"] != nil:
		var resources []map[string]json.RawMessage
		if err := json.Unmarshal(doc["resources"], &resources); err != nil {
			return nil, fmt.Errorf("the ARM template's resources are not a list")
		}
		var found []map[string]json.RawMessage
		for _, r := range resources {
			if strings.EqualFold(str(r, "type"), "Microsoft.Insights/workbooks") {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("the ARM template has %d workbook resources; import one at a time", len(found))
		}
		var props map[string]json.RawMessage
		_ = json.Unmarshal(found[0]["properties"], &props)
		e := &Export{DisplayName: str(props, "displayName"), Category: str(props, "category"), Description: str(props, "description"), Version: str(props, "version")}
		data, err := notebookJSON(props["serializedData"])
		if err != nil {
			return nil, err
		}
		e.SerializedData = data
		return e, nil
	case doc["items"] != nil:
		data, err := notebookJSON(json.RawMessage(text))
		if err != nil {
			return nil, err
		}
		return &Export{Version: "Notebook/1.0", SerializedData: data}, nil
	}
	return nil, fmt.Errorf("the content is neither an export_workbook export (serializedData), a gallery template (items) nor an ARM template (resources)")
}

// notebookJSON checks workbook content (an object, or a JSON string holding one, as ARM has it): a
// Notebook document with a list of items.
func notebookJSON(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if isExpression(s) {
			return nil, fmt.Errorf("serializedData is an ARM expression (%.60s...): export the workbook content itself", s)
		}
		raw = json.RawMessage(s)
	}
	var nb struct {
		Version string          `json:"version"`
		Items   json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, fmt.Errorf("serializedData is not a workbook document: %v", err)
	}
	var items []json.RawMessage
	if !strings.HasPrefix(nb.Version, "Notebook/") || json.Unmarshal(nb.Items, &items) != nil {
		return nil, fmt.Errorf("serializedData is not a workbook document: it needs \"version\": \"Notebook/1.0\" and a list of \"items\"")
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// retarget points the content's default resources (fallbackResourceIds) at the target workspace
// when they name a Log Analytics workspace, so a copied workbook queries its new workspace.
func retarget(content json.RawMessage, from, to string) (string, []string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(content, &doc); err != nil {
		return "", nil, err
	}
	var ids []string
	if raw, ok := doc["fallbackResourceIds"]; ok && json.Unmarshal(raw, &ids) == nil {
		changed := false
		for i, id := range ids {
			isWS := strings.Contains(strings.ToLower(id), "/providers/microsoft.operationalinsights/workspaces/")
			if isWS && !strings.EqualFold(id, to) && (from == "" || strings.EqualFold(id, from)) {
				ids[i], changed = to, true
			}
		}
		if changed {
			doc["fallbackResourceIds"], _ = json.Marshal(ids)
			b, err := json.Marshal(doc)
			if err != nil {
				return "", nil, err
			}
			return string(b), []string{"Pointed the workbook's default workspace (fallbackResourceIds) at " + to + "."}, nil
		}
	}
	return string(content), nil, nil
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Workbook string `json:"workbook" jsonschema:"Workbook id (GUID), resource id or display name."`
}

type deleteOut struct {
	Target
	Deleted Info `json:"deleted"`
}

func deleteWorkbook(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_workbook",
		Description: "Delete a workbook (export_workbook first to keep a copy).",
		Annotations: inventory.Annotations("Delete a workbook", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		w, err := findWorkbook(ctx, c, in.Workbook)
		if err != nil {
			return nil, deleteOut{}, err
		}
		if err := c.DeleteWorkbook(ctx, w.ResourceGroup(), w.Name, w.Etag); err != nil {
			return nil, deleteOut{}, toolkit.Unavailable("deleting workbook "+w.Name, sentinel.ConflictError("workbook "+w.Name, err, "Call get_workbook"), "")
		}
		audit.RecordChange(ctx, w, nil)
		return toolkit.Text(fmt.Sprintf("Deleted workbook %q (id %s) from %s.", w.Properties.DisplayName, w.Name, c.Workspace().Alias)),
			deleteOut{Target: targetOf(c.Workspace()), Deleted: infoOf(w)}, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		w, err := findWorkbook(ctx, c, in.Workbook)
		if err != nil {
			return "", err
		}
		i := infoOf(w)
		return fmt.Sprintf("Deletes workbook %q (id %s, %s) from %s: %d steps and %d queries, last changed %s. Call export_workbook first to keep a copy you can import again.",
			i.DisplayName, i.ID, i.Category, c.Workspace().Alias, i.Summary.Items, i.Summary.Queries, firstNonEmpty(i.Modified, "unknown")), nil
	}))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
