package seed

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The stories no rule detects are in their tables as world.Facts says, within their time span: the rows
// that carry their marks (address, domain, account) are theirs alone, so a hunt finds exactly them.
func TestHuntOnlyStories(t *testing.T) {
	_, logs := demo()
	kinds := 0
	for _, s := range world.SeededFacts().Stories {
		if s.Detected() {
			continue
		}
		kinds++
		if len(s.Tables) != 1 {
			t.Fatalf("%s in %s: tables %v", s.Kind, s.Workspace, s.Tables)
		}
		x := table(t, logs[s.Workspace], s.Tables[0])
		ts := x.time("TimeGenerated")
		var mine func(i int) bool
		var check func(rows []int) string
		switch s.Kind {
		case world.StoryInboxForwarding:
			op, user, ip, props := x.str("Operation"), x.str("UserId"), x.str("ClientIP"), x.dyn("OperationProperties")
			mine = func(i int) bool { return op(i) == "UpdateInboxRules" }
			check = func(rows []int) string {
				if len(rows) != 1 || user(rows[0]) != s.Account || ip(rows[0]) != s.IP ||
					!strings.Contains(fmt.Sprint(props(rows[0])), "ForwardToRecipientsAction: "+s.Target) {
					return fmt.Sprintf("%d UpdateInboxRules records, want one by %s from %s forwarding to %s", len(rows), s.Account, s.IP, s.Target)
				}
				return ""
			}
		case world.StoryRoleAssignment:
			status, op, caller, ip, sub := x.str("ActivityStatusValue"), x.str("OperationNameValue"), x.str("Caller"),
				x.str("CallerIpAddress"), x.str("ActivitySubstatusValue")
			mine = func(i int) bool {
				return status(i) == "Failure" || caller(i) == s.Account && strings.Contains(op(i), "roleAssignments")
			}
			check = func(rows []int) string {
				for _, i := range rows {
					if op(i) != "Microsoft.Authorization/roleAssignments/write" || status(i) != "Failure" || sub(i) != "Forbidden" ||
						caller(i) != s.Account || ip(i) != s.IP {
						return fmt.Sprintf("row %d: %s %s/%s by %s from %s", i, op(i), status(i), sub(i), caller(i), ip(i))
					}
				}
				if len(rows) != s.Count {
					return fmt.Sprintf("%d denied attempts, want %d", len(rows), s.Count)
				}
				return ""
			}
		case world.StoryDNSBeacon:
			name, client, resolved := x.str("Name"), x.str("ClientIP"), x.str("IPAddresses")
			mine = func(i int) bool { return name(i) == s.Target }
			check = func(rows []int) string {
				clients := map[string]bool{}
				for _, i := range rows {
					clients[client(i)] = true
					if resolved(i) != s.IP {
						return fmt.Sprintf("%s resolved to %s, want %s", s.Target, resolved(i), s.IP)
					}
				}
				if len(rows) != s.Count || len(clients) != 1 {
					return fmt.Sprintf("%d lookups of %s from %d clients, want %d from one", len(rows), s.Target, len(clients), s.Count)
				}
				return ""
			}
		case world.StoryFirewallProbe:
			src, action, port := x.str("SourceIP"), x.str("DeviceAction"), x.long("DestinationPort")
			mine = func(i int) bool { return src(i) == s.IP }
			check = func(rows []int) string {
				ports := map[int64]bool{}
				for _, i := range rows {
					ports[port(i)] = true
					if action(i) != "deny" {
						return fmt.Sprintf("row %d: %s", i, action(i))
					}
				}
				if len(rows) != s.Count || len(ports) != s.Ports {
					return fmt.Sprintf("%d denials on %d ports, want %d on %d", len(rows), len(ports), s.Count, s.Ports)
				}
				return ""
			}
		case world.StoryVPNForeignLogin:
			src, user, country, et := x.str("SourceIP"), x.str("UserName"), x.str("Country"), x.str("EventType")
			mine = func(i int) bool { return src(i) == s.IP }
			check = func(rows []int) string {
				if len(rows) != 2 || et(rows[0]) != "SessionStart" || et(rows[1]) != "SessionEnd" {
					return fmt.Sprintf("%d records, want a session start and end", len(rows))
				}
				for _, i := range rows {
					if user(i) != s.Account || country(i) != s.Countries[0] {
						return fmt.Sprintf("session of %s from %s, want %s from %s", user(i), country(i), s.Account, s.Countries[0])
					}
				}
				return ""
			}
		default:
			t.Fatalf("no check for story kind %s", s.Kind)
		}
		rows := x.rows(mine)
		for _, i := range rows {
			if at := ts(i); at.Before(storyStart(s)) || at.After(storyStart(s).Add(s.Duration+time.Minute)) {
				t.Errorf("%s in %s: a record at %v, outside the story (%v for %v)", s.Kind, s.Workspace, at, storyStart(s), s.Duration)
			}
		}
		if p := check(rows); p != "" {
			t.Errorf("%s in %s: %s", s.Kind, s.Workspace, p)
		}
	}
	if kinds != 5 {
		t.Errorf("%d hunt-only stories, want 5", kinds)
	}
}
