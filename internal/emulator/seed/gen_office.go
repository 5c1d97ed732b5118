package seed

import (
	"fmt"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

type officeOp struct {
	operation, workload, recordType string
	weight                          float64
}

// Microsoft 365 audit operations by share. Downloads are a small part of SharePoint activity, so no one
// comes near the mass-download threshold (100 files an hour) in the background.
var officeOps = []officeOp{
	{"MailItemsAccessed", "Exchange", "ExchangeItemAggregated", 22},
	{"Send", "Exchange", "ExchangeItem", 10},
	{"MailboxLogin", "Exchange", "ExchangeItem", 6},
	{"FileAccessed", "SharePoint", "SharePointFileOperation", 18},
	{"FileModified", "SharePoint", "SharePointFileOperation", 8},
	{"FileUploaded", "OneDrive", "SharePointFileOperation", 5},
	{"FileDownloaded", "SharePoint", "SharePointFileOperation", 6},
	{"FileDownloaded", "OneDrive", "SharePointFileOperation", 3},
	{"TeamsSessionStarted", "MicrosoftTeams", "MicrosoftTeams", 12},
	{"MessageSent", "MicrosoftTeams", "MicrosoftTeams", 8},
	{"New-InboxRule", "Exchange", "ExchangeAdmin", 0.4},
}

var officeWeights = func() []float64 {
	w := make([]float64, len(officeOps))
	for i, o := range officeOps {
		w[i] = o.weight
	}
	return w
}()

var spSites = []string{"Finance", "Projects", "HR", "Sales", "Engineering", "Marketing"}
var spFiles = []string{"Budget %d.xlsx", "Proposal %d.docx", "Roadmap %d.pptx", "Minutes %d.docx", "Contract %d.pdf"}

// inboxRuleParams are what people's own inbox rules do: file and flag mail. None forwards or redirects
// (the forwarding rule looks for ForwardTo, RedirectTo, ForwardingSmtpAddress).
var inboxRuleParams = []string{
	`[{"Name":"Name","Value":"Newsletters"},{"Name":"From","Value":"newsletter@contoso-news.com"},{"Name":"MoveToFolder","Value":"Newsletters"}]`,
	`[{"Name":"Name","Value":"Invoices"},{"Name":"SubjectContainsWords","Value":"Invoice"},{"Name":"MoveToFolder","Value":"Finance"},{"Name":"MarkAsRead","Value":"True"}]`,
}

type officeCols struct {
	tg, op, workload, record, userID, userKey, clientIP, objectID, site, fileName, ext, rel, itemType, ua *colBuf
	officeID, source, params, team, clientInfo, mailboxUPN, mailboxGuid, logonType, client, start         *colBuf
	props                                                                                                 *colBuf
}

func genOfficeActivity(g *genCtx, n int) *frame {
	f := g.newFrame("OfficeActivity", n+512)
	t := g.pop.tenant
	for k, v := range map[string]any{"OrganizationId": t.ID, "OfficeTenantId": t.ID, "UserType": "Regular",
		"ResultStatus": "Succeeded", "SourceSystem": "OfficeActivityManager", "OrganizationName": t.Domain, "_ResourceId": ""} {
		f.setConst(k, v)
	}
	c := &officeCols{}
	for name, dst := range map[string]**colBuf{"TimeGenerated": &c.tg, "Operation": &c.op, "OfficeWorkload": &c.workload,
		"RecordType": &c.record, "UserId": &c.userID, "UserKey": &c.userKey, "ClientIP": &c.clientIP,
		"OfficeObjectId": &c.objectID, "Site_Url": &c.site, "SourceFileName": &c.fileName, "SourceFileExtension": &c.ext,
		"SourceRelativeUrl": &c.rel, "ItemType": &c.itemType, "UserAgent": &c.ua, "OfficeId": &c.officeID,
		"EventSource": &c.source, "Parameters": &c.params, "TeamName": &c.team, "ClientInfoString": &c.clientInfo,
		"MailboxOwnerUPN": &c.mailboxUPN, "MailboxGuid": &c.mailboxGuid, "Logon_Type": &c.logonType,
		"Client_IPAddress": &c.client, "Start_Time": &c.start, "OperationProperties": &c.props} {
		*dst = f.col(name)
	}
	sp := "https://" + t.Alias + ".sharepoint.com"
	od := "https://" + t.Alias + "-my.sharepoint.com/personal/"
	cutoff := g.recentCutoff()
	g.spread(n, func(ts time.Time) {
		u := g.someone(ts)
		o := officeOps[weighted(g.r, officeWeights)]
		if o.operation == "New-InboxRule" && !ts.Before(cutoff) {
			o = officeOps[0]
		}
		ip := u.HomeIP
		if g.r.IntN(2) == 0 {
			ip = g.pop.officeIPs[0]
		}
		c.common(g, ts, u, o, ip)
		switch o.workload {
		case "SharePoint", "OneDrive":
			site := sp + "/sites/" + pick(g.r, spSites) + "/"
			if o.workload == "OneDrive" {
				site = od + strings.NewReplacer(".", "_", "@", "_").Replace(u.UPN) + "/"
			}
			name := fmt.Sprintf(pick(g.r, spFiles), 1+g.r.IntN(60))
			c.file(site, "Shared Documents", name, userAgents[1])
		case "Exchange":
			c.mailboxUPN.s(u.UPN)
			c.mailboxGuid.s(world.GUID("mailbox:" + u.UPN))
			c.logonType.s("Owner")
			c.clientInfo.s("Client=OWA;Action=ViaProxy")
			c.client.s(ip)
			if o.recordType == "ExchangeAdmin" {
				c.params.s(pick(g.r, inboxRuleParams))
				c.objectID.s(u.Display + `\` + "Rule " + itoa(int64(1+g.r.IntN(5))))
			}
		case "MicrosoftTeams":
			c.team.s(pick(g.r, spSites) + " Team")
		}
		f.end()
	})
	for _, s := range g.storiesOf(world.StoryMassDownload) {
		u := g.pop.user(s.Account)
		start := s.Start(g.now)
		site := sp + "/sites/Projects/"
		step := s.Duration / time.Duration(s.Count)
		op := officeOp{"FileDownloaded", "SharePoint", "SharePointFileOperation", 0}
		for i := 0; i < s.Count; i++ {
			c.common(g, start.Add(time.Duration(i)*step), u, op, s.IP)
			c.file(site, "Shared Documents/Client Deliverables", fmt.Sprintf("Deliverable-%04d.docx", i+1),
				"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
			f.end()
		}
	}
	for _, s := range g.storiesOf(world.StoryInboxForwarding) {
		c.inboxForwarding(g, s, f)
	}
	return f
}

// inboxForwarding writes the rule the attacker adds from Outlook (over MAPI, so the audit record is the
// mailbox's UpdateInboxRules, with the rule in OperationProperties, not an admin cmdlet's Parameters): every
// message is forwarded outside, and the copy left in the mailbox is deleted.
func (c *officeCols) inboxForwarding(g *genCtx, s world.Story, f *frame) {
	u := g.pop.user(s.Account)
	c.common(g, s.Start(g.now), u, officeOp{"UpdateInboxRules", "Exchange", "ExchangeItem", 0}, s.IP)
	c.mailboxUPN.s(u.UPN)
	c.mailboxGuid.s(world.GUID("mailbox:" + u.UPN))
	c.logonType.s("Owner")
	c.clientInfo.s("Client=MSExchangeRPC")
	c.client.s(s.IP)
	c.objectID.s(u.Display + `\.`)
	c.props.d([]any{
		map[string]any{"Name": "RuleName", "Value": "."},
		map[string]any{"Name": "RuleCondition", "Value": "(all messages)"},
		map[string]any{"Name": "RuleActions", "Value": "ForwardToRecipientsAction: " + s.Target + "; DeleteAction"},
		map[string]any{"Name": "RuleState", "Value": "Enabled"},
		map[string]any{"Name": "RuleOperation", "Value": "AddMailboxRule"},
	})
	f.end()
}

func (c *officeCols) common(g *genCtx, ts time.Time, u *user, o officeOp, ip string) {
	c.tg.t(ts)
	c.start.t(ts.Add(-time.Duration(g.r.IntN(2000)) * time.Millisecond))
	c.op.s(o.operation)
	c.workload.s(o.workload)
	c.record.s(o.recordType)
	c.userID.s(u.UPN)
	c.userKey.s(u.ObjectID)
	c.clientIP.s(ip)
	c.officeID.s(g.guid())
}

func (c *officeCols) file(site, library, name, ua string) {
	c.site.s(site)
	c.rel.s(library)
	c.fileName.s(name)
	c.ext.s(name[strings.LastIndexByte(name, '.')+1:])
	c.objectID.s(site + library + "/" + name)
	c.itemType.s("File")
	c.source.s("SharePoint")
	c.ua.s(ua)
}

var mailSenders = []struct {
	from, domain, subject, threat string
	weight                        float64
}{
	{"newsletter@contoso-news.com", "contoso-news.com", "Your weekly digest", "", 25},
	{"noreply@github.com", "github.com", "[GitHub] A new sign-in to your account", "", 10},
	{"billing@partner-supplies.com", "partner-supplies.com", "Invoice INV-%d", "", 10},
	{"it-support@secure-mailbox-verify.com", "secure-mailbox-verify.com", "Action required: mailbox quota exceeded", "Phish", 1.5},
	{"promo@deals-today.biz", "deals-today.biz", "You won a gift card", "Spam", 4},
	{"hr@%s", "%s", "Updated holiday calendar", "", 8},
}

var senderWeights = func() []float64 {
	w := make([]float64, len(mailSenders))
	for i, m := range mailSenders {
		w[i] = m.weight
	}
	return w
}()

func genEmailEvents(g *genCtx, n int) *frame {
	f := g.newFrame("EmailEvents", n)
	f.setConst("EmailLanguage", "en")
	f.setConst("SourceSystem", "")
	tg, ts, rcpt, rcptID, from, fromDom, mailFrom, mailFromDom, ip, subj, threat, dir, deliv, loc, latest, latestLoc,
		nmid, imid, att, urls, conf, rid, detect, emailAction := f.col("TimeGenerated"), f.col("Timestamp"),
		f.col("RecipientEmailAddress"), f.col("RecipientObjectId"), f.col("SenderFromAddress"), f.col("SenderFromDomain"),
		f.col("SenderMailFromAddress"), f.col("SenderMailFromDomain"), f.col("SenderIPv4"), f.col("Subject"),
		f.col("ThreatTypes"), f.col("EmailDirection"), f.col("DeliveryAction"), f.col("DeliveryLocation"),
		f.col("LatestDeliveryAction"), f.col("LatestDeliveryLocation"), f.col("NetworkMessageId"),
		f.col("InternetMessageId"), f.col("AttachmentCount"), f.col("UrlCount"), f.col("ConfidenceLevel"),
		f.col("ReportId"), f.col("DetectionMethods"), f.col("EmailAction")
	cutoff := g.recentCutoff()
	g.spread(n, func(t time.Time) {
		u := g.someone(t)
		m := mailSenders[weighted(g.r, senderWeights)]
		sender, domain, subject := m.from, m.domain, m.subject
		if strings.Contains(sender, "%s") {
			sender, domain = fmt.Sprintf(sender, g.pop.mail), g.pop.mail
		}
		if strings.Contains(subject, "%d") {
			subject = fmt.Sprintf(subject, 10000+g.r.IntN(90000))
		}
		action, where := "Delivered", "Inbox/folder"
		switch m.threat {
		case "Spam":
			action, where = "Junked", "Junk folder"
		case "Phish":
			// Some phish slips through (and is caught by the phishing-delivered rule when it happens), but
			// only before the recent window, where the only detections are the planted stories.
			action, where = "Blocked", "Quarantine"
			if t.Before(cutoff) && g.r.IntN(3) == 0 {
				action, where = "Delivered", "Inbox/folder"
			}
		}
		id := g.guid()
		tg.t(t)
		ts.t(t)
		rcpt.s(u.UPN)
		rcptID.s(u.ObjectID)
		from.s(sender)
		fromDom.s(domain)
		mailFrom.s(sender)
		mailFromDom.s(domain)
		if domain == g.pop.mail { // internal mail never leaves Exchange Online
			ip.s("")
		} else {
			ip.s(g.ips.in(g.r, placeOf("US")))
		}
		subj.s(subject)
		threat.s(m.threat)
		if domain == g.pop.mail {
			dir.s("Intra-org")
		} else {
			dir.s("Inbound")
		}
		deliv.s(action)
		loc.s(where)
		latest.s(action)
		latestLoc.s(where)
		nmid.s(id)
		imid.s("<" + id[:18] + "@" + domain + ">")
		att.i(int64(g.r.IntN(2)))
		urls.i(int64(g.r.IntN(6)))
		rid.s(id + "-" + itoa(int64(g.r.IntN(1<<30))))
		if m.threat != "" {
			conf.s(`{"` + m.threat + `":"High"}`)
			detect.s(`{"` + m.threat + `":["URL detonation reputation"]}`)
		}
		switch where {
		case "Quarantine":
			emailAction.s("Move message to quarantine")
		case "Junk folder":
			emailAction.s("Move message to junk mail folder")
		}
		f.end()
	})
	return f
}
