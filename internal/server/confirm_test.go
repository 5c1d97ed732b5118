package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

func pending(t *testing.T, res *mcp.CallToolResult) inventory.Pending {
	t.Helper()
	var p inventory.Pending
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &p); err != nil || !p.ConfirmationRequired || p.ConfirmToken == "" {
		t.Fatalf("not a pending plan: %s (%v)", b, err)
	}
	return p
}

func TestConfirmTokenFlow(t *testing.T) {
	f := newFixture(t, fixtureOpts{filter: writes})
	cs := f.connect(nil, "2025-11-25") // no elicitation capability: two-step token
	args := map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-7"}

	res, msg := callTool(t, cs, "delete_thing", args)
	if res.IsError {
		t.Fatalf("plan call failed: %s", msg)
	}
	p := pending(t, res)
	for _, want := range []string{"Delete thing (delete_thing)", "destructive", "Would delete the thing named rule-7.", "Workspace: contoso/contoso-prod (tenant Contoso)", "NOT run", p.ConfirmToken} {
		if !strings.Contains(msg, want) {
			t.Errorf("plan text lacks %q:\n%s", want, msg)
		}
	}
	if f.env.count("delete_thing") != 0 {
		t.Fatal("the destructive handler ran before confirmation")
	}

	// A token does not confirm other arguments, nor another tool.
	other := map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-8", "confirm_token": p.ConfirmToken}
	if res, msg := callTool(t, cs, "delete_thing", other); !res.IsError || !strings.Contains(msg, "does not match this call") {
		t.Errorf("token reused for other arguments: %q", msg)
	}
	forged := map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-7", "confirm_token": "v2.99999999999.bm9uY2U.AAAA"}
	if res, msg := callTool(t, cs, "delete_thing", forged); !res.IsError || !strings.Contains(msg, "does not match") {
		t.Errorf("forged token: %q", msg)
	}
	if f.env.count("delete_thing") != 0 {
		t.Fatal("the destructive handler ran with a bad token")
	}

	confirmed := map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-7", "confirm_token": p.ConfirmToken}
	res, msg = callTool(t, cs, "delete_thing", confirmed)
	if res.IsError || !strings.Contains(msg, "deleted rule-7") || f.env.count("delete_thing") != 1 {
		t.Fatalf("confirmed call: isError=%v %q", res.IsError, msg)
	}
	// Single use.
	if res, msg := callTool(t, cs, "delete_thing", confirmed); !res.IsError || !strings.Contains(msg, "already used") {
		t.Errorf("token replay: %q", msg)
	}

	// Two plans of the same call within the same second get distinct tokens: confirming one leaves
	// the other usable (a model that planned twice is not locked out).
	res, _ = callTool(t, cs, "delete_thing", args)
	p1 := pending(t, res)
	res, _ = callTool(t, cs, "delete_thing", args)
	p2 := pending(t, res)
	if p1.ConfirmToken == p2.ConfirmToken {
		t.Fatal("two plans of one call share a token")
	}
	for _, tok := range []string{p2.ConfirmToken, p1.ConfirmToken} {
		if res, msg := callTool(t, cs, "delete_thing", map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-7", "confirm_token": tok}); res.IsError {
			t.Errorf("second plan's token refused: %s", msg)
		}
	}
	if f.env.count("delete_thing") != 3 {
		t.Fatalf("handler runs = %d, want 3", f.env.count("delete_thing"))
	}

	// Expiry.
	res, _ = callTool(t, cs, "delete_thing", args)
	p = pending(t, res)
	f.clock.Advance(f.cfg.Limits.ConfirmTTL + time.Second)
	args["confirm_token"] = p.ConfirmToken
	if res, msg := callTool(t, cs, "delete_thing", args); !res.IsError || !strings.Contains(msg, "expired") {
		t.Errorf("expired token: %q", msg)
	}
	if f.env.count("delete_thing") != 3 {
		t.Error("the destructive handler ran with an expired token")
	}

	var outcomes []string
	for _, r := range f.records() {
		outcomes = append(outcomes, r.Phase+":"+r.Outcome)
	}
	want := "result:pending result:refused result:refused intent: result:ok result:refused " +
		"result:pending result:pending intent: result:ok intent: result:ok " + // two plans, both confirmed
		"result:pending result:refused"
	if got := strings.Join(outcomes, " "); got != want {
		t.Errorf("audit trail:\n %s\nwant\n %s", got, want)
	}
}

func TestConfirmByElicitation(t *testing.T) {
	for _, version := range []string{"", "2025-06-18"} { // multi round-trip (latest) and legacy elicitation/create
		for _, accept := range []bool{true, false} {
			f := newFixture(t, fixtureOpts{filter: writes})
			var asked string
			cs := f.connect(&mcp.ClientOptions{ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
				asked = req.Params.Message
				if !accept {
					return &mcp.ElicitResult{Action: "decline"}, nil
				}
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
			}}, version)
			res, msg := callTool(t, cs, "delete_thing", map[string]any{"workspace": "contoso/contoso-prod", "note": "rule-9"})
			if !strings.Contains(asked, "Would delete the thing named rule-9.") || !strings.Contains(asked, "Proceed?") {
				t.Errorf("version %q: the user was asked %q", version, asked)
			}
			if accept {
				if res.IsError || !strings.Contains(msg, "deleted rule-9") || f.env.count("delete_thing") != 1 {
					t.Errorf("version %q accepted: isError=%v %q, ran %d", version, res.IsError, msg, f.env.count("delete_thing"))
				}
				recs := f.records()
				if last := recs[len(recs)-1]; last.Outcome != audit.OutcomeOK || len(last.Changes) != 1 {
					t.Errorf("version %q: audit %+v", version, last)
				}
			} else if !res.IsError || !strings.Contains(msg, "did not confirm") || f.env.count("delete_thing") != 0 {
				t.Errorf("version %q declined: isError=%v %q, ran %d", version, res.IsError, msg, f.env.count("delete_thing"))
			}
		}
	}
}

func TestForgedElicitationResponseRefused(t *testing.T) {
	// A client that answers "accept" without a request state issued by the server is refused: the
	// state is the HMAC token, so a confirmation cannot be fabricated.
	f := newFixture(t, fixtureOpts{filter: writes})
	cs := f.connect(&mcp.ClientOptions{MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}}, "")
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{
		Name:           "delete_thing",
		Arguments:      map[string]any{"workspace": "contoso/contoso-prod", "note": "x"},
		InputResponses: mcp.InputResponseMap{"confirm": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}},
		RequestState:   "v2.4102444800.bm9uY2U.bm90LWEtbWFj",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(text(res), "does not match") || f.env.count("delete_thing") != 0 {
		t.Errorf("forged confirmation: isError=%v %q", res.IsError, text(res))
	}
}

// A plan is bounded whatever the arguments: a long value is cut in the plan (the token still covers
// the complete arguments), and so is a tool plan over the result budget.
func TestPlanIsBounded(t *testing.T) {
	type in struct {
		Count int    `json:"count" jsonschema:"Things."`
		Note  string `json:"note,omitempty" jsonschema:"A note."`
	}
	ran := 0
	purge := inventory.New("beta", mcp.Tool{Name: "purge_things", Description: "Purge.", Annotations: inventory.Annotations("Purge things", inventory.Destructive)},
		func(ctx context.Context, _ *mcp.CallToolRequest, in in) (*mcp.CallToolResult, any, error) {
			ran++
			return toolkit.Text(fmt.Sprintf("purged %d", in.Count)), nil, nil
		}, inventory.Plan(func(_ context.Context, in in) (string, error) {
			var b strings.Builder
			for i := range in.Count {
				fmt.Fprintf(&b, "- would purge thing %d\n", i)
			}
			return b.String(), nil
		}))
	f := newFixture(t, fixtureOpts{filter: writes, extraTools: []inventory.Tool{purge}})
	cs := f.connect(nil, "2025-11-25")
	for _, args := range []map[string]any{
		{"count": 20_000, "note": "n"},                         // a plan of 500 KB
		{"count": 1, "note": strings.Repeat("ABCDE", 200_000)}, // a megabyte argument
	} {
		res, msg := callTool(t, cs, "purge_things", args)
		p := pending(t, res)
		if len(msg) > f.cfg.Limits.MaxBytes || len(p.Plan) > f.cfg.Limits.MaxBytes/2 {
			t.Fatalf("plan of %d bytes (text %d bytes), over the result budget of %d", len(p.Plan), len(msg), f.cfg.Limits.MaxBytes)
		}
		want := []string{"- would purge thing 0", "Arguments: {"}
		if args["count"] == 20_000 {
			want = append(want, "the plan is cut here")
		} else {
			want = append(want, "ABCDEABCDE", "more bytes")
		}
		for _, w := range want {
			if !strings.Contains(p.Plan, w) {
				t.Errorf("plan lacks %q:\n%.3000s", w, p.Plan)
			}
		}
		args["confirm_token"] = p.ConfirmToken
		if res, msg := callTool(t, cs, "purge_things", args); res.IsError {
			t.Fatalf("confirmed call: %.300s", msg)
		}
	}
	if ran != 2 {
		t.Fatalf("%d confirmed calls ran, want 2", ran)
	}
}

// A destructive call whose plan fails (no such target, a bad argument) is refused at once with the
// plan's error: no token is issued, the user is not asked, the handler never runs.
func TestPlanErrorRefusesAtOnce(t *testing.T) {
	type in struct {
		toolkit.WorkspaceArg
		Thing string `json:"thing" jsonschema:"The thing to remove."`
	}
	ran := 0
	remove := inventory.New("beta", mcp.Tool{Name: "remove_thing", Description: "Remove.", Annotations: inventory.Annotations("Remove thing", inventory.Destructive|inventory.OpenWorld)},
		func(ctx context.Context, _ *mcp.CallToolRequest, in in) (*mcp.CallToolResult, any, error) {
			ran++
			return toolkit.Text("removed " + in.Thing), nil, nil
		}, inventory.Plan(func(_ context.Context, in in) (string, error) {
			switch in.Thing {
			case "":
				return "", toolkit.ArgError("thing", "is empty: give the name of the thing")
			case "known":
				return "Would remove the thing named known.", nil
			}
			return "", fmt.Errorf("no thing named %q in %s (list_things shows them).", in.Thing, in.Workspace)
		}))
	f := newFixture(t, fixtureOpts{filter: writes, extraTools: []inventory.Tool{remove}})
	asked := 0
	elicit := &mcp.ClientOptions{ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		asked++
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
	}}
	for _, cs := range []*mcp.ClientSession{f.connect(nil, "2025-11-25"), f.connect(elicit, ""), f.connect(elicit, "2025-06-18")} {
		for thing, want := range map[string]string{
			"missing": `no thing named "missing" in contoso/contoso-prod (list_things shows them). Nothing was changed: remove_thing was not run and no confirmation was asked`,
			"":        `argument "thing": is empty: give the name of the thing. Nothing was changed`,
		} {
			res, msg := callTool(t, cs, "remove_thing", map[string]any{"workspace": "contoso/contoso-prod", "thing": thing})
			if !res.IsError || !strings.Contains(msg, want) || strings.Contains(msg, "confirm_token") {
				t.Errorf("thing %q: isError=%v %q, want %q", thing, res.IsError, msg, want)
			}
			if res.StructuredContent != nil || len(res.InputRequests) != 0 || res.RequestState != "" {
				t.Errorf("thing %q: a failed plan still asks for confirmation: %+v", thing, res)
			}
		}
	}
	if ran != 0 || asked != 0 {
		t.Fatalf("failed plans: handler ran %d times, user asked %d times", ran, asked)
	}
	for _, r := range f.records() {
		if r.Outcome != audit.OutcomeError || !strings.Contains(r.Reason, "Nothing was changed") || r.Phase != audit.PhaseResult {
			t.Errorf("audit of a failed plan: %s %s %q", r.Phase, r.Outcome, r.Reason)
		}
	}
	// The same tool with a target that exists still plans and asks.
	res, msg := callTool(t, f.connect(nil, "2025-11-25"), "remove_thing", map[string]any{"workspace": "contoso/contoso-prod", "thing": "known"})
	if p := pending(t, res); !strings.Contains(p.Plan, "Would remove the thing named known.") || ran != 0 {
		t.Errorf("plan of an existing thing: %s", msg)
	}
}

// Confirmation fails closed: a client whose elicitation fails (an error, a cancel, an answer without
// the confirmation) never gets the destructive call run.
func TestConfirmationFailsClosed(t *testing.T) {
	for name, answer := range map[string]func() (*mcp.ElicitResult, error){
		"error":  func() (*mcp.ElicitResult, error) { return nil, fmt.Errorf("the user closed the dialog") },
		"cancel": func() (*mcp.ElicitResult, error) { return &mcp.ElicitResult{Action: "cancel"}, nil },
		"no value": func() (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{}}, nil
		},
		"false": func() (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": false}}, nil
		},
	} {
		for _, version := range []string{"", "2025-06-18"} {
			f := newFixture(t, fixtureOpts{filter: writes})
			cs := f.connect(&mcp.ClientOptions{ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) { return answer() }}, version)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "delete_thing", Arguments: map[string]any{"workspace": "contoso/contoso-prod", "note": "x"}})
			if err == nil && !res.IsError {
				t.Errorf("%s, version %q: the call succeeded: %s", name, version, text(res))
			}
			if n := f.env.count("delete_thing"); n != 0 {
				t.Errorf("%s, version %q: the destructive handler ran %d times", name, version, n)
			}
		}
	}
}
