package toolkit_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
)

// secretish are argument names that would carry a credential.
var secretish = regexp.MustCompile(`(?i)secret|passw|credential|certificate|bearer|private_?key|api_?key|(^|_)token$`)

// Credentials come from the configuration (environment variables, files, config references),
// never from a tool call: a model, or whoever writes into what it reads, must not be able to hand
// the server an identity, and secrets must not travel through prompts and tool logs. No tool, at any
// depth of its input, takes an argument that could carry one.
func TestNoToolTakesASecret(t *testing.T) {
	tools := all.Tools(nil)
	if len(tools) < 50 {
		t.Fatalf("%d tools: the registry was not read", len(tools))
	}
	names := 0
	for _, tl := range tools {
		b, err := json.Marshal(tl.Def.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var schema any
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatal(err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if props, ok := x["properties"].(map[string]any); ok {
					for name := range props {
						names++
						if secretish.MatchString(name) && name != inventory.ConfirmTokenArg {
							t.Errorf("%s takes %q: credentials come from the configuration, never from tool arguments", tl.Def.Name, name)
						}
					}
				}
				for _, y := range x {
					walk(y)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			}
		}
		walk(schema)
	}
	if names < 100 {
		t.Fatalf("only %d argument names seen", names)
	}
}
