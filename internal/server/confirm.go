package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// confirmer issues and checks confirmation tokens of destructive calls. A token is an HMAC, under a
// key generated per process, of the tool name, the canonical arguments (validated, defaults applied,
// keys sorted, confirm_token removed), the expiry and a random nonce: it confirms exactly one call,
// cannot be forged by the client, dies with the process, and is single-use. The nonce keeps two plans
// of the same call distinct, so confirming one does not burn the other.
type confirmer struct {
	key []byte
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	used map[string]time.Time // token -> expiry, pruned as tokens expire
}

func newConfirmer(key []byte, ttl time.Duration, now func() time.Time) *confirmer {
	return &confirmer{key: key, ttl: ttl, now: now, used: map[string]time.Time{}}
}

const tokenVersion = "v2"

func (c *confirmer) mac(tool string, args []byte, exp int64, nonce string) string {
	h := hmac.New(sha256.New, c.key)
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", tokenVersion, tool, exp, nonce)
	h.Write(args)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:24])
}

// issue returns a token for this exact call and its expiry.
func (c *confirmer) issue(tool string, args []byte) (string, time.Time) {
	exp := c.now().Add(c.ttl).Truncate(time.Second)
	var n [9]byte
	_, _ = rand.Read(n[:]) // crypto/rand.Read never fails on supported platforms
	nonce := base64.RawURLEncoding.EncodeToString(n[:])
	return tokenVersion + "." + strconv.FormatInt(exp.Unix(), 10) + "." + nonce + "." + c.mac(tool, args, exp.Unix(), nonce), exp
}

// verify checks a token against this call and consumes it. Every failure says how to start over.
func (c *confirmer) verify(tool string, args []byte, token string) error {
	const again = "Nothing was changed. Call the tool again without confirm_token to get a plan and a new token"
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 4 || parts[0] != tokenVersion {
		return fmt.Errorf("confirm_token is not a valid confirmation token. %s", again)
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return fmt.Errorf("confirm_token is not a valid confirmation token. %s", again)
	}
	if !hmac.Equal([]byte(parts[3]), []byte(c.mac(tool, args, exp, parts[2]))) {
		return fmt.Errorf("confirm_token does not match this call: it was issued for another tool or other arguments (every argument must be identical to the planned call). %s for these exact arguments", again)
	}
	now := c.now()
	expiry := time.Unix(exp, 0)
	if !now.Before(expiry) {
		return fmt.Errorf("confirm_token expired at %s (tokens are valid for %s). %s", expiry.UTC().Format(time.RFC3339), c.ttl, again)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, e := range c.used {
		if !now.Before(e) {
			delete(c.used, t)
		}
	}
	if _, dup := c.used[token]; dup {
		return fmt.Errorf("confirm_token was already used: each token confirms one call. %s", again)
	}
	c.used[token] = expiry
	return nil
}

// canonicalArgs returns the arguments without confirm_token (keys sorted, as encoding/json sorts map
// keys) and the token that was passed, if any.
func canonicalArgs(args json.RawMessage) ([]byte, string) {
	var m map[string]any
	if err := json.Unmarshal(args, &m); err != nil {
		return args, ""
	}
	tok, _ := m[inventory.ConfirmTokenArg].(string)
	delete(m, inventory.ConfirmTokenArg)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), tok
}

// elicitKey names the confirmation question in a multi-round-trip input request.
const elicitKey = "confirm"

var confirmSchema = &jsonschema.Schema{
	Type: "object",
	Properties: map[string]*jsonschema.Schema{
		elicitKey: {Type: "boolean", Title: "Proceed", Description: "Run this operation now."},
	},
	Required: []string{elicitKey},
}

// errDeclined is a confirmation the user refused.
var errDeclined = errors.New("the user did not confirm: the operation was not run and nothing was changed")

// confirmCall runs the confirmation step of a destructive call. It returns proceed=true when the call
// is confirmed (a valid confirm_token, or an accepted elicitation), a result to return otherwise (a
// plan with a token, an elicitation request, or a refusal), and the refusal reason if any.
func (s *Server) confirmCall(ctx context.Context, call *inventory.Call, st *callState) (proceed bool, res *mcp.CallToolResult, refusal error) {
	tool := call.Tool.Name()
	args, tok := canonicalArgs(call.Args)
	params := call.Request.Params
	if tok != "" {
		if err := s.confirm.verify(tool, args, tok); err != nil {
			return false, nil, err
		}
		return true, nil, nil
	}
	if resp, ok := params.InputResponses[elicitKey]; ok {
		if err := s.confirm.verify(tool, args, params.RequestState); err != nil {
			return false, nil, err
		}
		er, ok := resp.(*mcp.ElicitResult)
		if !ok || er.Action != "accept" {
			return false, nil, errDeclined
		}
		if yes, _ := er.Content[elicitKey].(bool); !yes {
			return false, nil, errDeclined
		}
		return true, nil, nil
	}

	plan, err := s.plan(ctx, call, st)
	if err != nil {
		// The tool cannot say what the call would do (no such target, a bad argument, Azure
		// unreachable): asking the user to confirm an unknown change would be pointless, and the
		// confirmed call would fail the same way. No token is issued.
		return false, inventory.ErrorResult(planError(tool, err)), nil
	}
	token, exp := s.confirm.issue(tool, args)
	st.setPending()
	if supportsElicitation(call.Request) {
		// Ask the user directly (MCP elicitation). With protocol 2026-07-28 and later the client answers
		// and retries the call; with older clients the SDK elicits and re-invokes the handler itself.
		return false, &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{elicitKey: &mcp.ElicitParams{
				Message:         plan + "\n\nProceed?",
				RequestedSchema: confirmSchema,
			}},
			RequestState: token,
		}, nil
	}
	text := fmt.Sprintf("%s\n\nThis call was NOT run. Show this plan to the user. Only if they agree, call %s again with exactly the same arguments plus \"%s\": %q (valid until %s, single use).",
		plan, tool, inventory.ConfirmTokenArg, token, exp.UTC().Format(time.RFC3339))
	return false, &mcp.CallToolResult{
		Content: []mcp.Content{&mcp.TextContent{Text: text}},
		StructuredContent: inventory.Pending{
			ConfirmationRequired: true,
			Plan:                 plan,
			ConfirmToken:         token,
			ExpiresAt:            exp.UTC().Format(time.RFC3339),
		},
	}, nil
}

// planError is the tool error of a destructive call whose plan failed: the tool's own message, and
// that nothing happened.
func planError(tool string, err error) error {
	msg := strings.TrimRight(strings.TrimSpace(err.Error()), ".")
	return fmt.Errorf("%s. Nothing was changed: %s was not run and no confirmation was asked", msg, tool)
}

// plan describes what a destructive call would do: the tool's own plan when it has one, the targets
// and the arguments. It is shown twice in a result (text and structured plan) and may be kept by the
// client, so it is bounded: long argument values are cut, and a tool plan over the budget loses its
// last lines, with a note (the confirm token still covers the exact, complete arguments). An error
// of the tool's plan is returned as it is.
func (s *Server) plan(ctx context.Context, call *inventory.Call, st *callState) (string, error) {
	var head, tail strings.Builder
	title := call.Tool.Def.Name
	if a := call.Tool.Def.Annotations; a != nil && a.Title != "" {
		title = a.Title + " (" + call.Tool.Def.Name + ")"
	}
	fmt.Fprintf(&head, "Plan: %s. This operation is destructive: it may delete or overwrite data.", title)
	var detail string
	if call.Tool.Plan != nil {
		p, err := call.Tool.Plan(ctx, call.Args)
		if err != nil {
			return "", err
		}
		detail = elide(strings.TrimSpace(p), longValues(call.Args))
	}
	targets, _, _ := st.snapshot()
	for _, t := range targets {
		if t.Workspace != "" {
			fmt.Fprintf(&tail, "\nWorkspace: %s (tenant %s)", t.Workspace, t.TenantName)
		} else {
			fmt.Fprintf(&tail, "\nTenant: %s (%s)", t.TenantName, t.TenantID)
		}
	}
	// Shown as the audit log records them (secrets redacted), with long values shortened.
	args, _ := canonicalArgs(call.Args)
	fmt.Fprintf(&tail, "\nArguments: %s", planArguments(args))
	room := s.planBudget() - head.Len() - tail.Len() - 1
	if detail != "" {
		head.WriteString("\n" + cutLines(detail, room))
	}
	return head.String() + tail.String(), nil
}

// planBudget is the longest plan: a confirmation result carries it twice and must stay within the
// result budget (limits.max_bytes), with room for the instructions around it.
func (s *Server) planBudget() int {
	b := s.opts.Config.Limits.MaxBytes
	if b <= 0 {
		b = 32 << 10
	}
	return max(b/2-600, 1024)
}

// cutLines returns s if it fits in max bytes, else its first lines that do, and a note of what was left out.
func cutLines(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	lines := strings.Split(s, "\n")
	var b strings.Builder
	kept := 0
	for _, l := range lines {
		if b.Len()+len(l)+1 > limit-120 {
			break
		}
		if kept > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		kept++
	}
	if kept == 0 { // one overlong line
		cut := max(limit-120, 0)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
	}
	fmt.Fprintf(&b, "\n… (the plan is cut here: %d more lines, %d bytes; the call does exactly what its arguments say)", len(lines)-kept, len(s)-b.Len())
	return b.String()
}

// Bounds of the arguments shown in a plan.
const (
	planMaxString = 200 // bytes of one string value
	planMaxItems  = 10  // items of one list
	planMaxArgs   = 2048
)

// planArguments renders arguments for a plan: strings over planMaxString bytes and lists over
// planMaxItems items are shortened with a note, secrets redacted as in the audit log, and the whole
// stays under planMaxArgs bytes.
func planArguments(doc []byte) string {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return "(unprintable)"
	}
	b, err := json.Marshal(shortenValue(v))
	if err != nil {
		return "(unprintable)"
	}
	out := string(audit.Redact(b))
	if len(out) > planMaxArgs {
		cut := planMaxArgs
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = fmt.Sprintf("%s… (%d more bytes)", out[:cut], len(out)-cut)
	}
	return out
}

func shortenValue(v any) any {
	switch x := v.(type) {
	case string:
		if len(x) > planMaxString {
			cut := planMaxString
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			return fmt.Sprintf("%s… (%d more bytes)", x[:cut], len(x)-cut)
		}
		return x
	case []any:
		n := len(x)
		if n > planMaxItems {
			x = append(x[:planMaxItems:planMaxItems], fmt.Sprintf("… (%d more items)", n-planMaxItems))
		}
		for i := range x {
			x[i] = shortenValue(x[i])
		}
		return x
	case map[string]any:
		for k, val := range x {
			x[k] = shortenValue(val)
		}
		return x
	}
	return v
}

// supportsElicitation reports whether the client can answer a form elicitation.
func supportsElicitation(req *mcp.CallToolRequest) bool {
	caps := req.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	// No mode listed means form (backwards compatibility); URL-only clients cannot show a form.
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}
