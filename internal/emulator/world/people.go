package world

import (
	"fmt"
	"strings"
)

// The people of the named tenants. Every tenant's directory is built from the same name combinations (after
// its story accounts, which come first), so facts can name a person a tenant is sure to have without
// knowing how many people the data set's volume gives it: PersonName(i) for i < MinPeople is in every
// named tenant.

var firstNames = []string{"Adele", "Alex", "Allan", "Christie", "Debra", "Diego", "Emily", "Enrico", "Grady",
	"Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor",
	"Patti", "Pradeep", "Raul", "Sanjay", "Zrinka", "Brian", "Cameron", "Dana", "Elena", "Farah", "Gustavo",
	"Hana", "Ivan", "Julia", "Kenji", "Leila"}

var lastNames = []string{"Vance", "Wilber", "Deyoung", "Cline", "Berger", "Siciliani", "Braun", "Cattaneo",
	"Archie", "Mueller", "Sayers", "Langer", "Lorenz", "Sherman", "Gu", "Holloway", "Robbins", "Bowen",
	"Graham", "Wilke", "Fernandez", "Gupta", "Razo", "Shah", "Makovac", "Johnson", "Ito", "Okafor", "Novak",
	"Petrov", "Silva", "Tanaka", "Dubois"}

// MinPeople is the number of name combinations every named tenant's directory contains, whatever the
// volume (a named tenant has at least 72 people, of whom at most a few are story accounts listed first).
const MinPeople = 60

// PersonName returns the i-th name combination (0-based) of the tenants' directories: first and last name,
// the last with a number once the combinations run out.
func PersonName(i int) (first, last string) {
	f := firstNames[i%len(firstNames)]
	l := lastNames[(i*7+i/len(firstNames))%len(lastNames)]
	if k := i / (len(firstNames) * len(lastNames)); k > 0 {
		l += fmt.Sprint(k + 1)
	}
	return f, l
}

// PersonUPN is the user principal name of the i-th person of a tenant ("adele.vance@contoso.com").
func PersonUPN(t Tenant, i int) string {
	f, l := PersonName(i)
	return strings.ToLower(f + "." + l + "@" + t.Mail)
}

// DisplayNameOf is a person's display name from their UPN ("Adele Vance"); numbers added to make names
// unique are not part of it.
func DisplayNameOf(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	parts := strings.Split(local, ".")
	for i, p := range parts {
		p = strings.TrimRight(p, "0123456789")
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

// UserObjectID is the Entra object id of a user (the same in sign-in logs, alerts and incident owners).
func UserObjectID(upn string) string { return GUID("user:" + upn) }

var hostPrefixes = map[string]string{Woodgrove: "WG", Contoso: "CONTOSO", Fabrikam: "FAB", Northwind: "NW", Litware: "LIT",
	Adatum: "ADT"}

// HostPrefix is the prefix of a tenant's workstation names ("CONTOSO" in CONTOSO-WKS-017; "C07" for the
// synthetic customer-07).
func HostPrefix(tenantAlias string) string {
	if p, ok := hostPrefixes[tenantAlias]; ok {
		return p
	}
	return "C" + strings.TrimPrefix(tenantAlias, "customer-")
}

// MinWorkstations is the number of workstations every named tenant's estate has whatever the volume
// (synthetic customers have 8): Workstation(t, n) for 1 <= n <= MinWorkstations always exists.
const MinWorkstations = 24

// Workstation is the name of a tenant's n-th workstation (1-based): "CONTOSO-WKS-017".
func Workstation(tenantAlias string, n int) string {
	return fmt.Sprintf("%s-WKS-%03d", HostPrefix(tenantAlias), n)
}

// Servers every Sentinel workspace's estate has (the domain controller, file server and the Linux syslog
// collector; named tenants also have SRV-DC-02, SRV-WEB-01, SRV-SQL-01 and SRV-BACKUP-01).
const (
	ServerDC     = "SRV-DC-01"
	ServerFiles  = "SRV-FS-01"
	ServerWeb    = "SRV-WEB-01"
	ServerSQL    = "SRV-SQL-01"
	ServerBackup = "SRV-BACKUP-01"
)
