package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The files of an export are YAML: multi-line KQL queries and descriptions are literal blocks, so a
// change to a query is a readable line diff in git, and keys are sorted, so the same content always
// gives the same bytes. The values are JSON values (what Azure returned), encoded with explicit care
// for types: strings stay strings (yaml.v3 quotes "true", "1.0" or "2024-01-01"), numbers keep their
// JSON text. EncodeYAML checks its own output by decoding it again, and DecodeYAML only produces the
// JSON value tree (no anchors, aliases or custom tags), so a file read back is the value written.

// EncodeYAML renders a JSON value tree (maps, slices, strings, json.Number or float64/int numbers,
// bools, nil) as a YAML document.
func EncodeYAML(v any) ([]byte, error) {
	n, err := yamlNode(v)
	if err != nil {
		return nil, err
	}
	return encodeNode(n, v)
}

// encodeYAMLOrdered is EncodeYAML with the top-level keys of m in the given order (others after, sorted).
func encodeYAMLOrdered(m map[string]any, order []string) ([]byte, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	rest := cloneMap(m)
	add := func(k string) error {
		v, ok := rest[k]
		if !ok {
			return nil
		}
		delete(rest, k)
		c, err := yamlNode(v)
		if err != nil {
			return err
		}
		n.Content = append(n.Content, stringNode(k), c)
		return nil
	}
	for _, k := range append(order, sortedKeys(rest)...) {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	return encodeNode(n, m)
}

func encodeNode(n *yaml.Node, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	back, err := DecodeYAML(out)
	if err != nil {
		return nil, fmt.Errorf("snapshot: the YAML encoding does not read back: %v", err)
	}
	if !Equal(back, v) {
		return nil, errors.New("snapshot: the YAML encoding does not read back to the same value")
	}
	return out, nil
}

func yamlNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}, nil
	case string:
		return stringNode(x), nil
	case json.Number:
		return numberNode(string(x)), nil
	case float64:
		return numberNode(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case int:
		return numberNode(strconv.Itoa(x)), nil
	case int64:
		return numberNode(strconv.FormatInt(x, 10)), nil
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c, err := yamlNode(x[k])
			if err != nil {
				return nil, err
			}
			kn := stringNode(k)
			if kn.Style == yaml.LiteralStyle { // keys cannot be blocks
				kn.Style = yaml.DoubleQuotedStyle
			}
			n.Content = append(n.Content, kn, c)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			c, err := yamlNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case []string:
		a := make([]any, len(x))
		for i, s := range x {
			a[i] = s
		}
		return yamlNode(a)
	case []map[string]any:
		a := make([]any, len(x))
		for i, m := range x {
			a[i] = m
		}
		return yamlNode(a)
	}
	return nil, fmt.Errorf("snapshot: cannot encode a %T as YAML", v)
}

func numberNode(s string) *yaml.Node {
	tag := "!!int"
	if strings.ContainsAny(s, ".eE") {
		tag = "!!float"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
}

// stringNode uses a literal block for multi-line text when YAML can carry it exactly (no carriage
// returns or tabs, no trailing blanks before a line break, no leading blank on the first line), a
// double-quoted string with escapes for other text with control characters, and otherwise lets the
// encoder choose (plain or quoted).
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n") && literalSafe(s):
		n.Style = yaml.LiteralStyle
	case strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\u0085' || r == '\u2028' || r == '\u2029' || r == '\ufeff'
	}):
		n.Style = yaml.DoubleQuotedStyle // escapes carry tabs, carriage returns and breaks exactly
	}
	return n
}

func literalSafe(s string) bool {
	if strings.ContainsAny(s, "\r\t\u0085\u2028\u2029\ufeff") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
		for _, r := range line {
			if r < 0x20 || r == 0x7f {
				return false
			}
		}
	}
	return true
}

// DecodeYAML reads one YAML document into a JSON value tree (numbers as json.Number). Anchors,
// aliases, merge keys and non-string keys are refused: an export never has them.
func DecodeYAML(b []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file holds more than one YAML document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("the file is not one YAML document")
	}
	return fromNode(doc.Content[0], 0)
}

func fromNode(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("the document is nested too deeply")
	}
	if n.Anchor != "" {
		return nil, fmt.Errorf("line %d: anchors are not supported", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: aliases are not supported", n.Line)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: keys must be plain strings", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q appears twice", k.Line, k.Value)
			}
			val, err := fromNode(v, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, val)
		}
		return a, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int", "!!float":
			s := strings.ReplaceAll(n.Value, "_", "")
			if json.Valid([]byte(s)) {
				return json.Number(s), nil
			}
			if i, err := strconv.ParseInt(s, 0, 64); err == nil { // 0x1F, 0o17, +5
				return json.Number(strconv.FormatInt(i, 10)), nil
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("line %d: %q is not a number JSON can hold", n.Line, n.Value)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return n.Value, nil // !!str, and timestamps or other resolved tags of hand-written files
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}
