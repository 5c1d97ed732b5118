package syntax

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	spanType = reflect.TypeOf(Span{})
	timeType = reflect.TypeOf(time.Time{})
)

// astDiff compares two trees ignoring positions; it returns "" when they
// are equal, else the path of the first difference.
func astDiff(a, b any) string {
	return diffValue(reflect.ValueOf(a), reflect.ValueOf(b), "")
}

func diffValue(a, b reflect.Value, path string) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one side missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: %v vs %v", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs non-nil"
			}
			return ""
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("%s: %v vs %v", path, a.Elem().Type(), b.Elem().Type())
		}
		return diffValue(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		if a.Type() == timeType {
			if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
				return path + ": times differ"
			}
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			// Positions and the bracketed spelling of a name are presentation.
			if f.Type == spanType || f.Name == "OpPos" || f.Name == "Quoted" {
				continue
			}
			if d := diffValue(a.Field(i), b.Field(i), path+"."+f.Name); d != "" {
				return d
			}
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Float64:
		x, y := a.Float(), b.Float()
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
			return fmt.Sprintf("%s: %v vs %v", path, x, y)
		}
	default:
		if a.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Sprintf("%s: %#v vs %#v", path, a.Interface(), b.Interface())
		}
	}
	return ""
}

// roundTrip checks Parse(Format(Parse(src))) == Parse(src).
func roundTrip(t testing.TB, name, src string) {
	t.Helper()
	s1, d1 := Parse(src)
	if len(errorsOf(d1)) > 0 {
		return
	}
	text := Format(s1)
	s2, d2 := Parse(text)
	if errs := errorsOf(d2); len(errs) > 0 {
		t.Errorf("%s: the formatted query does not parse: %v\n%s", name, errs[0], text)
		return
	}
	if d := astDiff(s1, s2); d != "" {
		t.Errorf("%s: round trip differs at %s\n%s", name, d, text)
	}
}

func TestRoundTripCorpus(t *testing.T) {
	qs, _ := loadCorpus(t)
	for _, q := range qs {
		roundTrip(t, q.Path, q.Query)
	}
}

func TestRoundTripSamples(t *testing.T) {
	for _, src := range sampleQueries {
		roundTrip(t, src, src)
	}
}

func TestFormatExpr(t *testing.T) {
	cases := map[string]string{
		`a+b*c`:                          `a + b * c`,
		`(a + b) * c`:                    `(a + b) * c`,
		`x !has_cs "a" and y in~ ('b')`:  `x !has_cs "a" and y in~ ("b")`,
		`-1`:                             `-1`,
		`- x`:                            `-x`,
		`1.5h`:                           `90m`,
		`real(1)`:                        `1.0`,
		`datetime(2024-01-31 10:00)`:     `datetime(2024-01-31T10:00:00Z)`,
		`['my col'] == "a\"b"`:           `['my col'] == "a\"b"`,
		`d.a['b'][0]`:                    `d.a["b"][0]`,
		`dynamic({"a": [1, 'x', null]})`: `dynamic({"a": [1, "x", null]})`,
		`long(null)`:                     `long(null)`,
		`x between (1 .. 10)`:            `x between (1 .. 10)`,
		`@"c:\temp"`:                     `"c:\\temp"`,
		`h'secret'`:                      `h"secret"`,
	}
	for src, want := range cases {
		x, diags := ParseExpr(src)
		if len(diags) > 0 {
			t.Errorf("%s: %v", src, diags)
			continue
		}
		if got := Format(x); got != want {
			t.Errorf("Format(%s) = %s, want %s", src, got, want)
		}
	}
}

// sampleQueries exercise every operator and expression form; they must
// parse without error (TestSamplesParse) and round-trip.
var sampleQueries = strings.Split(strings.TrimSpace(`
T | summarize hint.shufflekey=x hint.strategy=shuffle count() by x
T | summarize count() by bin(TimeGenerated, 1h), x = y
T | where x in~ ("a") and y !in~ ("b") and z !has_cs "x" and w !startswith_cs "a" and v !hasprefix_cs "x" and u matches regex "a"
T | extend (a, b) = f(x)
T | mv-expand bagexpansion=array with_itemindex=i x to typeof(string), y limit 10
T | mv-expand x = dynamic([1,2]) to typeof(long)
T | mv-apply with_itemindex=i x to typeof(long), y on (where x > 1 | summarize count())
T | mv-apply x limit 5 on (top 1 by x)
T | parse kind=regex flags=Ui x with * "a" y:long "b" *
T | parse x with "a" y:string
T | parse-where kind=relaxed x with "a" y:string
T | parse-kv x as (a:string, b:long) with (pair_delimiter=",", kv_delimiter="=", quote='"', greedy=true)
T | parse-kv x as (a:string) with (regex=@"(\w+)=(\w+)")
T | make-series kind=nonempty c=count() default=0, avg(x) on TimeGenerated from ago(1d) to now() step 1h by x
T | make-series count() on TimeGenerated in range(ago(1d), now(), 1h)
T | top-nested 3 of x with others = "o" by c=count() desc, top-nested of y by max(z)
union isfuzzy=true withsource=Src kind=outer Device*, (U | where x), *Events, Device*Events
union T, U | where x
T | union U
search in (T1,T2) "x"
search kind=case_sensitive "x"
T | search "x" and y == 1
search *
search x:"abc"
T | evaluate bag_unpack(x) : (a:string)
T | evaluate hint.distribution=per_node bag_unpack(x, "p_")
T | render timechart with (title="x", xcolumn=a, ycolumns=b,c, kind=stacked)
T | render barchart kind=stacked
T | as hint.materialized=true X
T | invoke f(1)
T | fork (where x) (summarize count())
T | fork a=(where x) b=(take 1)
T | facet by a, b with (top 1 by x)
T | sample 10
T | sample-distinct 10 of x
T | consume decodeblocks=true
externaldata (a:string, b:long) [h@"https://x/y.csv", "https://z"] with (format="csv", ignoreFirstRecord=true)
T | project-reorder a asc, b* desc, c granny-asc
set querytrace; T
set query_now = datetime(2020-01-01); T
declare query_parameters(x:string = "a", y:long); T
let f = view () { T }; f
alias database x = cluster("c").database("d"); T
let f = (T:(*), x:long = 5) { T | take x }; f(U)
let f = (x:long) { let y = x * 2; y + 1 }; print f(1)
workspace("x").Table | take 1
cluster("c").database("d").T
app("x").requests
table("x")
_GetWatchlist('x') | project a
print x = toscalar(T | count)
T | where x in ((T | project a))
T | where x in (T | project a)
T | project-away a*, ['b c']
T | project-keep a*
T | project-rename a = b, ['c d'] = e
T | distinct *
T | distinct a, b
T | count
T | getschema
T | take 10 | limit 5
T | sort by a asc nulls first, b desc nulls last, c
T | order by a
T | top 10 by a desc nulls last
range x from 1 to 10 step 1
datatable(a:string, b:long)["x", 1, "y", 2]
print a=1, 2, b="c"
T | serialize rn = row_number()
T | lookup (U) on a
T | lookup kind=inner U on $left.a == $right.b
T | join kind=inner (U) on $left.a == $right.b, c
T | join (U) where $left.a == $right.b
T | join hint.strategy=broadcast U on a
T | join U
let x = 1;
let x = 1; let y = T;
T | partition by x (top 3 by y)
T | partition hint.strategy=native by x (take 1)
T | reduce by x with threshold=0.9
T | top-hitters 5 of x by y
T | where x.y.z == 1 and x['a'] == 2 and x["b"][0] == 3 and x[-1] == 4 and ['c d'] == 5 and ["e"] == 6
T | where geo_info_from_ip_address(ip).country == "x"
T | summarize arg_max(TimeGenerated, *) by x
T | summarize count(), dcount(x), countif(x > 1), take_any(*)
print typeof(string), typeof(*)
print x = -1, z = +3, w = -x
T | where a <> b
print int(5), long(-1), real(nan), real(+inf), bool(true), decimal(1.5), time(1d), timespan(1.5h), guid(74be27de-1e4e-49d9-b579-fe0b331d3642)
print 1., 1e5, 0x1F, 1.5e-3, 1sec, 2min, 3hr, 3hours, 1day, 10ticks, 2microseconds, 5millis
print x = dynamic({"a": [1, 'b', datetime(2020-01-01), 1d, null, true, -2]}), dynamic(null), dynamic([]), dynamic({})
print "a" 'b' @"c", h"secret", `+"```a b```, ~~~c~~~"+`
find in (T1, T2) where x == 1 project a, b
T | where x notcontains "a" and x containscs "b" and not(x has "c")
T | where x between (1 .. 3) and y !between (datetime(2020-01-01) .. 1d)
T | where * has "x"
T | extend x = a * -b % c / d - -1
T | where x has_any ("a", "b") and x has_all (list) | project type, kind
T | scan with_match_id=id declare (s:long=0) with (step s1: x == 1 => s = 1;)
`), "\n")

func TestSamplesParse(t *testing.T) {
	for _, src := range sampleQueries {
		if _, diags := Parse(src); len(diags) > 0 {
			t.Errorf("%s: %v", src, diags)
		}
	}
}
