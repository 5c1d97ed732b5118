package kql

import (
	"testing"
)

// joinData are the two sides of the join and lookup cases: key "a" twice
// on the left, "b" twice on the right, "c" only left, "d" only right.
const joinData = `let L = datatable(k:string, lv:long)["a", 1, "a", 2, "b", 3, "c", 4];
let R = datatable(k:string, rv:long)["a", 10, "b", 20, "b", 21, "d", 30];
`

// acceptanceCases name every statement, operator, aggregation, string
// operator and scalar function that the engine's specification lists,
// each with one small query and the result Kusto gives for it (wire form
// as in semanticCases: "name:type" columns, then one JSON row per line).
var acceptanceCases = []struct{ item, query, want string }{
	// statements
	{"let scalar", `let n = 2; print x = n * 3`, "x:long\n[6]"},
	{"let tabular", `let T = datatable(a:long)[1, 2, 3]; T | count`, "Count:long\n[3]"},
	{"let function", `let f = (a:long, b:long = 10) { a + b }; print x = f(1), y = f(1, 2)`, "x:long y:long\n[11,3]"},
	{"let tabular function", `let top1 = (T:(a:long)) { T | top 1 by a }; top1(datatable(a:long)[5, 9, 7])`, "a:long\n[9]"},
	{"materialize", `let m = materialize(datatable(a:long)[1, 2]); m | union m | count`, "Count:long\n[4]"},
	{"toscalar", `let mx = toscalar(datatable(a:long)[4, 9, 2] | summarize max(a)); print mx`, "print_0:long\n[9]"},

	// operators
	{"where", `datatable(a:long)[1, 2, 3] | where a > 1 and a != 3`, "a:long\n[2]"},
	{"extend", `datatable(a:long)[1] | extend b = a * 2, a + 1`, "a:long b:long Column1:long\n[1,2,2]"},
	{"project", `datatable(a:long, b:string)[1, "x"] | project b, c = a + 1`, "b:string c:long\n[\"x\",2]"},
	{"project-away", `datatable(a:long, b:string, c:bool)[1, "x", true] | project-away b`, "a:long c:bool\n[1,true]"},
	{"project-rename", `datatable(a:long, b:string)[1, "x"] | project-rename z = a`, "z:long b:string\n[1,\"x\"]"},
	{"project-reorder", `datatable(a:long, b:string, c:bool)[1, "x", true] | project-reorder c, a`, "c:bool a:long b:string\n[true,1,\"x\"]"},
	{"summarize by", `datatable(k:string, v:long)["a", 1, "b", 2, "a", 3] | summarize s = sum(v) by k | order by k asc`, "k:string s:long\n[\"a\",4]\n[\"b\",2]"},
	{"summarize by bin", `datatable(t:datetime)[datetime(2025-01-01 10:10), datetime(2025-01-01 10:50), datetime(2025-01-01 11:05)] | summarize n = count() by bin(t, 1h) | order by t asc`,
		"t:datetime n:long\n[\"2025-01-01T10:00:00Z\",2]\n[\"2025-01-01T11:00:00Z\",1]"},
	{"sort", `datatable(a:long)[2, long(null), 3, 1] | sort by a`, "a:long\n[3]\n[2]\n[1]\n[null]"},
	{"order asc nulls", `datatable(a:long)[2, long(null), 1] | order by a asc`, "a:long\n[null]\n[1]\n[2]"},
	{"top", `datatable(a:long, b:string)[1, "x", 3, "y", 2, "z"] | top 2 by a`, "a:long b:string\n[3,\"y\"]\n[2,\"z\"]"},
	{"take", `datatable(a:long)[1, 2, 3] | take 2 | count`, "Count:long\n[2]"},
	{"limit", `datatable(a:long)[1, 2, 3] | limit 1 | count`, "Count:long\n[1]"},
	{"distinct", `datatable(a:long, b:string)[1, "x", 1, "x", 2, "y"] | distinct a, b | order by a asc`, "a:long b:string\n[1,\"x\"]\n[2,\"y\"]"},
	{"count", `datatable(a:long)[1, 2] | count`, "Count:long\n[2]"},
	{"join innerunique (default)", joinData + `L | join R on k | project k, lv, rv | order by k asc, rv asc | project k, rv`,
		"k:string rv:long\n[\"a\",10]\n[\"b\",20]\n[\"b\",21]"},
	{"join inner", joinData + `L | join kind=inner R on k | order by k asc, lv asc, rv asc`,
		"k:string lv:long k1:string rv:long\n[\"a\",1,\"a\",10]\n[\"a\",2,\"a\",10]\n[\"b\",3,\"b\",20]\n[\"b\",3,\"b\",21]"},
	{"join leftouter", joinData + `L | join kind=leftouter R on k | order by lv asc, rv asc`,
		"k:string lv:long k1:string rv:long\n[\"a\",1,\"a\",10]\n[\"a\",2,\"a\",10]\n[\"b\",3,\"b\",20]\n[\"b\",3,\"b\",21]\n[\"c\",4,\"\",null]"},
	{"join rightouter", joinData + `L | join kind=rightouter R on k | order by rv asc, lv asc`,
		"k:string lv:long k1:string rv:long\n[\"a\",1,\"a\",10]\n[\"a\",2,\"a\",10]\n[\"b\",3,\"b\",20]\n[\"b\",3,\"b\",21]\n[\"\",null,\"d\",30]"},
	{"join fullouter", joinData + `L | join kind=fullouter R on k | summarize n = count(), lefts = countif(isnotnull(lv)), rights = countif(isnotnull(rv))`,
		"n:long lefts:long rights:long\n[6,5,5]"},
	{"join leftanti", joinData + `L | join kind=leftanti R on k`, "k:string lv:long\n[\"c\",4]"},
	{"join rightanti", joinData + `L | join kind=rightanti R on k`, "k:string rv:long\n[\"d\",30]"},
	{"join leftsemi", joinData + `L | join kind=leftsemi R on k | order by lv asc`, "k:string lv:long\n[\"a\",1]\n[\"a\",2]\n[\"b\",3]"},
	{"join rightsemi", joinData + `L | join kind=rightsemi R on k | order by rv asc`, "k:string rv:long\n[\"a\",10]\n[\"b\",20]\n[\"b\",21]"},
	{"join $left/$right", joinData + `L | join kind=inner (R | project-rename key = k) on $left.k == $right.key | count`, "Count:long\n[4]"},
	{"lookup", joinData + `L | lookup (R | summarize rv = max(rv) by k) on k | order by lv asc`,
		"k:string lv:long rv:long\n[\"a\",1,10]\n[\"a\",2,10]\n[\"b\",3,21]\n[\"c\",4,null]"},
	{"union", `union (datatable(a:long)[1]), (datatable(a:long)[2]) | summarize s = sum(a)`, "s:long\n[3]"},
	{"union isfuzzy", `union isfuzzy=true SigninLogs, NoSuchTable | count`, "Count:long\n[5]"},
	{"union wildcard", `union Sign*, Security* | count`, "Count:long\n[10]"},
	{"union withsource", `union withsource=Src SigninLogs, SecurityEvent | summarize n = count() by Src | order by Src asc`,
		"Src:string n:long\n[\"SecurityEvent\",5]\n[\"SigninLogs\",5]"},
	{"mv-expand", `datatable(a:long, d:dynamic)[1, dynamic([10, 20])] | mv-expand d`, "a:long d:dynamic\n[1,\"10\"]\n[1,\"20\"]"},
	{"mv-apply", `datatable(a:long, d:dynamic)[1, dynamic([10, 20, 5])] | mv-apply x = d to typeof(long) on (top 1 by x) | project a, x`, "a:long x:long\n[1,20]"},
	{"parse", `print s = "user=alice code=42" | parse s with "user=" user " code=" code:long | project user, code`, "user:string code:long\n[\"alice\",42]"},
	{"parse-kv", `print s = "a=1;b=x" | parse-kv s as (a:long, b:string) with (pair_delimiter=";", kv_delimiter="=") | project a, b`, "a:long b:string\n[1,\"x\"]"},
	{"extract family", `print a = extract("id=([0-9]+)", 1, "id=42"), b = extract_all("([a-z])([0-9])", "a1 b2"), c = extract_json("$.x", '{"x":"v"}')`,
		"a:string b:dynamic c:string\n[\"42\",\"[[\\\"a\\\",\\\"1\\\"],[\\\"b\\\",\\\"2\\\"]]\",\"v\"]"},
	{"serialize/prev/next/row_number", `datatable(a:long)[5, 6, 7] | serialize rn = row_number() | extend p = prev(a), n = next(a)`,
		"a:long rn:long p:long n:long\n[5,1,null,6]\n[6,2,5,7]\n[7,3,6,null]"},
	{"make-series", `datatable(t:datetime, v:long)[datetime(2025-01-01 00:10), 1, datetime(2025-01-01 02:10), 2] | make-series s = sum(v) default = 0 on t from datetime(2025-01-01) to datetime(2025-01-01 03:00) step 1h`,
		"s:dynamic t:dynamic\n[\"[1,0,2]\",\"[\\\"2025-01-01T00:00:00Z\\\",\\\"2025-01-01T01:00:00Z\\\",\\\"2025-01-01T02:00:00Z\\\"]\"]"},
	{"range", `range x from 1 to 7 step 3`, "x:long\n[1]\n[4]\n[7]"},
	{"datatable", `datatable(a:long, b:string)[1, "x", 2, "y"] | count`, "Count:long\n[2]"},
	{"print", `print 1, x = "a"`, "print_0:long x:string\n[1,\"a\"]"},
	{"search", `SecurityEvent | search "whoami" | project Computer`, "Computer:string\n[\"DC01\"]"},
	{"getschema", `datatable(a:long, b:string)[] | getschema | project ColumnName, ColumnType`, "ColumnName:string ColumnType:string\n[\"a\",\"long\"]\n[\"b\",\"string\"]"},
	{"evaluate bag_unpack", `print d = dynamic({"p":1, "q":"z"}) | evaluate bag_unpack(d)`, "p:long q:string\n[1,\"z\"]"},
	{"render", `datatable(a:long)[1] | render timechart`, "a:long\n[1]"},

	// aggregations
	{"count()", `datatable(a:long)[1, long(null)] | summarize count()`, "count_:long\n[2]"},
	{"countif", `datatable(a:long)[1, 2, 3] | summarize countif(a > 1)`, "countif_:long\n[2]"},
	{"dcount", `datatable(s:string)["a", "b", "a"] | summarize dcount(s)`, "dcount_s:long\n[2]"},
	{"dcountif", `datatable(s:string, a:long)["a", 1, "b", 2, "c", 3] | summarize dcountif(s, a > 1)`, "dcountif_s:long\n[2]"},
	{"sum", `datatable(a:long)[1, 2, long(null)] | summarize sum(a)`, "sum_a:long\n[3]"},
	{"sumif", `datatable(a:long)[1, 2, 3] | summarize sumif(a, a != 2)`, "sumif_a:long\n[4]"},
	{"avg", `datatable(a:long)[1, 2] | summarize avg(a)`, "avg_a:real\n[1.5]"},
	{"avgif", `datatable(a:long)[1, 2, 9] | summarize avgif(a, a < 9)`, "avgif_a:real\n[1.5]"},
	{"min", `datatable(a:long)[3, 1, 2] | summarize min(a)`, "min_a:long\n[1]"},
	{"max", `datatable(a:long)[3, 1, 2] | summarize max(a)`, "max_a:long\n[3]"},
	{"minif", `datatable(a:long)[3, 1, 2] | summarize minif(a, a > 1)`, "minif_a:long\n[2]"},
	{"maxif", `datatable(a:long)[3, 1, 2] | summarize maxif(a, a < 3)`, "maxif_a:long\n[2]"},
	{"arg_max", `datatable(a:long, b:string)[1, "x", 3, "y", 2, "z"] | summarize arg_max(a, b)`, "a:long b:string\n[3,\"y\"]"},
	{"arg_min", `datatable(a:long, b:string)[1, "x", 3, "y", 2, "z"] | summarize arg_min(a, *)`, "a:long b:string\n[1,\"x\"]"},
	{"make_set", `datatable(s:string)["a", "b", "a"] | summarize make_set(s)`, "set_s:dynamic\n[\"[\\\"a\\\",\\\"b\\\"]\"]"},
	{"make_set_if", `datatable(s:string, a:long)["a", 1, "b", 2] | summarize make_set_if(s, a > 1)`, "set_s:dynamic\n[\"[\\\"b\\\"]\"]"},
	{"make_list", `datatable(a:long)[1, 2, 1] | summarize make_list(a)`, "list_a:dynamic\n[\"[1,2,1]\"]"},
	{"make_list_if", `datatable(a:long)[1, 2, 1] | summarize make_list_if(a, a == 1)`, "list_a:dynamic\n[\"[1,1]\"]"},
	{"make_list_with_nulls", `datatable(a:long)[1, long(null)] | summarize make_list_with_nulls(a)`, "list_a:dynamic\n[\"[1,null]\"]"},
	{"make_bag", `datatable(d:dynamic)[dynamic({"a":1}), dynamic({"b":2})] | summarize make_bag(d)`, "bag_d:dynamic\n[\"{\\\"a\\\":1,\\\"b\\\":2}\"]"},
	{"make_bag_if", `datatable(d:dynamic, k:long)[dynamic({"a":1}), 1, dynamic({"b":2}), 2] | summarize make_bag_if(d, k == 2)`, "bag_d:dynamic\n[\"{\\\"b\\\":2}\"]"},
	{"percentile", `range x from 1 to 100 step 1 | summarize percentile(x, 50)`, "percentile_x_50:long\n[50]"},
	{"percentiles", `range x from 1 to 100 step 1 | summarize percentiles(x, 10, 90)`, "percentile_x_10:long percentile_x_90:long\n[10,90]"},
	{"percentiles_array", `range x from 1 to 100 step 1 | summarize percentiles_array(x, 10, 90)`, "percentiles_x:dynamic\n[\"[10,90]\"]"},
	{"any", `datatable(a:long)[7] | summarize any(a)`, "any_a:long\n[7]"},
	{"take_any", `datatable(a:long)[7] | summarize take_any(a)`, "a:long\n[7]"},
	{"take_anyif", `datatable(a:long)[7, 8] | summarize take_anyif(a, a > 7)`, "a:long\n[8]"},
	{"stdev", `datatable(a:real)[2, 4, 4, 4, 5, 5, 7, 9] | summarize round(stdev(a), 4)`, "Column1:real\n[2.1381]"},
	{"stdevp", `datatable(a:real)[2, 4, 4, 4, 5, 5, 7, 9] | summarize stdevp(a)`, "stdevp_a:real\n[2]"},
	{"variance", `datatable(a:real)[1, 2, 3, 4] | summarize round(variance(a), 4)`, "Column1:real\n[1.6667]"},
	{"variancep", `datatable(a:real)[1, 2, 3, 4] | summarize variancep(a)`, "variancep_a:real\n[1.25]"},
	{"count_distinct", `datatable(s:string)["a", "b", "a"] | summarize count_distinct(s)`, "count_distinct_s:long\n[2]"},
	{"hll/dcount_hll", `datatable(s:string)["a", "b", "a"] | summarize h = hll(s) | project c = dcount_hll(h)`, "c:long\n[2]"},

	// string operators
	{"has", `print a = "hello world" has "WORLD", b = "hello world" has "wor"`, "a:bool b:bool\n[true,false]"},
	{"has_cs", `print a = "hello World" has_cs "World", b = "hello world" has_cs "World"`, "a:bool b:bool\n[true,false]"},
	{"!has", `print a = "hello world" !has "world", b = "hello world" !has "x"`, "a:bool b:bool\n[false,true]"},
	{"has_any", `print a = "alice at contoso" has_any ("bob", "contoso"), b = "x" has_any ("y")`, "a:bool b:bool\n[true,false]"},
	{"has_all", `print a = "a b c" has_all ("a", "c"), b = "a b" has_all ("a", "z")`, "a:bool b:bool\n[true,false]"},
	{"contains", `print a = "Hello" contains "ELL", b = "Hello" contains_cs "ELL", c = "Hello" !contains "x"`, "a:bool b:bool c:bool\n[true,false,true]"},
	{"startswith", `print a = "Hello" startswith "he", b = "Hello" startswith_cs "he", c = "Hello" !startswith "x"`, "a:bool b:bool c:bool\n[true,false,true]"},
	{"endswith", `print a = "Hello" endswith "LO", b = "Hello" endswith_cs "LO", c = "Hello" !endswith "lo"`, "a:bool b:bool c:bool\n[true,false,false]"},
	{"matches regex", `print a = "abc123" matches regex "[a-c]+[0-9]+$", b = "ABC" matches regex "abc"`, "a:bool b:bool\n[true,false]"},
	{"in", `print a = "a" in ("a", "b"), b = "A" in ("a"), c = 2 in (1, 2)`, "a:bool b:bool c:bool\n[true,false,true]"},
	{"in~", `print a = "A" in~ ("a", "b"), b = "c" in~ ("a")`, "a:bool b:bool\n[true,false]"},
	{"!in", `print a = "a" !in ("b"), b = 1 !in (1)`, "a:bool b:bool\n[true,false]"},
	{"=~", `print a = "ABC" =~ "abc", b = "ABC" == "abc"`, "a:bool b:bool\n[true,false]"},
	{"!~", `print a = "ABC" !~ "abc", b = "ABC" !~ "x"`, "a:bool b:bool\n[false,true]"},
	{"between", `print a = 5 between (1 .. 5), b = 6 between (1 .. 5), c = datetime(2025-01-02) between (datetime(2025-01-01) .. 1d), d = 3 !between (1 .. 5)`,
		"a:bool b:bool c:bool d:bool\n[true,false,true,false]"},

	// scalar functions named in the specification
	{"ago/now", `print a = now() - ago(1h), b = now() == datetime(2025-03-04 12:30)`, "a:timespan b:bool\n[\"01:00:00\",true]"},
	{"datetime", `print a = datetime(2025-01-02 03:04:05.5), b = datetime(null)`, "a:datetime b:datetime\n[\"2025-01-02T03:04:05.5Z\",null]"},
	{"bin", `print a = bin(datetime(2025-01-01 10:47), 15m), b = bin(17, 5), c = bin(2.7, 0.5)`, "a:datetime b:long c:real\n[\"2025-01-01T10:45:00Z\",15,2.5]"},
	{"startofday/week/month", `print a = startofday(datetime(2025-03-06 10:00)), b = startofweek(datetime(2025-03-06)), c = startofmonth(datetime(2025-03-06))`,
		"a:datetime b:datetime c:datetime\n[\"2025-03-06T00:00:00Z\",\"2025-03-02T00:00:00Z\",\"2025-03-01T00:00:00Z\"]"},
	{"format_datetime", `print a = format_datetime(datetime(2025-03-04 05:06:07), "yyyy-MM-dd HH:mm:ss"), b = format_datetime(datetime(2025-03-04), "dd/MM/yy")`,
		"a:string b:string\n[\"2025-03-04 05:06:07\",\"04/03/25\"]"},
	{"datetime_diff", `print a = datetime_diff("hour", datetime(2025-01-01 10:00), datetime(2025-01-01 07:30)), b = datetime_diff("month", datetime(2025-03-01), datetime(2024-12-31))`,
		"a:long b:long\n[3,3]"},
	{"tostring", `print a = tostring(12), b = tostring(1.5), c = tostring(long(null)), d = tostring(dynamic({"k":1}))`, "a:string b:string c:string d:string\n[\"12\",\"1.5\",\"\",\"{\\\"k\\\":1}\"]"},
	{"toint", `print a = toint("12"), b = toint("x"), c = toint(2.9)`, "a:int b:int c:int\n[12,null,2]"},
	{"tolong", `print a = tolong("123456789012"), b = tolong(true)`, "a:long b:long\n[123456789012,1]"},
	{"todouble", `print a = todouble("1.5"), b = todouble(2), c = toreal("x")`, "a:real b:real c:real\n[1.5,2,null]"},
	{"tobool", `print a = tobool("true"), b = tobool("false"), c = tobool(1), d = tobool("x")`, "a:bool b:bool c:bool d:bool\n[true,false,true,null]"},
	{"todatetime", `print a = todatetime("2025-01-02T03:04:05Z"), b = todatetime("not a date")`, "a:datetime b:datetime\n[\"2025-01-02T03:04:05Z\",null]"},
	{"totimespan", `print a = totimespan("01:30:00"), b = totimespan("1.02:00:00"), c = totimespan("x")`, "a:timespan b:timespan c:timespan\n[\"01:30:00\",\"1.02:00:00\",null]"},
	{"todynamic/parse_json", `print a = todynamic('{"a":[1,2]}').a[1], b = parse_json("[3]")[0], c = parse_json("not json")`, "a:dynamic b:dynamic c:dynamic\n[\"2\",\"3\",\"not json\"]"},
	{"strcat", `print a = strcat("a", 1, "b", true)`, "a:string\n[\"a1btrue\"]"},
	{"split", `print a = split("a,b,c", ","), b = split("a,b,c", ",", 1)`, "a:dynamic b:dynamic\n[\"[\\\"a\\\",\\\"b\\\",\\\"c\\\"]\",\"[\\\"b\\\"]\"]"},
	{"substring", `print a = substring("abcdef", 2, 3), b = substring("abcdef", 4)`, "a:string b:string\n[\"cde\",\"ef\"]"},
	{"tolower/toupper", `print a = tolower("AbC"), b = toupper("AbC")`, "a:string b:string\n[\"abc\",\"ABC\"]"},
	{"trim", `print a = trim(" ", "  x  "), b = trim_start("-+", "--+x"), c = trim_end("!+", "x!!")`, "a:string b:string c:string\n[\"x\",\"+x\",\"x\"]"}, // the first argument is a regex
	{"replace_string", `print a = replace_string("a-b-c", "-", "+")`, "a:string\n[\"a+b+c\"]"},
	{"extract", `print a = extract("(\\d+)ms", 1, "took 250ms", typeof(long)), b = extract("z(.)", 1, "abc")`, "a:long b:string\n[250,\"\"]"},
	{"extract_all", `print a = extract_all("(\\d+)", "1 22 333")`, "a:dynamic\n[\"[\\\"1\\\",\\\"22\\\",\\\"333\\\"]\"]"},
	{"iff", `print a = iff(1 > 2, "y", "n"), b = iif(true, 1, 2)`, "a:string b:long\n[\"n\",1]"},
	{"case", `print a = case(1 > 2, "a", 2 > 1, "b", "c")`, "a:string\n[\"b\"]"},
	{"coalesce", `print a = coalesce(long(null), 5, 6), b = coalesce("", "x")`, "a:long b:string\n[5,\"x\"]"},
	{"isempty/isnotempty", `print a = isempty(""), b = isempty(long(null)), c = isnotempty("x"), d = isnotempty("")`, "a:bool b:bool c:bool d:bool\n[true,true,true,false]"},
	{"isnull", `print a = isnull(long(null)), b = isnull(""), c = isnull(dynamic(null)), d = isnotnull(1)`, "a:bool b:bool c:bool d:bool\n[true,false,true,true]"},
	{"array_length", `print a = array_length(dynamic([1, 2, 3])), b = array_length(dynamic({}))`, "a:long b:long\n[3,null]"},
	{"bag_keys", `print a = bag_keys(dynamic({"x":1, "y":2}))`, "a:dynamic\n[\"[\\\"x\\\",\\\"y\\\"]\"]"},
	{"pack", `print a = pack("k", 1, "s", "v")`, "a:dynamic\n[\"{\\\"k\\\":1,\\\"s\\\":\\\"v\\\"}\"]"},
	{"pack_array", `print a = pack_array(1, "x", true)`, "a:dynamic\n[\"[1,\\\"x\\\",true]\"]"},
	{"set_union", `print a = set_union(dynamic([1, 2]), dynamic([2, 3]))`, "a:dynamic\n[\"[1,2,3]\"]"},
	{"ipv4_is_private", `print a = ipv4_is_private("192.168.1.1"), b = ipv4_is_private("8.8.8.8"), c = ipv4_is_private("172.16.0.1")`, "a:bool b:bool c:bool\n[true,false,true]"},
	{"ipv4_is_in_range", `print a = ipv4_is_in_range("10.1.2.3", "10.0.0.0/8"), b = ipv4_is_in_range("11.1.2.3", "10.0.0.0/8")`, "a:bool b:bool\n[true,false]"},
	{"parse_url", `print u = parse_url("https://user:pw@host.example:8443/p/a?x=1&y=2#frag") | project s = u.Scheme, h = u.Host, p = u.Port, path = u.Path, q = u["Query Parameters"].y, f = u.Fragment`,
		"s:dynamic h:dynamic p:dynamic path:dynamic q:dynamic f:dynamic\n[\"https\",\"host.example\",\"8443\",\"/p/a\",\"2\",\"frag\"]"},
	{"url_decode", `print a = url_decode("a%20b%2Fc")`, "a:string\n[\"a b/c\"]"},
	{"base64 decode", `print a = base64_decode_tostring("aGVsbG8="), b = base64_encode_tostring("hello")`, "a:string b:string\n[\"hello\",\"aGVsbG8=\"]"},
	{"hash", `print a = hash("abc") == hash("abc"), b = hash("abc", 100) < 100, c = hash_sha256("abc")`,
		"a:bool b:bool c:string\n[true,true,\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"]"},
	{"geo_info_from_ip_address", `print g = geo_info_from_ip_address("10.0.0.1") | extend same = tostring(g) == tostring(geo_info_from_ip_address("10.0.0.1")) | project same`, "same:bool\n[true]"},

	// the other registered functions (TestEveryFunctionTested)
	{"trigonometry", `print a = acos(1), b = asin(0), c = atan(0), d = atan2(0, 1), e = cos(0), f = sin(0), g = tan(0), h = round(cot(pi() / 4), 6), i = degrees(pi()), j = round(radians(180), 6)`,
		"a:real b:real c:real d:real e:real f:real g:real h:real i:real j:real\n[0,0,0,0,1,0,0,1,180,3.141593]"},
	{"exponentials", `print a = exp2(3), b = exp10(2), c = log2(8), d = gamma(5), e = round(loggamma(3), 4)`, "a:real b:real c:real d:real e:real\n[8,100,3,24,0.6931]"},
	{"isfinite/isinf/isnan", `print a = isfinite(1.0), b = isinf(1.0 / 0), c = isnan(0.0 / 0), d = isfinite(1.0 / 0)`, "a:bool b:bool c:bool d:bool\n[true,true,true,false]"},
	{"binary", `print a = binary_not(0), b = binary_or(1, 2), c = binary_xor(3, 1), d = binary_shift_right(8, 2)`, "a:long b:long c:long d:long\n[-1,3,2,2]"},
	{"array_iff", `print a = array_iff(dynamic([true, false]), dynamic([1, 2]), dynamic([3, 4])), b = array_iif(dynamic([false]), dynamic([1]), dynamic([3]))`, "a:dynamic b:dynamic\n[\"[1,4]\",\"[3]\"]"},
	{"array_strcat/arraylength", `print a = array_strcat(dynamic(["a", "b"]), "-"), b = arraylength(dynamic([1, 2]))`, "a:string b:long\n[\"a-b\",2]"},
	{"bag_zip", `print a = bag_zip(dynamic(["a", "b"]), dynamic([1, 2]))`, "a:dynamic\n[\"{\\\"a\\\":1,\\\"b\\\":2}\"]"},
	{"base64 (old names, guid)", `print a = base64_decodestring("aGk="), b = base64_encodestring("hi"), c = base64_decode_toguid("JpbpECu8dUy7Pv5gbeJXAA==")`,
		"a:string b:string c:guid\n[\"hi\",\"aGk=\",\"10e99626-bc2b-4c75-bb3e-fe606de25700\"]"},
	{"datepart/weekofyear", `print a = datepart("year", datetime(2025-03-04)), b = weekofyear(datetime(2025-01-08))`, "a:int b:int\n[2025,2]"},
	{"datetime_local_to_utc", `print a = datetime_local_to_utc(datetime(2025-07-01 12:00), "Europe/Paris")`, "a:datetime\n[\"2025-07-01T10:00:00Z\"]"},
	{"unixtime micro/nano", `print a = unixtime_microseconds_todatetime(1000000), b = unixtime_nanoseconds_todatetime(1500000000)`, "a:datetime b:datetime\n[\"1970-01-01T00:00:01Z\",\"1970-01-01T00:00:01.5Z\"]"},
	{"utcnow/time", `print a = utcnow() == now(), b = time(2h)`, "a:bool b:timespan\n[true,\"02:00:00\"]"},
	{"ip extras", `print a = format_ipv4_mask("192.168.1.255", 24), b = has_any_ipv4("from 10.0.0.1 to x", dynamic(["10.0.0.1"])), c = has_any_ipv4_prefix("ip 10.1.2.3", dynamic(["10.1."])), d = has_ipv4_prefix("ip 10.1.2.3", "10.1."), e = ipv6_is_match("fe80::85d:e82c:9446:7994", "fe80::85d:e82c:9446:7995", 127)`,
		"a:string b:bool c:bool d:bool e:bool\n[\"192.168.1.0/24\",true,true,true,true]"},
	{"hash_xxhash64", `print a = hash_xxhash64("World"), b = hash("World", 100), c = hash_xxhash64(datetime(2015-01-01))`, "a:long b:long c:long\n[1846988464401551951,51,1380966698541616202]"},
	{"indexof_regex", `print a = indexof_regex("abcabc", "bc"), b = indexof_regex("abc", "z")`, "a:long b:long\n[1,-1]"},
	{"isutf8/make_string", `print a = isutf8("abc"), b = make_string(65, 66)`, "a:bool b:string\n[true,\"AB\"]"},
	{"notempty/notnull", `print a = notempty(""), b = notnull(1)`, "a:bool b:bool\n[false,true]"},
	{"parse_user_agent", `print u = parse_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "browser") | project b = tostring(u.Browser.Family), v = tostring(u.Browser.MajorVersion)`,
		"b:string v:string\n[\"Chrome\",\"120\"]"},
	{"parsejson/toobject/toboolean", `print a = parsejson('{"a":1}').a, b = toobject('{"a":2}').a, c = toboolean("false")`, "a:dynamic b:dynamic c:bool\n[\"1\",\"2\",false]"},
	{"replace_strings", `print a = replace_strings("abc", dynamic(["a", "b"]), dynamic(["b", "a"]))`, "a:string\n[\"bac\"]"},
	{"series_fill", `print a = series_fill_linear(dynamic([1, null, 3])), b = series_fill_backward(dynamic([null, 1, null, 3])), c = series_fill_forward(dynamic([null, 1, null, 3])), d = series_fill_const(dynamic([null, 1]), 0)`,
		"a:dynamic b:dynamic c:dynamic d:dynamic\n[\"[1,2,3]\",\"[1,1,3,3]\",\"[null,1,1,3]\",\"[0,1]\"]"},
	{"series_outliers", `print s = series_outliers(dynamic([1, 1, 1, 1, 100])) | project n = array_length(s), first = todouble(s[0]), last = todouble(s[4]) > 0`, "n:long first:real last:bool\n[5,0,true]"},
	{"series_stats_dynamic", `print s = series_stats_dynamic(dynamic([1, 2, 3])) | project mn = toint(s.min), mx = toint(s.max), av = todouble(s.avg)`, "mn:int mx:int av:real\n[1,3,2]"},
	// the documentation's examples: lower-case hex, '+' or %20 for a space
	{"url_encode(_component)", `print a = url_encode("https://www.bing.com/hello world"), b = url_encode_component("https://www.bing.com/hello world/")`,
		"a:string b:string\n[\"https%3a%2f%2fwww.bing.com%2fhello+world\",\"https%3a%2f%2fwww.bing.com%2fhello%20world%2f\"]"},

	// dynamic values, timespans, datetimes, nulls
	{"dynamic access", `print d = dynamic({"a":{"b":[10, 20]}, "k-1":5}) | project x = d.a.b[0], y = d["a"]["b"][-1], z = d["k-1"], w = d.missing`,
		"x:dynamic y:dynamic z:dynamic w:dynamic\n[\"10\",\"20\",\"5\",null]"},
	{"timespan literals", `print a = 1d, b = 5m, c = 30s, d = 100ms, e = 2h + 15m, f = 1d / 2`, "a:timespan b:timespan c:timespan d:timespan e:timespan f:timespan\n[\"1.00:00:00\",\"00:05:00\",\"00:00:30\",\"00:00:00.1000000\",\"02:15:00\",\"12:00:00\"]"},
	{"datetime arithmetic", `print a = datetime(2025-01-31) + 1d, b = datetime(2025-01-02) - datetime(2025-01-01 12:00), c = datetime(2025-01-01) < datetime(2025-01-02)`,
		"a:datetime b:timespan c:bool\n[\"2025-02-01T00:00:00Z\",\"12:00:00\",true]"},
	{"null comparison", `print a = long(null) == 1, b = long(null) != 1, c = long(null) == long(null), d = long(null) > 1, e = isnull(long(null) + 1)`,
		"a:bool b:bool c:bool d:bool e:bool\n[false,true,null,null,true]"},
	{"null in where", `datatable(v:long)[5, long(null), 7] | where v != 5 | summarize n = count()`, "n:long\n[2]"},
	{"case sensitivity", `print a = "a" == "A", b = "a" =~ "A", c = "ABC" has "abc", d = "ABC" contains_cs "abc", e = "a" in ("A"), f = "a" in~ ("A")`,
		"a:bool b:bool c:bool d:bool e:bool f:bool\n[false,true,true,false,false,true]"},
	{"string/number coercion", `print a = strcat("n=", 5), b = tostring(5) == "5", c = toint("5") + 1, d = "5" == 5`, "a:string b:bool c:long d:bool\n[\"n=5\",true,6,true]"},
	{"integer arithmetic", `print a = int(7) / int(2), b = 7 / 2, c = 7 / 2.0, d = -7 % 3, e = 7 % -3`, "a:long b:long c:real d:long e:long\n[3,3,3.5,2,1]"},
}

// TestAcceptance runs acceptanceCases.
func TestAcceptance(t *testing.T) {
	src := testSource(t)
	t.Logf("%d items", len(acceptanceCases))
	for _, c := range acceptanceCases {
		got, err := runQuery(t, src, c.query)
		if err != nil {
			t.Errorf("%s: %s\n  error: %v", c.item, c.query, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: %s\n  got:\n%s\n  want:\n%s", c.item, c.query, got, c.want)
		}
	}
}

// TestRenderIsReported checks that render changes no rows and hands its
// visualization and properties to the caller (the query API's render
// option).
func TestRenderIsReported(t *testing.T) {
	res, err := Execute(t.Context(), testSource(t), `SigninLogs | summarize n = count() by Location | render barchart with (title="Sign-ins", ytitle="n")`, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 3 || len(res.Tables[0].Columns) != 2 {
		t.Errorf("render changed the result: %+v", res.Tables)
	}
	if res.Render == nil || res.Render.Visualization != "barchart" || res.Render.Props["title"] != "Sign-ins" {
		t.Errorf("render: %+v", res.Render)
	}
}
