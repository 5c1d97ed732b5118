package contract

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// Field-set comparison. A response matches an example when every field the example has (a JSON path
// with array elements merged, null values ignored) is present in the response. Paths below an array
// that is empty in the response are not required: which elements exist is data, not contract.

// dataMaps are objects whose keys are user data (tag names, watchlist columns), not contract.
var dataMaps = map[string]bool{"tags": true, "itemsKeyValue": true, "customDetails": true}

func fieldSet(v any, prefix string, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			if !dataMaps[k] {
				fieldSet(x, p, out)
			}
		}
	case []any:
		if len(t) > 0 {
			out[prefix+"[]"] = true
		}
		for _, x := range t {
			fieldSet(x, prefix+"[]", out)
		}
	}
}

func fieldsOf(t *testing.T, raw []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, raw)
	}
	out := map[string]bool{}
	fieldSet(v, "", out)
	return out
}

// missingFields lists the paths of want absent from got, honouring the empty-array rule and the
// allowed omissions (path prefixes).
func missingFields(want, got map[string]bool, allow []string) []string {
	var miss []string
	for p := range want {
		if got[p] {
			continue
		}
		if allowed(p, allow) || underEmptyArray(p, got) {
			continue
		}
		miss = append(miss, p)
	}
	sort.Strings(miss)
	return miss
}

func allowed(p string, allow []string) bool {
	for _, a := range allow {
		if p == a || strings.HasPrefix(p, a+".") || strings.HasPrefix(p, a+"[]") {
			return true
		}
	}
	return false
}

func underEmptyArray(p string, got map[string]bool) bool {
	for i := strings.Index(p, "[]"); i >= 0; {
		arr := p[:i]
		if !got[arr+"[]"] && (arr == "" || got[arr]) {
			return true
		}
		j := strings.Index(p[i+2:], "[]")
		if j < 0 {
			break
		}
		i = i + 2 + j
	}
	return false
}

// checkWire compares the example body with the bytes the emulator sent.
func checkWire(t *testing.T, label string, example json.RawMessage, got []byte, allow ...string) {
	t.Helper()
	if len(example) == 0 {
		return
	}
	if miss := missingFields(fieldsOf(t, example), fieldsOf(t, got), allow); len(miss) > 0 {
		t.Errorf("%s: response lacks fields of the example: %s", label, strings.Join(miss, ", "))
	}
}

// checkSDK decodes the example into the same SDK type as the response and compares what the SDK kept
// of each: every field the SDK model knows from the example must be filled from the emulator too.
func checkSDK[T any](t *testing.T, label string, example json.RawMessage, got T, allow ...string) {
	t.Helper()
	if len(example) == 0 {
		return
	}
	exv := decodeInto[T](t, example)
	eb, err := json.Marshal(exv)
	if err != nil {
		t.Fatalf("%s: marshal example model: %v", label, err)
	}
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: marshal response model: %v", label, err)
	}
	if miss := missingFields(fieldsOf(t, eb), fieldsOf(t, gb), allow); len(miss) > 0 {
		t.Errorf("%s: SDK model lacks fields the example fills: %s", label, strings.Join(miss, ", "))
	}
}

// checkBoth runs both comparisons on a captured SDK call.
func checkBoth[T any](t *testing.T, ex *example, example json.RawMessage, got T, wire []byte, allow ...string) {
	t.Helper()
	checkWire(t, ex.name+" (wire)", example, wire, allow...)
	checkSDK(t, ex.name+" (sdk)", example, got, allow...)
}
