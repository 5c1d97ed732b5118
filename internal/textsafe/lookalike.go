package textsafe

import "unicode"

// FoldLookalike finds a non-ASCII character of s that Unicode case folding equates with an ASCII
// letter (KELVIN SIGN with k, LATIN SMALL LETTER LONG S with s): case-insensitive comparisons
// (strings.EqualFold, strings.ToLower) would let such a name match a different, plain one. It
// returns the first one and the ASCII letter it folds to.
func FoldLookalike(s string) (r rune, ascii rune, ok bool) {
	for _, c := range s {
		if c < 0x80 {
			continue
		}
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f < 0x80 {
				return c, unicode.ToLower(f), true
			}
		}
	}
	return 0, 0, false
}
