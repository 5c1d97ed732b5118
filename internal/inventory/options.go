package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// Option adjusts a tool's inferred schemas (struct tags only carry descriptions).
type Option func(*options)

type options struct {
	input  []func(*jsonschema.Schema) error
	output []func(*jsonschema.Schema) error
	plan   func(ctx context.Context, args json.RawMessage) (string, error)
}

// Plan gives a destructive tool a description of what a call would do, shown to the user with the
// confirmation request. In must be the tool's input type; f must only read.
func Plan[In any](f func(ctx context.Context, in In) (string, error)) Option {
	return func(o *options) {
		o.plan = func(ctx context.Context, args json.RawMessage) (string, error) {
			var in In
			if err := json.Unmarshal(args, &in); err != nil {
				return "", err
			}
			return f(ctx, in)
		}
	}
}

// InputSchema applies f to the inferred input schema.
func InputSchema(f func(*jsonschema.Schema)) Option {
	return func(o *options) {
		o.input = append(o.input, func(s *jsonschema.Schema) error { f(s); return nil })
	}
}

// OutputSchema applies f to the inferred output schema.
func OutputSchema(f func(*jsonschema.Schema)) Option {
	return func(o *options) {
		o.output = append(o.output, func(s *jsonschema.Schema) error { f(s); return nil })
	}
}

// Enum restricts an input property (or, for a list, its items) to the given values.
func Enum(prop string, values ...any) Option {
	return inputProp(prop, func(p *jsonschema.Schema) error {
		if p.Type == "array" && p.Items != nil {
			p = p.Items
		}
		p.Enum = values
		return nil
	})
}

// Default sets the default of an input property; it is applied before the handler runs.
func Default(prop string, value any) Option {
	return inputProp(prop, func(p *jsonschema.Schema) error {
		b, err := json.Marshal(value)
		if err != nil {
			return err
		}
		p.Default = b
		return nil
	})
}

// Range bounds a numeric input property (inclusive).
func Range(prop string, lo, hi float64) Option {
	return inputProp(prop, func(p *jsonschema.Schema) error {
		p.Minimum, p.Maximum = &lo, &hi
		return nil
	})
}

// MaxLength bounds the length of a string input property (in characters).
func MaxLength(prop string, n int) Option {
	return inputProp(prop, func(p *jsonschema.Schema) error {
		p.MaxLength = &n
		return nil
	})
}

func inputProp(prop string, f func(*jsonschema.Schema) error) Option {
	return func(o *options) {
		o.input = append(o.input, func(s *jsonschema.Schema) error {
			p, ok := s.Properties[prop]
			if !ok {
				return fmt.Errorf("option on unknown input property %q", prop)
			}
			return f(p)
		})
	}
}

// Closest returns the candidate nearest to s by edit distance, or "" when none is reasonably close.
// It is used to suggest the intended name in "unknown ..." errors.
func Closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if d := editDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
