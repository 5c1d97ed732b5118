package robustness

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// maxErrorBytes is how long an argument error may be: it names the argument and the rule and quotes
// a little of the value, whatever the value's size.
const maxErrorBytes = 600

// sizeSample: every sizeSample-th tool gets the megabyte string and the 100,000-item list.
const sizeSample = 9

func propType(s *jsonschema.Schema) string {
	if s.Type != "" {
		return s.Type
	}
	for _, t := range s.Types {
		if t != "null" {
			return t
		}
	}
	return ""
}

// TestHugeArgumentsGetShortErrors sends tools a string argument over a megabyte, 100,000 items in a
// list and objects nested 500 levels deep: each call gets a short, clear error, nothing runs, and
// every call is audited.
func TestHugeArgumentsGetShortErrors(t *testing.T) {
	env := startAll(t, toolsettest.Options{})
	own := world.MustWorkspace(world.WSContosoProd)
	addr := map[string]any{"workspace": own.Alias(), "workspaces": []any{own.Alias()}, "tenant": own.TenantAlias}
	huge := strings.Repeat("A", inventory.MaxStringChars+1)
	deep := any("x")
	for range 500 {
		deep = []any{deep}
	}
	type sent struct{ tool, what, id string }
	var calls []sent
	for i, lt := range listTools(t, env) {
		base, err := minimalArgs(lt, addrFor(lt, addr))
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{"object"}
		if i%sizeSample == 0 {
			kinds = append(kinds, "string", "array")
		}
		for _, what := range kinds {
			// One property of the kind per tool, a different one from tool to tool: the limits are one
			// code path for every property of every tool (inventory.validateArgs, which every tool goes
			// through, as the deep objects sent to each show), and megabytes are slow under -race, so
			// the megabyte strings and 100,000-item lists go to every sizeSample-th tool.
			var props []string
			for _, name := range sortedProps(lt.Schema) {
				typ := propType(lt.Schema.Properties[name])
				if typ == what || what == "object" && typ == "" {
					props = append(props, name)
				}
			}
			if len(props) == 0 && what == "object" {
				props = sortedProps(lt.Schema) // deep nesting where a scalar is expected: refused all the same
			}
			if len(props) == 0 {
				continue
			}
			name := props[i%len(props)]
			args := clone(base)
			switch what {
			case "string":
				args[name] = huge
			case "array":
				item, err := minimalValue(lt.Schema.Properties[name].Items, 0)
				if err != nil {
					item = "x"
				}
				list := make([]any, 100_000)
				for i := range list {
					list[i] = item
				}
				args[name] = list
			case "object":
				args[name] = map[string]any{"k": deep}
			}
			res, text, err := call(env, lt.Name, args)
			if err != nil {
				t.Fatalf("%s with a huge %s in %s: protocol error %v", lt.Name, what, name, err)
			}
			if !res.IsError || !strings.Contains(text, "invalid arguments") || !strings.Contains(text, name) {
				t.Fatalf("%s with a huge %s in %s was not refused: %s", lt.Name, what, name, short(text))
			}
			if len(text) > maxErrorBytes || strings.Count(text, "AAAAAAAAAA") > 11 {
				t.Errorf("%s with a huge %s in %s: a %d-byte error: %s", lt.Name, what, name, len(text), short(text))
			}
			calls = append(calls, sent{lt.Name, what + " " + name, correlationID(res)})
		}
	}
	idx := indexAudit(env.AuditRecords())
	for _, c := range calls {
		rec, ok := idx.phase(c.id, audit.PhaseResult)
		if !ok || rec.Outcome != audit.OutcomeError {
			t.Errorf("%s (huge %s): audit record %+v", c.tool, c.what, rec)
		}
		if _, ran := idx.phase(c.id, audit.PhaseIntent); ran {
			t.Errorf("%s (huge %s): an intent record: the write got past argument validation", c.tool, c.what)
		}
	}
	if len(calls) < 70 {
		t.Fatalf("only %d calls: the inventory did not load", len(calls))
	}
}

func sortedProps(s *jsonschema.Schema) []string {
	var out []string
	for name := range s.Properties {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// addrFor gives a tool's required addressing arguments the values of addr.
func addrFor(lt listedTool, addr map[string]any) map[string]any {
	out := map[string]any{}
	for _, name := range lt.Schema.Required {
		if k := addressingKind(name); k != "" {
			out[name] = addr[k]
		}
	}
	return out
}

// TestLookalikeNamesDoNotResolve names workspaces and tenants with characters that imitate the real
// names (Cyrillic letters, case-folding look-alikes, invisible and BiDi characters) in every
// addressing argument of every tool: nothing resolves to the workspace imitated, and the error shows
// the reference escaped.
func TestLookalikeNamesDoNotResolve(t *testing.T) {
	env := startAll(t, toolsettest.Options{})
	counter := countTenants(t, env.Emulator, world.Contoso)
	env.CallOK("list_workspaces", map[string]any{})
	own := world.MustWorkspace(world.WSContosoProd)
	workspaces := []string{
		"c\u043entoso/contoso-prod",       // Cyrillic о
		"conto\u017fo/conto\u017fo-prod",  // LONG S folds to s
		"contoso/contoso-prod\u200b",      // zero-width space
		"\u202econtoso/contoso-prod",      // right-to-left override
		"contoso/contoso\u2010prod",       // hyphen look-alike
		"contoso/\u0441ontoso-prod",       // Cyrillic с
		"contoso/contoso-pro\u0501",       // Cyrillic komi de
		"contoso/CONTOSO-PROD\u0307",      // combining dot
		"contoso\u2215contoso-prod",       // division slash
		"\uff43ontoso/contoso-prod",       // fullwidth c
		"contoso/contoso-prod\U000e0041",  // tag character
		"fabri\u212aam/fabrikam-sentinel", // KELVIN SIGN folds to k
	}
	tenants := []string{"c\u043entoso", "conto\u017fo", "contoso\u200d", "\u202dcontoso", "contoso\u2024onmicrosoft\u2024com"}
	for i, lt := range listTools(t, env) {
		for _, arg := range addressingArgs(lt.Schema) {
			refs := workspaces
			if addressingKind(arg) == "tenant" {
				refs = tenants
			}
			for _, ref := range rotate(refs, i, refsPerArg) {
				addr := addrFor(lt, map[string]any{"workspace": own.Alias(), "workspaces": []any{own.Alias()}, "tenant": own.TenantAlias})
				addr[arg] = ref
				if addressingKind(arg) == "workspaces" {
					addr[arg] = []any{ref}
				}
				args, err := minimalArgs(lt, addr)
				if err != nil {
					t.Fatal(err)
				}
				before := counter.total()
				res, text, err := call(env, lt.Name, args)
				if err != nil {
					t.Fatalf("%s(%s=%+q): protocol error %v", lt.Name, arg, ref, err)
				}
				if !res.IsError {
					t.Fatalf("%s(%s=%+q) resolved a look-alike: %s", lt.Name, arg, ref, short(text))
				}
				if escaped := fmt.Sprintf("%+q", ref); !strings.Contains(text, escaped[1:len(escaped)-1]) {
					t.Fatalf("%s(%s=%+q): the error does not show the reference escaped: %s", lt.Name, arg, ref, short(text))
				}
				if counter.total() != before {
					t.Fatalf("%s(%s=%+q) reached Contoso", lt.Name, arg, ref)
				}
			}
		}
	}
}

// TestLongValuesAreNotEchoed gives each string argument of each tool, in turn, a 2,000-character
// value the schema admits, so the handlers run with it (against the emulator): whatever they answer,
// an error quotes at most the beginning of the value and no result is longer than the result budget.
func TestLongValuesAreNotEchoed(t *testing.T) {
	env := startAll(t, toolsettest.Options{})
	own := world.MustWorkspace(world.WSContosoProd)
	long := strings.Repeat("L", 2_000)
	addr := map[string]any{"workspace": own.Alias(), "workspaces": []any{own.Alias()}, "tenant": own.TenantAlias}
	calls := 0
	for _, lt := range listTools(t, env) {
		base, err := minimalArgs(lt, addrFor(lt, addr))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range sortedProps(lt.Schema) {
			p := lt.Schema.Properties[name]
			if propType(p) != "string" || len(p.Enum) > 0 || addressingKind(name) != "" || name == inventory.ConfirmTokenArg ||
				p.MaxLength != nil && *p.MaxLength < len(long) {
				continue
			}
			args := clone(base)
			args[name] = long
			res, text, err := call(env, lt.Name, args)
			if err != nil {
				t.Fatalf("%s(%s: 2,000 characters): protocol error %v", lt.Name, name, err)
			}
			calls++
			if len(text) > env.Config.Limits.MaxBytes+300 {
				t.Errorf("%s(%s: 2,000 characters): a %d-byte result, over the %d-byte budget", lt.Name, name, len(text), env.Config.Limits.MaxBytes)
			}
			if res.IsError && strings.Contains(strings.ToUpper(text), strings.Repeat("L", 200)) {
				t.Errorf("%s(%s: 2,000 characters): the error repeats the value: %s", lt.Name, name, short(text))
			}
		}
	}
	if calls < 50 {
		t.Fatalf("only %d calls", calls)
	}
}
