package seed

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Defender for Endpoint tables: every workstation and Windows server is onboarded, so they cover the whole
// estate (unlike SecurityEvent, which only the agent machines send).

// fileHashes gives every file a stable fake identity (the hash of its path), computed once per path.
type fileHashes struct{ md5, sha1, sha256 string }

var hashCache = map[string]fileHashes{}

func init() {
	for _, list := range [][]procSpec{desktopProcs, serverProcs, storyProcs("x")} {
		for _, p := range list {
			for _, path := range []string{p.image, p.parent} {
				hashCache[strings.ToLower(path)] = computeHashes(path)
			}
		}
	}
}

func computeHashes(path string) fileHashes {
	p := []byte(strings.ToLower(path))
	a, b, c := md5.Sum(p), sha1.Sum(p), sha256.Sum256(p)
	return fileHashes{hex.EncodeToString(a[:]), hex.EncodeToString(b[:]), hex.EncodeToString(c[:])}
}

// hashesOf returns the hashes of a file; the cache is filled at init and only read afterwards, so
// concurrent generation is safe.
func hashesOf(path string) fileHashes {
	if h, ok := hashCache[strings.ToLower(path)]; ok {
		return h
	}
	return computeHashes(path)
}

func baseName(winPath string) string {
	if i := strings.LastIndexAny(winPath, `\/`); i >= 0 {
		return winPath[i+1:]
	}
	return winPath
}

// mdeCols are the columns every Device* table shares: the device, the action and the initiating process.
type mdeCols struct {
	tg, ts, device, deviceID, action, reportID                   *colBuf
	ipFile, ipCmd, ipFolder, ipAcct, ipAcctDom, ipUPN, ipSHA     *colBuf
	ipID, ipSID, ipOID, ipIntegrity, ipParent, ipCreated, ipSHA1 *colBuf
	ipMD5                                                        *colBuf
}

func (g *genCtx) mdeFrame(table string, n int) (*frame, *mdeCols) {
	f := g.newFrame(table, n)
	f.setConst("MachineGroup", "Default")
	f.setConst("SourceSystem", "")
	c := &mdeCols{}
	for name, dst := range map[string]**colBuf{"TimeGenerated": &c.tg, "Timestamp": &c.ts, "DeviceName": &c.device,
		"DeviceId": &c.deviceID, "ActionType": &c.action, "ReportId": &c.reportID, "InitiatingProcessFileName": &c.ipFile,
		"InitiatingProcessCommandLine": &c.ipCmd, "InitiatingProcessFolderPath": &c.ipFolder,
		"InitiatingProcessAccountName": &c.ipAcct, "InitiatingProcessAccountDomain": &c.ipAcctDom,
		"InitiatingProcessAccountUpn": &c.ipUPN, "InitiatingProcessSHA256": &c.ipSHA, "InitiatingProcessId": &c.ipID,
		"InitiatingProcessAccountSid": &c.ipSID, "InitiatingProcessAccountObjectId": &c.ipOID,
		"InitiatingProcessIntegrityLevel": &c.ipIntegrity, "InitiatingProcessParentFileName": &c.ipParent,
		"InitiatingProcessCreationTime": &c.ipCreated, "InitiatingProcessSHA1": &c.ipSHA1, "InitiatingProcessMD5": &c.ipMD5} {
		*dst = f.col(name)
	}
	return f, c
}

// set fills the shared columns; u nil is the machine itself (system).
func (c *mdeCols) set(g *genCtx, ts time.Time, h *host, action string, initiator procSpec, u *user) {
	c.tg.t(ts)
	c.ts.t(ts)
	c.device.s(h.FQDN)
	c.deviceID.s(h.DeviceID)
	c.action.s(action)
	c.reportID.i(int64(1000 + g.r.IntN(900000)))
	c.ipFile.s(strings.ToLower(baseName(initiator.image)))
	c.ipCmd.s(initiator.cmd)
	c.ipFolder.s(strings.ToLower(initiator.image))
	hs := hashesOf(initiator.image)
	c.ipSHA.s(hs.sha256)
	c.ipSHA1.s(hs.sha1)
	c.ipMD5.s(hs.md5)
	c.ipID.i(int64(1000 + 4*g.r.IntN(8000)))
	c.ipParent.s(strings.ToLower(baseName(initiator.parent)))
	c.ipCreated.t(ts.Add(-time.Duration(1+g.r.IntN(3600)) * time.Second))
	if u != nil {
		c.ipAcct.s(u.Sam)
		c.ipAcctDom.s(strings.ToLower(g.pop.netbios))
		c.ipUPN.s(u.UPN)
		c.ipSID.s(u.SID)
		c.ipOID.s(u.ObjectID)
		c.ipIntegrity.s("Medium")
	} else {
		c.ipAcct.s("system")
		c.ipAcctDom.s("nt authority")
		c.ipSID.s("S-1-5-18")
		c.ipIntegrity.s("System")
	}
}

// mdeDevices are the onboarded machines (Windows only: the Linux servers are not onboarded).
func (g *genCtx) mdeDevices() []*host {
	out := append([]*host(nil), g.pop.workstations...)
	for _, h := range g.pop.servers {
		if h.Windows {
			out = append(out, h)
		}
	}
	return out
}

// backgroundActor picks who does something at ts: mostly a person on their workstation, sometimes a
// server's own processes.
func (g *genCtx) backgroundActor(ts time.Time) (*host, *user) {
	if g.r.IntN(5) == 0 {
		for k := 0; k < 8; k++ {
			if h := pick(g.r, g.pop.servers); h.Windows {
				return h, nil
			}
		}
	}
	u := g.someone(ts)
	return u.Device, u
}

func genDeviceProcessEvents(g *genCtx, n int) *frame {
	f, c := g.mdeFrame("DeviceProcessEvents", n+8)
	file, folder, cmd, acct, dom, upn, sid, oid, sha, sha1c, md5c, pid, created, integ, elev, company, product := f.col("FileName"),
		f.col("FolderPath"), f.col("ProcessCommandLine"), f.col("AccountName"), f.col("AccountDomain"), f.col("AccountUpn"),
		f.col("AccountSid"), f.col("AccountObjectId"), f.col("SHA256"), f.col("SHA1"), f.col("MD5"), f.col("ProcessId"),
		f.col("ProcessCreationTime"), f.col("ProcessIntegrityLevel"), f.col("ProcessTokenElevation"),
		f.col("ProcessVersionInfoCompanyName"), f.col("ProcessVersionInfoProductName")
	emit := func(ts time.Time, h *host, u *user, p procSpec) {
		parent := procSpec{image: p.parent, cmd: `"` + p.parent + `"`, parent: `C:\Windows\explorer.exe`}
		switch {
		case u == nil:
			parent.parent = `C:\Windows\System32\services.exe`
		case strings.HasSuffix(p.parent, `\explorer.exe`): // the desktop shell is started by userinit
			parent.parent = `C:\Windows\System32\userinit.exe`
		}
		c.set(g, ts, h, "ProcessCreated", parent, u)
		file.s(strings.ToLower(baseName(p.image)))
		folder.s(p.image)
		cmd.s(p.cmd)
		hs := hashesOf(p.image)
		sha.s(hs.sha256)
		sha1c.s(hs.sha1)
		md5c.s(hs.md5)
		pid.i(int64(1000 + 4*g.r.IntN(8000)))
		created.t(ts)
		company.s("Microsoft Corporation")
		product.s("Microsoft® Windows® Operating System")
		if u != nil {
			acct.s(u.Sam)
			dom.s(strings.ToLower(g.pop.netbios))
			upn.s(u.UPN)
			sid.s(u.SID)
			oid.s(u.ObjectID)
			integ.s("Medium")
			elev.s("TokenElevationTypeLimited")
		} else {
			acct.s("system")
			dom.s("nt authority")
			sid.s("S-1-5-18")
			integ.s("System")
			elev.s("TokenElevationTypeDefault")
		}
		f.end()
	}
	g.spread(n, func(ts time.Time) {
		h, u := g.backgroundActor(ts)
		if u == nil {
			emit(ts, h, nil, pick(g.r, serverProcs))
			return
		}
		emit(ts, h, u, pick(g.r, desktopProcs))
	})
	for _, s := range g.storiesOf(world.StoryEncodedPowerShell) {
		h, u := g.pop.hostNamed(s.Host), g.pop.user(s.Account)
		for i, p := range storyProcs(s.Host) {
			// Defender sees the process a second or two after the security event log.
			emit(s.Start(g.now).Add(time.Duration(i)*storyProcGap+1500*time.Millisecond), h, u, p)
		}
	}
	return f
}

// Cloud endpoints workstations talk to, with addresses in the providers' real ranges.
var remoteEndpoints = []struct{ url, ip string }{
	{"login.microsoftonline.com", "20.190.151.7"}, {"outlook.office365.com", "52.97.201.18"},
	{"graph.microsoft.com", "20.44.10.122"}, {"github.com", "140.82.121.4"}, {"www.google.com", "142.250.185.68"},
	{"teams.microsoft.com", "52.113.194.132"}, {"settings-win.data.microsoft.com", "51.104.136.2"},
}

func genDeviceNetworkEvents(g *genCtx, n int) *frame {
	f, c := g.mdeFrame("DeviceNetworkEvents", n+8)
	lip, lport, rip, rport, rurl, proto, ripType, lipType := f.col("LocalIP"), f.col("LocalPort"), f.col("RemoteIP"),
		f.col("RemotePort"), f.col("RemoteUrl"), f.col("Protocol"), f.col("RemoteIPType"), f.col("LocalIPType")
	browser := desktopProcs[3]
	g.spread(n, func(ts time.Time) {
		u := g.someone(ts)
		h := u.Device
		ep := pick(g.r, remoteEndpoints)
		c.set(g, ts, h, "ConnectionSuccess", browser, u)
		lip.s(h.IP)
		lipType.s("Private")
		lport.i(int64(49152 + g.r.IntN(16000)))
		rip.s(ep.ip)
		ripType.s("Public")
		rport.i(443)
		rurl.s(ep.url)
		proto.s("Tcp")
		f.end()
	})
	for _, s := range g.storiesOf(world.StoryEncodedPowerShell) {
		h, u := g.pop.hostNamed(s.Host), g.pop.user(s.Account)
		c.set(g, s.Start(g.now).Add(5*time.Second), h, "ConnectionSuccess", storyProcs(s.Host)[0], u)
		lip.s(h.IP)
		lipType.s("Private")
		lport.i(int64(50000 + hash64(s.Host)%10000))
		rip.s(s.IP)
		ripType.s("Public")
		rport.i(80)
		rurl.s(StageURL(s.Host))
		proto.s("Tcp")
		f.end()
	}
	return f
}

func genDeviceLogonEvents(g *genCtx, n int) *frame {
	f, c := g.mdeFrame("DeviceLogonEvents", n)
	acct, dom, sid, lt, rip, ripType, rdev, admin, proto, failure, logonID := f.col("AccountName"), f.col("AccountDomain"),
		f.col("AccountSid"), f.col("LogonType"), f.col("RemoteIP"), f.col("RemoteIPType"), f.col("RemoteDeviceName"),
		f.col("IsLocalAdmin"), f.col("Protocol"), f.col("FailureReason"), f.col("LogonId")
	winlogon := procSpec{image: `C:\Windows\System32\winlogon.exe`, cmd: "winlogon.exe", parent: `C:\Windows\System32\smss.exe`}
	lsass := procSpec{image: `C:\Windows\System32\lsass.exe`, cmd: `C:\Windows\system32\lsass.exe`, parent: `C:\Windows\System32\wininit.exe`}
	servers := []*host{}
	for _, h := range g.pop.servers {
		if h.Windows {
			servers = append(servers, h)
		}
	}
	g.spread(n, func(ts time.Time) {
		u := g.someone(ts)
		h, kind, init := u.Device, "Interactive", winlogon
		if g.r.IntN(4) == 0 { // a file share or application server logon over the network
			h, kind, init = pick(g.r, servers), "Network", lsass
			rip.s(u.Device.IP)
			ripType.s("Private")
			rdev.s(u.Device.Name)
		}
		action := "LogonSuccess"
		if g.r.IntN(25) == 0 {
			action = "LogonFailed"
			failure.s("InvalidUserNameOrPassword")
		}
		c.set(g, ts, h, action, init, nil)
		acct.s(u.Sam)
		dom.s(strings.ToLower(g.pop.netbios))
		sid.s(u.SID)
		lt.s(kind)
		admin.b(u.Admin && kind == "Interactive")
		proto.s("Kerberos")
		logonID.i(int64(0x100000 + g.r.IntN(0xffffff)))
		f.end()
	})
	return f
}

var fileOps = []struct{ action, name, folder string }{
	{"FileCreated", "Q%d-report.xlsx", `C:\Users\%s\Documents`},
	{"FileModified", "notes-%d.docx", `C:\Users\%s\OneDrive - Corp`},
	{"FileCreated", "setup_%d.msi", `C:\Users\%s\Downloads`},
	{"FileDeleted", "~$temp%d.tmp", `C:\Users\%s\AppData\Local\Temp`},
	{"FileRenamed", "budget-%d.pdf", `C:\Users\%s\Documents`},
}

func genDeviceFileEvents(g *genCtx, n int) *frame {
	f, c := g.mdeFrame("DeviceFileEvents", n)
	name, folder, sha, size, prev := f.col("FileName"), f.col("FolderPath"), f.col("SHA256"), f.col("FileSize"),
		f.col("PreviousFileName")
	explorer := procSpec{image: `C:\Windows\explorer.exe`, cmd: `C:\Windows\Explorer.EXE`, parent: `C:\Windows\System32\userinit.exe`}
	g.spread(n, func(ts time.Time) {
		u := g.someone(ts)
		op := pick(g.r, fileOps)
		fn := fmt.Sprintf(op.name, 1+g.r.IntN(40))
		dir := fmt.Sprintf(op.folder, u.Sam)
		c.set(g, ts, u.Device, op.action, explorer, u)
		name.s(fn)
		folder.s(dir + `\` + fn)
		sha.s(hashesOf(dir + fn).sha256)
		size.i(int64(1024 + g.r.IntN(5<<20)))
		if op.action == "FileRenamed" {
			prev.s("draft-" + fn)
		}
		f.end()
	})
	return f
}
