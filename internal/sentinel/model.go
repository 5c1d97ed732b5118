package sentinel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Raw keeps the document a model was decoded from. Embed it (with the tag `json:"-"`) in every
// model; MarshalKeep overlays the modelled fields on it, so the properties this package does not
// model are written back unchanged.
type Raw struct {
	raw json.RawMessage
}

// RawJSON is the document as decoded (nil for a model built in code).
func (r Raw) RawJSON() json.RawMessage { return r.raw }

// Envelope is the ARM envelope every Sentinel resource shares. Embed it in models (its fields are
// promoted to the top level of the JSON).
type Envelope struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Etag string `json:"etag"`
}

// UnmarshalKeep decodes b into v (a pointer to a model's method-less alias type) and keeps b in r.
//
//	func (i *Incident) UnmarshalJSON(b []byte) error {
//		type plain Incident
//		return sentinel.UnmarshalKeep(b, (*plain)(i), &i.Raw)
//	}
func UnmarshalKeep(b []byte, v any, r *Raw) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	r.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalKeep encodes v (a model's method-less alias value) overlaid on the kept document r:
//
//   - keys only in r (properties not modelled) are kept as they are;
//
//   - a modelled field whose value equals the kept one (same instant for timestamps, same number)
//     keeps the kept JSON, so an unchanged read-modify-write sends back what Azure sent;
//
//   - a modelled field that is zero ("", 0, false, null, [] or an object of zeros) and absent or
//     zero in r is left out, so a model built in code sends only what it sets;
//
//   - otherwise the modelled value is written; a string cleared to "" is written as null (Azure's
//     way to clear an enum or a reference such as classification or owner.objectId);
//
//   - objects are merged member by member, arrays and scalars replaced.
//
//     func (i Incident) MarshalJSON() ([]byte, error) {
//     type plain Incident
//     return sentinel.MarshalKeep(plain(i), i.Raw)
//     }
func MarshalKeep(v any, r Raw) ([]byte, error) {
	typed, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	base := r.raw
	if len(bytes.TrimSpace(base)) == 0 {
		base = json.RawMessage("{}")
	}
	out, err := overlay(base, typed)
	if err != nil {
		return nil, fmt.Errorf("sentinel: merging the model into its document: %v", err)
	}
	return out, nil
}

// overlay merges the typed JSON object t onto the kept JSON object k.
func overlay(k, t json.RawMessage) (json.RawMessage, error) {
	var km, tm map[string]json.RawMessage
	if err := json.Unmarshal(k, &km); err != nil || km == nil {
		km = map[string]json.RawMessage{} // the kept document is not an object: the model wins
	}
	if err := json.Unmarshal(t, &tm); err != nil {
		return nil, err
	}
	for key, tv := range tm {
		kv, has := km[key]
		switch {
		case isZero(tv):
			if !has || isZero(kv) {
				continue
			}
			if isObject(tv) && isObject(kv) {
				m, err := overlay(kv, tv)
				if err != nil {
					return nil, err
				}
				km[key] = m
				continue
			}
			if bytes.Equal(bytes.TrimSpace(tv), []byte(`""`)) {
				tv = json.RawMessage("null")
			}
			km[key] = tv
		case isObject(tv) && (!has || isObject(kv)):
			if !has {
				kv = json.RawMessage("{}")
			}
			m, err := overlay(kv, tv)
			if err != nil {
				return nil, err
			}
			km[key] = m
		case has && sameValue(kv, tv):
			// keep Azure's spelling of the same value
		default:
			km[key] = tv
		}
	}
	return json.Marshal(km)
}

func isObject(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// isZero reports the JSON zero values: null, "", 0, false, [] and objects whose members are all zero.
func isZero(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return true
	case b[0] == '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return false
		}
		for _, v := range m {
			if !isZero(v) {
				return false
			}
		}
		return true
	case b[0] == '[':
		return bytes.Equal(bytes.Join(bytes.Fields(b), nil), []byte("[]"))
	}
	switch string(b) {
	case "null", `""`, "false", "0":
		return true
	}
	var f float64
	return json.Unmarshal(b, &f) == nil && f == 0
}

// sameValue compares two JSON values semantically: numbers by value, strings that are both
// timestamps by instant, the rest structurally.
func sameValue(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var av, bv any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&av) != nil || db.Decode(&bv) != nil {
		return false
	}
	return sameAny(av, bv)
}

func sameAny(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, e1 := x.Float64()
		fy, e2 := y.Float64()
		return e1 == nil && e2 == nil && fx == fy
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		tx, e1 := time.Parse(time.RFC3339Nano, x)
		ty, e2 := time.Parse(time.RFC3339Nano, y)
		return e1 == nil && e2 == nil && tx.Equal(ty)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameAny(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameAny(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// WithoutProperties returns the JSON document doc without the named members of its properties
// object: the read-only properties a write should not send back.
func WithoutProperties(doc []byte, keys ...string) (json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	var props map[string]json.RawMessage
	if raw, ok := top["properties"]; ok && json.Unmarshal(raw, &props) == nil && props != nil {
		for _, k := range keys {
			delete(props, k)
		}
		b, err := json.Marshal(props)
		if err != nil {
			return nil, err
		}
		top["properties"] = b
	}
	return json.Marshal(top)
}

// ConflictError is the error of a write refused because the resource changed since it was read
// (a stale etag): what changed, that nothing was written, and what to do. It wraps err, so
// azure.IsConflict still holds.
func ConflictError(what string, err error, reread string) error {
	if !azure.IsConflict(err) {
		return err
	}
	return &conflictError{msg: fmt.Sprintf("%s was changed by someone else since it was read, so nothing was changed (no lost update). %s, then retry", what, reread), err: err}
}

type conflictError struct {
	msg string
	err error
}

func (e *conflictError) Error() string { return e.msg }
func (e *conflictError) Unwrap() error { return e.err }
