package seed

import (
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

type auditOp struct {
	name, category, target, opType string
	weight                         float64
	rare                           bool // flagged by a shipped rule: only before the recent window
}

// Directory changes an IT team makes in a week. A Conditional Access change is flagged by a shipped rule,
// so it only happens before the recent window; a Global Administrator assignment never does.
var auditOps = []auditOp{
	{"Update user", "UserManagement", "User", "Update", 30, false},
	{"Add member to group", "GroupManagement", "Group", "Assign", 20, false},
	{"Remove member from group", "GroupManagement", "Group", "Unassign", 6, false},
	{"Reset user password", "UserManagement", "User", "Reset", 8, false},
	{"Change user password", "UserManagement", "User", "Update", 8, false},
	{"Add app role assignment to service principal", "ApplicationManagement", "ServicePrincipal", "Assign", 4, false},
	{"Update application", "ApplicationManagement", "Application", "Update", 5, false},
	{"Add device", "Device", "Device", "Add", 6, false},
	{"Add member to role", "RoleManagement", "Role", "Assign", 1.5, false},
	{"Consent to application", "ApplicationManagement", "ServicePrincipal", "Assign", 1, false},
	{"Update conditional access policy", "Policy", "Policy", "Update", 0.8, true},
}

var auditWeights = func() []float64 {
	w := make([]float64, len(auditOps))
	for i, o := range auditOps {
		w[i] = o.weight
	}
	return w
}()

// Roles helpdesk work assigns; Global Administrator is deliberately absent (a shipped rule flags it).
var directoryRoles = []string{"Helpdesk Administrator", "Reports Reader", "User Administrator", "Teams Administrator"}

var directoryGroups = []string{"All Staff", "Finance Team", "VPN Users", "Sales EMEA", "Engineering", "Remote Workers"}

func genAuditLogs(g *genCtx, n int) *frame {
	f := g.newFrame("AuditLogs", n)
	t := g.pop.tenant
	for k, v := range map[string]any{"AADTenantId": t.ID, "Level": "4", "SourceSystem": "Azure AD", "LoggedByService": "Core Directory",
		"OperationVersion": "1.0", "Resource": "Microsoft.aadiam", "ResourceProvider": "Microsoft.aadiam", "DurationMs": int64(0),
		"ResourceGroup": "Microsoft.aadiam", "ResourceId": "/tenants/" + t.ID + "/providers/Microsoft.aadiam",
		"ResultSignature": "None", "Location": "", "_ResourceId": ""} {
		f.setConst(k, v)
	}
	tg, adt, op, act, cat, id, corr, res, by, tr, aadOp, identity, details := f.col("TimeGenerated"), f.col("ActivityDateTime"),
		f.col("OperationName"), f.col("ActivityDisplayName"), f.col("Category"), f.col("Id"), f.col("CorrelationId"),
		f.col("Result"), f.col("InitiatedBy"), f.col("TargetResources"), f.col("AADOperationType"), f.col("Identity"),
		f.col("AdditionalDetails")
	initiators := map[string]any{}
	agent := []any{map[string]any{"key": "User-Agent", "value": userAgents[0]}}
	cutoff := g.recentCutoff()
	g.spread(n, func(ts time.Time) {
		o := auditOps[weighted(g.r, auditWeights)]
		if o.rare && !ts.Before(cutoff) {
			o = auditOps[0]
		}
		a := pick(g.r, g.pop.admins)
		target := pick(g.r, g.pop.users)
		if _, ok := initiators[a.UPN]; !ok {
			initiators[a.UPN] = map[string]any{"user": map[string]any{"id": a.ObjectID, "userPrincipalName": a.UPN,
				"ipAddress": g.pop.officeIPs[0], "displayName": nil}}
		}
		tgt := map[string]any{"id": target.ObjectID, "type": o.target, "userPrincipalName": target.UPN,
			"displayName": nil, "modifiedProperties": []any{}}
		switch o.target {
		case "Policy":
			tgt = map[string]any{"id": world.GUID("ca-policy:Require MFA for all users"), "type": "Policy",
				"displayName": "Require MFA for all users", "modifiedProperties": []any{
					map[string]any{"displayName": "ConditionalAccessPolicy", "oldValue": `{"state":"enabled"}`, "newValue": `{"state":"enabled","excludeUsers":["break-glass"]}`}}}
		case "Role":
			role := pick(g.r, directoryRoles)
			tgt["modifiedProperties"] = []any{
				map[string]any{"displayName": "Role.ObjectID", "oldValue": nil, "newValue": `"` + world.GUID("role:"+role) + `"`},
				map[string]any{"displayName": "Role.DisplayName", "oldValue": nil, "newValue": `"` + role + `"`}}
		case "Group":
			tgt["modifiedProperties"] = []any{map[string]any{"displayName": "Group.DisplayName", "oldValue": nil,
				"newValue": `"` + pick(g.r, directoryGroups) + `"`}}
		case "ServicePrincipal", "Application":
			tgt = map[string]any{"id": world.GUID("app:" + g.pop.tenant.Alias + ":line-of-business"), "type": o.target,
				"displayName": "Expense Portal", "modifiedProperties": []any{}}
		case "Device":
			tgt = map[string]any{"id": world.GUID("aad-device:" + target.Device.FQDN), "type": "Device",
				"displayName": target.Device.Name, "modifiedProperties": []any{}}
		}
		tg.t(ts)
		adt.t(ts.Add(-time.Duration(g.r.IntN(900)) * time.Millisecond))
		op.s(o.name)
		act.s(o.name)
		cat.s(o.category)
		id.s("Directory_" + g.guid()[:8] + "_" + g.hexID(5) + "_" + itoa(int64(10000000+g.r.IntN(89999999))))
		corr.s(g.guid())
		res.s("success")
		by.d(initiators[a.UPN])
		tr.d([]any{tgt})
		aadOp.s(o.opType)
		identity.s(a.Display)
		details.d(agent)
		f.end()
	})
	return f
}

// genIdentityLogonEvents writes Defender for Identity's view of Active Directory authentications: people's
// workstations authenticating to the domain controller (Kerberos mostly, some NTLM).
func genIdentityLogonEvents(g *genCtx, n int) *frame {
	f := g.newFrame("IdentityLogonEvents", n)
	dc := g.pop.dc
	for k, v := range map[string]any{"Application": "Active Directory", "DestinationDeviceName": dc.FQDN,
		"DestinationIPAddress": dc.IP, "OSPlatform": "Windows11", "DeviceType": "Workstation", "SourceSystem": ""} {
		f.setConst(k, v)
	}
	tg, ts0, action, lt, proto, dport, dev, ip, port, acct, dom, upn, sid, oid, disp, fail, rid := f.col("TimeGenerated"),
		f.col("Timestamp"), f.col("ActionType"), f.col("LogonType"), f.col("Protocol"), f.col("DestinationPort"),
		f.col("DeviceName"), f.col("IPAddress"), f.col("Port"), f.col("AccountName"), f.col("AccountDomain"),
		f.col("AccountUpn"), f.col("AccountSid"), f.col("AccountObjectId"), f.col("AccountDisplayName"),
		f.col("FailureReason"), f.col("ReportId")
	g.spread(n, func(ts time.Time) {
		u := g.someone(ts)
		tg.t(ts)
		ts0.t(ts)
		if g.r.IntN(30) == 0 {
			action.s("LogonFailed")
			fail.s("WrongPassword")
		} else {
			action.s("LogonSuccess")
		}
		if g.r.IntN(5) == 0 {
			proto.s("Ntlm")
			lt.s("Credentials validation")
			dport.s("445")
		} else {
			proto.s("Kerberos")
			lt.s("Resource access")
			dport.s("88")
		}
		dev.s(u.Device.FQDN)
		ip.s(u.Device.IP)
		port.s(itoa(int64(49152 + g.r.IntN(16000))))
		acct.s(u.Sam)
		dom.s(g.pop.netbios)
		upn.s(u.UPN)
		sid.s(u.SID)
		oid.s(u.ObjectID)
		disp.s(u.Display)
		rid.s(itoa(int64(100000 + g.r.IntN(900000))))
		f.end()
	})
	return f
}

// UEBA activities: ordinary sign-ins score 0-3; the stories' attacker activity scores 6-9 with the
// insights that explain it.
var uebaActivities = []struct{ activity, action, source, table string }{
	{"LogOn", "Sign-in", "Azure AD", "SigninLogs"},
	{"FailedLogOn", "Sign-in", "Azure AD", "SigninLogs"},
	{"ResourceAccess", "Access resource", "Azure AD", "SigninLogs"},
	{"LogOn", "An account was successfully logged on.", "Windows Security Events", "SecurityEvent"},
}

func genBehaviorAnalytics(g *genCtx, n int) *frame {
	f := g.newFrame("BehaviorAnalytics", n+16)
	for k, v := range map[string]any{"EventVendor": "Microsoft", "EventProductVersion": "", "SourceSystem": ""} {
		f.setConst(k, v)
	}
	tg, proc, atype, action, actor, actorUPN, src, native, ip, loc, userName, upn, ui, di, ai, prio, dev, rec := f.col("TimeGenerated"),
		f.col("TimeProcessed"), f.col("ActivityType"), f.col("ActionType"), f.col("ActorName"), f.col("ActorPrincipalName"),
		f.col("EventSource"), f.col("NativeTableName"), f.col("SourceIPAddress"), f.col("SourceIPLocation"), f.col("UserName"),
		f.col("UserPrincipalName"), f.col("UsersInsights"), f.col("DevicesInsights"), f.col("ActivityInsights"),
		f.col("InvestigationPriority"), f.col("SourceDevice"), f.col("SourceRecordId")
	usersInsights := map[string]map[string]any{}
	plain := map[string]any{"FirstTimeUserConnectedFromCountry": false, "CountryUncommonlyConnectedFromAmongPeers": false,
		"FirstTimeConnectionViaISP": false, "ActionUncommonlyPerformedByUser": false}
	row := func(ts time.Time, u *user, a int, ipAddr string, at *place, priority int, insights map[string]any) {
		if _, ok := usersInsights[u.UPN]; !ok {
			usersInsights[u.UPN] = map[string]any{"AccountDisplayName": u.Display, "AccountDomain": g.pop.netbios,
				"AccountObjectID": u.ObjectID, "IsDormantAccount": false, "IsNewAccount": false}
		}
		act := uebaActivities[a]
		tg.t(ts)
		proc.t(ts.Add(time.Duration(20+g.r.IntN(40)) * time.Minute))
		atype.s(act.activity)
		action.s(act.action)
		actor.s(u.Display)
		actorUPN.s(u.UPN)
		src.s(act.source)
		native.s(act.table)
		ip.s(ipAddr)
		loc.s(at.Country)
		userName.s(u.Sam)
		upn.s(u.UPN)
		ui.d(usersInsights[u.UPN])
		di.d(map[string]any{"Browser": "Edge", "OS": "Windows 10", "ISP": "ISP " + asnOf(ipAddr)})
		ai.d(insights)
		prio.i(int64(priority))
		dev.s(u.Device.Name)
		rec.s(g.guid())
		f.end()
	}
	g.spread(n, func(ts time.Time) {
		s := g.backgroundSignin(ts)
		a := 0
		if s.result.code != "0" {
			a = 1
		}
		row(ts, s.u, a, s.ip, s.place, g.r.IntN(4), plain)
	})
	unusual := map[string]any{"FirstTimeUserConnectedFromCountry": true, "CountryUncommonlyConnectedFromAmongPeers": true,
		"FirstTimeConnectionViaISP": true, "ActionUncommonlyPerformedByUser": false}
	for _, s := range g.stories {
		if s.Kind != world.StoryPasswordSpray && s.Kind != world.StoryImpossibleTravel {
			continue
		}
		u := g.pop.user(s.Account)
		start := s.Start(g.now)
		switch s.Kind {
		case world.StoryPasswordSpray:
			row(start.Add(s.Duration+world.SpraySuccessAfter), u, 0, s.IP, placeOfIP(s.IP), 8, unusual)
		case world.StoryImpossibleTravel:
			row(start.Add(s.Duration), u, 0, s.IPs[1], placeOfIP(s.IPs[1]), 7, unusual)
		}
	}
	return f
}
