package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoIn struct {
	Workspace string   `json:"workspace" jsonschema:"Workspace to read."`
	Limit     int      `json:"limit,omitempty" jsonschema:"Maximum rows."`
	Tags      []string `json:"tags,omitempty" jsonschema:"Tags."`
	Mode      string   `json:"mode,omitempty" jsonschema:"Mode."`
}

type echoOut struct {
	Workspace string `json:"workspace"`
	Limit     int    `json:"limit"`
	Mode      string `json:"mode"`
	Note      string `json:"note,omitempty"`
}

func testTools() []Tool {
	echo := New("alpha", mcp.Tool{Name: "get_echo", Description: "Echo arguments.", Annotations: Annotations("Echo", ReadOnly|Idempotent)},
		func(ctx context.Context, req *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
			switch in.Workspace {
			case "fail":
				return nil, echoOut{}, errors.New("workspace fail is broken: try another")
			case "protocol":
				return nil, echoOut{}, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "server fault"}
			case "bad-output":
				return nil, echoOut{}, nil // valid: zero values satisfy the schema
			}
			return nil, echoOut{Workspace: in.Workspace, Limit: in.Limit, Mode: in.Mode, Note: "<&>"}, nil
		}, Default("limit", 10), Enum("mode", "fast", "slow"), Range("limit", 1, 100))
	del := New("beta", mcp.Tool{Name: "delete_thing", Description: "Delete a thing.", Annotations: Annotations("Delete", Destructive|OpenWorld)},
		func(ctx context.Context, req *mcp.CallToolRequest, in struct {
			ID string `json:"id" jsonschema:"Thing id."`
		}) (*mcp.CallToolResult, echoOut, error) {
			return nil, echoOut{Workspace: in.ID}, nil
		})
	upd := New("beta", mcp.Tool{Name: "update_thing", Description: "Update a thing.", Annotations: Annotations("Update", Idempotent|OpenWorld)},
		func(ctx context.Context, req *mcp.CallToolRequest, in struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
		})
	return []Tool{echo, del, upd}
}

var testToolsets = []Toolset{{Name: "alpha", Description: "A.", Default: true}, {Name: "beta", Description: "B."}}

func connect(t *testing.T, inv *Inventory, mw Middleware) *mcp.ClientSession {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "0"}, nil)
	inv.Register(s, mw)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "0"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Close() })
	return cs
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	return res, text.String()
}

func TestTypedToolThroughProtocol(t *testing.T) {
	inv, err := NewBuilder(testToolsets, testTools()).Build(Filter{Toolsets: []string{"all"}, EnableWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, inv, nil)

	res, text := call(t, cs, "get_echo", map[string]any{"workspace": "w1", "mode": "fast", "tags": nil})
	if res.IsError {
		t.Fatalf("error: %s", text)
	}
	if text != `{"workspace":"w1","limit":10,"mode":"fast","note":"<&>"}` {
		t.Errorf("text = %s (default limit applied, HTML not escaped)", text)
	}
	var fromText any
	json.Unmarshal([]byte(text), &fromText)
	if !reflect.DeepEqual(res.StructuredContent, fromText) {
		t.Errorf("structured = %v, text = %s", res.StructuredContent, text)
	}

	for args, want := range map[string]string{
		`{"workspace":"w1","workspce":"x"}`: `unknown argument "workspce" (did you mean "workspace"?)`,
		`{"limit":5}`:                       `workspace`,
		`{"workspace":"w","mode":"medium"}`: `argument "mode"`,
		`{"workspace":"w","limit":1000}`:    `argument "limit"`,
		`{"workspace":"fail"}`:              `workspace fail is broken: try another`,
	} {
		res, text := call(t, cs, "get_echo", json.RawMessage(args))
		if !res.IsError || !strings.Contains(text, want) {
			t.Errorf("%s: isError=%v text=%q, want it to contain %q", args, res.IsError, text, want)
		}
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_echo", Arguments: map[string]any{"workspace": "protocol"}}); err == nil {
		t.Error("a *jsonrpc.Error from a handler did not become a protocol error")
	}
	res, text = call(t, cs, "update_thing", nil)
	if res.IsError || text != "done" || res.StructuredContent != nil {
		t.Errorf("update_thing: %v %q %v", res.IsError, text, res.StructuredContent)
	}
}

func TestDestructiveSchemas(t *testing.T) {
	tools := testTools()
	del := tools[1]
	if !del.Destructive() || tools[2].Destructive() || tools[0].Write() || !tools[2].Write() {
		t.Fatal("hint accessors disagree with annotations")
	}
	in, _ := json.Marshal(del.Def.InputSchema)
	if !strings.Contains(string(in), `"confirm_token"`) {
		t.Errorf("destructive input schema lacks confirm_token: %s", in)
	}
	out, _ := json.Marshal(del.Def.OutputSchema)
	if !strings.Contains(string(out), `"anyOf"`) || !strings.Contains(string(out), `"confirmation_required"`) {
		t.Errorf("destructive output schema does not admit a plan: %s", out)
	}
	echoIn, _ := json.Marshal(tools[0].Def.InputSchema)
	if strings.Contains(string(echoIn), "confirm_token") || strings.Contains(string(echoIn), `"null"`) {
		t.Errorf("read tool input schema: %s", echoIn)
	}
}

func TestBuilderFilters(t *testing.T) {
	b := NewBuilder(testToolsets, testTools())
	names := func(f Filter) []string {
		inv, err := b.Build(f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		var out []string
		for _, tl := range inv.Tools {
			out = append(out, tl.Name())
		}
		return out
	}
	check := func(f Filter, want string) {
		t.Helper()
		if got := strings.Join(names(f), ","); got != want {
			t.Errorf("%+v: %q, want %q", f, got, want)
		}
	}
	check(Filter{Toolsets: []string{"default"}}, "get_echo")
	check(Filter{Toolsets: []string{"all"}}, "get_echo") // writes hidden by default
	check(Filter{Toolsets: []string{"all"}, EnableWrites: true}, "get_echo,delete_thing,update_thing")
	check(Filter{Toolsets: []string{"all"}, EnableWrites: true, ReadOnly: true}, "get_echo") // read-only wins
	check(Filter{Toolsets: []string{"beta"}, EnableWrites: true, Exclude: []string{"delete_thing"}}, "update_thing")
	check(Filter{Tools: []string{"update_thing"}, EnableWrites: true}, "update_thing")

	for f, want := range map[*Filter]string{
		{Toolsets: []string{"alpah"}}:                                         `unknown toolset "alpah" (did you mean "alpha"?)`,
		{Toolsets: []string{"all"}, Exclude: []string{"x"}}:                   `unknown tool "x"`,
		{Tools: []string{"update_thing"}}:                                     `add --enable-writes`,
		{Tools: []string{"delete_thing"}, EnableWrites: true, ReadOnly: true}: `--read-only is set`,
	} {
		if _, err := b.Build(*f); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: err %v, want %q", *f, err, want)
		}
	}
}

func TestValidateRejectsBadTools(t *testing.T) {
	good := testTools()[0]
	bad := good
	def := *good.Def
	def.Name = "Echo-Tool"
	def.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: true} // destructive/openWorld unset
	bad.Def = &def
	err := Validate([]Tool{good, bad, good})
	for _, want := range []string{"verb_noun", "destructiveHint, openWorldHint", "duplicate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want %q", err, want)
		}
	}
}

func TestMiddlewareSeesValidatedCall(t *testing.T) {
	inv, _ := NewBuilder(testToolsets, testTools()).Build(Filter{Toolsets: []string{"alpha"}})
	var seen *Call
	mw := func(next Handler) Handler {
		return func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
			seen = c
			return next(ctx, c)
		}
	}
	cs := connect(t, inv, mw)
	call(t, cs, "get_echo", map[string]any{"workspace": "w", "mode": nil})
	if seen == nil || seen.Tool.Name() != "get_echo" || string(seen.Args) != `{"limit":10,"workspace":"w"}` || seen.ArgsErr != nil {
		t.Errorf("middleware saw %+v", seen)
	}
	call(t, cs, "get_echo", map[string]any{})
	if seen.ArgsErr == nil || seen.Args != nil {
		t.Errorf("invalid call: %+v", seen)
	}
}

func TestReference(t *testing.T) {
	tools := testTools()
	if got := strings.Join(tools[0].Arguments(), ","); got != "workspace,limit?,tags?,mode?" {
		t.Errorf("arguments = %s", got)
	}
	if got := strings.Join(tools[1].Arguments(), ","); got != "id,confirm_token?" {
		t.Errorf("destructive arguments = %s", got)
	}
	ref := Reference(testToolsets, tools)
	for _, want := range []string{"#### `alpha` (default): A", "| `get_echo` | read | `workspace`, `limit?`, `tags?`, `mode?` | Echo arguments. |", "| `delete_thing` | destructive |", "| `update_thing` | write |"} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q:\n%s", want, ref)
		}
	}
}

func TestOutputSchemasAdvertisedOnlyWhenAsked(t *testing.T) {
	for _, advertise := range []bool{false, true} {
		inv, err := NewBuilder(testToolsets, testTools()).Build(Filter{Toolsets: []string{"alpha"}, OutputSchemas: advertise})
		if err != nil {
			t.Fatal(err)
		}
		cs := connect(t, inv, nil)
		list, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Tools) != 1 {
			t.Fatalf("tools = %d", len(list.Tools))
		}
		if got := list.Tools[0].OutputSchema != nil; got != advertise {
			t.Errorf("advertise=%v: outputSchema listed = %v", advertise, got)
		}
		// Structured results, and their validation, do not depend on advertising the schema.
		res, text := call(t, cs, "get_echo", map[string]any{"workspace": "w1"})
		if res.IsError || res.StructuredContent == nil {
			t.Errorf("advertise=%v: result %s, structured %v", advertise, text, res.StructuredContent)
		}
		// The builder's own tools keep their full definitions (tools --json, schema snapshots).
		if testTools()[0].Def.OutputSchema == nil {
			t.Error("source definition lost its output schema")
		}
	}
}

func TestBrokenSchemaIsFoundByCheckSchemas(t *testing.T) {
	bad := New("alpha", mcp.Tool{Name: "get_bad", Description: "Bad default.", Annotations: Annotations("Bad", ReadOnly)},
		func(ctx context.Context, req *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
			return nil, nil, nil
		}, Enum("mode", "fast", "slow"), Default("mode", "medium"))
	if err := bad.CheckSchemas(); err == nil || !strings.Contains(err.Error(), "get_bad") {
		t.Errorf("CheckSchemas = %v, want the tool's input schema error", err)
	}
	for _, tl := range testTools() {
		if err := tl.CheckSchemas(); err != nil {
			t.Errorf("%s: %v", tl.Name(), err)
		}
	}
}

// A lazy builder builds only the toolsets the filter enables; a call of a tool of another toolset
// builds them, once, to say why the tool is not available.
func TestLazyBuilderBuildsEnabledToolsetsOnly(t *testing.T) {
	builds := map[string]int{}
	var sources []ToolsetSource
	for _, ts := range testToolsets {
		sources = append(sources, ToolsetSource{Toolset: ts, Tools: func() []Tool {
			builds[ts.Name]++
			var out []Tool
			for _, tl := range testTools() {
				if tl.Toolset == ts.Name {
					out = append(out, tl)
				}
			}
			return out
		}})
	}
	inv, err := NewLazyBuilder(sources).Build(Filter{Toolsets: []string{"default"}, EnableWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Tools) != 1 || builds["alpha"] != 1 || builds["beta"] != 0 {
		t.Fatalf("tools %d, builds %v: only alpha should be built", len(inv.Tools), builds)
	}
	for range 2 {
		if ts, write, why, ok := inv.Unavailable("delete_thing"); !ok || ts != "beta" || !write || !strings.Contains(why, `toolset "beta" is not enabled`) {
			t.Errorf("Unavailable(delete_thing) = %q %v %q %v", ts, write, why, ok)
		}
	}
	if _, _, _, ok := inv.Unavailable("get_echo"); ok {
		t.Error("a listed tool reported unavailable")
	}
	if _, _, _, ok := inv.Unavailable("no_such_tool"); ok || builds["beta"] != 1 {
		t.Errorf("unknown name: ok=%v, builds %v (beta built once)", ok, builds)
	}
	// Naming a tool builds every toolset (it may be in any).
	if _, err := NewLazyBuilder(sources).Build(Filter{Toolsets: []string{"default"}, Tools: []string{"update_thing"}, EnableWrites: true}); err != nil || builds["beta"] != 2 {
		t.Errorf("err %v, builds %v", err, builds)
	}
}
