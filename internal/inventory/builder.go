package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Toolset describes a group of tools.
type Toolset struct {
	Name        string // e.g. "incidents"
	Description string // one line, shown in server instructions and `sentinel-mcp tools`
	Default     bool   // enabled when the configuration says "default"
}

// Filter selects tools, as configured by --toolsets, --tools, --exclude-tools, --read-only and
// --enable-writes.
type Filter struct {
	Toolsets     []string // toolset names; "default" = the default toolsets; "all" = every toolset
	Tools        []string // individual tools enabled in addition to the toolsets
	Exclude      []string // tools removed even when their toolset is enabled
	ReadOnly     bool     // force read-only: no write tool, whatever EnableWrites says
	EnableWrites bool     // list write tools (read-only is the default)
	// OutputSchemas keeps each tool's output schema in its listed definition. Without it the schema is
	// still enforced on every result; clients just do not receive it.
	OutputSchemas bool
}

// WritesAllowed reports whether the filter lets write tools through.
func (f Filter) WritesAllowed() bool { return f.EnableWrites && !f.ReadOnly }

// Builder holds every known toolset and tool; Build selects from them.
type Builder struct {
	toolsets []Toolset
	tools    []Tool
	// sources build the tools of one toolset each, on demand (NewLazyBuilder); nil when tools is given.
	sources map[string]func() []Tool
}

// NewBuilder returns a builder over the given toolsets and tools.
func NewBuilder(toolsets []Toolset, tools []Tool) *Builder {
	return &Builder{toolsets: toolsets, tools: tools}
}

// ToolsetSource is a toolset and the function that builds its tools.
type ToolsetSource struct {
	Toolset Toolset
	Tools   func() []Tool
}

// NewLazyBuilder returns a builder that builds a toolset's tools only when a filter needs them:
// building a tool (its schemas) is most of the server's start-up, and a configuration usually enables
// a few toolsets of many. The tools of the other toolsets are built on the first call of a tool the
// inventory does not list (Unavailable), to say why it is not available.
func NewLazyBuilder(sources []ToolsetSource) *Builder {
	b := &Builder{sources: map[string]func() []Tool{}}
	for _, s := range sources {
		b.toolsets = append(b.toolsets, s.Toolset)
		b.sources[s.Toolset.Name] = s.Tools
	}
	return b
}

// toolsOf builds (once per call of Build) the tools of the named toolsets, or returns every given tool.
func (b *Builder) toolsOf(names map[string]bool) []Tool {
	if b.sources == nil {
		return b.tools
	}
	var out []Tool
	for _, ts := range b.toolsets {
		if names[ts.Name] {
			out = append(out, b.sources[ts.Name]()...)
		}
	}
	return out
}

// Inventory is the set of tools one server exposes.
type Inventory struct {
	Tools    []Tool    // selected tools, in toolset order then registration order
	Toolsets []Toolset // toolsets that contribute at least one selected tool
	Filter   Filter    // the filter that selected them
	byName   map[string]int
	// unavailable says, for every known tool the filter left out, why (see Unavailable); rest adds
	// the tools of the toolsets a lazy builder did not build.
	mu          sync.Mutex
	unavailable map[string]unavailableTool
	rest        func()
}

type unavailableTool struct {
	toolset string
	write   bool
	reason  string
}

// Build applies f. Unknown toolset or tool names are errors (with the closest valid name), and so is
// asking for a write tool by name while writes are disabled: a typo or a contradiction in the
// configuration must not silently change what the server exposes.
func (b *Builder) Build(f Filter) (*Inventory, error) {
	toolsetNames := make([]string, len(b.toolsets))
	for i, ts := range b.toolsets {
		toolsetNames[i] = ts.Name
	}
	enabled := map[string]bool{}
	var errs []error
	for _, name := range f.Toolsets {
		switch name = strings.TrimSpace(strings.ToLower(name)); name {
		case "all":
			for _, ts := range b.toolsets {
				enabled[ts.Name] = true
			}
		case "default":
			for _, ts := range b.toolsets {
				if ts.Default {
					enabled[ts.Name] = true
				}
			}
		default:
			if !slices.Contains(toolsetNames, name) {
				errs = append(errs, unknown("toolset", name, append([]string{"default", "all"}, toolsetNames...)))
				continue
			}
			enabled[name] = true
		}
	}
	// Individual tools may be of any toolset: then every toolset is built, to find them.
	built := maps.Clone(enabled)
	if len(f.Tools) > 0 || len(f.Exclude) > 0 {
		for _, name := range toolsetNames {
			built[name] = true
		}
	}
	tools := b.toolsOf(built)
	if err := Validate(tools); err != nil {
		return nil, err
	}
	toolNames := make([]string, len(tools))
	for i := range tools {
		toolNames[i] = tools[i].Name()
	}
	for _, name := range append(slices.Clone(f.Tools), f.Exclude...) {
		if !slices.Contains(toolNames, name) {
			errs = append(errs, unknown("tool", name, toolNames))
		}
	}
	if !f.WritesAllowed() {
		for _, name := range f.Tools {
			if i := slices.Index(toolNames, name); i >= 0 && tools[i].Write() {
				why := "writes are disabled (read-only is the default): add --enable-writes"
				if f.ReadOnly {
					why = "--read-only is set"
				}
				errs = append(errs, fmt.Errorf("tool %q changes data and %s", name, why))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	inv := &Inventory{Filter: f, byName: map[string]int{}, unavailable: map[string]unavailableTool{}}
	inv.addUnavailable(f, enabled, tools)
	if b.sources != nil && len(built) < len(toolsetNames) {
		inv.rest = sync.OnceFunc(func() {
			rest := map[string]bool{}
			for _, name := range toolsetNames {
				rest[name] = !built[name]
			}
			inv.addUnavailable(f, enabled, b.toolsOf(rest))
		})
	}
	used := map[string]bool{}
	for _, ts := range b.toolsets {
		for _, t := range tools {
			if t.Toolset != ts.Name {
				continue
			}
			if inv.isUnavailable(t.Name()) {
				continue
			}
			if !f.OutputSchemas && t.Def.OutputSchema != nil {
				def := *t.Def
				def.OutputSchema = nil
				t.Def = &def
			}
			inv.byName[t.Name()] = len(inv.Tools)
			inv.Tools = append(inv.Tools, t)
			used[ts.Name] = true
		}
		if used[ts.Name] {
			inv.Toolsets = append(inv.Toolsets, ts)
		}
	}
	return inv, nil
}

// leftOut says why the filter leaves a tool out ("" when it is selected), as the model will read it
// when it calls the tool anyway.
func leftOut(f Filter, toolsetEnabled bool, t *Tool) string {
	name := t.Name()
	writes := ""
	if t.Write() && !f.WritesAllowed() {
		writes = "writes are disabled on this server (read-only is the default; start it with --enable-writes, or enable_writes: true in its configuration)"
		if f.ReadOnly {
			writes = "this server runs with --read-only (read_only: true), which disables every write tool"
		}
	}
	switch {
	case slices.Contains(f.Exclude, name):
		return fmt.Sprintf("%s exists but is excluded by this server's configuration (exclude_tools / --exclude-tools): it was not run", name)
	case !toolsetEnabled && !slices.Contains(f.Tools, name):
		msg := fmt.Sprintf("%s exists but its toolset %q is not enabled on this server: it was not run. Enable it with --toolsets (e.g. --toolsets default,%s) or --tools %s", name, t.Toolset, t.Toolset, name)
		if writes != "" {
			msg += "; it also changes data, and " + writes
		}
		return msg
	case writes != "":
		return fmt.Sprintf("%s exists but changes data, and %s: it was not run and nothing was changed", name, writes)
	}
	return ""
}

// addUnavailable records why the filter leaves out each of tools that it does.
func (inv *Inventory) addUnavailable(f Filter, enabled map[string]bool, tools []Tool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for i := range tools {
		t := &tools[i]
		if why := leftOut(f, enabled[t.Toolset], t); why != "" {
			inv.unavailable[t.Name()] = unavailableTool{toolset: t.Toolset, write: t.Write(), reason: why}
		}
	}
}

func (inv *Inventory) isUnavailable(name string) bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	_, ok := inv.unavailable[name]
	return ok
}

// Unavailable reports whether name is a known tool that this inventory leaves out, and why (its
// toolset not enabled, excluded, or a write tool while writes are disabled). A name no toolset
// defines is not reported. With a lazy builder, the first lookup of a name the built toolsets do not
// have builds the others.
func (inv *Inventory) Unavailable(name string) (toolset string, write bool, reason string, ok bool) {
	if _, listed := inv.byName[name]; listed {
		return "", false, "", false
	}
	if !inv.isUnavailable(name) && inv.rest != nil {
		inv.rest()
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	u, ok := inv.unavailable[name]
	return u.toolset, u.write, u.reason, ok
}

func unknown(kind, name string, valid []string) error {
	msg := fmt.Sprintf("unknown %s %q", kind, name)
	if s := Closest(name, valid); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(valid) <= 30 {
		msg += "; valid: " + strings.Join(valid, ", ")
	} else {
		msg += "; run `sentinel-mcp tools` for the list"
	}
	return errors.New(msg)
}

// Lookup returns the selected tool with that name.
func (inv *Inventory) Lookup(name string) (*Tool, bool) {
	i, ok := inv.byName[name]
	if !ok {
		return nil, false
	}
	return &inv.Tools[i], true
}

// Register adds every selected tool to s behind mw.
func (inv *Inventory) Register(s *mcp.Server, mw Middleware) {
	for _, t := range inv.Tools {
		if t.add != nil {
			t.add(s, t.Def, mw) // the selected definition (output schema kept or not)
			continue
		}
		t.Register(s, mw)
	}
}

// Defs returns the selected tools' definitions, as tools/list shows them.
func (inv *Inventory) Defs() []*mcp.Tool {
	out := make([]*mcp.Tool, len(inv.Tools))
	for i, t := range inv.Tools {
		out[i] = t.Def
	}
	return out
}

// ListSize is the size in bytes of the tools/list result for the selected tools: the share of a
// model's context the tool definitions take.
func (inv *Inventory) ListSize() int {
	b, err := json.Marshal(map[string]any{"tools": inv.Defs()})
	if err != nil {
		return -1
	}
	return len(b)
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)+$`)

// Validate checks the inventory rules every tool must follow: a verb_noun snake_case name that is
// unique, a toolset, a description, an object input schema, and all four annotations present in the
// definition clients receive (readOnlyHint, destructiveHint, idempotentHint, openWorldHint), with a
// read-only tool never destructive.
func Validate(tools []Tool) error {
	var errs []error
	seen := map[string]bool{}
	for i := range tools {
		t := &tools[i]
		if t.Def == nil {
			errs = append(errs, fmt.Errorf("tool #%d has no definition", i))
			continue
		}
		name := t.Def.Name
		if !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("tool %q: name must be verb_noun snake_case (lower case words joined by _)", name))
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("tool %q: duplicate name", name))
		}
		seen[name] = true
		if t.Toolset == "" {
			errs = append(errs, fmt.Errorf("tool %q: no toolset", name))
		}
		if strings.TrimSpace(t.Def.Description) == "" {
			errs = append(errs, fmt.Errorf("tool %q: no description", name))
		}
		if t.Register == nil {
			errs = append(errs, fmt.Errorf("tool %q: no handler (build it with inventory.New)", name))
		}
		if err := checkAnnotations(t.Def); err != nil {
			errs = append(errs, fmt.Errorf("tool %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func checkAnnotations(def *mcp.Tool) error {
	if def.Annotations == nil {
		return errors.New("no annotations: set Annotations with inventory.Annotations(title, hints)")
	}
	b, err := json.Marshal(def.Annotations)
	if err != nil {
		return err
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	var missing []string
	for _, k := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("annotations %s not set explicitly: use inventory.Annotations(title, hints)", strings.Join(missing, ", "))
	}
	if def.Annotations.ReadOnlyHint && *def.Annotations.DestructiveHint {
		return errors.New("a read-only tool cannot be destructive")
	}
	if def.Annotations.Title == "" && def.Title == "" {
		return errors.New("no title: give inventory.Annotations a short display title")
	}
	return nil
}
