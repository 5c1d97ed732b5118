package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type toolJSON struct {
	Name         string `json:"name"`
	Toolset      string `json:"toolset"`
	Mode         string `json:"mode"`
	Enabled      bool   `json:"enabled"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Annotations  any    `json:"annotations"`
	InputSchema  any    `json:"inputSchema"`
	OutputSchema any    `json:"outputSchema,omitempty"`
}

func runTools(_ context.Context, args []string, stdout, _ io.Writer) error {
	var asJSON, asMarkdown bool
	cfg, err := parseFlags("tools", args, stdout, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "")
		fs.BoolVar(&asMarkdown, "markdown", false, "")
	})
	if err != nil {
		return err
	}
	deps := &toolkit.Deps{Config: cfg}
	tools := all.Tools(deps)
	if asMarkdown {
		fmt.Fprint(stdout, inventory.Reference(all.Toolsets(), tools))
		return nil
	}
	inv, err := inventory.NewBuilder(all.Toolsets(), tools).Build(filterOf(cfg))
	if err != nil {
		return usageError{err}
	}
	enabled := func(name string) bool { _, ok := inv.Lookup(name); return ok }
	if asJSON {
		out := make([]toolJSON, 0, len(tools))
		for i := range tools {
			t := &tools[i]
			out = append(out, toolJSON{Name: t.Name(), Toolset: t.Toolset, Mode: t.Mode(), Enabled: enabled(t.Name()), Title: t.Title(),
				Description: t.Def.Description, Annotations: t.Def.Annotations, InputSchema: t.Def.InputSchema, OutputSchema: t.Def.OutputSchema})
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"toolsets": all.Toolsets(), "tools": out, "list_bytes": inv.ListSize()})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tTOOLSET\tMODE\tENABLED\tTITLE")
	order := slices.Clone(tools)
	for i := range order {
		t := &order[i]
		on := "-"
		if enabled(t.Name()) {
			on = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name(), t.Toolset, t.Mode(), on, t.Title())
	}
	tw.Flush()
	mode := "read-only"
	if inv.Filter.WritesAllowed() {
		mode = "writes enabled"
	}
	size := inv.ListSize()
	fmt.Fprintf(stdout, "\n%d of %d tools enabled (%s); tools/list is %d bytes (~%d tokens).\n", len(inv.Tools), len(tools), mode, size, size/4)
	return nil
}
