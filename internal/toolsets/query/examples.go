package query

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type examplesIn struct {
	Tag     string `json:"tag,omitempty" jsonschema:"e.g. password-spray, impossible-travel, encoded-powershell, mass-download, inbox-forwarding, dns-beacon"`
	Table   string `json:"table,omitempty" jsonschema:"Only hunts reading this table."`
	Tactic  string `json:"tactic,omitempty" jsonschema:"MITRE ATT&CK tactic, e.g. CredentialAccess"`
	Search  string `json:"search,omitempty" jsonschema:"Text in the name or description."`
	Account string `json:"account,omitempty" jsonschema:"Narrow results to this account (UPN or name)."`
	IP      string `json:"ip,omitempty" jsonschema:"Narrow results to this IP address."`
	Host    string `json:"host,omitempty" jsonschema:"Narrow results to this host."`
}

// example is a hunt as the structured output has it (the text adds description, tactics, tables).
type example struct {
	Name   string   `json:"name"`
	Tags   []string `json:"tags"`
	Tables []string `json:"tables"`
	Query  string   `json:"query"`
}

// examplesOut: Count is the hunts that matched; Skipped those left out because their results have
// no column for a requested entity; Truncated that more matched than fit in the answer.
type examplesOut struct {
	Examples  []example `json:"examples"`
	Count     int       `json:"count"`
	Skipped   []string  `json:"skipped,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
}

func getExamples(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_kql_examples",
		Description: "Get shipped hunting queries, ready to run; filter by tag, table, tactic or text; narrow to an account, IP or host.",
		Annotations: inventory.Annotations("Get KQL examples", inventory.ReadOnly|inventory.Idempotent),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in examplesIn) (*mcp.CallToolResult, examplesOut, error) {
		ents, err := in.entities()
		if err != nil {
			return nil, examplesOut{}, err
		}
		out := examplesOut{Examples: []example{}}
		hunts := content.Hunts()
		var matched []*content.Hunt
		for _, h := range hunts {
			if in.matches(h) {
				matched = append(matched, h)
			}
		}
		if len(matched) == 0 {
			return toolkit.Text("No shipped hunt matches these filters. " + vocabulary(hunts)), out, nil
		}
		budget := d.Budget().MaxBytes
		if budget <= 0 {
			budget = render.DefaultMaxBytes
		}
		var b strings.Builder
		for _, h := range matched {
			q := strings.TrimSpace(h.Query)
			if len(ents) > 0 {
				var ok bool
				if q, ok = narrow(h, q, ents); !ok {
					out.Skipped = append(out.Skipped, h.Name)
					continue
				}
			}
			out.Count++
			text := exampleText(h, q)
			if b.Len()+len(text) > budget-300 && len(out.Examples) > 0 {
				out.Truncated = true
				continue
			}
			b.WriteString(text)
			out.Examples = append(out.Examples, example{Name: h.Name, Tables: nonNil(h.Tables()), Tags: nonNil(h.Tags), Query: q})
		}
		if out.Count == 0 {
			return toolkit.Text(fmt.Sprintf("The %s matching the filters %s no column for the requested account, IP or host: drop that filter and add a where clause yourself.",
				plural(len(matched), "hunt", "hunts"), map[bool]string{true: "has", false: "have"}[len(matched) == 1])), out, nil
		}
		if out.Truncated {
			fmt.Fprintf(&b, "[%d of %d hunts shown: filter by tag, table or tactic to see the others.]\n", len(out.Examples), out.Count)
		}
		if len(out.Skipped) > 0 {
			fmt.Fprintf(&b, "Left out (no column for the requested entity): %s.\n", strings.Join(out.Skipped, "; "))
		}
		b.WriteString("Run a query with run_kql_query (one workspace) or run_kql_query_across_workspaces.")
		return toolkit.Text(b.String()), out, nil
	})
}

func (in examplesIn) matches(h *content.Hunt) bool {
	fold := func(list []string, v string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, strings.TrimSpace(v)) })
	}
	if in.Tag != "" && !fold(h.Tags, in.Tag) {
		return false
	}
	if in.Table != "" && !fold(h.Tables(), in.Table) {
		return false
	}
	if in.Tactic != "" && !fold(h.Tactics, in.Tactic) {
		return false
	}
	if s := strings.ToLower(strings.TrimSpace(in.Search)); s != "" &&
		!strings.Contains(strings.ToLower(h.Name+" "+h.Description+" "+strings.Join(h.Tags, " ")), s) {
		return false
	}
	return true
}

// vocabulary lists the tags, tables and tactics the hunts have, for an empty answer.
func vocabulary(hunts []*content.Hunt) string {
	set := func(get func(*content.Hunt) []string) string {
		var all []string
		for _, h := range hunts {
			for _, v := range get(h) {
				if !slices.Contains(all, v) {
					all = append(all, v)
				}
			}
		}
		slices.Sort(all)
		return strings.Join(all, ", ")
	}
	return "Tags: " + set(func(h *content.Hunt) []string { return h.Tags }) +
		". Tables: " + set(func(h *content.Hunt) []string { return h.Tables() }) +
		". Tactics: " + set(func(h *content.Hunt) []string { return h.Tactics }) + "."
}

func exampleText(h *content.Hunt, q string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", h.Name)
	var meta []string
	if len(h.Tags) > 0 {
		meta = append(meta, "tags "+strings.Join(h.Tags, ", "))
	}
	if len(h.Tactics) > 0 {
		meta = append(meta, strings.Join(h.Tactics, ", ")+" "+strings.Join(h.RelevantTechniques, ", "))
	}
	meta = append(meta, "tables "+strings.Join(h.Tables(), ", "))
	fmt.Fprintf(&b, "%s (%s)\n```kql\n%s\n```\n\n", strings.TrimSpace(h.Description), strings.Join(meta, "; "), q)
	return b.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
