package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Redacted is what replaces a secret value.
const Redacted = "<redacted>"

// maxStringBytes bounds each string value kept in a record (a pasted 1 MB query is cut, not logged).
const maxStringBytes = 8 << 10

// maxListItems bounds each list kept in a record: the first items are kept and a note says how many
// more there were (a 100,000-item argument would otherwise make one record megabytes long).
const maxListItems = 1000

// keyNormalizer removes the separators of a key before it is matched against secretKeyParts.
var keyNormalizer = strings.NewReplacer("_", "", "-", "", ".", "")

// secretKeyParts are substrings of a normalized key (lower case, no '_' '-' '.') that mark a secret.
// They are specific on purpose: "key" alone would also hide harmless values such as a watchlist's
// search key column.
var secretKeyParts = []string{
	"secret", "password", "passwd", "token", "apikey", "accesskey", "privatekey", "sharedkey",
	"credential", "authorization", "cookie", "connectionstring", "sastoken", "sasurl", "sasuri",
}

// jwtLike matches values that look like bearer tokens whatever their key.
var jwtLike = regexp.MustCompile(`^(?i:bearer\s+)?eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// Redact returns the JSON document with secret values replaced and overlong strings and lists cut. Input that is
// not JSON is replaced by a note rather than logged verbatim.
func Redact(doc []byte) json.RawMessage {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b, _ := json.Marshal(map[string]string{"unparsed_arguments": fmt.Sprintf("%d bytes of invalid JSON", len(doc))})
		return b
	}
	out, err := marshal(redactValue(v, false))
	if err != nil {
		return json.RawMessage(`"unencodable"`)
	}
	return out
}

// marshal is json.Marshal without HTML escaping, so that "<redacted>" and KQL operators such as
// "=>" stay readable in the log.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// IsSecretKey reports whether an object key names a secret.
func IsSecretKey(k string) bool {
	n := strings.ToLower(keyNormalizer.Replace(k))
	for _, p := range secretKeyParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

func redactValue(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = redactValue(val, secret || IsSecretKey(k))
		}
		return x
	case []any:
		n := len(x)
		if n > maxListItems {
			x = append(x[:maxListItems:maxListItems], fmt.Sprintf("…(%d more items)", n-maxListItems))
		}
		for i, val := range x[:min(n, maxListItems)] {
			x[i] = redactValue(val, secret)
		}
		return x
	case string:
		if secret && x != "" || jwtLike.MatchString(x) {
			return Redacted
		}
		if len(x) > maxStringBytes {
			cut := maxStringBytes
			for cut > 0 && x[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
				cut--
			}
			return fmt.Sprintf("%s…(%d more bytes)", x[:cut], len(x)-cut)
		}
		return x
	default:
		if secret && v != nil {
			return Redacted
		}
		return v
	}
}
