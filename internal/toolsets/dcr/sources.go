package dcr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Data sources of a rule: what the Azure Monitor Agent collects (Windows events, syslog, counters,
// text logs...). Each kind needs its own fields; checking them here turns Azure's generic
// "InvalidPayload" into a message about the field.

// sourceRules are the fields each data source kind needs besides name and streams.
var sourceRules = map[string][]string{
	"windowsEventLogs":    {"xPathQueries"},
	"syslog":              {"facilityNames", "logLevels"},
	"performanceCounters": {"counterSpecifiers", "samplingFrequencyInSeconds"},
	"logFiles":            {"filePatterns", "format"},
	"iisLogs":             nil,
	"windowsFirewallLogs": nil,
	"extensions":          {"extensionName"},
	"prometheusForwarder": nil,
	"platformTelemetry":   nil,
}

var (
	syslogFacilities = []string{"*", "alert", "audit", "auth", "authpriv", "clock", "cron", "daemon", "ftp", "kern", "local0", "local1", "local2",
		"local3", "local4", "local5", "local6", "local7", "lpr", "mail", "mark", "news", "nopri", "ntp", "syslog", "user", "uucp"}
	syslogLevels = []string{"*", "Debug", "Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"}
)

func sourceKinds() []any {
	out := make([]any, 0, len(sourceRules))
	for k := range sourceRules {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
	return out
}

// checkSource validates one data source of a kind.
func checkSource(kind string, src map[string]any) error {
	need, ok := sourceRules[kind]
	if !ok {
		return fmt.Errorf("unknown data source kind %q (kinds: %v)", kind, sourceKinds())
	}
	if name, _ := src["name"].(string); !resourceNameRE.MatchString(name) {
		return fmt.Errorf("a %s source needs a name (letters, digits, '.', '_', '-')", kind)
	}
	streams, _ := src["streams"].([]any)
	if len(streams) == 0 {
		return fmt.Errorf("source %v needs streams (e.g. Microsoft-Syslog)", src["name"])
	}
	for _, f := range need {
		v, ok := src[f]
		if !ok || v == nil || v == "" {
			return fmt.Errorf("a %s source needs %s", kind, f)
		}
		if list, isList := v.([]any); isList && len(list) == 0 {
			return fmt.Errorf("%s of source %v is empty", f, src["name"])
		}
	}
	if kind == "syslog" {
		if err := inList(src["facilityNames"], syslogFacilities, "facility", false); err != nil {
			return err
		}
		if err := inList(src["logLevels"], syslogLevels, "log level", true); err != nil {
			return err
		}
	}
	return nil
}

func inList(v any, allowed []string, what string, fold bool) error {
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		ok := false
		for _, a := range allowed {
			if s == a || fold && strings.EqualFold(s, a) {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("%q is not a syslog %s (%s)", s, what, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// parseSources reads data sources given as JSON ({kind: [source, ...]}) and checks each.
func parseSources(text string) (map[string]json.RawMessage, error) {
	var m map[string][]map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object of kind -> list of sources: %v", err)
	}
	out := map[string]json.RawMessage{}
	names := map[string]bool{}
	for kind, list := range m {
		for _, src := range list {
			if err := checkSource(kind, src); err != nil {
				return nil, err
			}
			n, _ := src["name"].(string)
			if names[n] {
				return nil, fmt.Errorf("two data sources are named %s", n)
			}
			names[n] = true
		}
		b, _ := json.Marshal(list)
		out[kind] = b
	}
	return out, nil
}

// checkSourcesRouted refuses a data source whose streams no data flow takes.
func checkSourcesRouted(r *sentinel.DataCollectionRule) error {
	routed := map[string]bool{}
	for _, f := range r.Properties.DataFlows {
		for _, s := range f.Streams {
			routed[s] = true
		}
	}
	for kind, raw := range r.Properties.DataSources {
		var list []struct {
			Name    string   `json:"name"`
			Streams []string `json:"streams"`
		}
		_ = json.Unmarshal(raw, &list)
		for _, s := range list {
			for _, st := range s.Streams {
				if !routed[st] {
					return fmt.Errorf("the %s source %s sends %s, which no data flow takes", kind, s.Name, st)
				}
			}
		}
	}
	return nil
}

type sourceIn struct {
	toolkit.WorkspaceArg
	Rule   string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
	Kind   string `json:"kind" jsonschema:"Data source kind."`
	Source string `json:"source" jsonschema:"The source as JSON: name, streams and the kind's fields, e.g. {\"name\":\"authlog\",\"streams\":[\"Microsoft-Syslog\"],\"facilityNames\":[\"auth\"],\"logLevels\":[\"*\"]}."`
	Etag   string `json:"etag,omitempty" jsonschema:"The etag read earlier: the update is refused if the rule changed since."`
}

func addDataSource(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "add_dcr_data_source",
		Description: "Add a data source (Windows events, syslog, performance counters, log files...) to a data collection rule, routed to the workspace.",
		Annotations: inventory.Annotations("Add a DCR data source", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in sourceIn) (*mcp.CallToolResult, writeOut, error) {
		dec := json.NewDecoder(bytes.NewReader([]byte(in.Source)))
		dec.UseNumber()
		var src map[string]any
		if err := dec.Decode(&src); err != nil || src == nil {
			return nil, writeOut{}, toolkit.ArgError("source", "not a JSON object: %v", err)
		}
		if err := checkSource(in.Kind, src); err != nil {
			return nil, writeOut{}, toolkit.ArgError("source", "%v", err)
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		id, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, writeOut{}, err
		}
		before := *r
		name := src["name"].(string)
		for kind, names := range r.SourceNames() {
			for _, n := range names {
				if strings.EqualFold(n, name) {
					return nil, writeOut{}, toolkit.ArgError("source", "%s already has a %s data source named %s", r.Name, kind, n)
				}
			}
		}
		var list []json.RawMessage
		if raw, ok := r.Properties.DataSources[in.Kind]; ok {
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, writeOut{}, fmt.Errorf("the %s sources of %s are not a list", in.Kind, r.Name)
			}
		}
		b, _ := json.Marshal(src)
		list = append(list, b)
		srcs := map[string]json.RawMessage{}
		for k, v := range r.Properties.DataSources {
			srcs[k] = v
		}
		srcs[in.Kind], _ = json.Marshal(list)
		r.Properties.DataSources = srcs
		// Route the new streams to the workspace when no flow takes them yet.
		var notes []string
		flows := append([]sentinel.DataFlow(nil), r.Properties.DataFlows...)
		r.Properties.DataFlows = flows
		for _, s := range src["streams"].([]any) {
			st, _ := s.(string)
			if routedStream(r, st) {
				continue
			}
			if _, declared := r.Properties.StreamDeclarations[st]; !declared && !strings.HasPrefix(st, "Microsoft-") {
				return nil, writeOut{}, toolkit.ArgError("source", "stream %s is neither declared in %s nor a Microsoft- stream", st, r.Name)
			}
			dests := r.Properties.Destinations.LogAnalytics
			r.Properties.Destinations.LogAnalytics = append([]sentinel.LogAnalyticsDestination(nil), dests...)
			dest := workspaceDestination(r, c)
			r.Properties.DataFlows = append(r.Properties.DataFlows, sentinel.DataFlow{Streams: []string{st}, Destinations: []string{dest}})
			notes = append(notes, fmt.Sprintf("Added a data flow sending %s to %s.", st, c.Workspace().Alias))
		}
		errs, warns := checkFlows(ctx, c, r, -1)
		if len(errs) > 0 {
			return nil, writeOut{}, fmt.Errorf("the rule would not be valid, so nothing was changed: %s", strings.Join(errs, "; "))
		}
		if in.Etag != "" {
			r.Etag = in.Etag
		}
		after, err := c.PutDataCollectionRule(ctx, id, r, false)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, writeOut{}, sentinel.ConflictError("data collection rule "+r.Name, err, "Read it again with get_data_collection_rule")
			}
			return nil, writeOut{}, refused("updating "+r.Name, err)
		}
		audit.RecordChange(ctx, &before, after)
		out := writeOut{Target: targetOf(c.Workspace()), RuleInfo: infoOf(after, c.Workspace().ResourceID), Warnings: warns, Etag: after.Etag}
		res := toolkit.Text(fmt.Sprintf("Added the %s data source %s to %s.", in.Kind, name, r.Name))
		addWarnings(res, append(notes, warns...))
		return res, out, nil
	}, inventory.Enum("kind", sourceKinds()...), inventory.MaxLength("source", 64<<10))
}

func routedStream(r *sentinel.DataCollectionRule, s string) bool {
	for _, f := range r.Properties.DataFlows {
		if contains(f.Streams, s) {
			return true
		}
	}
	return false
}
