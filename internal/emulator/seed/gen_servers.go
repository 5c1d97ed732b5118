package seed

import (
	"math"
	"strings"
	"time"
)

// heartbeatEvery is the interval between an agent's heartbeats: five minutes at Scale 1 and above (the
// agent's real interval is one minute; five keeps the table a sane share of the data), proportionally
// longer below Scale 1, at most six hours.
func heartbeatEvery(scale float64) time.Duration {
	d := time.Duration(float64(5*time.Minute) / math.Min(1, scale))
	return min(max(d, 5*time.Minute), 6*time.Hour).Truncate(time.Second)
}

// beatsPerAgent is the number of heartbeats an agent sends over the window.
func beatsPerAgent(days int, scale float64) int {
	return int(time.Duration(days) * 24 * time.Hour / heartbeatEvery(scale))
}

// computerName is how the agent names its machine: Windows by FQDN, Linux by host name (as SecurityEvent
// and Syslog do, so Computer joins across tables).
func computerName(h *host) string {
	if h.Windows {
		return h.FQDN
	}
	return h.Name
}

// agentFirstBeat is the first heartbeat of an agent: later for one onboarded during the window.
func agentFirstBeat(h *host, per int) int { return per - int(math.Round(h.Reported*float64(per))) }

func genHeartbeat(g *genCtx, _ int) *frame {
	agents := g.pop.agents
	every := heartbeatEvery(g.scale)
	per := beatsPerAgent(g.days, g.scale)
	f := g.newFrame("Heartbeat", len(agents)*per)
	home := g.pop.home
	for k, v := range map[string]any{"Category": "Azure Monitor Agent", "IsGatewayInstalled": false, "SCAgentChannel": "Direct",
		"SubscriptionId": g.ws.SubscriptionID, "ResourceGroup": g.ws.ResourceGroup, "ComputerIP": g.pop.officeIPs[0],
		"RemoteIPCountry": home.Country, "RemoteIPLatitude": home.Lat, "RemoteIPLongitude": home.Lon,
		"ManagementGroupName": "", "Solutions": ""} {
		f.setConst(k, v)
	}
	rid := f.vary("_ResourceId")
	tg, comp, priv, osType, osName, osMaj, osMin, ver, src, res, resID, resProv, resType, vmuuid, env := f.col("TimeGenerated"),
		f.col("Computer"), f.col("ComputerPrivateIPs"), f.col("OSType"), f.col("OSName"), f.col("OSMajorVersion"),
		f.col("OSMinorVersion"), f.col("Version"), f.col("SourceSystem"), f.col("Resource"), f.col("ResourceId"),
		f.col("ResourceProvider"), f.col("ResourceType"), f.col("VMUUID"), f.col("ComputerEnvironment")
	for _, h := range agents {
		offset := time.Duration(hash64(g.ws.Name, h.Name)%uint64(every/time.Second)) * time.Second
		privIPs := []any{h.IP}
		name, lowerID := computerName(h), strings.ToLower(h.ResourceID)
		for i := agentFirstBeat(h, per); i < per; i++ {
			tg.t(g.start.Add(offset + time.Duration(i)*every))
			comp.s(name)
			priv.d(privIPs)
			switch {
			case !h.Windows:
				osType.s("Linux")
				osName.s("Ubuntu")
				osMaj.s("22")
				osMin.s("04")
				ver.s("1.31.1")
				src.s("Linux")
			case h.Server:
				osType.s("Windows")
				osName.s("Windows Server 2022 Datacenter")
				osMaj.s("10")
				osMin.s("0")
				ver.s("1.29.0.0")
				src.s("OpsManager")
			default:
				osType.s("Windows")
				osName.s("Windows 11 Enterprise")
				osMaj.s("10")
				osMin.s("0")
				ver.s("1.29.0.0")
				src.s("OpsManager")
			}
			res.s(strings.ToLower(h.Name))
			resID.s(h.ResourceID)
			rid.s(lowerID)
			vmuuid.s(h.VMUUID)
			if h.Server {
				resProv.s("Microsoft.Compute")
				resType.s("virtualMachines")
				env.s("Azure")
			} else {
				resProv.s("Microsoft.HybridCompute")
				resType.s("machines")
				env.s("Non-Azure")
			}
			f.end()
		}
	}
	return f
}

// Syslog of the Linux servers. Failed SSH passwords come from ever-changing internet addresses, a few at
// a time (the SSH brute-force rule wants 25 from one address in an hour).
var syslogMessages = []struct {
	facility, severity, process, msg string
	weight                           float64
}{
	{"authpriv", "info", "sshd", "Accepted publickey for azureuser from 10.%d.0.%d port %d ssh2: RSA SHA256:4f8aQ1", 8},
	{"authpriv", "notice", "sudo", "azureuser : TTY=pts/0 ; PWD=/home/azureuser ; USER=root ; COMMAND=/usr/bin/apt-get update", 4},
	{"cron", "info", "CRON", "(root) CMD (cd / && run-parts --report /etc/cron.hourly)", 20},
	{"daemon", "info", "systemd", "Started Session %d of User azureuser.", 10},
	{"kern", "warning", "kernel", "[UFW BLOCK] IN=eth0 OUT= SRC=%s DST=10.%d.0.4 PROTO=TCP DPT=%d", 10},
	{"auth", "info", "sshd", "Failed password for invalid user admin from %s port %d ssh2", 6},
	{"daemon", "info", "nginx", "GET /healthz HTTP/1.1 200 %d", 30},
	{"syslog", "info", "rsyslogd", "imjournal: journal files changed, reloading...", 3},
}

var syslogWeights = func() []float64 {
	w := make([]float64, len(syslogMessages))
	for i, m := range syslogMessages {
		w[i] = m.weight
	}
	return w
}()

func genSyslog(g *genCtx, n int) *frame {
	f := g.newFrame("Syslog", n)
	f.setConst("SourceSystem", "Linux")
	rid := f.vary("_ResourceId")
	tg, et, comp, fac, sev, proc, pid, msg, hip, hn := f.col("TimeGenerated"), f.col("EventTime"), f.col("Computer"),
		f.col("Facility"), f.col("SeverityLevel"), f.col("ProcessName"), f.col("ProcessID"), f.col("SyslogMessage"),
		f.col("HostIP"), f.col("HostName")
	hosts := g.pop.linuxAgents
	if len(hosts) == 0 {
		return f
	}
	sub := int64(g.pop.subnet)
	buf := make([]byte, 0, 160)
	g.spread(n, func(ts time.Time) {
		h := pick(g.r, hosts)
		m := syslogMessages[weighted(g.r, syslogWeights)]
		buf = buf[:0]
		args := 0
		for i := 0; i < len(m.msg); i++ {
			if m.msg[i] != '%' || i+1 == len(m.msg) {
				buf = append(buf, m.msg[i])
				continue
			}
			i++
			switch m.msg[i] {
			case 's':
				ip, _ := g.ips.any(g.r)
				buf = append(buf, ip...)
			case 'd':
				var v int64
				switch {
				case strings.HasPrefix(m.msg, "Accepted") && args == 0, strings.HasPrefix(m.msg, "[UFW") && args == 0:
					v = sub
				case args == 0:
					v = int64(1 + g.r.IntN(250))
				default:
					v = int64(1024 + g.r.IntN(60000))
				}
				args++
				buf = append(buf, itoa(v)...)
			}
		}
		tg.t(ts)
		et.t(ts.Add(-time.Duration(g.r.IntN(1500)) * time.Millisecond))
		comp.s(h.Name)
		hn.s(h.Name)
		hip.s(h.IP)
		fac.s(m.facility)
		sev.s(m.severity)
		proc.s(m.process)
		pid.i(int64(300 + g.r.IntN(60000)))
		msg.s(string(buf))
		rid.s(strings.ToLower(h.ResourceID))
		f.end()
	})
	return f
}

// Requests to the public web site. Scanners probe for well-known admin paths (404s); no request looks
// like web shell access (an .aspx under uploads/temp with a cmd= argument, which a shipped rule flags).
var iisPaths = []struct {
	method, stem, query string
	weight              float64
}{
	{"GET", "/", "-", 20}, {"GET", "/login.aspx", "-", 10}, {"POST", "/login.aspx", "-", 4},
	{"GET", "/api/orders", "page=1", 15}, {"GET", "/api/products", "category=tools", 10}, {"POST", "/api/cart", "-", 5},
	{"GET", "/static/site.css", "-", 20}, {"GET", "/wp-login.php", "-", 1}, {"GET", "/.env", "-", 0.5},
}

var iisWeights = func() []float64 {
	w := make([]float64, len(iisPaths))
	for i, p := range iisPaths {
		w[i] = p.weight
	}
	return w
}()

func genW3CIISLog(g *genCtx, n int) *frame {
	f := g.newFrame("W3CIISLog", n)
	web := g.pop.web
	for k, v := range map[string]any{"Computer": web.FQDN, "sSiteName": "W3SVC1", "sIP": web.IP, "sPort": 443,
		"csVersion": "HTTP/1.1", "SourceSystem": "OpsManager", "_ResourceId": strings.ToLower(web.ResourceID),
		"ManagementGroupName": "AOI-" + g.ws.CustomerID, "csHost": "www." + g.pop.mail, "scSubStatus": "0", "scWin32Status": "0"} {
		f.setConst(k, v)
	}
	tg, cip, method, stem, query, status, ua, bytesOut, bytesIn, taken, user, country, lat, lon := f.col("TimeGenerated"),
		f.col("cIP"), f.col("csMethod"), f.col("csUriStem"), f.col("csUriQuery"), f.col("scStatus"), f.col("csUserAgent"),
		f.col("scBytes"), f.col("csBytes"), f.col("TimeTaken"), f.col("csUserName"), f.col("RemoteIPCountry"),
		f.col("RemoteIPLatitude"), f.col("RemoteIPLongitude")
	agents := make([]string, len(userAgents))
	for i, a := range userAgents {
		agents[i] = strings.ReplaceAll(a, " ", "+") // IIS writes spaces as +
	}
	g.spread(n, func(ts time.Time) {
		p := iisPaths[weighted(g.r, iisWeights)]
		var ip string
		var at *place
		if g.r.IntN(2) == 0 { // half the visitors are local customers
			at = g.pop.home
			ip = g.ips.in(g.r, at)
		} else {
			ip, at = g.ips.any(g.r)
		}
		code := "200"
		switch {
		case p.stem == "/wp-login.php" || p.stem == "/.env":
			code = "404"
		case p.method == "POST" && p.stem == "/login.aspx":
			code = "302"
		case g.r.IntN(100) == 0:
			code = "500"
		}
		tg.t(ts)
		cip.s(ip)
		country.s(at.Country)
		lat.r(at.Lat)
		lon.r(at.Lon)
		method.s(p.method)
		stem.s(p.stem)
		query.s(p.query)
		status.s(code)
		ua.s(pick(g.r, agents))
		bytesOut.i(int64(500 + g.r.IntN(60000)))
		bytesIn.i(int64(200 + g.r.IntN(2000)))
		taken.i(int64(5 + g.r.IntN(400)))
		user.s("-")
		f.end()
	})
	return f
}
