package seed

import (
	"fmt"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The perimeter firewall (a Palo Alto Networks appliance forwarding CEF through the Linux collector):
// people's outbound web traffic, and the internet's background noise of blocked inbound probes. A prober
// tries a handful of ports, far below the port-scan rule's 50 ports in 10 minutes.
var (
	outboundApps = []struct {
		app  string
		port int64
	}{{"ssl", 443}, {"ssl", 443}, {"ssl", 443}, {"web-browsing", 80}, {"dns", 53}, {"ms-office365", 443}}
	probePorts = []int64{22, 23, 445, 1433, 3389, 5900, 8080, 8443}
)

type cefCols struct {
	f                                                                                                                    *frame
	tg, action, simple, srcIP, srcPort, dstIP, dstPort, proto, appProto, recv, sent, dir, user, severity, rcpt, activity *colBuf
	srcHost, dstHost, reason                                                                                             *colBuf
}

func genCommonSecurityLog(g *genCtx, n int) *frame {
	f := g.newFrame("CommonSecurityLog", n+8)
	collector := g.pop.servers[0]
	for _, h := range g.pop.linuxAgents {
		collector = h
	}
	for k, v := range map[string]any{"DeviceVendor": "Palo Alto Networks", "DeviceProduct": "PAN-OS", "DeviceVersion": "10.2.4",
		"DeviceEventClassID": "TRAFFIC", "DeviceName": "PA-FW-01", "DeviceExternalID": "0079" + fmt.Sprintf("%08d", hash64(g.ws.Name)%1e8),
		"Computer": collector.Name, "CollectorHostName": collector.Name, "SourceSystem": "OpsManager", "EventCount": 1,
		"DeviceInboundInterface": "ethernet1/1", "DeviceOutboundInterface": "ethernet1/2", "DeviceFacility": "local4",
		"DeviceCustomString1Label": "Rule", "_ResourceId": strings.ToLower(collector.ResourceID)} {
		f.setConst(k, v)
	}
	c := &cefCols{f: f}
	for name, dst := range map[string]**colBuf{"TimeGenerated": &c.tg, "DeviceAction": &c.action,
		"SimplifiedDeviceAction": &c.simple, "SourceIP": &c.srcIP, "SourcePort": &c.srcPort, "DestinationIP": &c.dstIP,
		"DestinationPort": &c.dstPort, "Protocol": &c.proto, "ApplicationProtocol": &c.appProto, "ReceivedBytes": &c.recv,
		"SentBytes": &c.sent, "CommunicationDirection": &c.dir, "SourceUserName": &c.user, "LogSeverity": &c.severity,
		"ReceiptTime": &c.rcpt, "Activity": &c.activity, "SourceHostName": &c.srcHost, "DestinationHostName": &c.dstHost,
		"DeviceCustomString1": &c.reason} {
		*dst = f.col(name)
	}
	fwIP := g.pop.officeIPs[0]
	g.spread(n, func(ts time.Time) {
		if g.r.IntN(10) < 3 { // an internet host probing the firewall's public address
			src, _ := g.ips.any(g.r)
			c.row(g, ts, "deny", src, int64(1024+g.r.IntN(64000)), fwIP, pick(g.r, probePorts), "TCP", "incomplete", "Inbound", "", "Block-Inbound-Default")
			return
		}
		u := g.someone(ts)
		ep := pick(g.r, remoteEndpoints)
		a := pick(g.r, outboundApps)
		proto := "TCP"
		if a.app == "dns" {
			proto = "UDP"
		}
		c.row(g, ts, "allow", u.Device.IP, int64(49152+g.r.IntN(16000)), ep.ip, a.port, proto, a.app, "Outbound",
			g.pop.netbios+`\`+u.Sam, "Allow-Outbound-Web")
	})
	// The encoded PowerShell fetching its second stage crosses the firewall too.
	for _, s := range g.storiesOf(world.StoryEncodedPowerShell) {
		h, u := g.pop.hostNamed(s.Host), g.pop.user(s.Account)
		c.row(g, s.Start(g.now).Add(6*time.Second), "allow", h.IP, int64(50000+hash64(s.Host)%10000), s.IP, 80, "TCP",
			"web-browsing", "Outbound", g.pop.netbios+`\`+u.Sam, "Allow-Outbound-Web")
	}
	// A prober knocking on the remote access ports, once a minute: far more denials than the background's
	// probers, too few ports for the port-scan rule.
	for _, s := range g.storiesOf(world.StoryFirewallProbe) {
		ports := remoteAccessPorts[:s.Ports]
		step := s.Duration / time.Duration(s.Count)
		for i := 0; i < s.Count; i++ {
			c.row(g, s.Start(g.now).Add(time.Duration(i)*step+time.Duration(hash64(s.IP, itoa(int64(i)))%20)*time.Second), "deny",
				s.IP, int64(40000+hash64(s.IP, "port", itoa(int64(i)))%20000), fwIP, ports[i%len(ports)], "TCP", "incomplete", "Inbound", "",
				"Block-Inbound-Default")
		}
	}
	return f
}

// remoteAccessPorts are what a prober looking for a way in tries: SSH, Telnet, RDP, VNC, PPTP, and the
// management and SSL VPN portals.
var remoteAccessPorts = []int64{22, 23, 3389, 5900, 1723, 4443, 8443, 10443}

func (c *cefCols) row(g *genCtx, ts time.Time, action, src string, sport int64, dst string, dport int64, proto, app, dir, user, rule string) {
	c.tg.t(ts)
	c.rcpt.s(itoa(ts.UnixMilli()))
	c.activity.s("TRAFFIC")
	c.action.s(action)
	if action == "allow" {
		c.simple.s("Allow")
		c.severity.s("1")
		c.recv.i(int64(500 + g.r.IntN(200000)))
		c.sent.i(int64(300 + g.r.IntN(20000)))
	} else {
		c.simple.s("Deny")
		c.severity.s("3")
		c.recv.i(0)
		c.sent.i(int64(60 + g.r.IntN(20)))
	}
	c.srcIP.s(src)
	c.srcPort.i(sport)
	c.dstIP.s(dst)
	c.dstPort.i(dport)
	c.proto.s(proto)
	c.appProto.s(app)
	c.dir.s(dir)
	c.user.s(user)
	c.reason.s(rule)
	c.f.end()
}

var dnsNames = []string{"login.microsoftonline.com", "outlook.office365.com", "graph.microsoft.com", "www.microsoft.com",
	"teams.microsoft.com", "github.com", "www.google.com", "zoom.us", "slack.com", "windowsupdate.com",
	"settings-win.data.microsoft.com", "ctldl.windowsupdate.com", "cdn.jsdelivr.net", "api.salesforce.com"}

// genDnsEvents writes the domain controller's DNS query log. A long tail of one-off lookups gives the
// rare-domain hunt something to sort; no mining pool is ever looked up (a shipped rule flags them).
func genDnsEvents(g *genCtx, n int) *frame {
	f := g.newFrame("DnsEvents", n)
	dc := g.pop.dc
	for k, v := range map[string]any{"Computer": dc.FQDN, "SubType": "LookupQuery", "EventId": 256,
		"TaskCategory": "LookupQuery", "SourceSystem": "OpsManager", "_ResourceId": strings.ToLower(dc.ResourceID)} {
		f.setConst(k, v)
	}
	tg, name, client, qt, rc, res, ips := f.col("TimeGenerated"), f.col("Name"), f.col("ClientIP"), f.col("QueryType"),
		f.col("ResultCode"), f.col("Result"), f.col("IPAddresses")
	local := []string{g.pop.tenant.Alias + ".sharepoint.com", "intranet." + g.pop.domain, "srv-fs-01." + g.pop.domain}
	g.spread(n, func(ts time.Time) {
		d := pick(g.r, dnsNames)
		if g.r.IntN(4) == 0 {
			d = pick(g.r, local)
		}
		if g.r.IntN(200) == 0 {
			d = fmt.Sprintf("cdn%d.example-analytics.net", g.r.IntN(50))
		}
		tg.t(ts)
		name.s(d)
		client.s(g.someone(ts).Device.IP)
		if g.r.IntN(5) == 0 {
			qt.s("AAAA")
		} else {
			qt.s("A")
		}
		if g.r.IntN(40) == 0 {
			rc.i(3) // NXDOMAIN
			res.s("Failure")
			ips.s("")
		} else {
			rc.i(0)
			res.s("Success")
			ip, _ := g.ips.any(g.r)
			ips.s(ip)
		}
		f.end()
	})
	// The implant resolves its beacon domain on a timer, from its one device.
	for _, s := range g.storiesOf(world.StoryDNSBeacon) {
		h := g.pop.hostNamed(s.Host)
		step := s.Duration / time.Duration(max(1, s.Count-1))
		for i := 0; i < s.Count; i++ {
			tg.t(s.Start(g.now).Add(time.Duration(i) * step))
			name.s(s.Target)
			client.s(h.IP)
			qt.s("A")
			rc.i(0)
			res.s("Success")
			ips.s(s.IP)
			f.end()
		}
	}
	return f
}

// genLegacyVPN writes the legacy VPN concentrator's sessions (start and end records). People connect
// from home; in the last day only people with an earlier session from the same country connect, so the
// unusual-country rule (which compares the last day with the days before) finds nothing in the background.
func genLegacyVPN(g *genCtx, n int) *frame {
	f := g.newFrame(world.CustomTable, n)
	f.setConst("_ResourceId", strings.ToLower(g.ws.ResourceID)+"/tables/"+strings.ToLower(world.CustomTable))
	tg, et, userName, src, country, gw, assigned, sent, recv, sid := f.col("TimeGenerated"), f.col("EventType"),
		f.col("UserName"), f.col("SourceIP"), f.col("Country"), f.col("Gateway"), f.col("AssignedIP"),
		f.col("BytesSent"), f.col("BytesReceived"), f.col("SessionId")
	gateways := []string{"vpn-gw-01." + g.pop.domain, "vpn-gw-02." + g.pop.domain}
	recent := g.now.Add(-24 * time.Hour)
	known := map[*user]map[string]bool{}
	var knownHome []*user // people with a session from their home country
	type pending struct {
		at                  time.Time
		u                   *user
		ip, cc, gw, as, sid string
	}
	var ends []pending
	flush := func(before time.Time) {
		k := 0
		for _, e := range ends {
			if e.at.After(before) {
				ends[k] = e
				k++
				continue
			}
			tg.t(e.at)
			et.s("SessionEnd")
			userName.s(e.u.UPN)
			src.s(e.ip)
			country.s(e.cc)
			gw.s(e.gw)
			assigned.s(e.as)
			sent.i(int64(1e6 + g.r.IntN(400e6)))
			recv.i(int64(5e6 + g.r.IntN(2e9)))
			sid.s(e.sid)
			f.end()
		}
		ends = ends[:k]
	}
	g.spread(n, func(ts time.Time) {
		flush(ts)
		u := pick(g.r, g.pop.vpnUsers)
		ip, at := u.HomeIP, u.Home
		if abroad, ok := g.travelAbroad(u, ts); ok {
			at, ip = abroad, publicIP(rngFor(0, "hotel", u.UPN), abroad.idx)
		}
		if !ts.Before(recent) && !known[u][at.Code] {
			if len(knownHome) == 0 {
				return
			}
			u = pick(g.r, knownHome)
			ip, at = u.HomeIP, u.Home
		}
		if known[u] == nil {
			known[u] = map[string]bool{}
		}
		if !known[u][at.Code] && at.Code == u.Home.Code {
			knownHome = append(knownHome, u)
		}
		known[u][at.Code] = true
		p := pending{u: u, ip: ip, cc: at.Code, gw: pick(g.r, gateways), sid: g.guid(),
			as: fmt.Sprintf("172.20.%d.%d", g.r.IntN(16), 2+g.r.IntN(250))}
		tg.t(ts)
		et.s("SessionStart")
		userName.s(u.UPN)
		src.s(ip)
		country.s(at.Code)
		gw.s(p.gw)
		assigned.s(p.as)
		sent.i(0)
		recv.i(0)
		sid.s(p.sid)
		f.end()
		if p.at = ts.Add(time.Duration(20+g.r.IntN(480)) * time.Minute); p.at.Before(g.now) {
			ends = append(ends, p)
		}
	})
	flush(g.now)
	// The attacker's session: the concentrator asks for a password only.
	for _, s := range g.storiesOf(world.StoryVPNForeignLogin) {
		sessionID, as := g.guid(), fmt.Sprintf("172.20.%d.%d", g.r.IntN(16), 2+g.r.IntN(250))
		for k, at := range []time.Time{s.Start(g.now), s.Start(g.now).Add(s.Duration)} {
			tg.t(at)
			et.s([]string{"SessionStart", "SessionEnd"}[k])
			userName.s(s.Account)
			src.s(s.IP)
			country.s(s.Countries[0])
			gw.s(gateways[0])
			assigned.s(as)
			if k == 0 {
				sent.i(0)
				recv.i(0)
			} else {
				sent.i(int64(2e6 + g.r.IntN(20e6)))
				recv.i(int64(300e6 + g.r.IntN(900e6)))
			}
			sid.s(sessionID)
			f.end()
		}
	}
	return f
}
