package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ConfirmTokenArg is the argument through which a destructive call is confirmed. New adds it to the
// input schema of every destructive tool; the server's confirmation middleware consumes it.
const ConfirmTokenArg = "confirm_token"

// Pending is the structured output of a destructive call that has not been confirmed yet: the plan of
// what it would do and the token that confirms exactly this call. New widens the output schema of
// destructive tools so that this shape validates too.
type Pending struct {
	ConfirmationRequired bool   `json:"confirmation_required"`
	Plan                 string `json:"plan"`
	ConfirmToken         string `json:"confirm_token"`
	ExpiresAt            string `json:"expires_at"`
}

// New builds a Tool from its definition and typed handler. def.Name, def.Description and
// def.Annotations (use Annotations) are required; InputSchema and OutputSchema are inferred from In
// and Out unless set. Out may be `any` for a tool without structured output. Options adjust the
// inferred input schema (enums, defaults, ranges).
//
// New panics on a definition it cannot turn into schemas (a programming error that any test
// exercising the inventory catches).
func New[In, Out any](toolset string, def mcp.Tool, h func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error), opts ...Option) Tool {
	d := def
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	tool := Tool{Def: &d, Toolset: toolset, Plan: o.plan}

	in, err := schemaFor[In](def.InputSchema)
	if err != nil {
		panic(fmt.Sprintf("inventory: tool %q: input schema: %v", def.Name, err))
	}
	if in.Type != "object" {
		panic(fmt.Sprintf("inventory: tool %q: input type must be a struct (schema type object), got %q", def.Name, in.Type))
	}
	simplifyInput(in)
	for _, f := range o.input {
		if err := f(in); err != nil {
			panic(fmt.Sprintf("inventory: tool %q: %v", def.Name, err))
		}
	}
	if tool.Destructive() {
		addConfirmTokenArg(in)
	}
	// Resolving a schema is most of the cost of building a tool, and start-up builds every tool:
	// resolve on first use instead (Tool.CheckSchemas resolves eagerly, for tests).
	inResolved := sync.OnceValues(func() (*jsonschema.Resolved, error) {
		r, err := in.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
		if err != nil {
			return nil, fmt.Errorf("tool %q: input schema: %w", def.Name, err)
		}
		return r, nil
	})
	d.InputSchema = in

	outResolved := func() (*jsonschema.Resolved, error) { return nil, nil }
	hasOut := def.OutputSchema != nil || reflect.TypeFor[Out]() != reflect.TypeFor[any]()
	if hasOut {
		out, err := schemaFor[Out](def.OutputSchema)
		if err != nil {
			panic(fmt.Sprintf("inventory: tool %q: output schema: %v", def.Name, err))
		}
		for _, f := range o.output {
			if err := f(out); err != nil {
				panic(fmt.Sprintf("inventory: tool %q: %v", def.Name, err))
			}
		}
		if tool.Destructive() {
			allowPending(out)
		}
		outResolved = sync.OnceValues(func() (*jsonschema.Resolved, error) {
			r, err := out.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
			if err != nil {
				return nil, fmt.Errorf("tool %q: output schema: %w", def.Name, err)
			}
			return r, nil
		})
		d.OutputSchema = out
	}

	props := mapsKeys(in.Properties)
	slices.Sort(props)
	invoke := func(ctx context.Context, call *Call) (*mcp.CallToolResult, error) {
		if call.ArgsErr != nil {
			return ErrorResult(call.ArgsErr), nil
		}
		var input In
		if err := json.Unmarshal(call.Args, &input); err != nil {
			return ErrorResult(fmt.Errorf("invalid arguments: %v", err)), nil
		}
		res, out, err := h(ctx, call.Request, input)
		if err != nil {
			var rpcErr *jsonrpc.Error
			if errors.As(err, &rpcErr) {
				return nil, rpcErr
			}
			if res != nil && res.IsError && len(res.Content) > 0 {
				return res, nil
			}
			return ErrorResult(err), nil
		}
		if res == nil {
			res = &mcp.CallToolResult{}
		}
		if res.IsError || res.InputRequests != nil || res.StructuredContent != nil || !hasOut && isNil(out) {
			return res, nil
		}
		js, err := encodeOutput(out)
		if err != nil {
			return nil, fmt.Errorf("tool %s: encode output: %w", def.Name, err)
		}
		outSchema, err := outResolved()
		if err != nil {
			return nil, err
		}
		if outSchema != nil {
			if err := validateJSON(js, outSchema); err != nil {
				return nil, fmt.Errorf("tool %s: output does not match its schema: %w", def.Name, err)
			}
		}
		res.StructuredContent = json.RawMessage(js)
		if res.Content == nil {
			res.Content = []mcp.Content{&mcp.TextContent{Text: string(js)}}
		}
		return res, nil
	}

	tool.add = func(s *mcp.Server, def *mcp.Tool, mw Middleware) {
		handler := Handler(invoke)
		if mw != nil {
			handler = mw(handler)
		}
		self := tool
		self.Def = def
		s.AddTool(def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			call := &Call{Tool: &self, Request: req}
			inSchema, err := inResolved()
			if err != nil {
				return nil, err // a broken schema is a server fault (CheckSchemas catches it in tests)
			}
			call.Args, call.ArgsErr = validateArgs(req.Params.Arguments, inSchema, props)
			return handler(ctx, call)
		})
	}
	tool.Register = func(s *mcp.Server, mw Middleware) { tool.add(s, tool.Def, mw) }
	tool.resolve = func() error {
		if _, err := inResolved(); err != nil {
			return err
		}
		_, err := outResolved()
		return err
	}
	return tool
}

// ErrorResult is a tool error result (isError) carrying err's message.
func ErrorResult(err error) *mcp.CallToolResult {
	res := &mcp.CallToolResult{}
	res.SetError(err)
	return res
}

func schemaFor[T any](given any) (*jsonschema.Schema, error) {
	switch s := given.(type) {
	case nil:
		t := reflect.TypeFor[T]()
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == reflect.TypeFor[any]() {
			return &jsonschema.Schema{Type: "object"}, nil
		}
		return jsonschema.ForType(t, nil)
	case *jsonschema.Schema:
		return s.CloneSchemas(), nil
	default:
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		var out jsonschema.Schema
		return &out, json.Unmarshal(b, &out)
	}
}

// simplifyInput drops "null" from the property types the Go inference adds for slices and pointers:
// null members are removed from arguments before validation, so a client may still send them, and
// the schema the model reads stays short.
func simplifyInput(s *jsonschema.Schema) {
	for _, p := range s.Properties {
		if len(p.Types) == 2 && slices.Contains(p.Types, "null") {
			p.Type = p.Types[0]
			if p.Type == "null" {
				p.Type = p.Types[1]
			}
			p.Types = nil
		}
	}
}

func addConfirmTokenArg(s *jsonschema.Schema) {
	if s.Properties == nil {
		s.Properties = map[string]*jsonschema.Schema{}
	}
	if _, ok := s.Properties[ConfirmTokenArg]; ok {
		return
	}
	s.Properties[ConfirmTokenArg] = &jsonschema.Schema{
		Type:        "string",
		Description: "Confirmation token returned with the plan of a previous identical call; pass it unchanged to proceed.",
	}
	if len(s.PropertyOrder) > 0 {
		s.PropertyOrder = append(s.PropertyOrder, ConfirmTokenArg)
	}
}

// allowPending widens an object output schema so that a Pending value validates as well as the
// tool's normal output: the Pending properties become optional members and the "required" lists move
// into an anyOf of the two shapes.
func allowPending(s *jsonschema.Schema) {
	if s.Type != "object" {
		return
	}
	pending, _ := jsonschema.For[Pending](nil)
	if s.Properties == nil {
		s.Properties = map[string]*jsonschema.Schema{}
	}
	for _, name := range pending.PropertyOrder {
		if _, ok := s.Properties[name]; !ok {
			s.Properties[name] = pending.Properties[name]
			if len(s.PropertyOrder) > 0 {
				s.PropertyOrder = append(s.PropertyOrder, name)
			}
		}
	}
	normal := &jsonschema.Schema{Required: s.Required}
	if len(s.Required) == 0 {
		normal = &jsonschema.Schema{}
	}
	s.AnyOf = []*jsonschema.Schema{normal, {Required: []string{"confirmation_required", "confirm_token"}}}
	s.Required = nil
}

// validateArgs validates raw arguments and returns them canonical (sorted keys, defaults applied,
// null members dropped), or an error that tells the model what to fix.
func validateArgs(raw json.RawMessage, resolved *jsonschema.Resolved, props []string) (json.RawMessage, error) {
	args := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, fmt.Errorf("invalid arguments: they must be a JSON object (%s)", clip(err.Error(), maxFallback))
		}
	}
	for k, v := range args {
		if v == nil {
			delete(args, k)
		}
	}
	var unknown []string
	for k := range args {
		if _, ok := slices.BinarySearch(props, k); !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		msg := fmt.Sprintf("invalid arguments: unknown argument %s", quote(unknown[0]))
		if s := Closest(unknown[0], props); len(unknown[0]) <= 64 && s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, fmt.Errorf("%s; valid arguments: %s", msg, strings.Join(props, ", "))
	}
	if msg := overLimit(resolved.Schema(), args); msg != "" {
		return nil, fmt.Errorf("invalid arguments: %s", msg)
	}
	var v any = args
	if err := resolved.ApplyDefaults(&v); err != nil {
		return nil, fmt.Errorf("invalid arguments: %s", clip(err.Error(), maxFallback))
	}
	if err := resolved.Validate(&v); err != nil {
		if msg := violation(resolved.Schema(), args); msg != "" {
			return nil, fmt.Errorf("invalid arguments: %s", msg)
		}
		return nil, fmt.Errorf("invalid arguments: %s", clip(cleanSchemaError(err), maxFallback))
	}
	return encodeOutput(v)
}

// cleanSchemaError shortens the validator's messages ("validating root: validating /properties/x:
// ...") to the part a model can act on.
func cleanSchemaError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "validating /properties/"); i >= 0 {
		rest := strings.TrimPrefix(msg[i:], "validating /properties/")
		if name, detail, ok := strings.Cut(rest, ": "); ok {
			return fmt.Sprintf("argument %q: %s", name, detail)
		}
	}
	return strings.TrimPrefix(msg, "validating root: ")
}

func validateJSON(js []byte, resolved *jsonschema.Resolved) error {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return err
	}
	return resolved.Validate(&v)
}

// encodeOutput marshals v without HTML escaping (KQL and text keep '<', '>' and '&' readable); a nil
// pointer becomes its element's zero value rather than null.
func encodeOutput(v any) ([]byte, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		v = reflect.Zero(rv.Type().Elem()).Interface()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
