package seed

import (
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// indicator is one entry of the MSSP's threat intelligence feed, which Woodgrove pushes to every Sentinel
// workspace it serves: the planted attackers' infrastructure (so hunts joining indicators with the logs
// find the stories) plus infrastructure no workspace ever sees. The background never uses documentation
// addresses, so only story records match an indicator.
type indicator struct {
	kind, value, threat, description string
	confidence                       float64
	expired                          bool
}

func tiFeed(f world.Facts) []indicator {
	feed := []indicator{
		{"ip", world.PowerShellStageIP, "C2", "Second-stage server of a macro document campaign (PowerShell download cradle)", 90, false},
		{"url", "http://" + world.PowerShellStageIP + "/", "MaliciousUrl", "Payload path prefix of the macro document campaign", 85, false},
		{"domain", "secure-mailbox-verify.com", "Phishing", "Credential phishing: fake mailbox quota warnings", 80, false},
		{"domain", "xmrpool.eu", "CryptoMining", "Monero mining pool", 70, false},
		{"domain", "update-office365-cdn.net", "MaliciousUrl", "Typosquat of Microsoft 365 content delivery", 75, false},
		{"file", "5e3ab1f2bd3c4f6e8a9c0d1e2f3a4b5c6d7e8f90112233445566778899aabbcc", "Malware", "Macro dropper (Word document)", 95, false},
		{"file", "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0", "Malware", "Stage2 PowerShell loader", 90, false},
	}
	seen := map[string]bool{world.PowerShellStageIP: true}
	for _, s := range f.Stories {
		switch s.Kind {
		case world.StoryPasswordSpray:
			if !seen[s.IP] {
				seen[s.IP] = true
				feed = append(feed, indicator{"ip", s.IP, "Botnet", "Source of password spraying against Microsoft 365 tenants", 80, false})
			}
		case world.StoryImpossibleTravel:
			if s.Workspace == world.WSFabrikamSentinel && !seen[s.IP] { // the other one is a benign hosted desktop
				seen[s.IP] = true
				feed = append(feed, indicator{"ip", s.IP, "Proxy", "Anonymizing VPN exit node used for account takeover", 65, false})
			}
		}
	}
	// Infrastructure no workspace sees, some of it expired.
	for i, ip := range []string{"192.0.2.201", "192.0.2.202", "198.51.100.201", "198.51.100.202", "203.0.113.201",
		"203.0.113.202", "203.0.113.203", "192.0.2.203", "198.51.100.203", "203.0.113.204"} {
		feed = append(feed, indicator{"ip", ip, []string{"Botnet", "C2", "Proxy"}[i%3],
			"Scanning and brute-force infrastructure", float64(50 + 5*(i%8)), i%4 == 3})
	}
	return feed
}

// genThreatIntel writes the indicators: each is uploaded once and re-sent by the feed every two days
// (a new record with the same IndicatorId; queries take the latest with arg_max).
func genThreatIntel(g *genCtx, _ int) *frame {
	feed := tiFeed(g.facts)
	f := g.newFrame("ThreatIntelligenceIndicator", len(feed)*4)
	for k, v := range map[string]any{"SourceSystem": "SecurityGraph", "Action": "alert", "IndicatorProvider": "Woodgrove SOC TI feed",
		"TrafficLightProtocolLevel": "amber", "PassiveOnly": false, "ThreatSeverity": 3} {
		f.setConst(k, v)
	}
	tg, id, ext, active, exp, conf, desc, threat, nip, dom, url, hashT, hashV, tags, killC2 := f.col("TimeGenerated"),
		f.col("IndicatorId"), f.col("ExternalIndicatorId"), f.col("Active"), f.col("ExpirationDateTime"),
		f.col("ConfidenceScore"), f.col("Description"), f.col("ThreatType"), f.col("NetworkIP"), f.col("DomainName"),
		f.col("Url"), f.col("FileHashType"), f.col("FileHashValue"), f.col("Tags"), f.col("KillChainC2")
	for i, ind := range feed {
		key := ind.kind + ":" + ind.value
		indicatorID := hexOf(key)[:32]
		extID := "indicator--" + world.GUID("indicator:"+key)
		expires := g.now.Add(30 * 24 * time.Hour)
		if ind.expired {
			expires = g.now.Add(-12 * time.Hour)
		}
		for _, at := range tiTimes(ind, i, g.start, g.now) {
			tg.t(at)
			id.s(indicatorID)
			ext.s(extID)
			active.b(!ind.expired || at.Before(expires))
			exp.t(expires)
			conf.r(ind.confidence)
			desc.s(ind.description)
			threat.s(ind.threat)
			killC2.b(ind.threat == "C2")
			tags.s(`["woodgrove-feed"]`)
			switch ind.kind {
			case "ip":
				nip.s(ind.value)
			case "domain":
				dom.s(ind.value)
			case "url":
				url.s(ind.value)
			case "file":
				hashT.s("SHA256")
				hashV.s(ind.value)
			}
			f.end()
		}
	}
	return f
}

// tiTimes are the record times of the i-th indicator: it arrives during the first two days of the window
// and the feed re-sends it every two days.
func tiTimes(ind indicator, i int, start, now time.Time) []time.Time {
	key := ind.kind + ":" + ind.value
	var out []time.Time
	for at := start.Add(time.Duration(hash64(key)%48) * time.Hour).Add(time.Duration(i) * time.Minute); at.Before(now); at = at.Add(48 * time.Hour) {
		out = append(out, at)
	}
	return out
}
