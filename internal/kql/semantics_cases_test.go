package kql

// semanticCases pair queries with the results Kusto gives for them (wire
// form: "name:type" columns, then one JSON row per line). Each expectation
// was checked against the Kusto documentation before it was recorded.

var semanticCases = []struct{ query, want string }{
	{`print a = 5 / 2, b = 5.0 / 2, c = 5 % 3, d = int(7) / int(2), f = 1.0 / 0`,
		`a:long b:real c:long d:long f:real
[2,2.5,2,3,"Infinity"]`},
	{`print a = datetime(2025-01-01) + 1d, b = datetime(2025-01-02) - datetime(2025-01-01), c = 1h * 2, d = 1d / 1h, e = bin(datetime(2025-01-01 13:45), 1h)`,
		`a:datetime b:timespan c:timespan d:real e:datetime
["2025-01-02T00:00:00Z","1.00:00:00","02:00:00",24,"2025-01-01T13:00:00Z"]`},
	{`print a = "abc" == "ABC", b = "abc" =~ "ABC", c = "abc" != "ABC", d = "abc" !~ "ABC"`,
		`a:bool b:bool c:bool d:bool
[false,true,true,false]`},
	{`print a = "hello world" has "world", b = "hello world" has "wor", c = "hello world" contains "wor", d = "hello-world" has "world", e = "HelloWorld" has "world"`,
		`a:bool b:bool c:bool d:bool e:bool
[true,false,true,true,false]`},
	{`print a = "abc" startswith "AB", b = "abc" startswith_cs "AB", c = "abc" endswith "C", d = "a.b.c" hassuffix "c"`,
		`a:bool b:bool c:bool d:bool
[true,false,true,true]`},
	{`print a = toint("12"), b = tolong("x"), c = todouble("1.5"), d = tostring(12), e = todatetime("2025-01-01"), f = totimespan("01:00:00"), g = tobool("true")`,
		`a:int b:long c:real d:string e:datetime f:timespan g:bool
[12,null,1.5,"12","2025-01-01T00:00:00Z","01:00:00",true]`},
	{`print a = isnull(long(null)), b = isempty(""), c = isnotempty("x"), d = isnull(""), e = coalesce(long(null), 5)`,
		`a:bool b:bool c:bool d:bool e:long
[true,true,true,false,5]`},
	// null == value is false and null != value true; null against null,
	// and ordering with a null, are null (Kusto's "null values" page).
	{`print a = long(null) + 1, b = long(null) == 1, c = iff(long(null) > 1, "y", "n"), d = long(null) != 1, e = long(null) == long(null)`,
		`a:long b:bool c:string d:bool e:bool
[null,false,"n",true,null]`},
	{`datatable(val:int, s:string)[5, "a", int(null), "b"] | where val != 5`,
		`val:int s:string
[null,"b"]`},
	{`print d = dynamic({"a":{"b":[1,2,3]}}) | extend x = d.a.b[1], y = d["a"]["b"], z = d.a.missing, w = array_length(d.a.b)`,
		`d:dynamic x:dynamic y:dynamic z:dynamic w:long
["{\"a\":{\"b\":[1,2,3]}}","2","[1,2,3]",null,3]`},
	{`SigninLogs | summarize count(), dcount(UserPrincipalName), sum(DurationMs), avg(DurationMs), min(TimeGenerated), max(DurationMs) by Location`,
		`Location:string count_:long dcount_UserPrincipalName:long sum_DurationMs:long avg_DurationMs:real min_TimeGenerated:datetime max_DurationMs:long
["US",2,2,170,85,"2025-03-04T10:00:00Z",120]
["GB",1,1,80,80,"2025-03-04T10:05:00Z",80]
["DE",2,1,300,300,"2025-03-04T10:10:00Z",300]`},
	{`SigninLogs | summarize arg_max(TimeGenerated, *) by UserPrincipalName | project UserPrincipalName, TimeGenerated, IPAddress`,
		`UserPrincipalName:string TimeGenerated:datetime IPAddress:string
["alice@contoso.com","2025-03-04T11:05:00Z","203.0.113.7"]
["bob@contoso.com","2025-03-04T10:05:00Z","10.0.0.2"]
["carol@fabrikam.com","2025-03-04T11:10:00Z","10.0.0.3"]`},
	{`SigninLogs | summarize arg_max(TimeGenerated, IPAddress, Location) by UserPrincipalName`,
		`UserPrincipalName:string TimeGenerated:datetime IPAddress:string Location:string
["alice@contoso.com","2025-03-04T11:05:00Z","203.0.113.7","DE"]
["bob@contoso.com","2025-03-04T10:05:00Z","10.0.0.2","GB"]
["carol@fabrikam.com","2025-03-04T11:10:00Z","10.0.0.3","US"]`},
	{`SigninLogs | summarize make_set(Location), make_list(IPAddress, 2) by UserPrincipalName`,
		`UserPrincipalName:string set_Location:dynamic list_IPAddress:dynamic
["alice@contoso.com","[\"US\",\"DE\"]","[\"10.0.0.1\",\"203.0.113.7\"]"]
["bob@contoso.com","[\"GB\"]","[\"10.0.0.2\"]"]
["carol@fabrikam.com","[\"US\"]","[\"10.0.0.3\"]"]`},
	{`SigninLogs | summarize countif(ResultType == "50126"), dcountif(IPAddress, ResultType == "0") by UserPrincipalName`,
		`UserPrincipalName:string countif_:long dcountif_IPAddress:long
["alice@contoso.com",2,1]
["bob@contoso.com",1,0]
["carol@fabrikam.com",0,1]`},
	{`SigninLogs | summarize percentiles(DurationMs, 50, 95), percentile(DurationMs, 90)`,
		`percentile_DurationMs_50:long percentile_DurationMs_95:long percentile_DurationMs_90:long
[80,300,300]`},
	{`SigninLogs | summarize take_any(Location), any(IPAddress) by UserPrincipalName | count`,
		`Count:long
[3]`},
	{`SigninLogs | where DurationMs > 100 | project UserPrincipalName, DurationMs`,
		`UserPrincipalName:string DurationMs:long
["alice@contoso.com",120]
["alice@contoso.com",300]`},
	{`SigninLogs | top 2 by DurationMs | project UserPrincipalName, DurationMs`,
		`UserPrincipalName:string DurationMs:long
["alice@contoso.com",300]
["alice@contoso.com",120]`},
	{`SigninLogs | sort by DurationMs asc | project DurationMs`,
		`DurationMs:long
[null]
[50]
[80]
[120]
[300]`},
	{`SigninLogs | sort by DurationMs | project DurationMs`,
		`DurationMs:long
[300]
[120]
[80]
[50]
[null]`},
	{`SigninLogs | distinct UserPrincipalName, Location`,
		`UserPrincipalName:string Location:string
["alice@contoso.com","US"]
["bob@contoso.com","GB"]
["alice@contoso.com","DE"]
["carol@fabrikam.com","US"]`},
	{`SigninLogs | extend h = hourofday(TimeGenerated), d = dayofweek(TimeGenerated), s = startofday(TimeGenerated) | project h, d, s | take 1`,
		`h:int d:timespan s:datetime
[10,"2.00:00:00","2025-03-04T00:00:00Z"]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join R on k | order by a asc, b asc`,
		`k:string a:long k1:string b:long
["x",1,"x",10]
["x",1,"x",20]
["y",3,"y",30]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=inner R on k | order by a asc, b asc`,
		`k:string a:long k1:string b:long
["x",1,"x",10]
["x",1,"x",20]
["x",2,"x",10]
["x",2,"x",20]
["y",3,"y",30]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=leftouter R on k | order by a asc, b asc`,
		`k:string a:long k1:string b:long
["x",1,"x",10]
["x",1,"x",20]
["x",2,"x",10]
["x",2,"x",20]
["y",3,"y",30]
["z",4,"",null]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=rightouter R on k | order by b asc, a asc`,
		`k:string a:long k1:string b:long
["x",1,"x",10]
["x",2,"x",10]
["x",1,"x",20]
["x",2,"x",20]
["y",3,"y",30]
["",null,"w",40]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=fullouter R on k | order by a asc, b asc`,
		`k:string a:long k1:string b:long
["",null,"w",40]
["x",1,"x",10]
["x",1,"x",20]
["x",2,"x",10]
["x",2,"x",20]
["y",3,"y",30]
["z",4,"",null]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=leftanti R on k`,
		`k:string a:long
["z",4]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=rightanti R on k`,
		`k:string b:long
["w",40]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=leftsemi R on k`,
		`k:string a:long
["x",1]
["x",2]
["y",3]`},
	{`let L = datatable(k:string, a:long)["x",1,"x",2,"y",3,"z",4];
let R = datatable(k:string, b:long)["x",10,"x",20,"y",30,"w",40];
L | join kind=rightsemi R on k`,
		`k:string b:long
["x",10]
["x",20]
["y",30]`},
	{`let L = datatable(k1:string, a:long)["x",1,"y",3];
let R = datatable(k2:string, b:long)["x",10,"y",30];
L | join kind=inner R on $left.k1 == $right.k2`,
		`k1:string a:long k2:string b:long
["x",1,"x",10]
["y",3,"y",30]`},
	{`let L = datatable(k:string, a:long)["x",1,"y",3,"z",4];
let R = datatable(k:string, b:long, c:string)["x",10,"c1","y",30,"c2"];
L | lookup R on k`,
		`k:string a:long b:long c:string
["x",1,10,"c1"]
["y",3,30,"c2"]
["z",4,null,""]`},
	{`datatable(a:long, arr:dynamic)[1, dynamic([1,2,3]), 2, dynamic([]), 3, dynamic(null), 4, dynamic("s")] | mv-expand arr`,
		`a:long arr:dynamic
[1,"1"]
[1,"2"]
[1,"3"]
[3,null]
[4,"s"]`},
	{`datatable(a:long, arr:dynamic)[1, dynamic(["x","y"])] | mv-expand with_itemindex=i v = arr to typeof(string)`,
		`a:long arr:dynamic v:string i:long
[1,"[\"x\",\"y\"]","x",0]
[1,"[\"x\",\"y\"]","y",1]`},
	{`datatable(a:long, bag:dynamic)[1, dynamic({"p":1,"q":2})] | mv-expand bag`,
		`a:long bag:dynamic
[1,"{\"p\":1}"]
[1,"{\"q\":2}"]`},
	{`datatable(a:long, arr:dynamic, b:dynamic)[1, dynamic([1,2]), dynamic(["a","b","c"])] | mv-expand arr, b`,
		`a:long arr:dynamic b:dynamic
[1,"1","a"]
[1,"2","b"]
[1,null,"c"]`},
	{`print s = "user=alice ip=10.0.0.1 code=42" | parse s with "user=" user " ip=" ip " code=" code:long`,
		`s:string user:string ip:string code:long
["user=alice ip=10.0.0.1 code=42","alice","10.0.0.1",42]`},
	{`print s = "user=alice ip=10.0.0.1" | parse s with * "ip=" ip`,
		`s:string ip:string
["user=alice ip=10.0.0.1","10.0.0.1"]`},
	{`datatable(s:string)["a=1;b=2", "nope"] | parse-where s with "a=" a:long ";b=" b:long`,
		`s:string a:long b:long
["a=1;b=2",1,2]`},
	{`print s = "key1=val1, key2=val2" | parse-kv s as (key1:string, key2:string) with (pair_delimiter=",", kv_delimiter="=")`,
		`s:string key1:string key2:string
["key1=val1, key2=val2","val1","val2"]`},
	{`print s="x" | extend r = strcat("a", "b", 1), l = strlen("héllo"), u = toupper("abc"), sp = split("a,b,c", ","), sub = substring("abcdef", 2, 3)`,
		`s:string r:string l:long u:string sp:dynamic sub:string
["x","ab1",5,"ABC","[\"a\",\"b\",\"c\"]","cde"]`},
	{`let f = (x:long) { x * 2 }; print f(21)`,
		`print_0:long
[42]`},
	{`let T = (n:long) { range i from 1 to n step 1 }; T(3) | summarize sum(i)`,
		`sum_i:long
[6]`},
	{`range x from 1 to 10 step 3`,
		`x:long
[1]
[4]
[7]
[10]`},
	{`range t from datetime(2025-01-01) to datetime(2025-01-01 03:00) step 1h`,
		`t:datetime
["2025-01-01T00:00:00Z"]
["2025-01-01T01:00:00Z"]
["2025-01-01T02:00:00Z"]
["2025-01-01T03:00:00Z"]`},
	{`union (datatable(a:long)[1]), (datatable(b:string)["x"])`,
		`a:long b:string
[1,""]
[null,"x"]`},
	{`union withsource=T SigninLogs, SecurityEvent | summarize count() by T`,
		`T:string count_:long
["SigninLogs",5]
["SecurityEvent",5]`},
	{`datatable(a:long)[1] | union (datatable(a:string)["x"])`,
		`a_long:long a_string:string
[1,""]
[null,"x"]`},
	{`SigninLogs | make-series c = count() default = 0 on TimeGenerated from datetime(2025-03-04 10:00) to datetime(2025-03-04 12:00) step 1h by UserPrincipalName`,
		`UserPrincipalName:string c:dynamic TimeGenerated:dynamic
["alice@contoso.com","[2,1]","[\"2025-03-04T10:00:00Z\",\"2025-03-04T11:00:00Z\"]"]
["bob@contoso.com","[1,0]","[\"2025-03-04T10:00:00Z\",\"2025-03-04T11:00:00Z\"]"]
["carol@fabrikam.com","[0,1]","[\"2025-03-04T10:00:00Z\",\"2025-03-04T11:00:00Z\"]"]`},
	{`SigninLogs | serialize | extend rn = row_number(), p = prev(DurationMs), n = next(UserPrincipalName) | project rn, p, n`,
		`rn:long p:long n:string
[1,null,"bob@contoso.com"]
[2,120,"alice@contoso.com"]
[3,80,"alice@contoso.com"]
[4,null,"carol@fabrikam.com"]
[5,300,""]`},
	{`SigninLogs | project-away LocationDetails, IPAddress | take 1`,
		`TimeGenerated:datetime UserPrincipalName:string ResultType:string Location:string DurationMs:long _ResourceId:string
["2025-03-04T10:00:00Z","alice@contoso.com","0","US",120,"/r/1"]`},
	{`SigninLogs | project-rename User = UserPrincipalName | project User | take 1`,
		`User:string
["alice@contoso.com"]`},
	{`SigninLogs | project-reorder Location, User* | take 1`,
		`Location:string UserPrincipalName:string TimeGenerated:datetime IPAddress:string ResultType:string DurationMs:long LocationDetails:dynamic _ResourceId:string
["US","alice@contoso.com","2025-03-04T10:00:00Z","10.0.0.1","0",120,"{\"city\":\"Redmond\",\"countryOrRegion\":\"US\"}","/r/1"]`},
	{`SigninLogs | count`,
		`Count:long
[5]`},
	{`SigninLogs | where TimeGenerated > ago(2h) and ResultType in ("50126", "50053") | summarize by UserPrincipalName`,
		`UserPrincipalName:string
["alice@contoso.com"]`},
	{`SigninLogs | where UserPrincipalName in~ ("ALICE@contoso.com") | count`,
		`Count:long
[3]`},
	{`SigninLogs | where UserPrincipalName has_any ("alice", "bob") | count`,
		`Count:long
[4]`},
	{`SigninLogs | where DurationMs between (60 .. 150) | project DurationMs`,
		`DurationMs:long
[120]
[80]`},
	{`SigninLogs | summarize c = count() by bin(TimeGenerated, 30m) | order by TimeGenerated asc`,
		`TimeGenerated:datetime c:long
["2025-03-04T10:00:00Z",3]
["2025-03-04T11:00:00Z",2]`},
	{`SigninLogs | getschema | take 3`,
		`ColumnName:string ColumnOrdinal:int DataType:string ColumnType:string
["TimeGenerated",0,"System.DateTime","datetime"]
["UserPrincipalName",1,"System.String","string"]
["IPAddress",2,"System.String","string"]`},
	{`SigninLogs | take 1 | project _ResourceId`,
		`_ResourceId:string
["/r/1"]`},
	{`print toscalar(SigninLogs | summarize max(DurationMs))`,
		`print_0:long
[300]`},
	{`let m = materialize(SigninLogs | summarize c=count() by UserPrincipalName); m | join kind=inner m on UserPrincipalName | count`,
		`Count:long
[3]`},
	{`workspace("other").SigninLogs | project UserPrincipalName`,
		`UserPrincipalName:string
["dave@northwind.com"]`},
	{`FailedSignins | count`,
		`Count:long
[3]`},
	{`SigninLogs | evaluate bag_unpack(LocationDetails) | project UserPrincipalName, city, countryOrRegion`,
		`UserPrincipalName:string city:string countryOrRegion:string
["alice@contoso.com","Redmond","US"]
["bob@contoso.com","London","GB"]
["alice@contoso.com","Berlin","DE"]
["alice@contoso.com","",""]
["carol@fabrikam.com","Seattle","US"]`},
	{`SigninLogs | summarize count() by Location, ResultType | evaluate pivot(ResultType, sum(count_))`,
		`Location:string 0:long 50126:long
["US",2,0]
["GB",0,1]
["DE",0,2]`},
	{`SigninLogs | search "alice" | count`,
		`Count:long
[3]`},
	{`search "whoami" | project $table, Computer`,
		`$table:string Computer:string
["SecurityEvent","DC01"]`},
	{`SigninLogs | top-nested 2 of Location by count(), top-nested 1 of UserPrincipalName by count()`,
		`Location:string aggregated_Location:long UserPrincipalName:string aggregated_UserPrincipalName:long
["US",2,"alice@contoso.com",1]
["DE",2,"alice@contoso.com",2]`},
	{`SigninLogs | extend d = todynamic(LocationDetails) | mv-apply x = pack_array(DurationMs, 1) to typeof(long) on (summarize m = max(x)) | project UserPrincipalName, m`,
		`UserPrincipalName:string m:long
["alice@contoso.com",120]
["bob@contoso.com",80]
["alice@contoso.com",1]
["alice@contoso.com",300]
["carol@fabrikam.com",50]`},
	{`print a = "alice@contoso.com" has "contoso", b = "10.0.0.1" has "0.0", c = "ALICE" has_cs "alice", d = "a b" !has "b", e = "abc" !contains "B", f = "Abc" !contains_cs "B"`,
		`a:bool b:bool c:bool d:bool e:bool f:bool
[true,true,false,false,false,true]`},
	{`print a = 5 in (1, 5), d = "X" in ("x"), e = "X" in~ ("x"), f = 3 !in (1, 2)`,
		`a:bool d:bool e:bool f:bool
[true,false,true,true]`},
	{`print a = tostring(dynamic(null)), b = strcat("x", long(null)), c = isempty(dynamic(null)), d = isnull(dynamic(null)), e = strlen(tostring(long(null)))`,
		`a:string b:string c:bool d:bool e:long
["","x",true,true,0]`},
	{`datatable(a:long)[] | summarize count(), sum(a), avg(a), max(a), make_set(a), dcount(a)`,
		`count_:long sum_a:long avg_a:real max_a:long set_a:dynamic dcount_a:long
[0,0,null,null,"[]",0]`},
	{`datatable(a:long, k:string)[] | summarize count() by k`,
		`k:string count_:long`},
	{`datatable(a:long)[1, 2, long(null)] | summarize count(), sum(a), avg(a), countif(isnull(a))`,
		`count_:long sum_a:long avg_a:real countif_:long
[3,3,1.5,1]`},
	{`print a = bin(7, 5), b = bin(7.5, 2), c = bin(-7, 5), d = bin(1d + 3h, 1d), e = floor(7.9, 1), f = round(2.567, 2), g = bin_at(datetime(2025-01-01 10:05), 1h, datetime(2025-01-01 00:30))`,
		`a:long b:real c:long d:timespan e:real f:real g:datetime
[5,6,-10,"1.00:00:00",7,2.57,"2025-01-01T09:30:00Z"]`},
	{`print a = datetime_diff('day', datetime(2025-01-10), datetime(2025-01-01)), b = datetime_add('month', 1, datetime(2025-01-31)), c = format_datetime(datetime(2025-03-04 05:06:07), 'yyyy-MM-dd HH:mm:ss'), d = format_timespan(1d + 2h, 'd.hh:mm'), e = startofweek(datetime(2025-03-06)), f = endofday(datetime(2025-03-06))`,
		`a:long b:datetime c:string d:string e:datetime f:datetime
[9,"2025-02-28T00:00:00Z","2025-03-04 05:06:07","1.02:00","2025-03-02T00:00:00Z","2025-03-06T23:59:59.9999999Z"]`},
	{`print a = dynamic([1,2,3])[-1], b = dynamic({"k":"v"})["k"], c = tostring(dynamic({"k":"v"}).k), e = array_length(dynamic([])), f = pack("x", 1, "y", "z")`,
		`a:dynamic b:dynamic c:string e:long f:dynamic
["3","v","v",0,"{\"x\":1,\"y\":\"z\"}"]`},
	{`print a = parse_json('{"x":[{"y":5}]}').x[0].y, b = todynamic("[1,2]")[1], c = parse_json("not json"), d = gettype(parse_json("5")), e = gettype(dynamic({}))`,
		`a:dynamic b:dynamic c:dynamic d:string e:string
["5","2","not json","long","dictionary"]`},
	{`print a = extract(@"(\d+)-(\d+)", 2, "10-20"), b = extract("x=([0-9]+)", 1, "x=42", typeof(long)), c = extract_all(@"(\d)", "a1b2"), d = replace_string("aaa", "a", "b"), e = trim(" ", "  x  "), f = countof("abab", "ab")`,
		`a:string b:long c:dynamic d:string e:string f:long
["20",42,"[\"1\",\"2\"]","bbb","x",2]`},
	{`print a = ipv4_is_private("10.1.2.3"), b = ipv4_is_in_range("192.168.1.7", "192.168.1.0/24"), c = ipv4_compare("10.0.0.1", "10.0.0.2"), d = parse_ipv4("1.2.3.4"), e = ipv4_is_match("10.0.0.1", "10.0.0.255", 24)`,
		`a:bool b:bool c:long d:long e:bool
[true,true,-1,16909060,true]`},
	{`print a = iff(true, 1, 2.5), b = case(false, "x", true, "y", "z"), c = coalesce("", "b"), d = max_of(1, 5, 3), e = min_of(datetime(2025-01-01), datetime(2024-01-01)), f = not(true)`,
		`a:real b:string c:string d:long e:datetime f:bool
[1,"y","b",5,"2024-01-01T00:00:00Z",false]`},
	{`print a = hash_sha256("abc"), b = base64_encode_tostring("hi"), c = base64_decode_tostring("aGk="), d = url_decode("a%20b"), e = tohex(255), f = strrep("ab", 3)`,
		`a:string b:string c:string d:string e:string f:string
["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","aGk=","hi","a b","ff","ababab"]`},
	{`datatable(a:long)[3, 1, 2] | serialize rn = row_number() | order by a asc`,
		`a:long rn:long
[1,2]
[2,3]
[3,1]`},
	{`datatable(t:datetime, u:string)[datetime(2025-01-01 00:00), "a", datetime(2025-01-01 00:20), "a", datetime(2025-01-01 02:00), "a"] | sort by t asc | extend s = row_window_session(t, 1h, 30m)`,
		`t:datetime u:string s:datetime
["2025-01-01T00:00:00Z","a","2025-01-01T00:00:00Z"]
["2025-01-01T00:20:00Z","a","2025-01-01T00:00:00Z"]
["2025-01-01T02:00:00Z","a","2025-01-01T02:00:00Z"]`},
	{`datatable(a:long)[1,2,3,4] | sort by a asc | extend c = row_cumsum(a)`,
		`a:long c:long
[1,1]
[2,3]
[3,6]
[4,10]`},
	{`print x = 1 | extend y = x + 1, z = y * 2`,
		`x:long y:long z:long
[1,2,4]`},
	{`print s = "The quick brown fox" | extend w = split(s, " ") | mv-expand w | summarize words = make_list(w)`,
		`words:dynamic
["[\"The\",\"quick\",\"brown\",\"fox\"]"]`},
	{`let threshold = 2; SigninLogs | summarize c = count() by UserPrincipalName | where c >= threshold`,
		`UserPrincipalName:string c:long
["alice@contoso.com",3]`},
	{`SigninLogs | summarize Users = dcount(UserPrincipalName), Rate = round(100.0 * countif(ResultType != "0") / count(), 1) by Location`,
		`Location:string Users:long Rate:real
["US",2,0]
["GB",1,100]
["DE",1,100]`},
	{`SigninLogs | extend Duration = totimespan(strcat("00:00:0", tostring(DurationMs % 10))) | summarize total = sum(Duration)`,
		`total:timespan
["00:00:00"]`},
	{`union isfuzzy=true SigninLogs, NoSuchTable | count`,
		`Count:long
[5]`},
	{`union Sign* | count`,
		`Count:long
[5]`},
	{`union kind=inner (datatable(a:long, b:string)[1,"x"]), (datatable(a:long)[2]) | order by a asc`,
		`a:long
[1]
[2]`},
	{`find where Account has 'admin' or UserPrincipalName has 'bob' project Computer, UserPrincipalName`,
		`source_:string Computer:string UserPrincipalName:string
["SecurityEvent","DC01",""]
["SigninLogs","","bob@contoso.com"]`},
	{`SigninLogs | summarize arg_min(TimeGenerated, UserPrincipalName), max(TimeGenerated)`,
		`TimeGenerated:datetime UserPrincipalName:string max_TimeGenerated:datetime
["2025-03-04T10:00:00Z","alice@contoso.com","2025-03-04T11:10:00Z"]`},
	{`datatable(d:dynamic)[dynamic({"x":[{"n":1},{"n":2}]})] | mv-expand e = d.x | extend n = toint(e.n) | project n`,
		`n:int
[1]
[2]`},
	{`datatable(s:string)["2025-01-01T10:00:00Z"] | extend t = todatetime(s) | where t > datetime(2024-12-31) | project t`,
		`t:datetime
["2025-01-01T10:00:00Z"]`},
	{`SigninLogs | where TimeGenerated > ago(2h) and ResultType in ("50126", "50053") | summarize by UserPrincipalName`,
		`UserPrincipalName:string
["alice@contoso.com"]`},
	{`print datetime_add('month', 1, datetime(2025-01-31)), datetime_add('year', -1, datetime(2024-02-29))`,
		`print_0:datetime print_1:datetime
["2025-02-28T00:00:00Z","2023-02-28T00:00:00Z"]`},
	{`union * | count`,
		`Count:long
[10]`},
	{`union SigninLogs, SecurityEvent | summarize count() by Computer | order by Computer asc`,
		`Computer:string count_:long
["",5]
["DC01",1]
["WS01",2]
["WS02",2]`},
	{`union withsource=T * | where T == "SecurityEvent" | count`,
		`Count:long
[5]`},
	{`union * | where TimeGenerated > datetime(2025-03-04 10:04) | summarize n = count() by bin(TimeGenerated, 1h) | order by TimeGenerated asc`,
		`TimeGenerated:datetime n:long
["2025-03-04T10:00:00Z",2]
["2025-03-04T11:00:00Z",2]`},
	{`SigninLogs | summarize n = count() by bin(Hourbin = TimeGenerated, 1h), strlen(u = UserPrincipalName) | order by Hourbin asc, strlen_u asc`,
		`Hourbin:datetime strlen_u:long n:long
["2025-03-04T10:00:00Z",15,1]
["2025-03-04T10:00:00Z",17,2]
["2025-03-04T11:00:00Z",17,1]
["2025-03-04T11:00:00Z",18,1]`},
	{`SigninLogs | join (SigninLogs) where $left.Location == $right.Location and $right.ResultType == $left.ResultType | count`,
		`Count:long
[5]`},
	{`print a = unicode_codepoints_to_string(65, dynamic([66, 67]), 0x1F600), b = unicode_codepoints_from_string("Aé😀")`,
		`a:string b:dynamic
["ABC😀","[65,233,128512]"]`},
}
