package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values come from logs and resources that attackers write to (command lines, file names, mail
// subjects). Characters that change or hide how text reads without showing themselves (control
// characters, BiDi overrides, zero-width and tag characters) are shown as escapes rather than
// dropped: a right-to-left override in a file name is evidence, and a model must neither be
// fooled by it nor lose it. Text formats show them as \u{202E}; JSON escapes them (\u202e), which
// decodes back to the exact value.

// hidden reports the runes shown as escapes. Tab, newline and carriage return are left to each
// format (the table escapes \n and \r itself; CSV quotes them).
func hidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0: // C0, DEL, C1
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= 0xE0100 && r <= 0xE01EF: // variation selectors supplement
		return true
	case r < 0xad:
		return false
	}
	return unicode.Is(unicode.Cf, r) // BiDi controls, zero-width characters, tags, soft hyphen...
}

// reveal returns s with hidden runes as \u{XXXX} escapes (s itself when it has none).
func reveal(s string) string {
	i := strings.IndexFunc(s, hidden)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if hidden(r) {
			fmt.Fprintf(&b, `\u{%04X}`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// revealJSON escapes hidden runes in JSON text. Outside string literals JSON is ASCII without
// control characters, so every such rune is inside a string, where \uXXXX (a surrogate pair above
// U+FFFF) is the same character.
func revealJSON(js []byte) []byte {
	n := -1
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		if r >= 0x7f && hidden(r) {
			n = i
			break
		}
		i += size
	}
	if n < 0 {
		return js
	}
	out := make([]byte, 0, len(js)+16)
	out = append(out, js[:n]...)
	for i := n; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		if r < 0x7f || !hidden(r) {
			out = append(out, js[i:i+size]...) // as it was, invalid bytes included
			i += size
			continue
		}
		i += size
		if r > 0xFFFF {
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}
