package seed

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The population of a workspace (its tenant's people, their workstations, the servers reporting to the
// workspace) depends on the workspace and the volume scale only, never on Options.Seed: incidents, stories
// and logs refer to the same people and machines whatever the seed. It grows with the scale so that each
// person's activity stays at a realistic rate (a bigger data set is a bigger organisation, not busier
// people), which also keeps background activity under the shipped rules' thresholds at any volume.

type user struct {
	UPN, Display, ObjectID, Sam, SID, Department string
	Home                                         *place
	HomeIP                                       string // home broadband address, in Home
	Device                                       *host  // primary workstation
	Admin                                        bool   // IT administrator: directory and Azure changes
	VPN                                          bool   // uses the legacy VPN
	deviceDetail                                 map[string]any
	deviceJSON                                   string
}

type host struct {
	Name       string // upper case for Windows (CONTOSO-WKS-017), lower case for Linux
	FQDN       string
	DeviceID   string // Defender for Endpoint device id
	IP         string // private address
	OS         string
	Windows    bool
	Server     bool
	Agent      bool    // Azure Monitor agent: Heartbeat, SecurityEvent or Syslog
	Reported   float64 // share of the window the agent has reported (1 unless onboarded during it)
	ResourceID string  // Azure VM (servers) or Arc machine (workstations) id
	VMUUID     string
}

type population struct {
	ws           world.Workspace
	tenant       world.Tenant
	home         *place // the tenant's main office
	mail         string // e-mail and UPN domain
	domain       string // DNS domain of the machines
	netbios      string // NetBIOS domain (CONTOSO)
	users        []*user
	byUPN        map[string]*user
	admins       []*user
	vpnUsers     []*user
	workstations []*host
	servers      []*host // every server, Windows and Linux
	agents       []*host // machines with the Azure Monitor agent
	winAgents    []*host
	linuxAgents  []*host
	dc, web      *host // domain controller (DNS, logons), IIS server
	officeIPs    []string
	subnet       int // second octet of the tenant's 10.x.0.0/16
}

// tenantHome is each named tenant's office city.
var tenantHome = map[string][2]string{
	world.Woodgrove: {"GB", "London"}, world.Contoso: {"US", "Redmond"}, world.Fabrikam: {"DE", "Frankfurt am Main"},
	world.Northwind: {"US", "New York"}, world.Litware: {"US", "New York"}, world.Adatum: {"GB", "London"},
}

var extraCountries = []string{"FR", "NL", "US", "GB", "DE", "JP", "IN"}

// extraCountry is the home country of synthetic customer "customer-NN".
func extraCountry(alias string) string {
	var n int
	fmt.Sscanf(alias, "customer-%d", &n)
	return extraCountries[max(n-1, 0)%len(extraCountries)]
}

var departments = []string{"Finance", "Sales", "Marketing", "Engineering", "HR", "IT", "Legal", "Operations"}

var browsers = []string{"Edge 124.0.0", "Chrome 124.0.0", "Chrome 123.0.0", "Firefox 125.0"}

// popSize is the size of a workspace's population at a volume scale. The last extra agent machine was
// onboarded during the window: it has reported for lastAgentShare of it, which keeps the heartbeat volume
// a continuous function of the scale.
type popSize struct {
	users, workstations, extraAgents int
	lastAgentShare                   float64
}

func sizeFor(ws world.Workspace, scale float64) popSize {
	grow := math.Max(1, scale)
	s := popSize{users: 72, workstations: 24}
	if ws.Synthetic {
		s = popSize{users: 24, workstations: 8}
	}
	s.users = min(int(math.Round(float64(s.users)*grow)), 20000)
	s.workstations = min(int(math.Round(float64(s.workstations)*grow)), 8000)
	// Agent machines grow too (more member servers), so Heartbeat keeps its share of the volume.
	extra := min(3*(grow-1), 3000)
	s.extraAgents, s.lastAgentShare = int(math.Ceil(extra)), 1
	if frac := extra - math.Floor(extra); frac > 0 {
		s.lastAgentShare = frac
	}
	return s
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// rngFor returns a deterministic generator for a purpose.
func rngFor(seed int64, parts ...string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), hash64(parts...)))
}

func newPopulation(ws world.Workspace, scale float64, facts world.Facts) *population {
	t, _ := world.TenantByAlias(ws.TenantAlias)
	p := &population{ws: ws, tenant: t, mail: t.Mail, domain: t.Mail, byUPN: map[string]*user{}}
	home, prefix := tenantHome[t.Alias], world.HostPrefix(t.Alias)
	if ws.Synthetic {
		home = [2]string{extraCountry(t.Alias), ""}
	}
	if ws.Name == world.WSContosoDev {
		p.domain = "dev." + t.Mail // the development estate is its own AD forest
	}
	p.home = cityOf(home[0], home[1])
	p.netbios = strings.ToUpper(strings.SplitN(t.Mail, ".", 2)[0])
	p.subnet = 16 + int(hash64(t.Alias)%200)
	size := sizeFor(ws, scale)
	r := rngFor(0, "population", ws.Name)
	p.officeIPs = []string{publicIP(r, p.home.idx), publicIP(r, p.home.idx)}

	// Machines: workstations, the story hosts of this workspace, servers.
	width := 3
	if size.workstations > 999 {
		width = 4
	}
	for i := 0; i < size.workstations; i++ {
		p.workstations = append(p.workstations, p.newHost(fmt.Sprintf("%s-WKS-%0*d", prefix, width, i+1), false, true, r))
	}
	storyHosts := map[string]bool{}
	for _, s := range facts.StoriesIn(ws.Name) {
		if s.Host == "" {
			continue
		}
		storyHosts[strings.ToUpper(s.Host)] = true
		if p.hostNamed(s.Host) == nil {
			p.workstations = append(p.workstations, p.newHost(strings.ToUpper(s.Host), false, true, r))
		}
	}
	servers := []string{"SRV-DC-01", "SRV-DC-02", "SRV-FS-01", "SRV-WEB-01", "SRV-SQL-01", "SRV-BACKUP-01", "srv-lnx-01", "srv-lnx-02"}
	agents := map[string]bool{"SRV-DC-01": true, "SRV-WEB-01": true, "srv-lnx-01": true}
	if ws.Synthetic {
		servers = []string{"SRV-DC-01", "SRV-FS-01", "srv-lnx-01"}
		agents = map[string]bool{"SRV-DC-01": true, "srv-lnx-01": true}
	}
	if !ws.Sentinel { // the operations workspace monitors the line-of-business servers
		servers = []string{"SRV-APP-01", "SRV-APP-02", "srv-lnx-ops-01"}
		agents = map[string]bool{"SRV-APP-01": true, "srv-lnx-ops-01": true}
	}
	for i := 0; i < size.extraAgents; i++ {
		name := fmt.Sprintf("SRV-MBR-%03d", i+1)
		if i%3 == 2 {
			name = fmt.Sprintf("srv-lnx-%03d", i+3)
		}
		servers, agents[name] = append(servers, name), true
	}
	for i, name := range servers {
		h := p.newHost(name, true, strings.ToUpper(name) == name, r)
		h.Agent, h.Reported = agents[name], 1
		if i == len(servers)-1 && size.extraAgents > 0 {
			h.Reported = size.lastAgentShare
		}
		p.servers = append(p.servers, h)
	}
	// Workstations with the agent: the story hosts (finance and engineering machines under extra audit),
	// whose Windows security events the encoded PowerShell rule reads.
	for _, h := range p.workstations {
		h.Agent, h.Reported = ws.Sentinel && storyHosts[h.Name], 1
	}
	for _, h := range append(append([]*host(nil), p.servers...), p.workstations...) {
		if !h.Agent {
			continue
		}
		p.agents = append(p.agents, h)
		if h.Windows {
			p.winAgents = append(p.winAgents, h)
		} else {
			p.linuxAgents = append(p.linuxAgents, h)
		}
	}
	p.dc, p.web = p.servers[0], p.servers[0]
	for _, h := range p.servers {
		if h.Name == "SRV-WEB-01" || h.Name == "SRV-APP-01" {
			p.web = h
		}
	}
	// People are the tenant's: the same in each of its workspaces (Contoso's production and development).
	p.newUsers(size.users, facts, rngFor(0, "people", t.Alias))
	return p
}

// newUsers creates the tenant's people: the story accounts first, so they always exist, then name
// combinations (with a number once they run out).
func (p *population) newUsers(n int, facts world.Facts, r *rand.Rand) {
	var names [][2]string
	seen := map[string]bool{}
	for _, s := range facts.Stories {
		if local, dom, ok := strings.Cut(s.Account, "@"); ok && dom == p.mail && !seen[local] {
			seen[local] = true
			f, l, _ := strings.Cut(local, ".")
			names = append(names, [2]string{capital(f), capital(l)})
		}
	}
	for i := 0; len(names) < n; i++ {
		f, l := world.PersonName(i)
		local := strings.ToLower(f + "." + l)
		if !seen[local] {
			seen[local] = true
			names = append(names, [2]string{f, l})
		}
	}
	domainSID := fmt.Sprintf("S-1-5-21-%d-%d-%d", 1000000000+hash64(p.tenant.Alias)%900000000,
		200000000+hash64(p.tenant.Alias, "b")%700000000, 300000000+hash64(p.tenant.Alias, "c")%600000000)
	for i, nm := range names[:n] {
		upn := strings.ToLower(nm[0] + "." + nm[1] + "@" + p.mail)
		home := p.home
		if r.IntN(5) == 0 { // some people live elsewhere in the country (or work from another office)
			for k := range places {
				if places[k].Code == p.home.Code && &places[k] != p.home {
					home = &places[k]
				}
			}
		}
		u := &user{UPN: upn, Display: nm[0] + " " + strings.TrimRight(nm[1], "0123456789"),
			ObjectID: world.UserObjectID(upn), Sam: strings.ToLower(nm[0] + "." + nm[1]),
			Department: departments[r.IntN(len(departments))], Home: home, HomeIP: publicIP(r, home.idx),
			Device: p.workstations[i%len(p.workstations)], Admin: i%12 == 5, VPN: i%6 == 1,
			SID: fmt.Sprintf("%s-%d", domainSID, 1100+i)}
		if u.Admin {
			u.Department = "IT"
			p.admins = append(p.admins, u)
		}
		if u.VPN {
			p.vpnUsers = append(p.vpnUsers, u)
		}
		u.deviceDetail = map[string]any{"browser": browsers[r.IntN(len(browsers))]}
		p.users = append(p.users, u)
		p.byUPN[upn] = u
	}
	// A story's host is its account's own workstation.
	for _, s := range facts.StoriesIn(p.ws.Name) {
		if h := p.hostNamed(s.Host); h != nil && s.Host != "" {
			p.user(s.Account).Device = h
		}
	}
	for _, u := range p.users {
		u.deviceDetail = map[string]any{"deviceId": world.GUID("aad-device:" + u.Device.FQDN), "displayName": u.Device.Name,
			"operatingSystem": "Windows10", "browser": u.deviceDetail["browser"], "isCompliant": true,
			"isManaged": true, "trustType": "Azure AD joined"}
		u.deviceJSON = jsonString(u.deviceDetail)
	}
}

func (p *population) newHost(name string, server, windows bool, r *rand.Rand) *host {
	h := &host{Name: name, FQDN: strings.ToLower(name) + "." + p.domain, Server: server, Windows: windows,
		DeviceID: strings.ReplaceAll(world.GUID("device:"+p.ws.Name+"/"+name), "-", "")[:32] + fmt.Sprintf("%08x", hash64(name)&0xffffffff),
		VMUUID:   world.GUID("vm:" + p.ws.Name + "/" + name)}
	if server {
		h.IP = fmt.Sprintf("10.%d.0.%d", p.subnet, 10+r.IntN(240))
	} else {
		h.IP = fmt.Sprintf("10.%d.%d.%d", p.subnet, 1+r.IntN(30), 10+r.IntN(240))
	}
	switch {
	case !windows:
		h.OS = "Ubuntu"
	case server:
		h.OS = "Microsoft Windows Server 2022 Datacenter"
	default:
		h.OS = "Microsoft Windows 11 Enterprise"
	}
	rg := "/subscriptions/" + p.ws.SubscriptionID + "/resourceGroups/" + p.ws.ResourceGroup
	if server {
		h.ResourceID = rg + "/providers/Microsoft.Compute/virtualMachines/" + strings.ToLower(name)
	} else {
		h.ResourceID = rg + "/providers/Microsoft.HybridCompute/machines/" + strings.ToLower(name)
	}
	return h
}

// hostNamed returns the machine with that name (case-insensitive), or nil.
func (p *population) hostNamed(name string) *host {
	for _, list := range [][]*host{p.workstations, p.servers} {
		for _, h := range list {
			if strings.EqualFold(h.Name, name) {
				return h
			}
		}
	}
	return nil
}

// user returns a person by UPN; stories name people the population always has.
func (p *population) user(upn string) *user {
	u, ok := p.byUPN[upn]
	if !ok {
		panic("seed: " + upn + " is not in the population of " + p.ws.Name)
	}
	return u
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
