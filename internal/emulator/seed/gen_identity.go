package seed

import (
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

type app struct{ name, id, resource, resourceID string }

// First-party applications with Microsoft's well-known public application ids.
var signinApps = []app{
	{"Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"},
	{"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"},
	{"Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000"},
	{"Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Graph", "00000003-0000-0000-c000-000000000000"},
	{"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013"},
	{"My Apps", "2793995e-0a7d-40d7-bd35-6968ba142197", "Windows Azure Active Directory", "00000002-0000-0000-c000-000000000000"},
	{"OneDrive SyncEngine", "ab9b8c07-8f02-4f72-87fa-80105867a763", "Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000"},
}

// appWeights: mail and Teams dominate, the portal is for the few administrators.
var appWeights = []float64{30, 25, 15, 15, 3, 4, 8}

type signinResult struct {
	code, desc string
	status     map[string]any
}

// Entra ID sign-in error codes seen in every tenant: 50126 bad password, 50074 MFA required (an
// interrupt, the user then completes MFA), 50140 "keep me signed in" interrupt, 53003 blocked by
// Conditional Access, 500121 MFA denied or timed out, 50053 locked out (smart lockout).
var signinResults = []signinResult{
	{code: "0"},
	{code: "50126", desc: "Error validating credentials due to invalid username or password."},
	{code: "50074", desc: "Strong Authentication is required."},
	{code: "50140", desc: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."},
	{code: "53003", desc: "Access has been blocked by Conditional Access policies."},
	{code: "500121", desc: "Authentication failed during strong authentication request."},
	{code: "50053", desc: "Account is locked because user tried to sign in too many times with an incorrect user ID or password."},
}

// resultWeights are percentages: about 93% of interactive sign-ins succeed.
var resultWeights = []float64{93, 2.5, 2, 1, 0.7, 0.5, 0.3}

func init() {
	for i := range signinResults {
		code, _ := strconv.ParseInt(signinResults[i].code, 10, 64)
		st := map[string]any{"errorCode": code}
		if code != 0 {
			st["failureReason"] = signinResults[i].desc
		}
		signinResults[i].status = st
	}
}

func resultFor(code string) signinResult {
	for _, r := range signinResults {
		if r.code == code {
			return r
		}
	}
	panic("seed: unknown sign-in result " + code)
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
}

// Conditional Access outcomes: MFA policy applied on success, the block policy on 53003, nothing applied
// before the password is validated.
var (
	caMFA     = policy("Require MFA for all users", "Mfa", "success")
	caLegacy  = policy("Block legacy authentication", "Block", "notApplied")
	caSuccess = []any{caMFA, caLegacy}
	caBlocked = []any{policy("Require MFA for all users", "Mfa", "notApplied"), policy("Block access from unmanaged devices", "Block", "failure")}
	caNone    = []any{policy("Require MFA for all users", "Mfa", "notApplied"), caLegacy}
	mfaPush   = map[string]any{"authMethod": "Mobile app notification"}
)

func policy(name, control, result string) map[string]any {
	return map[string]any{"id": world.GUID("ca-policy:" + name), "displayName": name,
		"enforcedGrantControls": []any{control}, "result": result}
}

const (
	authDetailsOK   = `[{"authenticationMethod":"Password","succeeded":true},{"authenticationMethod":"Mobile app notification","succeeded":true}]`
	authDetailsFail = `[{"authenticationMethod":"Password","succeeded":false}]`
)

// signin is one row of SigninLogs (or AADNonInteractiveUserSignInLogs).
type signin struct {
	ts     time.Time
	u      *user
	ip     string
	place  *place
	app    app
	result signinResult
	ua     string
	client string
	device map[string]any // nil: the user's own device
	risk   string         // RiskLevelDuringSignIn; "" is none
}

// travelAbroad is the business trip of the tenant's last person: abroad from three days to one day ago,
// for whole hours at a time (hours are the rules' bins), so no hour mixes two countries.
func (g *genCtx) travelAbroad(u *user, ts time.Time) (*place, bool) {
	if u != g.pop.users[len(g.pop.users)-1] || ts.Before(g.now.Add(-72*time.Hour)) || !ts.Before(g.now.Add(-24*time.Hour)) {
		return nil, false
	}
	if g.pop.home.Code == "FR" {
		return placeOf("JP"), true
	}
	return placeOf("FR"), true
}

// backgroundSignin draws an ordinary sign-in. Failures come from the person's home address, never a
// shared one, so no address accumulates failures across people (which would look like a spray); half of
// the successes come through the office's egress addresses.
func (g *genCtx) backgroundSignin(ts time.Time) signin {
	r := g.r
	u := g.someone(ts)
	s := signin{ts: ts, u: u, place: u.Home, ip: u.HomeIP, app: signinApps[weighted(r, appWeights)], ua: pick(r, userAgents),
		result: signinResults[weighted(r, resultWeights)], client: "Browser"}
	if strings.HasPrefix(s.ua, "Microsoft Office") {
		s.client = "Mobile Apps and Desktop clients"
	}
	if s.result.code == "0" && r.IntN(2) == 0 {
		s.ip, s.place = g.pop.officeIPs[r.IntN(len(g.pop.officeIPs))], g.pop.home
	}
	if abroad, ok := g.travelAbroad(u, ts); ok {
		s.place = abroad
		s.ip = publicIP(rngFor(0, "hotel", u.UPN), abroad.idx)
	}
	return s
}

var (
	sprayDevice  = map[string]any{"deviceId": "", "operatingSystem": "Linux", "browser": "Python Requests 2.31"}
	rogueBrowser = map[string]any{"deviceId": "", "operatingSystem": "Windows10", "browser": "Chrome 124.0.0"}
)

// storySignins returns the planted sign-ins of the workspace.
func (g *genCtx) storySignins() []signin {
	var out []signin
	for _, s := range g.storiesOf(world.StoryPasswordSpray) {
		start := s.Start(g.now)
		targets := []*user{g.pop.user(s.Account)}
		for _, u := range g.pop.users {
			if len(targets) == s.Users {
				break
			}
			if u.UPN != s.Account {
				targets = append(targets, u)
			}
		}
		at := placeOfIP(s.IP)
		step := s.Duration / time.Duration(s.Count)
		for i := 0; i < s.Count; i++ {
			out = append(out, signin{ts: start.Add(time.Duration(i)*step + time.Duration(i%7)*time.Second), u: targets[i%len(targets)],
				ip: s.IP, place: at, app: signinApps[3], result: resultFor("50126"), ua: "python-requests/2.31.0",
				client: "Other clients", device: sprayDevice})
		}
		// The password that worked: the attacker signs in to mail with it.
		out = append(out, signin{ts: start.Add(s.Duration + world.SpraySuccessAfter), u: targets[0], ip: s.IP, place: at,
			app: signinApps[0], result: resultFor("0"), ua: "python-requests/2.31.0", client: "Other clients",
			device: sprayDevice, risk: "medium"})
	}
	for _, s := range g.storiesOf(world.StoryImpossibleTravel) {
		start := s.Start(g.now)
		u := g.pop.user(s.Account)
		for i, ip := range s.IPs {
			at := start.Add(time.Duration(i) * s.Duration)
			s := signin{u: u, ip: ip, place: placeOfIP(ip), result: resultFor("0"), ua: userAgents[1], client: "Browser"}
			if i > 0 {
				s.device, s.risk = rogueBrowser, "medium"
			}
			for k, a := range []app{signinApps[0], signinApps[1]} {
				s.ts, s.app = at.Add(time.Duration(k)*2*time.Minute), a
				out = append(out, s)
			}
		}
	}
	return out
}

func genSigninLogs(g *genCtx, n int) *frame {
	f := g.newFrame("SigninLogs", n+128)
	t := g.pop.tenant
	for k, v := range map[string]any{"AADTenantId": t.ID, "HomeTenantId": t.ID, "ResourceTenantId": t.ID,
		"Category": "SignInLogs", "OperationName": "Sign-in activity", "OperationVersion": "1.0", "Level": "4",
		"SourceSystem": "Azure AD", "IsInteractive": true, "UserType": "Member", "TokenIssuerType": "AzureAD",
		"RiskEventTypes": "[]", "RiskEventTypes_V2": "[]", "RiskLevelAggregated": "none",
		"Resource": "Microsoft.aadiam", "ResourceProvider": "Microsoft.aadiam", "ResourceGroup": "Microsoft.aadiam",
		"ResourceId": "/tenants/" + t.ID + "/providers/Microsoft.aadiam", "AuthenticationProtocol": "none",
		"CrossTenantAccessType": "none", "NetworkLocationDetails": "[]", "FlaggedForReview": false,
		"SignInIdentifierType": "userPrincipalName", "TokenIssuerName": "", "_ResourceId": ""} {
		f.setConst(k, v)
	}
	c := newSigninCols(f)
	g.spread(n, func(ts time.Time) { c.row(g, g.backgroundSignin(ts)) })
	for _, s := range g.storySignins() {
		c.row(g, s)
	}
	return f
}

type signinCols struct {
	f                                                                     *frame
	tg, created, app, appID, authReq, authMethods, client, caStatus, corr *colBuf
	device, id, identity, ip, location, locDetails, origReq, resDisplay   *colBuf
	resIdentity, resultDesc, resultSig, resultType, status, uti, ua, upn  *colBuf
	userDisplay, userID, authDetails, asn, signInID, ca, mfa, duration    *colBuf
	risky, riskLevel, riskState, riskDetail, altName, processing          *colBuf
}

func newSigninCols(f *frame) *signinCols {
	c := &signinCols{f: f}
	for name, dst := range map[string]**colBuf{"TimeGenerated": &c.tg, "CreatedDateTime": &c.created,
		"AppDisplayName": &c.app, "AppId": &c.appID, "AuthenticationRequirement": &c.authReq,
		"AuthenticationMethodsUsed": &c.authMethods, "ClientAppUsed": &c.client, "ConditionalAccessStatus": &c.caStatus,
		"CorrelationId": &c.corr, "DeviceDetail": &c.device, "Id": &c.id, "Identity": &c.identity, "IPAddress": &c.ip,
		"Location": &c.location, "LocationDetails": &c.locDetails, "OriginalRequestId": &c.origReq,
		"ResourceDisplayName": &c.resDisplay, "ResourceIdentity": &c.resIdentity, "ResultDescription": &c.resultDesc,
		"ResultSignature": &c.resultSig, "ResultType": &c.resultType, "Status": &c.status, "UniqueTokenIdentifier": &c.uti,
		"UserAgent": &c.ua, "UserPrincipalName": &c.upn, "UserDisplayName": &c.userDisplay, "UserId": &c.userID,
		"AuthenticationDetails": &c.authDetails, "AutonomousSystemNumber": &c.asn, "SignInIdentifier": &c.signInID,
		"ConditionalAccessPolicies": &c.ca, "MfaDetail": &c.mfa, "DurationMs": &c.duration, "IsRisky": &c.risky,
		"RiskLevelDuringSignIn": &c.riskLevel, "RiskState": &c.riskState, "RiskDetail": &c.riskDetail,
		"AlternateSignInName": &c.altName, "ProcessingTimeInMilliseconds": &c.processing} {
		*dst = f.col(name)
	}
	return c
}

func (c *signinCols) row(g *genCtx, s signin) {
	id := g.guid()
	c.tg.t(s.ts)
	c.created.t(s.ts.Add(-time.Duration(200+g.r.IntN(3000)) * time.Millisecond))
	c.app.s(s.app.name)
	c.appID.s(s.app.id)
	switch s.result.code {
	case "0":
		c.authReq.s("multiFactorAuthentication")
		c.authMethods.s("Password, Mobile app notification")
		c.caStatus.s("success")
		c.resultSig.s("SUCCESS")
		c.authDetails.s(authDetailsOK)
		c.ca.d(caSuccess)
		c.mfa.d(mfaPush)
	case "53003":
		c.authReq.s("singleFactorAuthentication")
		c.authMethods.s("Password")
		c.caStatus.s("failure")
		c.resultSig.s("None")
		c.authDetails.s(authDetailsOK[:strings.Index(authDetailsOK, "},")+1] + "]")
		c.ca.d(caBlocked)
	default:
		c.authReq.s("singleFactorAuthentication")
		c.authMethods.s("Password")
		c.caStatus.s("notApplied")
		c.resultSig.s("None")
		c.authDetails.s(authDetailsFail)
		c.ca.d(caNone)
	}
	c.client.s(s.client)
	c.corr.s(g.guid())
	if s.device != nil {
		c.device.d(s.device)
	} else {
		c.device.d(s.u.deviceDetail)
	}
	c.id.s(id)
	c.origReq.s(id)
	c.identity.s(s.u.Display)
	c.ip.s(s.ip)
	c.location.s(s.place.Code)
	c.locDetails.d(locationDetails(s.place))
	c.resDisplay.s(s.app.resource)
	c.resIdentity.s(s.app.resourceID)
	c.resultDesc.s(s.result.desc)
	c.resultType.s(s.result.code)
	c.status.d(s.result.status)
	c.uti.s(id[:8] + id[9:13] + id[14:18] + id[19:23])
	c.ua.s(s.ua)
	c.upn.s(s.u.UPN)
	c.signInID.s(s.u.UPN)
	c.altName.s("")
	c.userDisplay.s(s.u.Display)
	c.userID.s(s.u.ObjectID)
	c.asn.s(asnOf(s.ip))
	c.duration.i(0)
	c.processing.s(itoa(int64(40 + g.r.IntN(260))))
	if s.risk != "" {
		c.risky.b(true)
		c.riskLevel.s(s.risk)
		c.riskState.s("atRisk")
		c.riskDetail.s("none")
	} else {
		c.risky.b(false)
		c.riskLevel.s("none")
		c.riskState.s("none")
		c.riskDetail.s("none")
	}
	c.f.end()
}

// asnOf gives an address a stable autonomous system number (by its /16, as providers own blocks).
func asnOf(ip string) string {
	if i := strings.IndexByte(ip, '.'); i > 0 {
		if j := strings.IndexByte(ip[i+1:], '.'); j > 0 {
			ip = ip[:i+1+j]
		}
	}
	return itoa(int64(8000 + hash64(ip)%50000))
}

// Non-interactive sign-ins are token refreshes by clients already signed in: nearly all succeed, and the
// failures are expired or revoked refresh tokens (50173, 70044), never passwords.
var nonInteractiveResults = []struct {
	code, desc string
	weight     float64
}{
	{"0", "", 97},
	{"50173", "The provided grant has expired due to it being revoked, a fresh auth token is needed.", 2},
	{"70044", "The session has expired or is invalid due to sign-in frequency checks by conditional access.", 1},
}

func genNonInteractive(g *genCtx, n int) *frame {
	f := g.newFrame("AADNonInteractiveUserSignInLogs", n)
	t := g.pop.tenant
	for k, v := range map[string]any{"HomeTenantId": t.ID, "ResourceTenantId": t.ID, "Category": "NonInteractiveUserSignInLogs",
		"OperationName": "Sign-in activity", "OperationVersion": "1.0", "Level": "4", "SourceSystem": "Azure AD",
		"IsInteractive": false, "IsRisky": false, "UserType": "Member", "TokenIssuerType": "AzureAD", "RiskDetail": "none",
		"RiskLevelAggregated": "none", "RiskLevelDuringSignIn": "none", "RiskState": "none", "DurationMs": int64(0),
		"AuthenticationRequirement": "singleFactorAuthentication", "ClientAppUsed": "Mobile Apps and Desktop clients",
		"SignInEventTypes": `["nonInteractiveUser"]`, "ResourceGroup": "Microsoft.aadiam", "ConditionalAccessStatus": "notApplied",
		"AuthenticationDetails": "[]", "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]", "_ResourceId": ""} {
		f.setConst(k, v)
	}
	tg, created, app, appID, ip, loc, locD, upn, uid, rt, rd, st, dev, id, corr, ua := f.col("TimeGenerated"),
		f.col("CreatedDateTime"), f.col("AppDisplayName"), f.col("AppId"), f.col("IPAddress"), f.col("Location"),
		f.col("LocationDetails"), f.col("UserPrincipalName"), f.col("UserId"), f.col("ResultType"),
		f.col("ResultDescription"), f.col("Status"), f.col("DeviceDetail"), f.col("Id"), f.col("CorrelationId"), f.col("UserAgent")
	disp, res, resID, ident, asn := f.col("UserDisplayName"), f.col("ResourceDisplayName"), f.col("ResourceIdentity"),
		f.col("Identity"), f.col("AutonomousSystemNumber")
	weights := []float64{nonInteractiveResults[0].weight, nonInteractiveResults[1].weight, nonInteractiveResults[2].weight}
	g.spread(n, func(ts time.Time) {
		s := g.backgroundSignin(ts)
		res0 := nonInteractiveResults[weighted(g.r, weights)]
		tg.t(ts)
		created.t(ts.Add(-time.Duration(g.r.IntN(5000)) * time.Millisecond))
		app.s(s.app.name)
		appID.s(s.app.id)
		ip.s(s.ip)
		loc.s(s.place.Code)
		locD.s(locationJSON[s.place.idx])
		upn.s(s.u.UPN)
		uid.s(s.u.ObjectID)
		disp.s(s.u.Display)
		ident.s(s.u.Display)
		res.s(s.app.resource)
		resID.s(s.app.resourceID)
		rt.s(res0.code)
		rd.s(res0.desc)
		if res0.code == "0" {
			st.s(`{"errorCode":0}`)
		} else {
			st.s(`{"errorCode":` + res0.code + `,"failureReason":"` + res0.desc + `"}`)
		}
		dev.s(s.u.deviceJSON)
		id.s(g.guid())
		corr.s(g.guid())
		ua.s(s.ua)
		asn.s(asnOf(s.ip))
		f.end()
	})
	return f
}
