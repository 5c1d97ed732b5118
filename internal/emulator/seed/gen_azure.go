package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

type armOp struct {
	value, name, provider, resourceType, resource string
	weight                                        float64
	rare                                          bool // flagged by a shipped rule: only before the recent window
}

// Control-plane operations administrators and automation run. A role assignment is what the owner-role
// rule looks for, so it only happens before the recent window.
var armOps = []armOp{
	{"Microsoft.Compute/virtualMachines/write", "Create or Update Virtual Machine", "Microsoft.Compute", "virtualMachines", "vm-app-%d", 14, false},
	{"Microsoft.Compute/virtualMachines/start/action", "Start Virtual Machine", "Microsoft.Compute", "virtualMachines", "vm-app-%d", 10, false},
	{"Microsoft.Compute/virtualMachines/deallocate/action", "Deallocate Virtual Machine", "Microsoft.Compute", "virtualMachines", "vm-app-%d", 10, false},
	{"Microsoft.Network/networkSecurityGroups/securityRules/write", "Create or Update Security Rule", "Microsoft.Network", "networkSecurityGroups", "nsg-app", 6, false},
	{"Microsoft.Storage/storageAccounts/listKeys/action", "List Storage Account Keys", "Microsoft.Storage", "storageAccounts", "stappdata%d", 8, false},
	{"Microsoft.Resources/deployments/write", "Create Deployment", "Microsoft.Resources", "deployments", "release-%d", 12, false},
	{"Microsoft.KeyVault/vaults/write", "Update Key Vault", "Microsoft.KeyVault", "vaults", "kv-app-secrets", 3, false},
	{"Microsoft.Insights/diagnosticSettings/write", "Create or update resource diagnostic setting", "Microsoft.Insights", "diagnosticSettings", "to-sentinel", 2, false},
	{"Microsoft.Authorization/roleAssignments/write", "Create role assignment", "Microsoft.Authorization", "roleAssignments", "%d", 1, true},
}

var armWeights = func() []float64 {
	w := make([]float64, len(armOps))
	for i, o := range armOps {
		w[i] = o.weight
	}
	return w
}()

// genAzureActivity writes the subscription's activity log: each operation is a Start record and, a few
// seconds later, its Success (the pair shares a correlation id), so n rows are n/2 operations.
func genAzureActivity(g *genCtx, n int) *frame {
	f := g.newFrame("AzureActivity", n)
	sub := g.ws.SubscriptionID
	for k, v := range map[string]any{"Category": "Administrative", "CategoryValue": "Administrative",
		"SubscriptionId": sub, "SourceSystem": "Azure", "Hierarchy": g.pop.tenant.ID + "/" + sub} {
		f.setConst(k, v)
	}
	rid := f.vary("_ResourceId")
	cols := map[string]*colBuf{}
	for _, name := range []string{"TimeGenerated", "EventSubmissionTimestamp", "OperationName", "OperationNameValue",
		"ActivityStatus", "ActivityStatusValue", "Caller", "CallerIpAddress", "CorrelationId", "EventDataId", "OperationId",
		"ResourceGroup", "ResourceProvider", "ResourceProviderValue", "Resource", "ResourceId", "Authorization",
		"Authorization_d", "Claims", "Claims_d", "Properties", "Properties_d", "HTTPRequest", "Level", "ActivitySubstatus",
		"ActivitySubstatusValue"} {
		cols[name] = f.col(name)
	}
	rgs := []string{g.ws.ResourceGroup, "rg-apps", "rg-network", "rg-data"}
	cutoff := g.recentCutoff()
	automation := world.GUID("app:" + g.pop.tenant.Alias + ":deploy-pipeline")
	g.spread(n, func(ts time.Time) {
		o := armOps[weighted(g.r, armWeights)]
		if o.rare && !ts.Before(cutoff) {
			o = armOps[0]
		}
		a := pick(g.r, g.pop.admins)
		caller, ip := a.UPN, g.pop.officeIPs[g.r.IntN(len(g.pop.officeIPs))]
		if o.provider == "Microsoft.Resources" || g.r.IntN(4) == 0 { // pipelines deploy as a service principal
			caller, ip = automation, "20.42.64."+itoa(int64(1+g.r.IntN(250)))
		}
		rg := pick(g.r, rgs)
		name := o.resource
		if strings.Contains(name, "%d") {
			name = strings.Replace(name, "%d", itoa(int64(1+g.r.IntN(4))), 1)
		}
		if o.resourceType == "roleAssignments" {
			name = world.GUID("role-assignment:" + g.guid())
		}
		resID := "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + o.provider + "/" + o.resourceType + "/" + name
		corr, opID := g.guid(), g.guid()
		claims := map[string]any{"ipaddr": ip, "http://schemas.microsoft.com/identity/claims/tenantid": g.pop.tenant.ID}
		if caller == automation {
			claims["appid"] = automation
		} else {
			claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = caller
		}
		auth := map[string]any{"action": o.value, "scope": resID}
		for step, status := range []string{"Start", "Success"} {
			at := ts.Add(time.Duration(step*(2+g.r.IntN(40))) * time.Second)
			cols["TimeGenerated"].t(at)
			cols["Level"].s("Informational")
			cols["EventSubmissionTimestamp"].t(at.Add(-time.Second))
			cols["OperationName"].s(o.name)
			cols["OperationNameValue"].s(o.value)
			cols["ActivityStatus"].s(map[string]string{"Start": "Started", "Success": "Succeeded"}[status])
			cols["ActivityStatusValue"].s(status)
			cols["Caller"].s(caller)
			cols["CallerIpAddress"].s(ip)
			cols["CorrelationId"].s(corr)
			cols["EventDataId"].s(g.guid())
			cols["OperationId"].s(opID)
			cols["ResourceGroup"].s(rg)
			cols["ResourceProvider"].s(o.provider)
			cols["ResourceProviderValue"].s(strings.ToUpper(o.provider))
			cols["Resource"].s(name)
			cols["ResourceId"].s(resID)
			rid.s(strings.ToLower(resID))
			cols["Authorization"].s(jsonString(auth))
			cols["Authorization_d"].d(auth)
			cols["Claims"].s(jsonString(claims))
			cols["Claims_d"].d(claims)
			props := map[string]any{"eventCategory": "Administrative", "entity": resID, "message": o.value,
				"hierarchy": g.pop.tenant.ID + "/" + sub}
			if status == "Success" {
				props["statusCode"] = "OK"
			}
			cols["Properties"].s(jsonString(props))
			cols["Properties_d"].d(props)
			cols["HTTPRequest"].s(`{"clientIpAddress":"` + ip + `","method":"PUT"}`)
			f.end()
		}
	})
	for _, s := range g.storiesOf(world.StoryRoleAssignment) {
		roleAssignmentDenied(g, s, f, cols, rid)
	}
	return f
}

// roleAssignmentDenied writes the attempts of a user without the right to assign roles to give itself one,
// at the subscription and then at resource groups: ARM refuses each (AuthorizationFailed), which the
// activity log records as one Failure event, with no Start.
func roleAssignmentDenied(g *genCtx, s world.Story, f *frame, cols map[string]*colBuf, rid *colBuf) {
	u := g.pop.user(s.Account)
	sub := "/subscriptions/" + g.ws.SubscriptionID
	scopes := []string{sub, sub + "/resourceGroups/rg-apps", sub + "/resourceGroups/rg-data"}
	roleDef := sub + "/providers/Microsoft.Authorization/roleDefinitions/" + builtInRoles[s.Target]
	op := "Microsoft.Authorization/roleAssignments/write"
	for i := 0; i < s.Count; i++ {
		at := s.Start(g.now).Add(time.Duration(i) * s.Duration / time.Duration(max(1, s.Count-1)))
		scope := scopes[i%len(scopes)]
		rg := ""
		if _, after, ok := strings.Cut(scope, "/resourceGroups/"); ok {
			rg = after
		}
		name := world.GUID("role-assignment:" + s.Account + "/" + itoa(int64(i)))
		resID := scope + "/providers/Microsoft.Authorization/roleAssignments/" + name
		claims := map[string]any{"ipaddr": s.IP, "http://schemas.microsoft.com/identity/claims/tenantid": g.pop.tenant.ID,
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": u.UPN}
		auth := map[string]any{"action": op, "scope": resID}
		props := map[string]any{"eventCategory": "Administrative", "entity": resID, "message": op,
			"hierarchy": g.pop.tenant.ID + "/" + g.ws.SubscriptionID, "statusCode": "Forbidden",
			"statusMessage": jsonString(map[string]any{"error": map[string]any{"code": "AuthorizationFailed",
				"message": "The client '" + u.UPN + "' with object id '" + u.ObjectID + "' does not have authorization to perform action '" +
					op + "' over scope '" + resID + "' or the scope is invalid. If access was recently granted, please refresh your credentials."}}),
			"requestbody": jsonString(map[string]any{"Id": name, "Properties": map[string]any{"PrincipalId": u.ObjectID,
				"PrincipalType": "User", "RoleDefinitionId": roleDef, "Scope": scope}})}
		cols["TimeGenerated"].t(at)
		cols["Level"].s("Error")
		cols["EventSubmissionTimestamp"].t(at.Add(-time.Second))
		cols["OperationName"].s("Create role assignment")
		cols["OperationNameValue"].s(op)
		cols["ActivityStatus"].s("Failed")
		cols["ActivityStatusValue"].s("Failure")
		cols["ActivitySubstatus"].s("Forbidden")
		cols["ActivitySubstatusValue"].s("Forbidden")
		cols["Caller"].s(u.UPN)
		cols["CallerIpAddress"].s(s.IP)
		cols["CorrelationId"].s(g.guid())
		cols["EventDataId"].s(g.guid())
		cols["OperationId"].s(g.guid())
		cols["ResourceGroup"].s(rg)
		cols["ResourceProvider"].s("Microsoft.Authorization")
		cols["ResourceProviderValue"].s("MICROSOFT.AUTHORIZATION")
		cols["Resource"].s(name)
		cols["ResourceId"].s(resID)
		rid.s(strings.ToLower(resID))
		cols["Authorization"].s(jsonString(auth))
		cols["Authorization_d"].d(auth)
		cols["Claims"].s(jsonString(claims))
		cols["Claims_d"].d(claims)
		cols["Properties"].s(jsonString(props))
		cols["Properties_d"].d(props)
		cols["HTTPRequest"].s(`{"clientIpAddress":"` + s.IP + `","method":"PUT"}`)
		f.end()
	}
}

// builtInRoles are the role definition ids of Azure's built-in roles.
var builtInRoles = map[string]string{"Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"Contributor": "b24988ac-6180-42ed-97ca-d82af0b1a3c4", "User Access Administrator": "18d7d88d-d35b-4fb4-a5c3-7773c20a72d9"}

// genAzureDiagnostics writes Key Vault audit events (the legacy shared diagnostics mode): applications
// reading their secrets, administrators listing them.
func genAzureDiagnostics(g *genCtx, n int) *frame {
	f := g.newFrame("AzureDiagnostics", n)
	vault := "kv-app-secrets"
	resID := "/SUBSCRIPTIONS/" + strings.ToUpper(g.ws.SubscriptionID) + "/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/" + strings.ToUpper(vault)
	for k, v := range map[string]any{"ResourceId": resID, "Category": "AuditEvent", "ResourceGroup": "RG-APPS",
		"SubscriptionId": g.ws.SubscriptionID, "ResourceProvider": "MICROSOFT.KEYVAULT", "Resource": strings.ToUpper(vault),
		"ResourceType": "VAULTS", "OperationVersion": "7.4", "SourceSystem": "Azure", "Level": "Informational",
		"_ResourceId": strings.ToLower(resID)} {
		f.setConst(k, v)
	}
	tg, op, rt, corr, dur, ip, uri, id, upn, oid, appid, status, sig, client := f.col("TimeGenerated"), f.col("OperationName"),
		f.col("ResultType"), f.col("CorrelationId"), f.col("DurationMs"), f.col("CallerIPAddress"), f.col("requestUri_s"),
		f.col("id_s"), f.col("identity_claim_upn_s"), f.col("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"),
		f.col("identity_claim_appid_g"), f.col("httpStatusCode_d"), f.col("ResultSignature"), f.col("clientInfo_s")
	app := world.GUID("app:" + g.pop.tenant.Alias + ":line-of-business")
	secrets := []string{"db-connection", "api-key-payments", "smtp-password", "storage-sas"}
	g.spread(n, func(ts time.Time) {
		secret := pick(g.r, secrets)
		base := "https://" + vault + ".vault.azure.net/secrets/"
		tg.t(ts)
		corr.s(g.guid())
		dur.i(int64(5 + g.r.IntN(60)))
		rt.s("Success")
		sig.s("OK")
		status.r(200)
		if g.r.IntN(6) == 0 { // an administrator in the portal
			a := pick(g.r, g.pop.admins)
			op.s("SecretList")
			uri.s(base + "?api-version=7.4")
			id.s(base)
			upn.s(a.UPN)
			oid.s(a.ObjectID)
			ip.s(g.pop.officeIPs[0])
			client.s("PortalUI")
		} else { // the application reading its secret with its managed identity
			op.s("SecretGet")
			uri.s(base + secret + "?api-version=7.4")
			id.s(base + secret + "/" + hexOf(secret))
			appid.s(app)
			ip.s("10." + itoa(int64(g.pop.subnet)) + ".0.40")
			client.s("azsdk-net-Security.KeyVault.Secrets/4.5.0")
		}
		f.end()
	})
	return f
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	h := hash64(s)
	b := make([]byte, 16)
	for i := range b {
		b[i] = digits[(h>>(4*i))&15]
	}
	return string(b) + string(b)
}

var devopsEvents = []struct{ op, area, category, details string }{
	{"Git.RepositoryCreated", "Git", "Create", "Created repository %s."},
	{"Pipelines.PipelineModified", "Pipelines", "Modify", "Pipeline %s was modified."},
	{"Release.ReleaseCreated", "Release", "Create", "Release of %s created."},
	{"Library.VariableGroupModified", "Library", "Modify", "Variable group %s was modified."},
	{"Token.PatCreateEvent", "Token", "Create", "Personal access token created for %s."},
	{"Policy.PolicyConfigModified", "Policy", "Modify", "Branch policy of %s was modified."},
}

// genAzureDevOps writes the audit stream of the tenant's Azure DevOps organization (the MSSP's detection
// content pipeline and Contoso's application delivery).
func genAzureDevOps(g *genCtx, n int) *frame {
	f := g.newFrame("AzureDevOpsAuditing", n)
	org := g.pop.tenant.Alias
	for k, v := range map[string]any{"ScopeType": "Organization", "ScopeDisplayName": org + " (Organization)",
		"ScopeId": world.GUID("devops:" + org), "SourceSystem": "", "AuthenticationMechanism": "AAD_Cookie"} {
		f.setConst(k, v)
	}
	tg, op, area, cat, catName, upn, name, uid, ip, proj, projID, details, data, id, corr, ua := f.col("TimeGenerated"),
		f.col("OperationName"), f.col("Area"), f.col("Category"), f.col("CategoryDisplayName"), f.col("ActorUPN"),
		f.col("ActorDisplayName"), f.col("ActorUserId"), f.col("IpAddress"), f.col("ProjectName"), f.col("ProjectId"),
		f.col("Details"), f.col("Data"), f.col("Id"), f.col("CorrelationId"), f.col("UserAgent")
	projects := []string{"detections", "platform", "web-shop"}
	g.spread(n, func(ts time.Time) {
		e := pick(g.r, devopsEvents)
		a := pick(g.r, g.pop.admins)
		p := pick(g.r, projects)
		tg.t(ts)
		op.s(e.op)
		area.s(e.area)
		cat.s(e.category)
		catName.s(e.category)
		upn.s(a.UPN)
		name.s(a.Display)
		uid.s(a.ObjectID)
		ip.s(g.pop.officeIPs[0])
		proj.s(p)
		projID.s(world.GUID("devops-project:" + org + "/" + p))
		details.s(strings.Replace(e.details, "%s", p, 1))
		data.d(map[string]any{"ProjectName": p})
		id.s(g.guid())
		corr.s(g.guid())
		ua.s(userAgents[0])
		f.end()
	})
	return f
}
