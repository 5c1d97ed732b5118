package data

import "encoding/hex"

// UUID is the value of a guid cell.
type UUID [16]byte

// String renders u as lowercase 8-4-4-4-12 hex, the Kusto text form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// ParseUUID parses a guid in the 8-4-4-4-12 form, optionally in braces or
// parentheses, or as 32 bare hex digits.
func ParseUUID(s string) (UUID, bool) {
	var u UUID
	if len(s) == 38 && (s[0] == '{' && s[37] == '}' || s[0] == '(' && s[37] == ')') {
		s = s[1:37]
	}
	var h [32]byte
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, false
		}
		copy(h[0:8], s[0:8])
		copy(h[8:12], s[9:13])
		copy(h[12:16], s[14:18])
		copy(h[16:20], s[19:23])
		copy(h[20:32], s[24:36])
	case 32:
		copy(h[:], s)
	default:
		return u, false
	}
	if _, err := hex.Decode(u[:], h[:]); err != nil {
		return UUID{}, false
	}
	return u, true
}
