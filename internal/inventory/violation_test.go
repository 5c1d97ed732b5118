package inventory

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type boundedIn struct {
	Name    string            `json:"name" jsonschema:"A short name."`
	Text    string            `json:"text,omitempty" jsonschema:"Any text."`
	Count   int               `json:"count,omitempty" jsonschema:"A count."`
	Kind    string            `json:"kind,omitempty" jsonschema:"A kind."`
	Items   []string          `json:"items,omitempty" jsonschema:"Items."`
	Rows    []boundedRow      `json:"rows,omitempty" jsonschema:"Rows."`
	Details map[string]string `json:"details,omitempty" jsonschema:"Details."`
	Extra   any               `json:"extra,omitempty" jsonschema:"Anything."`
}

type boundedRow struct {
	Key string `json:"key" jsonschema:"Key."`
}

// Argument errors name the argument and the rule and quote at most ~100 characters of the value,
// however large it is; control, BiDi and zero-width characters are shown escaped.
func TestArgumentErrorsAreShort(t *testing.T) {
	tool := New("alpha", mcp.Tool{Name: "get_bounded", Description: "Bounded.", Annotations: Annotations("Bounded", ReadOnly)},
		func(ctx context.Context, req *mcp.CallToolRequest, in boundedIn) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ran"}}}, nil, nil
		}, MaxLength("name", 64), Range("count", 1, 10), Enum("kind", "a", "b"))
	inv, err := NewBuilder(testToolsets, []Tool{tool}).Build(Filter{Toolsets: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, inv, nil)
	mb := strings.Repeat("A", 1<<20)
	deep := strings.Repeat("[", 500) + strings.Repeat("]", 500) // deeper messages are refused by the SDK before any tool
	many := make([]string, 100_000)
	for i := range many {
		many[i] = "x"
	}
	manyJSON, _ := json.Marshal(many)
	for _, c := range []struct {
		args string
		want string
	}{
		{`{"name":"` + mb + `"}`, `argument "name" is 1048576 characters long; at most 64 are allowed (it begins "AAAA`},
		{`{"name":"x","text":"` + mb + `A"}`, `argument "text" is 1048577 characters long; this server accepts at most 1048576`},
		{`{"name":"x","kind":"` + mb + `"}`, `argument "kind": "AAAA`},
		{`{"name":["` + mb + `"]}`, `argument "name" must be a string, not a list of 1 items`},
		{`{"name":"x","count":{"a":"` + mb + `"}}`, `argument "count" must be an integer, not an object of 1 members`},
		{`{"name":"x","count":2.5}`, `argument "count" must be an integer, not the number 2.5`},
		{`{"name":"x","count":11}`, `argument "count": 11 is above the maximum, 10`},
		{`{"name":"x","items":` + string(manyJSON) + `}`, `argument "items" has 100000 items; this server accepts at most 10000`},
		{`{"name":"x","items":["a",{"k":"` + mb + `"}]}`, `argument "items[1]" must be a string, not an object`},
		{`{"name":"x","rows":[{"key":"a"},{}]}`, `argument "rows[1]": missing member "key"`},
		{`{"name":"x","details":{"a":1}}`, `argument "details.a" must be a string, not the number 1`},
		{`{"name":"x","extra":` + deep + `}`, `argument "extra" is nested more than 32 levels deep`},
		{`{"name":"x","` + mb + `":1}`, `unknown argument "AAAA`},
		{`{"name":"evil\u202egnp.exe\u200b"}`, ``}, // valid: no error to show
		{`{"name":"x","kind":"\u202eb\u200d"}`, `"\u202eb\u200d" is not one of "a", "b"`},
	} {
		res, text := call(t, cs, "get_bounded", json.RawMessage(c.args))
		if c.want == "" {
			if res.IsError {
				t.Errorf("%s: %s", clip(c.args, 80), text)
			}
			continue
		}
		if !res.IsError || !strings.Contains(text, c.want) {
			t.Errorf("%s: isError=%v %q, want %q", clip(c.args, 80), res.IsError, clip(text, 400), c.want)
		}
		if len(text) > 500 {
			t.Errorf("%s: the error is %d bytes long: %s", clip(c.args, 80), len(text), clip(text, 600))
		}
	}
}
