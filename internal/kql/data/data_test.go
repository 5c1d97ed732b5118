package data

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestParseType(t *testing.T) {
	cases := map[string]Type{
		"bool": Bool, "boolean": Bool, "int": Int, "int32": Int, "long": Long, "int64": Long,
		"real": Real, "double": Real, "decimal": Decimal, "string": String, "datetime": DateTime,
		"date": DateTime, "timespan": TimeSpan, "time": TimeSpan, "guid": Guid, "uuid": Guid,
		"uniqueid": Guid, "dynamic": Dynamic, "System.String": String, "System.Int64": Long, "DateTime": DateTime,
	}
	for in, want := range cases {
		got, ok := ParseType(in)
		if !ok || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseType("varchar"); ok {
		t.Error("ParseType(varchar) accepted")
	}
	for ty := Bool; ty <= Dynamic; ty++ {
		back, ok := ParseType(ty.String())
		if !ok || back != ty {
			t.Errorf("round trip of %v failed", ty)
		}
	}
}

func TestDateTimeFormatParse(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"2025-01-02T03:04:05.123Z", "2025-01-02T03:04:05.123Z"},
		{"2025-01-02 03:04:05", "2025-01-02T03:04:05Z"},
		{"2025-01-02", "2025-01-02T00:00:00Z"},
		{"2025-01-02T03:04", "2025-01-02T03:04:00Z"},
		{"2025-01-02T03:04:05.1234567Z", "2025-01-02T03:04:05.1234567Z"},
		{"2025-01-02T03:04:05.123456789Z", "2025-01-02T03:04:05.1234567Z"},
		{"2025-01-02T03:04:05+02:00", "2025-01-02T01:04:05Z"},
		{"2024/02/29 10:00:00", "2024-02-29T10:00:00Z"},
		{"Sat, 8 Nov 2014 15:05:02 GMT", "2014-11-08T15:05:02Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999Z"},
		{"1601-01-01", "1601-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		ticks, ok := ParseDateTime(c.in)
		if !ok {
			t.Errorf("ParseDateTime(%q) failed", c.in)
			continue
		}
		if got := FormatDateTime(ticks); got != c.want {
			t.Errorf("ParseDateTime(%q) -> %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "2025-13-01", "2025-02-30", "yesterday", "2025-01-02T25:00"} {
		if _, ok := ParseDateTime(bad); ok {
			t.Errorf("ParseDateTime(%q) accepted", bad)
		}
	}
	now := time.Date(2025, 6, 7, 8, 9, 10, 123456700, time.UTC)
	if got := TicksToTime(TimeToTicks(now)); !got.Equal(now) {
		t.Errorf("time round trip: %v != %v", got, now)
	}
	if got := TicksToTime(MinDateTimeTicks); got.Year() != 1 || got.Month() != 1 {
		t.Errorf("min datetime = %v", got)
	}
}

func TestTimeSpan(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		text string
	}{
		{"1d", TicksPerDay, "1.00:00:00"},
		{"2h", 2 * TicksPerHour, "02:00:00"},
		{"30m", 30 * TicksPerMinute, "00:30:00"},
		{"10s", 10 * TicksPerSecond, "00:00:10"},
		{"100ms", 100 * TicksPerMillisecond, "00:00:00.1000000"},
		{"1.5h", 90 * TicksPerMinute, "01:30:00"},
		{"-5m", -5 * TicksPerMinute, "-00:05:00"},
		{"00:05:00", 5 * TicksPerMinute, "00:05:00"},
		{"1.02:03:04.5", TicksPerDay + 2*TicksPerHour + 3*TicksPerMinute + 4*TicksPerSecond + 5*TicksPerSecond/10, "1.02:03:04.5000000"},
		{"3ticks", 3, "00:00:00.0000003"},
		{"2microseconds", 20, "00:00:00.0000020"},
	}
	for _, c := range cases {
		got, ok := ParseTimeSpan(c.in)
		if !ok || got != c.want {
			t.Errorf("ParseTimeSpan(%q) = %d, %v; want %d", c.in, got, ok, c.want)
		}
		if s := FormatTimeSpan(c.want); s != c.text {
			t.Errorf("FormatTimeSpan(%d) = %q, want %q", c.want, s, c.text)
		}
	}
	for _, bad := range []string{"", "abc", "5x", "1:2:3:4"} {
		if _, ok := ParseTimeSpan(bad); ok {
			t.Errorf("ParseTimeSpan(%q) accepted", bad)
		}
	}
}

func TestUUID(t *testing.T) {
	u, ok := ParseUUID("{74BE27DE-1E4E-49D9-B579-FE0B331D3642}")
	if !ok || u.String() != "74be27de-1e4e-49d9-b579-fe0b331d3642" {
		t.Fatalf("ParseUUID = %v %v", u, ok)
	}
	if v, ok := ParseUUID("74be27de1e4e49d9b579fe0b331d3642"); !ok || v != u {
		t.Error("bare hex guid not parsed")
	}
	if _, ok := ParseUUID("74be27de-1e4e-49d9-b579-fe0b331d364"); ok {
		t.Error("short guid accepted")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := `{"b":[1,2.5,"x",true,null,{"c":-3}],"a":"q\"\n\u00e9\ud83d\ude00","big":12345678901234567890}`
	v, err := ParseJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["b"].([]any)[0] != int64(1) || m["b"].([]any)[1] != 2.5 {
		t.Errorf("numbers: %#v", m["b"])
	}
	if _, ok := m["big"].(float64); !ok {
		t.Errorf("big = %T, want float64", m["big"])
	}
	out := string(AppendJSON(nil, v))
	var a, b any
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("AppendJSON produced invalid JSON %s: %v", out, err)
	}
	_ = json.Unmarshal([]byte(in), &b)
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	if string(ab) != string(bb) {
		t.Errorf("round trip differs:\n%s\n%s", ab, bb)
	}
	for _, bad := range []string{"", "{", "[1,]", `{"a"}`, "tru", `"abc`, "1 2"} {
		if _, err := ParseJSON(bad); err == nil {
			t.Errorf("ParseJSON(%q) accepted", bad)
		}
	}
	deep := ""
	for i := 0; i < 10000; i++ {
		deep += "["
	}
	if _, err := ParseJSON(deep); err == nil {
		t.Error("deep nesting accepted")
	}
}

func TestConvert(t *testing.T) {
	cases := []struct {
		in   Value
		to   Type
		want Value
	}{
		{StringValue("42"), Long, LongValue(42)},
		{StringValue("12.7"), Long, LongValue(12)},
		{StringValue("abc"), Long, NullValue(Long)},
		{RealValue(2.9), Long, LongValue(2)},
		{RealValue(-2.9), Int, IntValue(-2)},
		{LongValue(1 << 40), Int, NullValue(Int)},
		{StringValue("TRUE"), Bool, BoolValue(true)},
		{LongValue(0), Bool, BoolValue(false)},
		{StringValue("1.5"), Real, RealValue(1.5)},
		{StringValue("2025-01-02"), DateTime, DateTimeValue(DateTimeTicks(2025, 1, 2, 0, 0, 0, 0))},
		{StringValue("00:01:00"), TimeSpan, TimeSpanValue(TicksPerMinute)},
		{LongValue(5), String, StringValue("5")},
		{NullValue(Long), String, StringValue("")},
		{DynamicValue(map[string]any{"a": 1}), String, StringValue(`{"a":1}`)},
		{DynamicValue("7"), Long, LongValue(7)},
		{DynamicValue([]any{1}), Long, NullValue(Long)},
		{RealValue(1.5), String, StringValue("1.5")},
		{TimeSpanValue(TicksPerHour), String, StringValue("01:00:00")},
	}
	for _, c := range cases {
		if got := Convert(c.in, c.to); !got.Equal(c.want) {
			t.Errorf("Convert(%v %q, %v) = %+v, want %+v", c.in.Type, c.in.String(), c.to, got, c.want)
		}
	}
}

func TestTableBuilder(t *testing.T) {
	cols := []Column{
		{"TimeGenerated", DateTime}, {"User", String}, {"Count", Long}, {"Score", Real},
		{"Ok", Bool}, {"Id", Guid}, {"Props", Dynamic}, {"Dur", TimeSpan}, {"Small", Int},
	}
	b := NewTableBuilder("T", cols, 4)
	ts := time.Date(2025, 1, 2, 3, 4, 5, 123000000, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Append(ts, "alice", int64(3), 1.5, true, "74be27de-1e4e-49d9-b579-fe0b331d3642", map[string]any{"k": []any{1, "x"}}, 90*time.Second, 7))
	must(b.Append(nil, nil, nil, nil, nil, nil, nil, nil, nil))
	must(b.Append("2025-01-02T00:00:00Z", "bob", 5, 2, false, nil, `{"a":1}`, "00:00:01", int32(-1)))
	if err := b.Append(ts, "x"); err == nil {
		t.Error("short row accepted")
	}
	if err := b.Append(ts, "x", "notanumber", 1.0, true, nil, nil, nil, 1); err == nil {
		t.Error("bad long accepted")
	}
	tb := b.Build()
	if tb.Len() != 3 || tb.Schema().Name != "T" || tb.NumColumns() != len(cols) {
		t.Fatalf("table shape %d rows", tb.Len())
	}
	rows := tb.WireRows()
	got, _ := json.Marshal(rows)
	want := `[["2025-01-02T03:04:05.123Z","alice",3,1.5,true,"74be27de-1e4e-49d9-b579-fe0b331d3642","{\"k\":[1,\"x\"]}","00:01:30",7],` +
		`[null,"",null,null,null,null,null,null,null],` +
		`["2025-01-02T00:00:00Z","bob",5,2,false,null,"{\"a\":1}","00:00:01",-1]]`
	if string(got) != want {
		t.Errorf("wire rows\n got %s\nwant %s", got, want)
	}
	if !tb.Column(1).IsDict() {
		t.Error("low-cardinality string column not dictionary-encoded")
	}
	if tb.Schema().TimeColumnIndex() != 0 {
		t.Error("TimeGenerated not detected as the time column")
	}
}

func TestDictFallback(t *testing.T) {
	b := NewTableBuilder("T", []Column{{"S", String}}, 0)
	for i := 0; i < 20000; i++ {
		if err := b.Append(time.Duration(i).String()); err != nil {
			t.Fatal(err)
		}
	}
	tb := b.Build()
	c := tb.Column(0)
	if c.IsDict() {
		t.Error("high-cardinality column kept its dictionary")
	}
	if c.Str(19999) != time.Duration(19999).String() || c.Str(5) != "5ns" {
		t.Error("values lost when leaving dictionary encoding")
	}
}

func TestVectorSliceGather(t *testing.T) {
	b := NewVectorBuilder(Long, 0)
	for i := 0; i < 200; i++ {
		if i%3 == 0 {
			b.AppendNull()
		} else {
			b.AppendInt(int64(i))
		}
	}
	v := b.Build()
	for _, r := range [][2]int{{0, 200}, {64, 130}, {5, 77}} {
		s := v.Slice(r[0], r[1])
		for i := 0; i < s.N; i++ {
			if s.Value(i) != v.Value(r[0]+i) {
				t.Fatalf("slice %v cell %d differs", r, i)
			}
		}
	}
	g := v.Gather([]int32{199, 3, 4})
	if !g.IsNull(1) || g.Value(2).I != 4 || g.Value(0).I != 199 {
		t.Errorf("gather wrong: %+v", g)
	}
}

func TestWireReal(t *testing.T) {
	if RealValue(math.NaN()).Wire() != "NaN" || RealValue(math.Inf(-1)).Wire() != "-Infinity" {
		t.Error("special reals")
	}
}

func BenchmarkTableBuilderAppend(b *testing.B) {
	cols := []Column{{"TimeGenerated", DateTime}, {"User", String}, {"Count", Long}, {"Score", Real}, {"Ok", Bool}}
	users := []string{"alice", "bob", "carol", "dave"}
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	b.ReportAllocs()
	tb := NewTableBuilder("T", cols, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tb.Append(ts, users[i&3], int64(i), 1.5, true); err != nil {
			b.Fatal(err)
		}
	}
}
