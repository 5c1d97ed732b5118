package automation

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// spec is what create_automation_rule and update_automation_rule may set; nil fields are left as they are
// (update) or take their default (create).
type spec struct {
	Order        *int          `json:"order,omitempty" jsonschema:"Run position, 1-1000 (default: after the last rule)."`
	TriggersOn   string        `json:"triggers_on,omitempty" jsonschema:"Incidents (default) or Alerts."`
	TriggersWhen string        `json:"triggers_when,omitempty" jsonschema:"Created (default) or Updated."`
	Enabled      *bool         `json:"enabled,omitempty"`
	Expires      *string       `json:"expires,omitempty" jsonschema:"When the rule stops: an RFC 3339 time or a duration from now (e.g. 7d); empty removes it."`
	Conditions   []conditionIn `json:"conditions,omitempty" jsonschema:"All must hold; none: every incident or alert."`
	Actions      []actionIn    `json:"actions,omitempty" jsonschema:"Run in this order (1 to 20)."`
}

type conditionIn struct {
	Property string   `json:"property" jsonschema:"e.g. IncidentSeverity, IncidentTitle, IncidentStatus, IncidentRelatedAnalyticRuleIds (rule names or ids), AccountName, HostName."`
	Operator string   `json:"operator,omitempty" jsonschema:"Equals (default), NotEquals, Contains, NotContains, StartsWith, NotStartsWith, EndsWith, NotEndsWith."`
	Values   []string `json:"values,omitempty"`
	Change   string   `json:"change,omitempty" jsonschema:"On updates: ChangedFrom or ChangedTo (IncidentSeverity, IncidentStatus, IncidentOwner), or Added (IncidentLabel, IncidentTactics, IncidentComments, Alerts)."`
}

type actionIn struct {
	Type                  string   `json:"type" jsonschema:"ModifyProperties, RunPlaybook or AddIncidentTask."`
	Status                string   `json:"status,omitempty" jsonschema:"ModifyProperties: New, Active or Closed (needs classification)."`
	Severity              string   `json:"severity,omitempty" jsonschema:"ModifyProperties: High, Medium, Low or Informational."`
	Classification        string   `json:"classification,omitempty" jsonschema:"ModifyProperties: TruePositive, BenignPositive, FalsePositive or Undetermined."`
	ClassificationReason  string   `json:"classification_reason,omitempty" jsonschema:"FalsePositive: IncorrectAlertLogic or InaccurateData. Default SuspiciousActivity (TruePositive), SuspiciousButExpected (BenignPositive)."`
	ClassificationComment string   `json:"classification_comment,omitempty"`
	Owner                 string   `json:"owner,omitempty" jsonschema:"ModifyProperties: assign to a user object id (GUID) or UPN."`
	Labels                []string `json:"labels,omitempty" jsonschema:"ModifyProperties: labels to add."`
	Playbook              string   `json:"playbook,omitempty" jsonschema:"RunPlaybook: the logic app's resource id."`
	Title                 string   `json:"title,omitempty" jsonschema:"AddIncidentTask: the task."`
	Description           string   `json:"description,omitempty" jsonschema:"AddIncidentTask: details."`
}

// Sentinel's vocabularies for automation rules.
var (
	operators = []string{"Equals", "NotEquals", "Contains", "NotContains", "StartsWith", "NotStartsWith", "EndsWith", "NotEndsWith"}
	// properties are AutomationRulePropertyConditionSupportedProperty.
	properties = []string{"IncidentTitle", "IncidentDescription", "IncidentSeverity", "IncidentStatus", "IncidentRelatedAnalyticRuleIds",
		"IncidentTactics", "IncidentLabel", "IncidentProviderName", "IncidentUpdatedBySource", "IncidentCustomDetailsKey",
		"IncidentCustomDetailsValue", "AccountAadTenantId", "AccountAadUserId", "AccountName", "AccountNTDomain", "AccountPUID",
		"AccountSid", "AccountObjectGuid", "AccountUPNSuffix", "AlertProductNames", "AlertAnalyticRuleIds", "AzureResourceResourceId",
		"AzureResourceSubscriptionId", "CloudApplicationAppId", "CloudApplicationAppName", "DNSDomainName", "FileDirectory",
		"FileName", "FileHashValue", "HostAzureID", "HostName", "HostNetBiosName", "HostNTDomain", "HostOSVersion", "IoTDeviceId",
		"IoTDeviceName", "IoTDeviceType", "IoTDeviceVendor", "IoTDeviceModel", "IoTDeviceOperatingSystem", "IPAddress",
		"MailboxDisplayName", "MailboxPrimaryAddress", "MailboxUPN", "MailMessageDeliveryAction", "MailMessageDeliveryLocation",
		"MailMessageRecipient", "MailMessageSenderIP", "MailMessageSubject", "MailMessageP1Sender", "MailMessageP2Sender",
		"MalwareCategory", "MalwareName", "ProcessCommandLine", "ProcessId", "RegistryKey", "RegistryValueData", "Url"}
	changedProperties = []string{"IncidentSeverity", "IncidentStatus", "IncidentOwner"}
	arrayProperties   = map[string]string{"incidentlabel": "Labels", "incidenttactics": "Tactics", "incidentcomments": "Comments", "alerts": "Alerts"}
	statuses          = []string{"New", "Active", "Closed"}
	severities        = []string{"High", "Medium", "Low", "Informational"}
	reasons           = map[string][]string{"TruePositive": {"SuspiciousActivity"}, "BenignPositive": {"SuspiciousButExpected"},
		"FalsePositive": {"IncorrectAlertLogic", "InaccurateData"}, "Undetermined": nil}
	playbookRE = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.logic/workflows/[^/]+$`)
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// oneOf returns the value of list equal to s ignoring case, or an argument error naming the valid values.
func oneOf(arg, s string, list []string) (string, error) {
	for _, v := range list {
		if strings.EqualFold(v, strings.TrimSpace(s)) {
			return v, nil
		}
	}
	msg := fmt.Sprintf("%q is not valid", s)
	if c := inventory.Closest(s, list); c != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", c)
	}
	return "", toolkit.ArgError(arg, "%s; use one of %s", msg, strings.Join(list, ", "))
}

// apply sets the spec on the properties of an automation rule of workspace ws, returning the names of
// what it changed.
func (s *spec) apply(p map[string]any, ws *tenancy.Workspace, now time.Time) ([]string, error) {
	var changed []string
	logic, _ := p["triggeringLogic"].(map[string]any)
	if logic == nil {
		logic = map[string]any{"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created", "conditions": []any{}}
		p["triggeringLogic"] = logic
	}
	set := func(m map[string]any, k, name string, v any) {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			changed = append(changed, name)
		}
		m[k] = v
	}
	if s.Order != nil {
		if *s.Order < 1 || *s.Order > 1000 {
			return nil, toolkit.ArgError("order", "%d is out of range 1..1000", *s.Order)
		}
		set(p, "order", "order", *s.Order)
	}
	if s.TriggersOn != "" {
		v, err := oneOf("triggers_on", s.TriggersOn, []string{"Incidents", "Alerts"})
		if err != nil {
			return nil, err
		}
		set(logic, "triggersOn", "triggersOn", v)
	}
	if s.TriggersWhen != "" {
		v, err := oneOf("triggers_when", s.TriggersWhen, []string{"Created", "Updated"})
		if err != nil {
			return nil, err
		}
		set(logic, "triggersWhen", "triggersWhen", v)
	}
	on, _ := logic["triggersOn"].(string)
	when, _ := logic["triggersWhen"].(string)
	if on == "Alerts" && when == "Updated" {
		return nil, toolkit.ArgError("triggers_when", "automation rules on alerts run when alerts are created only")
	}
	if s.Enabled != nil {
		set(logic, "isEnabled", "isEnabled", *s.Enabled)
	}
	if s.Expires != nil {
		if strings.TrimSpace(*s.Expires) == "" {
			if _, ok := logic["expirationTimeUtc"]; ok {
				delete(logic, "expirationTimeUtc")
				changed = append(changed, "expirationTimeUtc")
			}
		} else {
			exp, err := parseExpiry(*s.Expires, now)
			if err != nil {
				return nil, err
			}
			set(logic, "expirationTimeUtc", "expirationTimeUtc", exp)
		}
	}
	if s.Conditions != nil {
		conds := make([]any, 0, len(s.Conditions))
		for i, c := range s.Conditions {
			cond, err := c.arm(fmt.Sprintf("conditions[%d]", i), on, when, ws)
			if err != nil {
				return nil, err
			}
			conds = append(conds, cond)
		}
		if len(conds) > 50 {
			return nil, toolkit.ArgError("conditions", "%d conditions: Sentinel allows at most 50", len(conds))
		}
		set(logic, "conditions", "conditions", conds)
	}
	if s.Actions != nil {
		if len(s.Actions) == 0 || len(s.Actions) > 20 {
			return nil, toolkit.ArgError("actions", "an automation rule needs 1 to 20 actions, got %d", len(s.Actions))
		}
		acts := make([]any, 0, len(s.Actions))
		for i, a := range s.Actions {
			act, err := a.arm(fmt.Sprintf("actions[%d]", i), i+1, on, ws)
			if err != nil {
				return nil, err
			}
			acts = append(acts, act)
		}
		set(p, "actions", "actions", acts)
	} else if on == "Alerts" {
		for _, a := range anySlice(p["actions"]) {
			if m, _ := a.(map[string]any); m["actionType"] != "RunPlaybook" {
				return nil, toolkit.ArgError("triggers_on", "automation rules on alerts can only run playbooks; this rule has a %v action", m["actionType"])
			}
		}
	}
	return changed, nil
}

func parseExpiry(s string, now time.Time) (string, error) {
	var t time.Time
	if d, err := toolkit.ParseDuration("expires", s); err == nil {
		t = now.Add(d) // a period counts from now: the rule expires in 7d
	} else if t, err = toolkit.ParseTime("expires", s, now); err != nil {
		return "", toolkit.ArgError("expires", "%q is neither a time (RFC 3339 such as 2025-07-01T00:00:00Z, or a date) nor a period from now (12h, 7d)", s)
	}
	if !t.After(now) {
		return "", toolkit.ArgError("expires", "%s is in the past", t.UTC().Format(time.RFC3339))
	}
	return t.UTC().Format(time.RFC3339), nil
}

func (c conditionIn) arm(arg, on, when string, ws *tenancy.Workspace) (map[string]any, error) {
	op := "Equals"
	if c.Operator != "" {
		v, err := oneOf(arg+".operator", c.Operator, operators)
		if err != nil {
			return nil, err
		}
		op = v
	}
	switch change := strings.TrimSpace(c.Change); {
	case change == "":
		prop, err := oneOf(arg+".property", c.Property, properties)
		if err != nil {
			return nil, err
		}
		if len(c.Values) == 0 {
			return nil, toolkit.ArgError(arg+".values", "a %s condition needs at least one value", prop)
		}
		vals := c.Values
		switch prop {
		case "IncidentRelatedAnalyticRuleIds", "AlertAnalyticRuleIds":
			vals = ruleIDs(c.Values, ws)
		case "IncidentSeverity":
			for _, v := range vals {
				if _, err := oneOf(arg+".values", v, severities); err != nil {
					return nil, err
				}
			}
		case "IncidentStatus":
			for _, v := range vals {
				if _, err := oneOf(arg+".values", v, statuses); err != nil {
					return nil, err
				}
			}
		}
		return map[string]any{"conditionType": "Property", "conditionProperties": map[string]any{
			"propertyName": prop, "operator": op, "propertyValues": anys(vals)}}, nil
	case strings.EqualFold(change, "ChangedFrom") || strings.EqualFold(change, "ChangedTo"):
		if when != "Updated" || on != "Incidents" {
			return nil, toolkit.ArgError(arg+".change", "a change condition needs triggers_on Incidents and triggers_when Updated")
		}
		prop, err := oneOf(arg+".property", c.Property, changedProperties)
		if err != nil {
			return nil, err
		}
		ct, _ := oneOf(arg+".change", change, []string{"ChangedFrom", "ChangedTo"})
		return map[string]any{"conditionType": "PropertyChanged", "conditionProperties": map[string]any{
			"propertyName": prop, "changeType": ct, "operator": op, "propertyValues": anys(c.Values)}}, nil
	case strings.EqualFold(change, "Added"):
		if when != "Updated" || on != "Incidents" {
			return nil, toolkit.ArgError(arg+".change", "a change condition needs triggers_on Incidents and triggers_when Updated")
		}
		arr, ok := arrayProperties[strings.ToLower(strings.TrimSpace(c.Property))]
		if !ok {
			return nil, toolkit.ArgError(arg+".property", "%q cannot be Added to: use IncidentLabel, IncidentTactics, IncidentComments or Alerts", c.Property)
		}
		return map[string]any{"conditionType": "PropertyArrayChanged", "conditionProperties": map[string]any{
			"arrayType": arr, "changeType": "Added"}}, nil
	default:
		return nil, toolkit.ArgError(arg+".change", "%q is not ChangedFrom, ChangedTo or Added", c.Change)
	}
}

// ruleIDs expands analytics rule names to the resource ids the condition compares with.
func ruleIDs(vals []string, ws *tenancy.Workspace) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		v = strings.TrimSpace(v)
		if !strings.HasPrefix(v, "/") {
			v = sentinel.AlertRuleID(ws.ResourceID, v)
		}
		out[i] = v
	}
	return out
}

func (a actionIn) arm(arg string, order int, on string, ws *tenancy.Workspace) (map[string]any, error) {
	typ, err := oneOf(arg+".type", a.Type, []string{"ModifyProperties", "RunPlaybook", "AddIncidentTask"})
	if err != nil {
		return nil, err
	}
	if on == "Alerts" && typ != "RunPlaybook" {
		return nil, toolkit.ArgError(arg+".type", "automation rules on alerts can only run playbooks (RunPlaybook), not %s", typ)
	}
	cfg := map[string]any{}
	switch typ {
	case "ModifyProperties":
		if a.Status == "" && a.Severity == "" && a.Classification == "" && a.Owner == "" && len(a.Labels) == 0 {
			return nil, toolkit.ArgError(arg, "ModifyProperties needs something to set: status, severity, classification, owner or labels")
		}
		if a.Status != "" {
			v, err := oneOf(arg+".status", a.Status, statuses)
			if err != nil {
				return nil, err
			}
			cfg["status"] = v
		}
		if a.Severity != "" {
			v, err := oneOf(arg+".severity", a.Severity, severities)
			if err != nil {
				return nil, err
			}
			cfg["severity"] = v
		}
		if a.Classification != "" {
			cl, err := oneOf(arg+".classification", a.Classification, []string{"TruePositive", "BenignPositive", "FalsePositive", "Undetermined"})
			if err != nil {
				return nil, err
			}
			cfg["classification"] = cl
			if valid := reasons[cl]; len(valid) > 0 {
				if a.ClassificationReason == "" && len(valid) == 1 {
					a.ClassificationReason = valid[0] // the only reason of this verdict
				}
				r, err := oneOf(arg+".classification_reason", a.ClassificationReason, valid)
				if err != nil {
					return nil, err
				}
				cfg["classificationReason"] = r
			}
			if a.ClassificationComment != "" {
				cfg["classificationComment"] = a.ClassificationComment
			}
		}
		if cfg["status"] == "Closed" && cfg["classification"] == nil {
			return nil, toolkit.ArgError(arg+".classification", "closing incidents needs a classification (TruePositive, BenignPositive, FalsePositive or Undetermined)")
		}
		if o := strings.TrimSpace(a.Owner); o != "" {
			if guidRE.MatchString(o) {
				cfg["owner"] = map[string]any{"objectId": o}
			} else if strings.Contains(o, "@") {
				cfg["owner"] = map[string]any{"userPrincipalName": o, "email": o}
			} else {
				return nil, toolkit.ArgError(arg+".owner", "%q is neither a user object id (GUID) nor a UPN (name@domain)", o)
			}
		}
		if len(a.Labels) > 0 {
			var ls []any
			for _, l := range a.Labels {
				if strings.TrimSpace(l) != "" {
					ls = append(ls, map[string]any{"labelName": strings.TrimSpace(l)})
				}
			}
			cfg["labels"] = ls
		}
	case "RunPlaybook":
		if !playbookRE.MatchString(strings.TrimSpace(a.Playbook)) {
			return nil, toolkit.ArgError(arg+".playbook", "%q is not a logic app resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Logic/workflows/<name>)", a.Playbook)
		}
		cfg["logicAppResourceId"], cfg["tenantId"] = strings.TrimSpace(a.Playbook), ws.TenantID
	case "AddIncidentTask":
		if strings.TrimSpace(a.Title) == "" {
			return nil, toolkit.ArgError(arg+".title", "AddIncidentTask needs a title")
		}
		cfg["title"] = strings.TrimSpace(a.Title)
		if a.Description != "" {
			cfg["description"] = a.Description
		}
	}
	return map[string]any{"order": order, "actionType": typ, "actionConfiguration": cfg}, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}
