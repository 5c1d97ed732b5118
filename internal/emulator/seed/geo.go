package seed

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// place is a city public addresses are located in.
type place struct {
	Country, Code, State, City string
	Lat, Lon                   float64
	TZ                         int // UTC offset in hours (standard time), for working hours
	idx                        int // position in places
}

// places mirrors the KQL engine's geo_info_from_ip_address stand-in (internal/kql/eval/fn_ip.go), which
// maps a public address to places[fnv32a(address) % len(places)]. Every public address the generator
// writes is drawn so that this mapping gives the place the record claims (LocationDetails, Location,
// RemoteIPCountry...), so a query that enriches an address with geo_info_from_ip_address agrees with the
// logs. Keep the order and contents identical to the engine's table.
var places = []place{
	{"United States", "US", "Washington", "Redmond", 47.674, -122.1215, -8, 0},
	{"United States", "US", "New York", "New York", 40.7128, -74.006, -5, 0},
	{"Germany", "DE", "Hesse", "Frankfurt am Main", 50.1109, 8.6821, 1, 0},
	{"United Kingdom", "GB", "England", "London", 51.5072, -0.1276, 0, 0},
	{"France", "FR", "Ile-de-France", "Paris", 48.8566, 2.3522, 1, 0},
	{"Netherlands", "NL", "North Holland", "Amsterdam", 52.3676, 4.9041, 1, 0},
	{"Japan", "JP", "Tokyo", "Tokyo", 35.6762, 139.6503, 9, 0},
	{"Brazil", "BR", "Sao Paulo", "Sao Paulo", -23.5558, -46.6396, -3, 0},
	{"Australia", "AU", "New South Wales", "Sydney", -33.8688, 151.2093, 10, 0},
	{"India", "IN", "Karnataka", "Bengaluru", 12.9716, 77.5946, 5, 0},
	{"Russia", "RU", "Moscow", "Moscow", 55.7558, 37.6173, 3, 0},
	{"Nigeria", "NG", "Lagos", "Lagos", 6.5244, 3.3792, 1, 0},
}

func init() {
	for i := range places {
		places[i].idx = i
	}
}

// placeIndex is the index in places the engine's stand-in gives an address.
func placeIndex(ip string) int {
	h := fnv.New32a()
	h.Write([]byte(ip))
	return int(h.Sum32() % uint32(len(places)))
}

// placeOfIP returns the place of a public address.
func placeOfIP(ip string) *place { return &places[placeIndex(ip)] }

// placeOf returns the first place of a country (ISO code); countries not in places get the first place,
// which the tests rule out for every country the world uses.
func placeOf(code string) *place {
	for i := range places {
		if places[i].Code == code {
			return &places[i]
		}
	}
	return &places[0]
}

// cityOf returns the place named city, or the country's first place.
func cityOf(code, city string) *place {
	for i := range places {
		if places[i].Code == code && places[i].City == city {
			return &places[i]
		}
	}
	return placeOf(code)
}

// publicFirstOctets are the first octets of generated public addresses: ordinary unicast space, away from
// private (10/8, 172.16/12, 192.168/16), shared (100.64/10), loopback, multicast and the documentation
// ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) reserved for the planted attackers.
var publicFirstOctets = []int{20, 23, 31, 37, 40, 45, 51, 52, 62, 73, 77, 79, 81, 82, 84, 86, 88, 90, 91, 93,
	94, 98, 104, 109, 145, 151, 176, 178, 185, 188, 193, 195, 212, 213, 217}

// publicIP draws a public address located (by the engine's stand-in) at places[want].
func publicIP(r *rand.Rand, want int) string {
	buf := make([]byte, 0, 16)
	for {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(publicFirstOctets[r.IntN(len(publicFirstOctets))]), 10)
		for k := 0; k < 3; k++ {
			buf = append(buf, '.')
			lo := 0
			if k == 2 {
				lo = 1 // no network addresses
			}
			buf = strconv.AppendInt(buf, int64(lo+r.IntN(254-lo+1)), 10)
		}
		s := string(buf)
		if placeIndex(s) == want {
			return s
		}
	}
}

// ipPool is a fixed set of public addresses per place, for per-row sources (web clients, scanners,
// mail senders) without the cost of drawing a new located address for every row.
type ipPool [][]string

func newIPPool(r *rand.Rand, perPlace int) ipPool {
	p := make(ipPool, len(places))
	for i := range places {
		for k := 0; k < perPlace; k++ {
			p[i] = append(p[i], publicIP(r, i))
		}
	}
	return p
}

// any returns an address of a random place.
func (p ipPool) any(r *rand.Rand) (string, *place) {
	i := r.IntN(len(places))
	return p[i][r.IntN(len(p[i]))], &places[i]
}

// in returns an address of a place.
func (p ipPool) in(r *rand.Rand, pl *place) string {
	return p[pl.idx][r.IntN(len(p[pl.idx]))]
}

// locationDetails is the LocationDetails bag of SigninLogs for a place (shared: never modified).
func locationDetails(p *place) map[string]any {
	return locationBags[p.idx]
}

var locationBags = func() []map[string]any {
	out := make([]map[string]any, len(places))
	for i, p := range places {
		out[i] = map[string]any{"city": p.City, "state": p.State, "countryOrRegion": p.Code,
			"geoCoordinates": map[string]any{"latitude": p.Lat, "longitude": p.Lon}}
	}
	return out
}()

// locationJSON is the same bag as JSON text (AADNonInteractiveUserSignInLogs stores it as a string).
var locationJSON = func() []string {
	out := make([]string, len(places))
	for i := range places {
		out[i] = string(data.AppendJSON(nil, locationBags[i]))
	}
	return out
}()
