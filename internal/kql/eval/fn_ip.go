package eval

import (
	"encoding/binary"
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	B, L, S, D := data.Bool, data.Long, data.String, data.Dynamic
	reg(&fnDef{name: "ipv4_is_private", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		ip, ok := parseIPv4(a[0].String())
		if !ok {
			return data.NullValue(B)
		}
		return data.BoolValue(ip.IsPrivate())
	}})
	reg(&fnDef{name: "ipv4_is_in_range", minArgs: 2, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		ip, ok := parseIPv4(a[0].String())
		p, ok2 := parseIPv4Prefix(a[1].String())
		if !ok || !ok2 {
			return data.NullValue(B)
		}
		return data.BoolValue(p.Contains(ip))
	}})
	reg(&fnDef{name: "ipv4_is_in_any_range", minArgs: 2, maxArgs: -1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		ip, ok := parseIPv4(a[0].String())
		if !ok {
			return data.NullValue(B)
		}
		for _, r := range flattenStrings(a[1:]) {
			if p, ok := parseIPv4Prefix(r); ok && p.Contains(ip) {
				return data.BoolValue(true)
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "ipv4_compare", minArgs: 2, maxArgs: 3, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok1 := ipv4Masked(a[0].String(), a, 2)
		y, ok2 := ipv4Masked(a[1].String(), a, 2)
		if !ok1 || !ok2 {
			return data.NullValue(L)
		}
		return data.LongValue(int64(cmpInt(int64(x), int64(y))))
	}})
	reg(&fnDef{name: "ipv4_is_match", minArgs: 2, maxArgs: 3, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok1 := ipv4Masked(a[0].String(), a, 2)
		y, ok2 := ipv4Masked(a[1].String(), a, 2)
		if !ok1 || !ok2 {
			return data.NullValue(B)
		}
		return data.BoolValue(x == y)
	}})
	reg(&fnDef{name: "parse_ipv4", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok := ipv4Masked(a[0].String(), nil, 0)
		if !ok {
			return data.NullValue(L)
		}
		return data.LongValue(int64(x))
	}})
	reg(&fnDef{name: "parse_ipv4_mask", minArgs: 2, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok := ipv4Masked(a[0].String(), a, 1)
		if !ok {
			return data.NullValue(L)
		}
		return data.LongValue(int64(x))
	}})
	reg(&fnDef{name: "format_ipv4", minArgs: 1, maxArgs: 2, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		var x uint32
		if n, ok := argInt(a[0]); ok && a[0].Type != data.String {
			x = uint32(n)
		} else if v, ok := ipv4Masked(a[0].String(), nil, 0); ok {
			x = v
		} else {
			return data.StringValue("")
		}
		if len(a) == 2 {
			m, ok := argInt(a[1])
			if !ok || m < 0 || m > 32 {
				return data.StringValue("")
			}
			x &= maskBits(int(m))
		}
		return data.StringValue(formatIPv4(x))
	}})
	reg(&fnDef{name: "format_ipv4_mask", minArgs: 1, maxArgs: 2, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok := ipv4Masked(a[0].String(), nil, 0)
		if !ok {
			return data.StringValue("")
		}
		m := int64(32)
		if len(a) == 2 {
			if m, ok = argInt(a[1]); !ok || m < 0 || m > 32 {
				return data.StringValue("")
			}
		} else if _, suffix, found := strings.Cut(a[0].String(), "/"); found {
			m, _ = strconv.ParseInt(suffix, 10, 64)
		}
		return data.StringValue(formatIPv4(x&maskBits(int(m))) + "/" + strconv.FormatInt(m, 10))
	}})
	reg(&fnDef{name: "ipv4_netmask_suffix", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		s := a[0].String()
		if _, ok := parseIPv4(strings.Split(s, "/")[0]); !ok {
			return data.NullValue(L)
		}
		if _, suffix, ok := strings.Cut(s, "/"); ok {
			n, err := strconv.ParseInt(suffix, 10, 64)
			if err != nil || n < 0 || n > 32 {
				return data.NullValue(L)
			}
			return data.LongValue(n)
		}
		return data.LongValue(32)
	}})
	reg(&fnDef{name: "has_ipv4", minArgs: 2, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		ip := a[1].String()
		for _, tok := range ipv4Tokens(a[0].String()) {
			if tok == ip {
				return data.BoolValue(true)
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "has_ipv4_prefix", minArgs: 2, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		pre := a[1].String()
		for _, tok := range ipv4Tokens(a[0].String()) {
			if strings.HasPrefix(tok, pre) {
				return data.BoolValue(true)
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "has_any_ipv4", minArgs: 2, maxArgs: -1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		want := map[string]bool{}
		for _, s := range flattenStrings(a[1:]) {
			want[s] = true
		}
		for _, tok := range ipv4Tokens(a[0].String()) {
			if want[tok] {
				return data.BoolValue(true)
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "has_any_ipv4_prefix", minArgs: 2, maxArgs: -1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		pres := flattenStrings(a[1:])
		for _, tok := range ipv4Tokens(a[0].String()) {
			for _, p := range pres {
				if strings.HasPrefix(tok, p) {
					return data.BoolValue(true)
				}
			}
		}
		return data.BoolValue(false)
	}})
	reg(&fnDef{name: "ipv6_compare", minArgs: 2, maxArgs: 3, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok1 := ipv6Masked(a[0].String(), a, 2)
		y, ok2 := ipv6Masked(a[1].String(), a, 2)
		if !ok1 || !ok2 {
			return data.NullValue(L)
		}
		return data.LongValue(int64(x.Compare(y)))
	}})
	reg(&fnDef{name: "ipv6_is_match", minArgs: 2, maxArgs: 3, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok1 := ipv6Masked(a[0].String(), a, 2)
		y, ok2 := ipv6Masked(a[1].String(), a, 2)
		if !ok1 || !ok2 {
			return data.NullValue(B)
		}
		return data.BoolValue(x == y)
	}})
	reg(&fnDef{name: "geo_info_from_ip_address", minArgs: 1, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.DynamicValue(geoInfo(a[0].String()))
	}})
}

func parseIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is4() {
		if err == nil && ip.Is4In6() {
			return ip.Unmap(), true
		}
		return netip.Addr{}, false
	}
	return ip, true
}

func parseIPv4Prefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		ip, ok := parseIPv4(s)
		if !ok {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(ip, 32), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

func maskBits(m int) uint32 {
	if m <= 0 {
		return 0
	}
	return ^uint32(0) << (32 - uint(m))
}

// ipv4Masked parses an IPv4 address with an optional /suffix, applying the
// smaller of the suffix and the mask argument at a[maskArg].
func ipv4Masked(s string, a []data.Value, maskArg int) (uint32, bool) {
	addr, suffix, hasSuffix := strings.Cut(strings.TrimSpace(s), "/")
	ip, ok := parseIPv4(addr)
	if !ok {
		return 0, false
	}
	b := ip.As4()
	x := binary.BigEndian.Uint32(b[:])
	m := 32
	if hasSuffix {
		n, err := strconv.Atoi(suffix)
		if err != nil || n < 0 || n > 32 {
			return 0, false
		}
		m = n
	}
	if maskArg > 0 && len(a) > maskArg {
		n, ok := argInt(a[maskArg])
		if !ok || n < 0 || n > 32 {
			return 0, false
		}
		m = min(m, int(n))
	}
	return x & maskBits(m), true
}

func ipv6Masked(s string, a []data.Value, maskArg int) (netip.Addr, bool) {
	addr, suffix, hasSuffix := strings.Cut(strings.TrimSpace(s), "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Addr{}, false
	}
	if ip.Is4() {
		ip = netip.AddrFrom16(ip.As16())
	}
	m := 128
	if hasSuffix {
		n, err := strconv.Atoi(suffix)
		if err != nil || n < 0 || n > 128 {
			return netip.Addr{}, false
		}
		m = n
	}
	if maskArg > 0 && len(a) > maskArg {
		n, ok := argInt(a[maskArg])
		if !ok || n < 0 || n > 128 {
			return netip.Addr{}, false
		}
		m = min(m, int(n))
	}
	p, err := ip.Prefix(m)
	if err != nil {
		return netip.Addr{}, false
	}
	return p.Addr(), true
}

func formatIPv4(x uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return netip.AddrFrom4(b).String()
}

// ipv4Tokens finds IPv4 addresses in text; has_ipv4 requires them to be
// delimited by non-alphanumeric, non-dot characters.
func ipv4Tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' || (i > 0 && (isTermByte(s[i-1]) || s[i-1] == '.')) {
			i++
			continue
		}
		j := i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		tok := s[i:j]
		if j < len(s) && isTermByte(s[j]) {
			i = j
			continue
		}
		if _, ok := parseIPv4(tok); ok && strings.Count(tok, ".") == 3 {
			out = append(out, tok)
		}
		i = j
	}
	return out
}

// flattenStrings expands dynamic arrays among the arguments.
func flattenStrings(vs []data.Value) []string {
	var out []string
	for _, v := range vs {
		if arr, ok := argDyn(v).([]any); ok {
			for _, e := range arr {
				out = append(out, data.DynamicToString(e))
			}
			continue
		}
		out = append(out, v.String())
	}
	return out
}

var geoPlaces = []struct {
	country, code, state, city string
	lat, lon                   float64
}{
	{"United States", "US", "Washington", "Redmond", 47.674, -122.1215},
	{"United States", "US", "New York", "New York", 40.7128, -74.006},
	{"Germany", "DE", "Hesse", "Frankfurt am Main", 50.1109, 8.6821},
	{"United Kingdom", "GB", "England", "London", 51.5072, -0.1276},
	{"France", "FR", "Ile-de-France", "Paris", 48.8566, 2.3522},
	{"Netherlands", "NL", "North Holland", "Amsterdam", 52.3676, 4.9041},
	{"Japan", "JP", "Tokyo", "Tokyo", 35.6762, 139.6503},
	{"Brazil", "BR", "Sao Paulo", "Sao Paulo", -23.5558, -46.6396},
	{"Australia", "AU", "New South Wales", "Sydney", -33.8688, 151.2093},
	{"India", "IN", "Karnataka", "Bengaluru", 12.9716, 77.5946},
	{"Russia", "RU", "Moscow", "Moscow", 55.7558, 37.6173},
	{"Nigeria", "NG", "Lagos", "Lagos", 6.5244, 3.3792},
}

// geoInfo is a deterministic stand-in for Kusto's IP geolocation: public
// addresses map to a fixed set of places by a hash of the address, private
// and invalid ones to an empty bag.
func geoInfo(s string) map[string]any {
	ip, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || ip.IsPrivate() || ip.IsLoopback() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() {
		return map[string]any{}
	}
	h := fnv.New32a()
	h.Write([]byte(ip.String()))
	p := geoPlaces[h.Sum32()%uint32(len(geoPlaces))]
	return map[string]any{"country": p.country, "state": p.state, "city": p.city, "latitude": p.lat, "longitude": p.lon}
}
