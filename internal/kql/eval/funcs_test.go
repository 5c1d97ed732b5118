package eval

import (
	"context"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

var testNow = time.Date(2025, 3, 4, 12, 30, 0, 0, time.UTC)

// callFn calls a scalar function on constant arguments.
func callFn(t *testing.T, name string, args ...data.Value) data.Value {
	t.Helper()
	f, ok := lookupFunc(name)
	if !ok {
		t.Fatalf("function %s not registered", name)
	}
	types := make([]data.Type, len(args))
	vals := make([]val, len(args))
	for i, a := range args {
		types[i] = a.Type
		vals[i] = constVal(a)
	}
	rt, err := f.resultType(types)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rc, cancel := newRunCtx(context.Background(), nil, Options{Now: testNow})
	defer cancel()
	out := f.call(&fnCtx{run: rc}, vals, rt, 1)
	return out.at(0)
}

func S(s string) data.Value  { return data.StringValue(s) }
func L(i int64) data.Value   { return data.LongValue(i) }
func R(f float64) data.Value { return data.RealValue(f) }
func B(b bool) data.Value    { return data.BoolValue(b) }
func DT(s string) data.Value {
	t, ok := data.ParseDateTime(s)
	if !ok {
		panic(s)
	}
	return data.DateTimeValue(t)
}
func TS(s string) data.Value {
	t, ok := data.ParseTimeSpan(s)
	if !ok {
		panic(s)
	}
	return data.TimeSpanValue(t)
}
func J(s string) data.Value {
	d, err := data.ParseJSON(s)
	if err != nil {
		panic(err)
	}
	return data.DynamicValue(d)
}

func TestScalarFunctions(t *testing.T) {
	cases := []struct {
		name string
		args []data.Value
		want string // tostring of the result, with its type name prefix
	}{
		{"strcat", []data.Value{S("a"), L(1), B(true)}, "string:a1true"},
		{"strlen", []data.Value{S("héllo")}, "long:5"},
		{"substring", []data.Value{S("123456"), L(1), L(2)}, "string:23"},
		{"substring", []data.Value{S("123456"), L(2)}, "string:3456"},
		{"substring", []data.Value{S("abc"), L(5)}, "string:"},
		{"tolower", []data.Value{S("AbC")}, "string:abc"},
		{"toupper", []data.Value{S("AbC")}, "string:ABC"},
		{"trim", []data.Value{S("--"), S("--ab--")}, "string:ab"},
		{"trim_start", []data.Value{S(`\s+`), S("  ab ")}, "string:ab "},
		{"trim_end", []data.Value{S("x"), S("abxx")}, "string:ab"},
		{"replace_string", []data.Value{S("a.b.c"), S("."), S("-")}, "string:a-b-c"},
		{"replace_regex", []data.Value{S("abc123"), S(`(\d)`), S(`<\1>`)}, "string:abc<1><2><3>"},
		{"replace", []data.Value{S(`(\d+)`), S(`N`), S("a1b22")}, "string:aNbN"},
		{"split", []data.Value{S("a,b,c"), S(",")}, `dynamic:["a","b","c"]`},
		{"split", []data.Value{S("a,b,c"), S(","), L(1)}, `dynamic:["b"]`},
		{"indexof", []data.Value{S("abcdefg"), S("cde")}, "long:2"},
		{"indexof", []data.Value{S("abcdefg"), S("z")}, "long:-1"},
		{"indexof", []data.Value{S("abcabc"), S("c"), L(0), L(-1), L(2)}, "long:5"},
		{"countof", []data.Value{S("aaa"), S("aa")}, "long:2"},
		{"countof", []data.Value{S("a1b22"), S(`\d+`), S("regex")}, "long:2"},
		{"reverse", []data.Value{S("abc")}, "string:cba"},
		{"isempty", []data.Value{S("")}, "bool:true"},
		{"isempty", []data.Value{data.NullValue(data.Long)}, "bool:true"},
		{"isnotempty", []data.Value{S("x")}, "bool:true"},
		{"isnull", []data.Value{data.NullValue(data.Long)}, "bool:true"},
		{"isnull", []data.Value{S("")}, "bool:false"},
		{"strcat_array", []data.Value{J(`["a",1]`), S("-")}, "string:a-1"},
		{"extract", []data.Value{S(`x=(\d+)`), L(1), S("a x=42 b")}, "string:42"},
		{"extract", []data.Value{S(`x=(\d+)`), L(1), S("none")}, "string:"},
		{"extract_all", []data.Value{S(`(\d+)`), S("a1b22c333")}, `dynamic:["1","22","333"]`},
		{"extract_all", []data.Value{S(`(\w)(\d)`), S("a1b2")}, `dynamic:[["a","1"],["b","2"]]`},
		{"parse_json", []data.Value{S(`{"a":{"b":[1,2]}}`)}, `dynamic:{"a":{"b":[1,2]}}`},
		{"parse_json", []data.Value{S(`not json`)}, `dynamic:not json`},
		{"array_length", []data.Value{J(`[1,2,3]`)}, "long:3"},
		{"array_length", []data.Value{J(`{"a":1}`)}, "long:"},
		{"bag_keys", []data.Value{J(`{"b":1,"a":2}`)}, `dynamic:["a","b"]`},
		{"pack", []data.Value{S("k"), L(1), S("s"), S("x")}, `dynamic:{"k":1,"s":"x"}`},
		{"pack_array", []data.Value{L(1), S("x")}, `dynamic:[1,"x"]`},
		{"set_union", []data.Value{J(`[1,2]`), J(`[2,3]`)}, `dynamic:[1,2,3]`},
		{"set_intersect", []data.Value{J(`[1,2,3]`), J(`[2,3,4]`)}, `dynamic:[2,3]`},
		{"set_difference", []data.Value{J(`[1,2,3]`), J(`[2]`)}, `dynamic:[1,3]`},
		{"array_concat", []data.Value{J(`[1]`), J(`[2,3]`)}, `dynamic:[1,2,3]`},
		{"array_slice", []data.Value{J(`[1,2,3,4]`), L(1), L(2)}, `dynamic:[2,3]`},
		{"array_slice", []data.Value{J(`[1,2,3,4]`), L(-2), L(-1)}, `dynamic:[3,4]`},
		{"array_index_of", []data.Value{J(`["a","b"]`), S("b")}, "long:1"},
		{"array_sort_asc", []data.Value{J(`[3,1,2]`)}, `dynamic:[1,2,3]`},
		{"array_sort_desc", []data.Value{J(`["a","c","b"]`)}, `dynamic:["c","b","a"]`},
		{"bag_merge", []data.Value{J(`{"a":1}`), J(`{"a":2,"b":3}`)}, `dynamic:{"a":1,"b":3}`},
		{"zip", []data.Value{J(`[1,2]`), J(`["a","b"]`)}, `dynamic:[[1,"a"],[2,"b"]]`},
		{"treepath", []data.Value{J(`{"a":{"b":1},"c":[1]}`)}, `dynamic:["$['a']","$['a']['b']","$['c']","$['c'][0]"]`},
		{"extractjson", []data.Value{S("$.a.b[1]"), S(`{"a":{"b":[1,"x"]}}`)}, "string:x"},
		{"dynamic_to_json", []data.Value{J(`{"b":[1],"a":"x"}`)}, `string:{"a":"x","b":[1]}`},
		{"gettype", []data.Value{J(`[1]`)}, "string:array"},
		{"gettype", []data.Value{L(1)}, "string:long"},
		{"tostring", []data.Value{J(`{"a":1}`)}, `string:{"a":1}`},
		{"toint", []data.Value{S("12")}, "int:12"},
		{"tolong", []data.Value{R(2.9)}, "long:2"},
		{"todouble", []data.Value{S("1.5")}, "real:1.5"},
		{"tobool", []data.Value{S("true")}, "bool:true"},
		{"todatetime", []data.Value{S("2025-01-01")}, "datetime:2025-01-01T00:00:00Z"},
		{"totimespan", []data.Value{S("00:10:00")}, "timespan:00:10:00"},
		{"toguid", []data.Value{S("74BE27DE-1E4E-49D9-B579-FE0B331D3642")}, "guid:74be27de-1e4e-49d9-b579-fe0b331d3642"},
		{"round", []data.Value{R(2.567), L(2)}, "real:2.57"},
		{"round", []data.Value{R(2.5)}, "real:3"},
		{"floor", []data.Value{R(7.9), L(2)}, "real:6"},
		{"ceiling", []data.Value{R(1.1)}, "real:2"},
		{"abs", []data.Value{L(-3)}, "long:3"},
		{"pow", []data.Value{L(2), L(10)}, "real:1024"},
		{"sqrt", []data.Value{L(16)}, "real:4"},
		{"log", []data.Value{R(1)}, "real:0"},
		{"exp", []data.Value{R(0)}, "real:1"},
		{"min_of", []data.Value{L(3), L(1), L(2)}, "long:1"},
		{"max_of", []data.Value{L(3), R(4.5)}, "real:4.5"},
		{"iff", []data.Value{B(true), S("y"), S("n")}, "string:y"},
		{"iif", []data.Value{data.NullValue(data.Bool), L(1), L(2)}, "long:2"},
		{"case", []data.Value{B(false), S("a"), B(true), S("b"), S("c")}, "string:b"},
		{"case", []data.Value{B(false), S("a"), S("c")}, "string:c"},
		{"coalesce", []data.Value{data.NullValue(data.Long), L(5)}, "long:5"},
		{"coalesce", []data.Value{S(""), S("x")}, "string:x"},
		{"ago", []data.Value{TS("1h")}, "datetime:2025-03-04T11:30:00Z"},
		{"now", nil, "datetime:2025-03-04T12:30:00Z"},
		{"bin", []data.Value{DT("2025-03-04T12:34:56Z"), TS("1h")}, "datetime:2025-03-04T12:00:00Z"},
		{"bin", []data.Value{L(17), L(5)}, "long:15"},
		{"bin", []data.Value{R(4.7), R(0.5)}, "real:4.5"},
		{"bin", []data.Value{TS("1.05:00:00"), TS("1d")}, "timespan:1.00:00:00"},
		{"bin_at", []data.Value{DT("2025-03-04T12:34:56Z"), TS("1h"), DT("2025-03-04T00:30:00Z")}, "datetime:2025-03-04T12:30:00Z"},
		{"startofday", []data.Value{DT("2025-03-04T12:34:56Z")}, "datetime:2025-03-04T00:00:00Z"},
		{"startofday", []data.Value{DT("2025-03-04T12:34:56Z"), L(-1)}, "datetime:2025-03-03T00:00:00Z"},
		{"startofweek", []data.Value{DT("2025-03-05T12:00:00Z")}, "datetime:2025-03-02T00:00:00Z"},
		{"startofmonth", []data.Value{DT("2025-03-05T12:00:00Z")}, "datetime:2025-03-01T00:00:00Z"},
		{"startofyear", []data.Value{DT("2025-03-05T12:00:00Z")}, "datetime:2025-01-01T00:00:00Z"},
		{"endofday", []data.Value{DT("2025-03-05T12:00:00Z")}, "datetime:2025-03-05T23:59:59.9999999Z"},
		{"dayofweek", []data.Value{DT("2025-03-05")}, "timespan:3.00:00:00"},
		{"hourofday", []data.Value{DT("2025-03-05T17:10:00Z")}, "int:17"},
		{"getyear", []data.Value{DT("2025-03-05")}, "int:2025"},
		{"getmonth", []data.Value{DT("2025-03-05")}, "int:3"},
		{"dayofmonth", []data.Value{DT("2025-03-05")}, "int:5"},
		// Kusto (.NET AddMonths) clamps to the end of the shorter month.
		{"datetime_add", []data.Value{S("month"), L(1), DT("2025-01-31")}, "datetime:2025-02-28T00:00:00Z"},
		{"datetime_add", []data.Value{S("hour"), L(-2), DT("2025-01-01T01:00:00Z")}, "datetime:2024-12-31T23:00:00Z"},
		{"datetime_diff", []data.Value{S("year"), DT("2017-01-01"), DT("2000-12-31")}, "long:17"},
		{"datetime_diff", []data.Value{S("day"), DT("2017-10-30T23:00:00Z"), DT("2017-09-30T23:59:59.9999999Z")}, "long:30"},
		{"datetime_diff", []data.Value{S("minute"), DT("2017-10-30T23:05:01Z"), DT("2017-10-30T23:00:59Z")}, "long:5"},
		{"datetime_part", []data.Value{S("hour"), DT("2017-10-30T23:05:01Z")}, "int:23"},
		{"format_datetime", []data.Value{DT("2017-01-29T09:00:05.123Z"), S("yy-MM-dd [HH:mm:ss.fff]")}, "string:17-01-29 [09:00:05.123]"},
		{"format_datetime", []data.Value{DT("2017-01-29T15:00:05Z"), S("yyyy/M/d h:mm tt")}, "string:2017/1/29 3:00 PM"},
		{"format_timespan", []data.Value{TS("1.02:03:04.5"), S("d.hh:mm:ss.ff")}, "string:1.02:03:04.50"},
		{"make_datetime", []data.Value{L(2017), L(10), L(1), L(12), L(10), R(5.5)}, "datetime:2017-10-01T12:10:05.5Z"},
		{"make_timespan", []data.Value{L(1), L(12), L(30), L(55)}, "timespan:1.12:30:55"},
		{"unixtime_seconds_todatetime", []data.Value{L(1546300800)}, "datetime:2019-01-01T00:00:00Z"},
		{"unixtime_milliseconds_todatetime", []data.Value{L(1546300800123)}, "datetime:2019-01-01T00:00:00.123Z"},
		{"parse_url", []data.Value{S("https://user:pw@host.com:8080/p/a?x=1&y=b#frag")},
			`dynamic:{"Fragment":"frag","Host":"host.com","Password":"pw","Path":"/p/a","Port":"8080","Query Parameters":{"x":"1","y":"b"},"Scheme":"https","Username":"user"}`},
		{"parse_path", []data.Value{S(`C:\Windows\System32\cmd.exe`)},
			`dynamic:{"AlternateDataStreamName":"","DirectoryName":"System32","DirectoryPath":"C:\\Windows\\System32","Extension":"exe","Filename":"cmd.exe","RootPath":"C:","Scheme":""}`},
		{"url_decode", []data.Value{S("a%20b%3Dc")}, "string:a b=c"},
		{"base64_decode_tostring", []data.Value{S("S3VzdG8=")}, "string:Kusto"},
		{"base64_encode_tostring", []data.Value{S("Kusto")}, "string:S3VzdG8="},
		{"ipv4_is_private", []data.Value{S("10.1.2.3")}, "bool:true"},
		{"ipv4_is_private", []data.Value{S("8.8.8.8")}, "bool:false"},
		{"ipv4_is_private", []data.Value{S("nonsense")}, "bool:"},
		{"ipv4_is_in_range", []data.Value{S("192.168.1.7"), S("192.168.1.0/24")}, "bool:true"},
		{"ipv4_is_in_range", []data.Value{S("192.168.2.7"), S("192.168.1.0/24")}, "bool:false"},
		{"ipv4_is_match", []data.Value{S("192.168.1.1"), S("192.168.1.255"), L(24)}, "bool:true"},
		{"parse_ipv4", []data.Value{S("127.0.0.1")}, "long:2130706433"},
		{"format_ipv4", []data.Value{L(2130706433)}, "string:127.0.0.1"},
		{"has_ipv4", []data.Value{S("log 10.0.0.1 login"), S("10.0.0.1")}, "bool:true"},
		{"has_ipv4", []data.Value{S("ver 110.0.0.12"), S("10.0.0.1")}, "bool:false"},
		{"parse_command_line", []data.Value{S(`cmd.exe /c "echo hi" x`), S("windows")}, `dynamic:["cmd.exe","/c","echo hi","x"]`},
		{"hash_sha256", []data.Value{S("abc")}, "string:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"hash_md5", []data.Value{S("abc")}, "string:900150983cd24fb0d6963f7d28e17f72"},
		{"tohex", []data.Value{L(255)}, "string:ff"},
		{"binary_and", []data.Value{L(6), L(3)}, "long:2"},
		{"not", []data.Value{B(false)}, "bool:true"},
		{"strcat_delim", []data.Value{S("-"), S("a"), L(1)}, "string:a-1"},
		{"translate", []data.Value{S("abc"), S("x"), S("aabbcc")}, "string:xxxxxx"},
		{"bag_has_key", []data.Value{J(`{"a":1}`), S("a")}, "bool:true"},
		{"parse_xml", []data.Value{S(`<e a="1"><c>x</c><c>y</c></e>`)}, `dynamic:{"e":{"@a":"1","c":["x","y"]}}`},
		{"url_encode", []data.Value{S("a b&c")}, "string:a+b%26c"},
		{"array_sum", []data.Value{J(`[1,2.5]`)}, "real:3.5"},
		{"repeat", []data.Value{S("x"), L(2)}, `dynamic:["x","x"]`},
		{"range", []data.Value{L(1), L(7), L(3)}, `dynamic:[1,4,7]`},
		{"set_has_element", []data.Value{J(`["a",1]`), L(1)}, "bool:true"},
		{"geo_info_from_ip_address", []data.Value{S("10.0.0.1")}, "dynamic:{}"},
		{"dcount_hll", []data.Value{J(`[1,2,3]`)}, "long:3"},
		{"parse_csv", []data.Value{S(`a,"b,c",d`)}, `dynamic:["a","b,c","d"]`},
	}
	for _, c := range cases {
		got := callFn(t, c.name, c.args...)
		s := got.Type.String() + ":" + got.String()
		if s != c.want {
			t.Errorf("%s(%v) = %s, want %s", c.name, c.args, s, c.want)
		}
	}
}

func TestGeoInfoDeterministic(t *testing.T) {
	a := callFn(t, "geo_info_from_ip_address", S("20.30.40.50"))
	b := callFn(t, "geo_info_from_ip_address", S("20.30.40.50"))
	if a.String() != b.String() || a.String() == "{}" {
		t.Errorf("geo info not deterministic or empty: %s / %s", a, b)
	}
}

func TestStringPredicates(t *testing.T) {
	cases := []struct {
		op, rhs, s string
		want       bool
	}{
		{"has", "america", "North America", true},
		{"has", "amer", "North America", false},
		{"has", "ad67d136", "Kusto: ad67d136-c1db-4f9f;Run", true},
		{"has", "c1db-4f9f", "Kusto: ad67d136-c1db-4f9f;Run", true},
		{"has", "b-4f9", "Kusto: ad67d136-c1db-4f9f;Run", false},
		{"has", "cmd.exe", "C:\\Windows\\cmd.exe /c", true},
		{"has", "md.exe", "C:\\Windows\\cmd.exe /c", false},
		{"has", "", "anything", true},
		{"has", "ÉTÉ", "un été chaud", true},
		{"has_cs", "America", "North America", true},
		{"has_cs", "america", "North America", false},
		{"hasprefix", "amer", "North America", true},
		{"hasprefix", "meri", "North America", false},
		{"hassuffix", "rica", "North America", true},
		{"contains", "BRik", "FabriKam", true},
		{"contains", "xyz", "Fabrikam", false},
		{"contains_cs", "Kam", "FabriKam", true},
		{"contains_cs", "kam", "FabriKam", false},
		{"startswith", "fab", "Fabrikam", true},
		{"startswith_cs", "fab", "Fabrikam", false},
		{"endswith", "KAM", "Fabrikam", true},
		{"endswith_cs", "Kam", "Fabrikam", false},
		{"=~", "ABC", "abc", true},
		{"matches regex", `^\d+$`, "123", true},
		{"matches regex", `^\d+$`, "12a", false},
	}
	for _, c := range cases {
		p, err := makeStrPred(c.op, c.rhs)
		if err != nil {
			t.Fatal(err)
		}
		if got := p(c.s); got != c.want {
			t.Errorf("%q %s %q = %v, want %v", c.s, c.op, c.rhs, got, c.want)
		}
	}
	p, _ := hasListPred("has_any", []string{"powershell", "cmd"})
	if !p("C:\\x\\PowerShell.exe -enc") || p("powershellx") {
		t.Error("has_any term semantics")
	}
	p, _ = hasListPred("has_all", []string{"a.b", "c"})
	if !p("x a.b c") || p("x a.b") {
		t.Error("has_all semantics")
	}
}

func TestCompareSemantics(t *testing.T) {
	cases := []struct {
		op   cmpOp
		a, b data.Value
		want string
	}{
		{opEq, L(1), R(1.0), "true"},
		{opEq, S("a"), S("A"), "false"},
		{opLt, S("a"), S("b"), "true"},
		// Kusto: null == value is false, null != value true, null vs null null
		{opEq, data.NullValue(data.Long), L(1), "false"},
		{opNe, data.NullValue(data.Long), L(1), "true"},
		{opEq, data.NullValue(data.Long), data.NullValue(data.Long), "null"},
		{opNe, data.NullValue(data.Long), data.NullValue(data.Long), "null"},
		{opLt, data.NullValue(data.Long), L(1), "null"},
		{opGt, DT("2025-01-02"), DT("2025-01-01"), "true"},
		{opEq, J(`"x"`), S("x"), "true"},
		{opEq, J(`5`), L(5), "true"},
		{opEq, S("4625"), L(4625), "true"},
		{opGt, TS("1h"), TS("30m"), "true"},
		{opEq, J(`[1]`), J(`[1]`), "true"},
	}
	for _, c := range cases {
		r := cmpScalar(c.op, c.a, c.b)
		got := r.String()
		if r.Null {
			got = "null"
		}
		if got != c.want {
			t.Errorf("%v %d %v = %s, want %s", c.a, c.op, c.b, got, c.want)
		}
	}
}

func TestArithmetic(t *testing.T) {
	cases := []struct {
		op   arithOp
		a, b data.Value
		want string
	}{
		{opAdd, L(1), L(2), "long:3"},
		{opDiv, L(7), L(2), "long:3"},
		{opDiv, L(7), L(0), "long:"},
		{opDiv, R(7), L(2), "real:3.5"},
		{opMod, L(-7), L(3), "long:2"}, // never negative: 0 <= N % D < abs(D)
		{opMod, L(-14), L(-12), "long:10"},
		{opMod, L(14), L(-12), "long:2"},
		{opSub, DT("2025-01-02"), DT("2025-01-01"), "timespan:1.00:00:00"},
		{opAdd, DT("2025-01-01"), TS("1h"), "datetime:2025-01-01T01:00:00Z"},
		{opMul, TS("1h"), L(3), "timespan:03:00:00"},
		{opDiv, TS("1h"), TS("30m"), "real:2"},
		{opMul, L(2), TS("30m"), "timespan:01:00:00"},
		{opAdd, data.NullValue(data.Long), L(1), "long:"},
		{opAdd, J(`2`), L(1), "long:3"}, // a dynamic takes the number's type
		{opMul, J(`1.5`), R(2), "real:3"},
		{opAdd, J(`2`), J(`1`), "dynamic:3"},
		{opAdd, J(`[2]`), L(1), "long:"},
		{opAdd, L(2), L(1), "long:3"},
	}
	for _, c := range cases {
		rt, err := arithType(c.op, c.a.Type, c.b.Type)
		if err != nil {
			t.Fatal(err)
		}
		r := arithScalar(c.op, c.a, c.b, rt)
		if got := r.Type.String() + ":" + r.String(); got != c.want {
			t.Errorf("%v %s %v = %s, want %s", c.a, c.op, c.b, got, c.want)
		}
	}
	if _, err := arithType(opAdd, data.String, data.Long); err == nil {
		t.Error("string + long accepted")
	}
}
